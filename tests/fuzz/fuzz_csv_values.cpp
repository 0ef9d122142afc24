// libFuzzer target: the one-number-per-line CSV tensor reader (lpsim quantize inputs).
#include "fuzz_util.h"
#include "io/csv_values.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text = lpsim::fuzz::as_text(data, size);
  lpsim::fuzz::expect_input_errors_only([&] { (void)lpsim::io::parse_csv_values(text, "fuzz.csv"); });
  return 0;
}
