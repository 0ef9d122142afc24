// The run driver: the only place where architecture (config), workload (graph) and models meet. A run is a
// sequence of per-op stages: timing (array, SFU, vector unit), values (the graph executor, with the sparsity
// analysis of every GEMM it computes), cost (activity priced by the cost model), and the report rows built from
// them.
#pragma once
#include <functional>
#include <map>
#include <string>

#include "config/config.h"
#include "exec/executor.h"
#include "graph/graph.h"
#include "report/report.h"

namespace lpsim::driver {

using Progress = std::function<void(size_t done, size_t total)>;

struct RunResult {
  report::Report report;
  std::map<std::string, exec::TensorF> outputs;  // graph outputs of a model run with values (last batch)
};

// What a run executes: `graph` for `batches` batches, then (a data set whose size is no multiple of the batch) the
// same model imported at the last batch's size, once. inputs(b) gives batch b's graph inputs (an empty function:
// timing only); on_batch(b, executor) sees each batch's outputs and their FP64 reference.
struct RunPlan {
  const graph::Graph* graph = nullptr;
  uint64_t batches = 1;
  const graph::Graph* tail = nullptr;
  std::function<std::map<std::string, exec::TensorF>(uint64_t batch)> inputs;
  std::function<void(uint64_t batch, const exec::Executor& ex)> on_batch;
};
RunResult simulate(const cfg::Config& c, const RunPlan& plan, const Progress& progress = {});

// Simulates every op of the graph on the configured accelerator. `inputs` feeds a model's graph inputs
// (graph_inputs(); empty: timing only). SystemC elaborates once per process, so this may be called once per
// process.
RunResult simulate(const cfg::Config& c, const graph::Graph& g, const std::map<std::string, exec::TensorF>& inputs,
                   const Progress& progress = {});

}  // namespace lpsim::driver
