// libFuzzer target: SCALE-Sim .cfg files as configs (the topology comes from --trace; not read here).
#include "config/config.h"
#include "fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = lpsim::fuzz::to_file(data, size, "scalesim.cfg");
  lpsim::fuzz::expect_input_errors_only([&] {
    const lpsim::cfg::Config c = lpsim::cfg::load_config(path, {}, "topology.csv");
    (void)lpsim::cfg::dump_config(c);
  });
  return 0;
}
