#include "cli/commands.h"

namespace lpsim::cli {

const std::vector<Command>& commands() {
  static const std::vector<Command> table = {
      {"run", "simulate a config (YAML or SCALE-Sim .cfg) and report cycles, traffic and accuracy", cmd_run},
      {"validate", "check a config and its trace or model; print the fully resolved config", cmd_validate},
      {"validate-cost", "the area/energy model against published accelerators (TPU v1, Eyeriss, NVDLA): ratios",
       cmd_validate_cost},
      {"import", "write an ONNX model as a native graph trace (YAML) with its weights as .npy", cmd_import},
      {"cosim", "co-verify an RTL block (K-TanH, MACs, MX dot, systolic tile) against lpsim's models, bit by bit",
       cmd_cosim},
      {"quantize", "quantize a float32 tensor to MX/FP8/BF16/INT8/DFP16 bit-true; report SQNR", cmd_quantize},
      {"gemm", "one GEMM through the bit-true PE datapath (MX, FP8/BF16, INT16): accuracy and cycles", cmd_gemm},
      {"sweep", "run a design-space sweep (one lpsim run per point, in parallel) into results.csv", cmd_sweep},
      {"sweep-merge", "merge per-point rows of a sweep run on a cluster into one results.csv", cmd_sweep_merge},
      {"report", "trade-off plots (Pareto fronts) and an HTML page from a sweep's results.csv", cmd_report},
      {"prune", "magnitude or N:M pruning of a float32 weight .npy (ties and ragged groups documented)", cmd_prune},
      {"flops", "AutoSparse training/inference FLOPs of a trace per layer under weight sparsity", cmd_flops},
  };
  return table;
}

}  // namespace lpsim::cli
