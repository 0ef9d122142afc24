// The workload of a run as the driver sees it: the config's trace or ONNX model read into the one graph
// (graph/graph.h), with workload.layers and workload.overrides applied, and the values fed to a model's inputs.
#pragma once
#include <map>
#include <string>

#include "config/config.h"
#include "exec/executor.h"
#include "graph/graph.h"

namespace lpsim::driver {

// Reads workload.trace or workload.model. Throws InputError (unknown op in workload.layers, an override whose
// name or glob matches no op, a bad model or trace).
graph::Graph load_workload(const cfg::Config& c);

// Values for a model's graph inputs: workload.input (.npy, shape checked) or workload.synthetic (seeded per input
// from run.seed); empty when neither is given (timing only) or for a classic trace.
std::map<std::string, exec::TensorF> graph_inputs(const cfg::Config& c, const graph::Graph& g);

}  // namespace lpsim::driver
