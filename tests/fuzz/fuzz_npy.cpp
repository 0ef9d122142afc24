// libFuzzer target: the .npy tensor reader (whole file, and header only as the pre-flight reads it).
#include "fuzz_util.h"
#include "io/npy.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string bytes = lpsim::fuzz::as_text(data, size);
  lpsim::fuzz::expect_input_errors_only([&] { (void)lpsim::io::parse_npy_f32(bytes, "fuzz.npy"); });
  lpsim::fuzz::expect_input_errors_only([&] { (void)lpsim::io::parse_npy_header(bytes, "fuzz.npy"); });
  return 0;
}
