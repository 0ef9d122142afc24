// The workload of a run as the driver sees it: the config's trace or ONNX model read into the one graph
// (graph/graph.h), with workload.layers and workload.overrides applied, and the values fed to a model's inputs.
#pragma once
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "config/config.h"
#include "exec/executor.h"
#include "graph/graph.h"
#include "io/dataset.h"

namespace lpsim::driver {

// Reads workload.trace or workload.model. Throws InputError (unknown op in workload.layers, an override whose
// name or glob matches no op, a bad model or trace).
graph::Graph load_workload(const cfg::Config& c);

// A run's workload with its data: the graph; for a data set (workload.dataset) the images and labels, the model
// imported at workload.batch, and the same model at the size of a last partial batch (tail).
struct RunWorkload {
  graph::Graph graph;
  std::unique_ptr<graph::Graph> tail;
  std::optional<io::Dataset> dataset;
  int64_t batch = 1;     // images per batch (data sets)
  uint64_t batches = 1;  // full batches of `graph`
  // Graph inputs of batch b of the data set (the last, b == batches, is the tail).
  std::map<std::string, exec::TensorF> dataset_batch(uint64_t b) const;
};

// Reads the workload and, for a data set, the images and labels (every file checked before anything runs).
RunWorkload load_run_workload(const cfg::Config& c);

// Values for a model's graph inputs: workload.input (.npy, shape checked) or workload.synthetic (seeded per input
// from run.seed); empty when neither is given (timing only) or for a classic trace.
std::map<std::string, exec::TensorF> graph_inputs(const cfg::Config& c, const graph::Graph& g);

}  // namespace lpsim::driver
