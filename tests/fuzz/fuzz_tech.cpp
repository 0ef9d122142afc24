// libFuzzer target: the technology-table reader (energy per action, areas, node scaling; accelerator.cost).
#include "config/tech.h"
#include "fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text = lpsim::fuzz::as_text(data, size);
  lpsim::fuzz::expect_input_errors_only([&] { (void)lpsim::cfg::parse_tech_table(text, "tech.yaml"); });
  return 0;
}
