// Workload traces: SCALE-Sim topology CSVs (conv and GEMM forms, read unchanged) and lpsim's native YAML
// trace (traces/README.md). Both become an ordered list of ops with the GEMM/conv shape the array sees.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "array/timing.h"
#include "pe/tensor_gen.h"
#include "sfu/ktanh_ref.h"
#include "sparsity/prune.h"
#include "util/error.h"

namespace lpsim::trace {

enum class OpType { kGemm, kConv2d, kActivation };
const char* to_string(OpType t);

// Where an operand's values come from: a .npy file (float32, C order, shape M x K for A and K x N for B; for a
// conv2d these are the im2col GEMM operands) or a seeded synthetic generator (models/pe/tensor_gen.h).
struct TensorSpec {
  bool present = false;
  std::string file;              // resolved path, relative paths taken from the trace's folder; "" = generated
  model::TensorGenSpec gen;      // used when file is empty
  bool seed_given = false;       // false: the driver derives the seed from run.seed and the op index
  Location where;
};

// Weight pruning of a gemm/conv2d op (`prune:` in a native trace; traces/README.md): the trace-wide block or
// the op's own, which overrides it (`prune: none` exempts the op). Applied to the K x N weight operand B with
// model::apply_prune before the datapath runs; `lpsim flops` uses its density().
struct PruneSpec : model::PruneSpec {
  enum class Source { kUnset, kTrace, kOp };
  Source source = Source::kUnset;  // kUnset: no prune block reaches this op (dense)
  Location where;                  // the spec's file:line: key path, for errors found while applying it
};

struct Op {
  std::string name;
  OpType type = OpType::kGemm;
  model::LayerShape shape;  // what one instance looks like to the array (SCALE-Sim conv form)
  int64_t repeat = 1;       // independent identical instances (attention heads, conv groups)
  // Activation ops (tanh, sigmoid, gelu, swish) run on the special-function unit at the array output.
  model::Activation activation = model::Activation::kTanh;
  int64_t elements = 0;     // activation inputs (elements); 0 for array ops
  TensorSpec a, b;          // operand values (A = activations M x K, B = weights K x N); timing-only if absent
  PruneSpec prune;          // weight pruning of B (array ops only); method kNone = dense
  bool has_tensors() const { return a.present || b.present; }
  Location where;           // file:line of the op in its trace
  bool on_array() const { return type != OpType::kActivation; }
  uint64_t macs() const { return on_array() ? shape.macs() * static_cast<uint64_t>(repeat) : 0; }
  uint64_t outputs() const {  // elements the op produces
    return on_array() ? static_cast<uint64_t>(shape.M() * shape.N() * repeat) : static_cast<uint64_t>(elements);
  }
};

struct Trace {
  std::string name;
  std::string file;
  std::string format;  // "scalesim-conv", "scalesim-gemm" or "yaml"
  std::vector<Op> ops;
};

// Reads a trace; the format follows the extension (.csv: SCALE-Sim topology, .yaml/.yml: native).
// `from` is where the trace path was given (for "cannot read" errors). Throws InputError.
Trace read_trace(const std::string& path, const Location& from);

// Keeps only the named ops, in trace order; unknown names are an InputError at `where`.
void filter_ops(Trace& t, const std::vector<std::string>& names, const Location& where);

}  // namespace lpsim::trace
