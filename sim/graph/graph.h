// The one in-memory workload representation: an ordered graph of named ops connected by named tensors. A native
// YAML trace, a SCALE-Sim topology and an imported ONNX model all become a Graph; the run driver, `lpsim flops`,
// `lpsim prune` and the sweep pre-check only ever see this.
//
// Two kinds of op live in it:
//  - dataflow ops (ONNX models and graph traces): `inputs`/`outputs` name tensors; values flow from op to op.
//  - standalone ops (classic traces and SCALE-Sim topologies): no tensor names; a gemm/conv2d draws its operands
//    from `a`/`b` (a .npy file or a seeded generator) and an activation consumes the previous op's output.
// Array ops (conv2d, gemm, matmul) also carry how one instance maps onto the systolic array (`shape`, `repeat`).
#pragma once
#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "array/timing.h"
#include "pe/pe.h"
#include "pe/tensor_gen.h"
#include "sfu/ktanh_ref.h"
#include "sparsity/prune.h"
#include "sparsity/sparsity.h"
#include "util/error.h"

namespace lpsim::graph {

using Shape = std::vector<int64_t>;
std::string shape_str(const Shape& s);  // "2x3x20x20" ("scalar" for rank 0)
// Product of the dims; throws InputError-free std::overflow_error when it does not fit in int64.
int64_t numel(const Shape& s);

// Op kinds. The unit decides where an op runs: the systolic array, the K-TanH special-function unit, the vector
// unit, or nowhere (views change only the shape).
enum class Kind : uint8_t {
  kConv, kGemm, kMatMul,                                    // array
  kTanh, kSigmoid, kGelu, kSwish,                           // SFU
  kAdd, kSub, kMul, kDiv, kPow, kSqrt, kRelu, kLeakyRelu,   // vector
  kClip, kErf, kHardSigmoid, kHardSwish, kMaxPool, kAvgPool, kGlobalAvgPool, kBatchNorm, kSoftmax, kLayerNorm,
  kReduceMean, kTranspose, kConcat, kSplit, kPad,
  kReshape, kFlatten, kSqueeze, kUnsqueeze, kIdentity,      // views
};
enum class Unit : uint8_t { kArray, kSfu, kVector, kView };
Unit unit_of(Kind k);
const char* to_string(Kind k);  // the native trace's type name: "conv2d", "gemm", "matmul", "relu", ...
std::optional<Kind> parse_kind(const std::string& name);
std::vector<std::string> kind_names();
const char* to_string(Unit u);  // "array" | "sfu" | "vector" | "view"
model::Activation activation_of(Kind k);  // SFU kinds only

// Attributes of every kind in one struct (ONNX names in comments); each kind reads the fields it needs.
struct Attrs {
  std::vector<int64_t> kernel;     // conv/pool kernel_shape [kh, kw]
  std::vector<int64_t> strides;    // [sh, sw]
  std::vector<int64_t> pads;       // [top, left, bottom, right] (ONNX order: begins then ends); pad: all dims
  std::vector<int64_t> dilations;  // [dh, dw]
  int64_t group = 1;
  bool ceil_mode = false;
  bool count_include_pad = false;
  bool trans_a = false, trans_b = false;  // gemm
  double alpha = 1.0;  // gemm alpha; leaky_relu / hard_sigmoid alpha
  double beta = 0.0;   // gemm beta (1 when read from ONNX); hard_sigmoid beta
  double min = -std::numeric_limits<double>::infinity();  // clip
  double max = std::numeric_limits<double>::infinity();
  double epsilon = 1e-5;   // batch_norm, layer_norm
  double value = 0.0;      // pad constant; pow exponent
  int64_t axis = 1;        // softmax, concat, flatten, layer_norm, split
  bool keepdims = true;    // reduce_mean
  std::vector<int64_t> perm, axes, shape, split;  // transpose; squeeze/unsqueeze/reduce_mean; reshape; split
};

// Where a standalone gemm/conv2d op's operand values come from: a .npy file (float32, C order, M x K for A and
// K x N for B; for a conv2d the im2col GEMM operands) or a seeded synthetic generator (models/pe/tensor_gen.h).
struct TensorSpec {
  bool present = false;
  std::string file;              // resolved path, relative paths taken from the trace's folder; "" = generated
  model::TensorGenSpec gen;      // used when file is empty
  bool seed_given = false;       // false: the driver derives the seed from run.seed and the op index
  Location where;
};

// Weight pruning of an array op (`prune:` in a native trace; traces/README.md): the trace-wide block or the op's
// own, which overrides it (`prune: none` exempts the op). Applied to the weight operand before the datapath runs.
struct PruneSpec : model::PruneSpec {
  enum class Source { kUnset, kTrace, kOp };
  Source source = Source::kUnset;  // kUnset: no prune block reaches this op (dense)
  Location where;
};

struct Node {
  std::string name;
  Kind kind = Kind::kGemm;
  std::vector<std::string> inputs, outputs;  // tensor names (dataflow ops); empty for standalone ops
  Attrs attrs;
  Location where;  // trace file:line, or the model file and node name
  // Array ops: one instance as the array sees it (SCALE-Sim conv form or GEMM form) and the instance count
  // (conv groups, attention heads, batched MatMul, batch of a conv).
  model::LayerShape shape;
  int64_t repeat = 1;
  int64_t elements = 0;  // SFU/vector/view ops: output elements (SFU: activation evaluations)
  // Standalone array ops: operand values (timing-only when absent) and weight pruning.
  TensorSpec a, b;
  PruneSpec prune;
  // Per-op formats and sparsity from workload.overrides (unset: the accelerator's).
  std::optional<model::PeParams> pe;
  std::optional<model::SparsityParams> sparsity;
  Location override_where;  // the override that set them

