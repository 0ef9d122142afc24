// libFuzzer target: the native YAML trace reader + the run's pre-flight.
#include "fuzz_trace_common.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return lpsim::fuzz::check_trace(data, size, "trace.yaml");
}
