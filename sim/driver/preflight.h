// Pre-flight of a run: everything that can be known to fail is checked before the first cycle is simulated, so
// a bad input costs milliseconds, names the file and line that caused it, and leaves no output behind.
//   * every figure of every op (shape, MACs, folds, compute cycles, SRAM words) and their sums over the trace fit
//     64 bits (LimitError from the models becomes an InputError at the op's trace line);
//   * every tensor file an op references exists and is a float32 C-order .npy of the op's shape (the error names
//     the trace line and key that referenced it, not only the .npy);
//   * the memory the run will need is estimated (largest op: tensors, quantized and packed copies, outputs,
//     timing state) and refused above run.max_memory_gib.
// Called by `lpsim run` (sim/cli/cmd_run.cpp) after loading and before driver::simulate.
#pragma once
#include <cstdint>
#include <string>

#include "config/config.h"
#include "trace/trace.h"

namespace lpsim::driver {

struct MemoryEstimate {
  double bytes = 0;           // peak of the run (the op that needs most, plus the previous op's outputs)
  size_t op = 0;              // index of that op in the trace
  std::string breakdown;      // "A 1.0 GiB + B ... " for the message
};

MemoryEstimate estimate_memory(const cfg::Config& c, const trace::Trace& t);

// Throws InputError (file:line: key: message) on the first problem found.
void preflight(const cfg::Config& c, const trace::Trace& t);

// "1.5 GiB", "640 KiB", "12 B".
std::string format_bytes(double bytes);

}  // namespace lpsim::driver
