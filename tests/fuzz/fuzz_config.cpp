// libFuzzer target: the config reader (YAML -> typed, validated cfg::Config, then the resolved dump).
#include "config/config.h"
#include "fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = lpsim::fuzz::to_file(data, size, "config.yaml");
  lpsim::fuzz::expect_input_errors_only([&] {
    const lpsim::cfg::Config c = lpsim::cfg::load_config(path, {});
    (void)lpsim::cfg::dump_config(c);
    (void)lpsim::cfg::arch_desc(c);
  });
  return 0;
}
