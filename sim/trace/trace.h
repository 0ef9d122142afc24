// Workload readers: SCALE-Sim topology CSVs (conv and GEMM forms, read unchanged) and lpsim's native YAML trace
// (traces/README.md; classic standalone ops, or graph ops with tensor inputs/outputs as `lpsim import` writes
// them). Every reader produces the one in-memory graph (graph/graph.h).
#pragma once
#include <string>
#include <vector>

#include "graph/graph.h"

namespace lpsim::trace {

// Reads a trace; the format follows the extension (.csv: SCALE-Sim topology, .yaml/.yml: native).
// `from` is where the trace path was given (for "cannot read" errors). Throws InputError.
Trace read_trace(const std::string& path, const Location& from);

// Throws InputError at op.where when a figure the models derive from an array op (M, K, M*K, K*N, M*N, MACs,
// each times repeat) exceeds 64 bits. Readers call it for each array op they produce; the pre-flight for all.
void check_op_size(const Op& op);

// Keeps only the named ops (graph::filter_ops).
inline void filter_ops(Trace& t, const std::vector<std::string>& names, const Location& where) {
  graph::filter_ops(t, names, where);
}

}  // namespace lpsim::trace
