// libFuzzer target: the sweep-file reader (axes, groups, tied keys, zip, explicit points; not the config checks,
// which start `lpsim validate` processes).
#include "fuzz_util.h"
#include "sweep/spec.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = lpsim::fuzz::to_file(data, size, "sweep.yaml");
  lpsim::fuzz::expect_input_errors_only([&] { (void)lpsim::sweep::read_spec(path); });
  return 0;
}
