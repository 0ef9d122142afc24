#include "cli/commands.h"

namespace lpsim::cli {

const std::vector<Command>& commands() {
  static const std::vector<Command> table = {
      {"run", "simulate a config (YAML or SCALE-Sim .cfg) and report cycles, traffic and accuracy", cmd_run},
      {"validate", "check a config and its trace; print the fully resolved config", cmd_validate},
      {"cosim", "co-verify the verilated K-TanH RTL against its C++ model, bit by bit, with accuracy", cmd_cosim},
      {"quantize", "quantize a float32 tensor to MX/FP8/BF16/INT8/DFP16 bit-true; report SQNR", cmd_quantize},
      {"gemm", "one GEMM through the bit-true PE datapath (MX, FP8/BF16, INT16): accuracy and cycles", cmd_gemm},
      {"prune", "magnitude or N:M pruning of a float32 weight .npy (ties and ragged groups documented)", cmd_prune},
      {"flops", "AutoSparse training/inference FLOPs of a trace per layer under weight sparsity", cmd_flops},
  };
  return table;
}

}  // namespace lpsim::cli