  Unit unit() const { return unit_of(kind); }
  bool on_array() const { return unit() == Unit::kArray; }
  bool standalone() const { return inputs.empty(); }
  bool has_tensors() const { return a.present || b.present; }
  uint64_t macs() const { return on_array() ? shape.macs() * static_cast<uint64_t>(repeat) : 0; }
  uint64_t outputs_count() const {  // elements the op produces
    return on_array() ? static_cast<uint64_t>(shape.M() * shape.N() * repeat) : static_cast<uint64_t>(elements);
  }
};

struct Tensor {
  Shape shape;
  bool constant = false;     // an initializer (weights) or a folded constant
  std::vector<float> data;   // constant values, C order
  std::string file;          // where constant data came from (.npy of a graph trace), for messages
};

struct Graph {
  std::string name;
  std::string file;
  std::string format;  // "scalesim-conv", "scalesim-gemm", "yaml" (classic trace), "graph" (graph trace), "onnx"
  std::vector<Node> ops;                   // topological order
  std::map<std::string, Tensor> tensors;  // every tensor of a dataflow graph by name, with its shape
  std::vector<std::string> inputs;        // graph inputs (not constants)
  std::vector<std::string> outputs;       // graph outputs
  bool dataflow() const { return format == "onnx" || format == "graph"; }
  uint64_t macs() const;
};

// Output shapes of every dataflow node from its input shapes and attributes, and the array mapping (shape,
// repeat) of array ops and the element counts of the others. Nodes must be in topological order. Throws
// InputError naming the node (its `where`) for inconsistent shapes or attributes.
void infer_shapes(Graph& g);
void infer_op(Graph& g, Node& n);  // one node (its inputs' shapes must be known)

// Orders nodes topologically (stable: a node keeps its place when its inputs are ready). Throws InputError naming
// `file` and a node on the cycle, or a node that reads a tensor nothing produces.
void sort_nodes(Graph& g);

// Keeps only the named ops, in order; unknown names are an InputError at `where`. Standalone graphs only: a
// dataflow graph cannot drop ops (use workload.overrides to change them).
void filter_ops(Graph& g, const std::vector<std::string>& names, const Location& where);

// The array mapping of a conv with input N x C x H x W, and of a GEMM M x N x K, as documented in README "ONNX
// models": batch 1 without dilation uses SCALE-Sim's conv form (padding folded into the input, window reuse);
// batch > 1 or dilation > 1 uses the GEMM view with the batch folded into M (im2col operand).
model::LayerShape conv_layer_shape(const std::string& name, int64_t batch, int64_t in_c, int64_t in_h, int64_t in_w,
                                   int64_t out_c_per_group, int64_t in_c_per_group, const Attrs& a, int64_t out_h,
                                   int64_t out_w);
model::LayerShape gemm_layer_shape(const std::string& name, int64_t m, int64_t n, int64_t k);

}  // namespace lpsim::graph

namespace lpsim::trace {
// The classic names, kept for readers and commands written against them.
using Op = graph::Node;
using Trace = graph::Graph;
using TensorSpec = graph::TensorSpec;
using PruneSpec = graph::PruneSpec;
}  // namespace lpsim::trace
