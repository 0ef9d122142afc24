// Workload traces: SCALE-Sim topology CSVs (conv and GEMM forms, read unchanged) and lpsim's native YAML
// trace (traces/README.md). Both become an ordered list of ops with the GEMM/conv shape the array sees.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "array/timing.h"
#include "util/error.h"

namespace lpsim::trace {

enum class OpType { kGemm, kConv2d };
const char* to_string(OpType t);

struct Op {
  std::string name;
  OpType type = OpType::kGemm;
  model::LayerShape shape;  // what one instance looks like to the array (SCALE-Sim conv form)
  int64_t repeat = 1;       // independent identical instances (attention heads, conv groups)
  Location where;           // file:line of the op in its trace
  uint64_t macs() const { return shape.macs() * static_cast<uint64_t>(repeat); }
};

struct Trace {
  std::string name;
  std::string file;
  std::string format;  // "scalesim-conv", "scalesim-gemm" or "yaml"
  std::vector<Op> ops;
};

// Reads a trace; the format follows the extension (.csv: SCALE-Sim topology, .yaml/.yml: native).
// `from` is where the trace path was given (for "cannot read" errors). Throws InputError.
Trace read_trace(const std::string& path, const Location& from);

// Keeps only the named ops, in trace order; unknown names are an InputError at `where`.
void filter_ops(Trace& t, const std::vector<std::string>& names, const Location& where);

}  // namespace lpsim::trace
