// Graph execution with values: every op of a graph computed on the simulated accelerator, batch by batch, next
// to an FP64 reference of the same graph on the same inputs.
//
//  - array ops (conv2d, gemm, matmul): the bit-true PE datapath (models/pe, exactly what `lpsim gemm` computes)
//    in the op's formats and the array's accumulation order; a conv is im2col (K ordered kh, kw, channel with the
//    channel fastest, so MX blocks run along channels) and one GEMM per group; bias and Gemm's alpha/beta run on
//    the vector unit afterwards.
//  - SFU ops (tanh, sigmoid, gelu, swish): the K-TanH SFU (accelerator.sfu.impl rtl|model|exact) or, for impl
//    fp32, the exact function rounded to FP32.
//  - everything else: the vector unit (models/vector) in its format; views only reshape.
// Per op, three results are compared: the simulated output (fed the simulated inputs: errors compound as on
// hardware), the reference output (FP64 throughout), and the "local" output (the simulated op fed the reference
// inputs: the error this op adds). Standalone ops of classic traces draw their operands from their tensor specs.
#pragma once
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "graph/graph.h"
#include "numerics/metrics.h"
#include "pe/pe.h"
#include "sfu/sfu.h"
#include "sparsity/sparsity.h"
#include "vector/vector_unit.h"

namespace lpsim::exec {

template <class T>
struct Tensor {
  graph::Shape shape;
  std::vector<T> v;
};
using TensorF = Tensor<float>;
using TensorD = Tensor<double>;

// The accelerator as far as values are concerned (the driver fills it from the config).
struct Machine {
  model::PeParams pe;                       // default PE arithmetic (a node's override replaces it)
  model::GemmOrder order;                   // dataflow and array rows (accumulation order)
  model::SfuParams sfu;                     // impl rtl | model | exact | fp32
  model::VectorParams vector;
  int threads = 0;                          // 0 = all cores
  uint64_t seed = 1;                        // run.seed: generators of standalone ops
  std::string synthetic = "off";            // workload.synthetic for standalone ops without tensors
  double synthetic_scale = 1.0;
  double synthetic_outlier_fraction = 0.0;  // workload.synthetic_outliers
  double synthetic_outlier_size = 0.0;
  bool local = true;                        // compute the per-op "local" error (sqnr_local_db)
  bool ideal = true;                        // compare array ops with the ideal quantize-then-FP64 emulation
  model::SparsityParams sparsity;           // nm + prune_to_pattern prunes weights before the run
};

struct NodeStats {
  bool computed = false;       // values were computed (accuracy columns are filled)
  num::ErrorAccumulator vs_ref;    // simulated output vs FP64 reference output (errors compounded)
  num::ErrorAccumulator local;     // simulated op on reference inputs vs reference output
  num::ErrorAccumulator vs_ideal;  // array ops: vs the ideal quantize-then-FP64 emulation of the same operands
  uint64_t outputs = 0;            // output values compared (per batch: every instance of a dataflow op)
  uint64_t gemm_outputs = 0, bit_identical = 0;  // array ops: outputs with the ideal emulation's float32 bits
  model::GemmCounters counters;    // quantization and accumulator events (summed over instances and batches)
  NodeStats& operator+=(const NodeStats& o);  // the same op in several runs (batches of different sizes)
};
void add_counters(model::GemmCounters& a, const model::GemmCounters& b);

// One GEMM instance as the PE sees it, handed to Executor::on_gemm before the datapath runs.
struct GemmCall {
  size_t node = 0;
  int64_t instance = 0;
  int64_t m = 0, n = 0, k = 0;
  const model::PeParams* pe = nullptr;
  const model::QuantizedOperands* q = nullptr;
};

class Executor {
 public:
  // The graph must outlive the executor. Prunes the constant weights that a prune spec or N:M
  // prune_to_pattern asks for (both runs see the pruned weights: pruning is part of the model, not an error).
  Executor(const graph::Graph& g, Machine m);
  ~Executor();

  // Called for every GEMM instance of the simulated run (not the local one) before the datapath computes it;
  // returns whether the PE skips zero products (sparse datapath). Used by the driver's sparsity stage.
  std::function<bool(const GemmCall&)> on_gemm;
  // Called after each op of a batch (progress).
  std::function<void(size_t node)> on_op;

  // One batch. Dataflow graphs: `inputs` holds every graph input with its shape. Standalone graphs (classic
  // traces): `inputs` is ignored; each array op with tensors (or workload.synthetic) computes one instance on its
  // own operands, an activation op consumes the previous op's outputs; ops without values are skipped.
  void run(const std::map<std::string, TensorF>& inputs = {});

  const std::vector<NodeStats>& stats() const { return stats_; }
  // Graph outputs of the last batch: simulated and reference (dataflow graphs).
  const std::map<std::string, TensorF>& outputs() const { return out_; }
  const std::map<std::string, TensorD>& reference_outputs() const { return ref_out_; }

  // Vector-unit operations an op performs (its own work, or the bias/alpha/beta epilogue of an array op); the
  // cycles follow from model::vector_cycles. Counted per kind as README "ONNX models" states.
  static uint64_t vector_ops(const graph::Graph& g, const graph::Node& n);

 private:
  struct Impl;
  void run_standalone();
  const graph::Graph& g_;
  Machine m_;
  std::unique_ptr<Impl> im_;
  std::vector<NodeStats> stats_;
  std::map<std::string, TensorF> out_;
  std::map<std::string, TensorD> ref_out_;
};

}  // namespace lpsim::exec
