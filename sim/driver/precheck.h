// Checks of a loaded config and workload that need no simulation: everything about a run that can be known to
// fail before any of it runs. `lpsim run`/`validate` and the sweep pre-check (every point before the first one
// starts) call the same function, so a sweep never learns at run time what it could have known up front.
#pragma once
#include "config/config.h"
#include "graph/graph.h"
#include "sparsity/sparsity.h"

namespace lpsim::driver {

// The zero handling an op gets: its workload.overrides entry or the accelerator's; N:M hardware runs an op dense
// when the trace exempts it (`prune: none`) or when its second operand is not a weight (activation x activation).
model::SparsityParams effective_sparsity(const cfg::Config& c, const graph::Graph& g, const graph::Node& n);

// Whether a model's graph will get input values (workload.input, or workload.synthetic for its inputs).
bool model_has_values(const cfg::Config& c, const graph::Graph& g);

// Throws InputError at the config key that makes the run impossible:
//   * a sparsity scheme measures zeros in operand values, so every array op it applies to needs values (its own
//     a:/b: tensors, the trace's tensors:, a model input, or workload.synthetic); names the first op without.
void precheck(const cfg::Config& c, const graph::Graph& g);

}  // namespace lpsim::driver
