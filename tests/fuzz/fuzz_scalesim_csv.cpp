// libFuzzer target: the SCALE-Sim topology CSV reader (conv and GEMM forms, DP layers) + the run's pre-flight.
#include "fuzz_trace_common.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return lpsim::fuzz::check_trace(data, size, "topology.csv");
}
