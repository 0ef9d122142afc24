#include "driver/precheck.h"

#include "util/error.h"

namespace lpsim::driver {

model::SparsityParams effective_sparsity(const cfg::Config& c, const graph::Graph& g, const graph::Node& n) {
  model::SparsityParams p = n.sparsity ? *n.sparsity : c.sparsity;
  if (p.scheme == model::SparsityScheme::kNM) {
    const bool exempt = n.prune.source == graph::PruneSpec::Source::kOp && n.prune.method == model::PruneMethod::kNone;
    const bool activations = !n.standalone() && !g.tensors.at(n.inputs[1]).constant;
    if (exempt || activations) p.scheme = model::SparsityScheme::kNone;
  }
  return p;
}

bool model_has_values(const cfg::Config& c, const graph::Graph& g) {
  // driver::graph_inputs(): workload.input feeds the one input, workload.synthetic every input.
  return g.dataflow() && (!c.workload.input.empty() || (c.workload.synthetic != "off" && !g.inputs.empty()));
}

void precheck(const cfg::Config& c, const graph::Graph& g) {
  // models/sparsity/README.md: densities are measured on the quantized operands, which a timing-only op lacks.
  const bool model_values = model_has_values(c, g);
  for (const auto& n : g.ops) {
    if (!n.on_array()) continue;
    const model::SparsityScheme scheme = effective_sparsity(c, g, n).scheme;
    if (scheme == model::SparsityScheme::kNone) continue;
    // The sparse timing model schedules one-MAC PEs (load_config refuses a global scheme with dot_width > 1; a
    // trace or workload override may still name one per op).
    if (c.array.dot_width > 1)
      throw_input_error(c.loc("accelerator.pe.dot_width"),
                        "dot-product PEs (dot_width " + std::to_string(c.array.dot_width) + ") cannot run op '" +
                            n.name + "' (" + g.file + ") with sparsity scheme " + model::to_string(scheme) +
                            " (the sparse timing model has one-MAC PEs); set dot_width: 1 or the op's scheme to none");
    const bool values = n.standalone() ? (n.has_tensors() || c.workload.synthetic != "off") : model_values;
    if (!values)
      throw_input_error(c.loc("accelerator.sparsity.scheme"),
                        std::string(model::to_string(scheme)) + " measures the zeros of the operand values, but op '" +
                            n.name + "' (" + g.file + ") has no values: give it a:/b: tensors, a model input "
                            "(workload.input), or set workload.synthetic (e.g. --set workload.synthetic=normal)");
  }
}

}  // namespace lpsim::driver
