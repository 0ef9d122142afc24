// libFuzzer target: the ONNX model reader (protobuf parse, constant folding, pattern fusion, shape inference).
// Mutated protobuf bytes mostly fail to parse; the seeds are small models whose graphs the mutations then vary.
#include "fuzz_util.h"
#include "onnx/onnx_reader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = lpsim::fuzz::to_file(data, size, "fuzz.onnx");
  lpsim::fuzz::expect_input_errors_only([&] {
    lpsim::onnx_import::ImportOptions o;
    (void)lpsim::onnx_import::read_onnx(path, o);
  });
  return 0;
}
