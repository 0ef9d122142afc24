#include "onnx/onnx_reader.h"

#include <onnx/onnx_pb.h>  // defines ONNX_API, then includes onnx-ml.pb.h

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <set>
#include <sstream>

namespace fs = std::filesystem;

namespace lpsim::onnx_import {

namespace {

using graph::Graph;
using graph::Kind;
using graph::Node;
using graph::Shape;

// A constant known at import time (initializer, Constant node, or folded). Values as double: exact for every
// float32 weight and for the int64 shape arithmetic torch emits.
struct Const {
  Shape shape;
  std::vector<double> v;  // the values (empty while `f` holds them)
  std::vector<float> f;   // float32 tensors as read (weights): converted to `v` only if an import fold needs them
  bool integer = false;
  bool in_graph = false;  // `f` was moved into the graph tensor of the same name (one copy of the weights)
  Const& materialize() {
    if (v.empty() && !f.empty()) v.assign(f.begin(), f.end());
    return *this;
  }
};

// Import-time folding computes shapes and small index tensors; a folded constant larger than this is a corrupt or
// hostile model (ConstantOfShape([1e12]), Range(0, 1e12, 1)), refused before anything is allocated.
constexpr int64_t kMaxFoldedElements = int64_t{1} << 24;

// Refuses a folded constant of shape s (and `elements` elements) above kMaxFoldedElements.
void check_folded_size(const Shape& s, int64_t elements, const std::function<void(std::string)>& err) {
  if (elements > kMaxFoldedElements)
    err("folding would create a constant of shape " + graph::shape_str(s) + " (" + std::to_string(elements) +
        " elements); lpsim folds shape arithmetic of at most " + std::to_string(kMaxFoldedElements) + " elements");
}

int64_t count(const Shape& s) {
  int64_t n = 1;
  for (int64_t d : s) {
    if (d < 0) throw std::invalid_argument("negative dimension");
    if (d > 0 && n > INT64_MAX / d) throw std::invalid_argument("tensor too large");
    n *= d;
  }
  return n;
}

// ONNX TensorProto element types (onnx.proto: TensorProto.DataType).
enum : int { kFloat = 1, kUint8 = 2, kInt8 = 3, kUint16 = 4, kInt16 = 5, kInt32 = 6, kInt64 = 7, kBool = 9,
             kFloat16 = 10, kDouble = 11, kUint32 = 12, kUint64 = 13, kBfloat16 = 16 };

double half_to_double(uint16_t h) {
  const int e = (h >> 10) & 0x1f, m = h & 0x3ff;
  const double s = (h & 0x8000) ? -1.0 : 1.0;
  if (e == 0) return s * std::ldexp(m, -24);
  if (e == 31) return m ? std::nan("") : s * INFINITY;
  return s * std::ldexp(1024 + m, e - 25);
}

double bf16_to_double(uint16_t b) {
  uint32_t u = static_cast<uint32_t>(b) << 16;
  float f;
  std::memcpy(&f, &u, 4);
  return f;
}

// Reads a TensorProto's values (raw_data little-endian or the typed fields; external data relative to `dir`).
Const tensor_values(const onnx::TensorProto& t, const std::string& dir, const std::function<void(std::string)>& err) {
  Const c;
  for (int64_t d : t.dims()) {
    if (d < 0) err("tensor '" + t.name() + "' has a negative dimension");
    c.shape.push_back(d);
  }
  int64_t n = 0;
  try {
    n = count(c.shape);
  } catch (const std::invalid_argument&) {
    err("tensor '" + t.name() + "' is too large");
  }
  if (n > (INT64_MAX >> 3)) err("tensor '" + t.name() + "' is too large");  // n * element size must not wrap
  const int dt = t.data_type();
  size_t elem = 0;
  switch (dt) {
    case kFloat: case kInt32: case kUint32: elem = 4; break;
    case kUint8: case kInt8: case kBool: elem = 1; break;
    case kUint16: case kInt16: case kFloat16: case kBfloat16: elem = 2; break;
    case kInt64: case kDouble: case kUint64: elem = 8; break;
    default: err("tensor '" + t.name() + "' has data type " + std::to_string(dt) + ", which lpsim cannot read");
  }
  c.integer = !(dt == kFloat || dt == kDouble || dt == kFloat16 || dt == kBfloat16);
  std::string raw;
  const std::string* bytes = nullptr;
  if (t.data_location() == onnx::TensorProto::EXTERNAL) {
    std::string location;
    int64_t offset = 0, length = -1;
    auto number = [&](const std::string& key, const std::string& v) {
      int64_t x = -1;
      std::istringstream ss(v);
      if (!(ss >> x) || !ss.eof() || x < 0)
        err("tensor '" + t.name() + "': external data " + key + " '" + v + "' is not a non-negative integer");
      return x;
    };
    for (const auto& kv : t.external_data()) {
      if (kv.key() == "location") location = kv.value();
      if (kv.key() == "offset") offset = number("offset", kv.value());
      if (kv.key() == "length") length = number("length", kv.value());
    }
    const fs::path p = fs::path(dir) / location;
    std::error_code ec;
    if (location.empty() || !fs::is_regular_file(p, ec))
      err("tensor '" + t.name() + "': cannot read external data file '" + p.string() + "'");
    const uint64_t file_size = fs::file_size(p, ec);
    const uint64_t want = length >= 0 ? static_cast<uint64_t>(length) : static_cast<uint64_t>(n) * elem;
    if (ec || static_cast<uint64_t>(offset) > file_size || want > file_size - static_cast<uint64_t>(offset))
      err("tensor '" + t.name() + "': external data file '" + p.string() + "' holds " + std::to_string(file_size) +
          " bytes, fewer than offset " + std::to_string(offset) + " + " + std::to_string(want) + " bytes of data");
    std::ifstream is(p, std::ios::binary);
    if (!is) err("tensor '" + t.name() + "': cannot read external data file '" + p.string() + "'");
    is.seekg(offset);
    raw.resize(want);
    is.read(raw.data(), static_cast<std::streamsize>(want));
    if (static_cast<size_t>(is.gcount()) != want) err("tensor '" + t.name() + "': external data file is truncated");
    bytes = &raw;
  } else if (t.has_raw_data()) {
    bytes = &t.raw_data();
  }
  if (bytes) {
    if (bytes->size() != static_cast<size_t>(n) * elem)
      err("tensor '" + t.name() + "' holds " + std::to_string(bytes->size()) + " bytes of data, expected " +
          std::to_string(static_cast<size_t>(n) * elem) + " for shape " + graph::shape_str(c.shape));
    if (dt == kFloat) {  // weights: kept as float32, no conversion (a ResNet holds tens of MB of them)
      c.f.resize(static_cast<size_t>(n));
      if (!bytes->empty()) std::memcpy(c.f.data(), bytes->data(), bytes->size());  // empty tensor: data() may be null
      return c;
    }
    c.v.resize(static_cast<size_t>(n));  // only now: the data is there (no allocation from a corrupt shape)
    const char* p = bytes->data();
    for (int64_t i = 0; i < n; ++i, p += elem) {
      double v = 0;
      switch (dt) {
        case kFloat: { float f; std::memcpy(&f, p, 4); v = f; break; }
        case kDouble: { double d; std::memcpy(&d, p, 8); v = d; break; }
        case kInt32: { int32_t x; std::memcpy(&x, p, 4); v = x; break; }
        case kUint32: { uint32_t x; std::memcpy(&x, p, 4); v = x; break; }
        case kInt64: { int64_t x; std::memcpy(&x, p, 8); v = static_cast<double>(x); break; }
        case kUint64: { uint64_t x; std::memcpy(&x, p, 8); v = static_cast<double>(x); break; }
        case kInt16: { int16_t x; std::memcpy(&x, p, 2); v = x; break; }
        case kUint16: { uint16_t x; std::memcpy(&x, p, 2); v = x; break; }
        case kFloat16: { uint16_t x; std::memcpy(&x, p, 2); v = half_to_double(x); break; }
        case kBfloat16: { uint16_t x; std::memcpy(&x, p, 2); v = bf16_to_double(x); break; }
        case kInt8: v = static_cast<int8_t>(*p); break;
        case kUint8: case kBool: v = static_cast<uint8_t>(*p); break;
      }
      c.v[static_cast<size_t>(i)] = v;
    }
    return c;
  }
  // Typed fields (onnx.proto: which field holds which type).
  auto need = [&](int have) {
    if (have != n)
      err("tensor '" + t.name() + "' holds " + std::to_string(have) + " values, expected " + std::to_string(n) +
          " for shape " + graph::shape_str(c.shape));
    c.v.resize(static_cast<size_t>(n));
  };
  switch (dt) {
    case kFloat:
      need(t.float_data_size());
      c.v.clear();
      c.f.assign(t.float_data().begin(), t.float_data().end());
      break;
    case kDouble: need(t.double_data_size()); for (int64_t i = 0; i < n; ++i) c.v[i] = t.double_data(static_cast<int>(i)); break;
    case kInt64: need(t.int64_data_size()); for (int64_t i = 0; i < n; ++i) c.v[i] = static_cast<double>(t.int64_data(static_cast<int>(i))); break;
    case kUint32: case kUint64: need(t.uint64_data_size()); for (int64_t i = 0; i < n; ++i) c.v[i] = static_cast<double>(t.uint64_data(static_cast<int>(i))); break;
    case kFloat16: need(t.int32_data_size()); for (int64_t i = 0; i < n; ++i) c.v[i] = half_to_double(static_cast<uint16_t>(t.int32_data(static_cast<int>(i)))); break;
    case kBfloat16: need(t.int32_data_size()); for (int64_t i = 0; i < n; ++i) c.v[i] = bf16_to_double(static_cast<uint16_t>(t.int32_data(static_cast<int>(i)))); break;
    default: need(t.int32_data_size()); for (int64_t i = 0; i < n; ++i) c.v[i] = t.int32_data(static_cast<int>(i)); break;
  }
  return c;
}

// Which attributes each supported op accepts (others are an error: lpsim would silently compute something else).
const std::map<std::string, std::set<std::string>>& supported() {
  static const std::map<std::string, std::set<std::string>> m = {
      {"Conv", {"auto_pad", "dilations", "group", "kernel_shape", "pads", "strides"}},
      {"Gemm", {"alpha", "beta", "transA", "transB"}},
      {"MatMul", {}},
      {"Add", {}}, {"Sub", {}}, {"Mul", {}}, {"Div", {}}, {"Pow", {}}, {"Sqrt", {}}, {"Neg", {}},
      {"Relu", {}}, {"LeakyRelu", {"alpha"}}, {"Clip", {"min", "max"}}, {"Sigmoid", {}}, {"Tanh", {}}, {"Erf", {}},
      {"HardSigmoid", {"alpha", "beta"}}, {"HardSwish", {}},
      {"MaxPool", {"auto_pad", "ceil_mode", "dilations", "kernel_shape", "pads", "storage_order", "strides"}},
      {"AveragePool", {"auto_pad", "ceil_mode", "count_include_pad", "kernel_shape", "pads", "strides"}},
      {"GlobalAveragePool", {}},
      {"BatchNormalization", {"epsilon", "momentum", "spatial", "training_mode"}},
      {"Flatten", {"axis"}}, {"Reshape", {"allowzero"}}, {"Transpose", {"perm"}}, {"Squeeze", {"axes"}},
      {"Unsqueeze", {"axes"}}, {"Concat", {"axis"}}, {"Split", {"axis", "split"}}, {"Pad", {"mode", "pads", "value"}},
      {"Softmax", {"axis"}}, {"LayerNormalization", {"axis", "epsilon", "stash_type"}},
      {"ReduceMean", {"axes", "keepdims"}}, {"Identity", {}}, {"Dropout", {"ratio", "seed"}},
      {"Constant", {"value", "value_float", "value_floats", "value_int", "value_ints"}},
      {"Shape", {"start", "end"}}, {"Gather", {"axis"}}, {"Cast", {"to"}}, {"Slice", {"starts", "ends", "axes"}},
      {"ConstantOfShape", {"value"}}, {"Range", {}},
  };
  return m;
}

// Inputs each op needs (the leading ones, non-empty); optional inputs beyond them are checked where they are read.
int required_inputs(const std::string& op, int64_t opset) {
  static const std::map<std::string, int> m = {
      {"Conv", 2}, {"Gemm", 2}, {"MatMul", 2}, {"Add", 2}, {"Sub", 2}, {"Mul", 2}, {"Div", 2}, {"Pow", 2},
      {"BatchNormalization", 5}, {"Reshape", 2}, {"LayerNormalization", 2}, {"Gather", 2}, {"Range", 3},
      {"Constant", 0}};
  if (op == "Slice") return opset >= 10 ? 3 : 1;
  auto it = m.find(op);
  return it == m.end() ? 1 : it->second;
}

// Ops folded when all inputs are constants (shape arithmetic); they cannot run on the accelerator otherwise.
const std::set<std::string> kFoldOnly = {"Shape", "Gather", "Cast", "Slice", "ConstantOfShape", "Range", "Neg"};

class Importer {
 public:
  Importer(std::string path, ImportOptions opt) : path_(std::move(path)), opt_(std::move(opt)) {
    dir_ = fs::path(path_).parent_path().string();
  }

  Graph run() {
    load();
    g_.file = path_;
    g_.format = "onnx";
    g_.name = model_.graph().name().empty() ? fs::path(path_).stem().string() : model_.graph().name();
    if (fs::path(path_).stem().string() != g_.name && model_.graph().name().rfind("torch_jit", 0) == 0)
      g_.name = fs::path(path_).stem().string();  // torch names every graph "torch_jit": the file says more
    read_initializers();
    model_.mutable_graph()->clear_initializer();  // their values now live in consts_: free the protobuf copy
    read_inputs();
    for (const onnx::NodeProto* n : ordered_nodes()) import_node(*n);
    read_outputs();
    fuse_gelu();
    drop_dead_ops();
    add_constant_tensors();
    if (g_.ops.empty()) err("the model has no operators lpsim can run (every output is a constant)");
    graph::sort_nodes(g_);
    return std::move(g_);
  }

 private:
  [[noreturn]] void err(const std::string& what) const { throw InputError(path_ + ": " + what); }
  [[noreturn]] void node_err(const onnx::NodeProto& n, const std::string& what) const {
    throw InputError(path_ + ": node '" + node_name(n) + "' (" + n.op_type() + "): " + what);
  }
  static std::string node_name(const onnx::NodeProto& n) {
    return n.name().empty() ? (n.output_size() ? n.output(0) : n.op_type()) : n.name();
  }

  void load() {
    std::error_code ec;
    if (!fs::is_regular_file(path_, ec))
      throw_input_error(opt_.where, "cannot read model file '" + path_ + "': " +
                                        (fs::exists(path_, ec) ? "not a regular file" : "no such file"));
    std::ifstream is(path_, std::ios::binary);
    if (!is) throw_input_error(opt_.where, "cannot read model file '" + path_ + "': permission denied");
    if (fs::file_size(path_, ec) == 0) err("the file is empty, not an ONNX model");
    if (!model_.ParseFromIstream(&is))
      err("not a valid ONNX model (the protobuf does not parse: truncated or corrupt file?)");
    if (!model_.has_graph() || model_.graph().node_size() == 0) err("the ONNX model has no graph or no nodes");
    for (const auto& o : model_.opset_import())
      if (o.domain().empty() || o.domain() == "ai.onnx") opset_ = o.version();
    if (opset_ == 0) err("the model declares no opset of the default ONNX domain");
    if (opset_ > 18) err("opset " + std::to_string(opset_) + " is newer than lpsim reads (up to 18)");
  }

  void read_initializers() {
    // Largest first, each one's protobuf bytes freed once copied: the next (smaller) tensor's copy then reuses
    // that memory instead of faulting in fresh pages (a second copy of all weights on the VM's slow page faults).
    auto& inits = *model_.mutable_graph()->mutable_initializer();
    std::vector<onnx::TensorProto*> order;
    for (auto& t : inits) order.push_back(&t);
    std::stable_sort(order.begin(), order.end(), [](const onnx::TensorProto* x, const onnx::TensorProto* y) {
      return x->raw_data().size() > y->raw_data().size();
    });
    for (onnx::TensorProto* t : order) {
      if (t->name().empty()) err("an initializer has no name");
      consts_[t->name()] = tensor_values(*t, dir_, [&](const std::string& w) { err(w); });
      std::string().swap(*t->mutable_raw_data());
    }
    for (const auto& [name, t] : opt_.constant_inputs) {
      Const c;
      c.shape = t.shape;
      c.v.assign(t.data.begin(), t.data.end());
      c.integer = t.integer;
      consts_[name] = c;
    }
  }

  void read_inputs() {
    std::vector<const onnx::ValueInfoProto*> real;
    for (const auto& in : model_.graph().input())
      if (!consts_.count(in.name())) real.push_back(&in);
    if (real.empty()) err("the model has no inputs besides its weights");
    if (!opt_.input_shape.empty() && real.size() != 1)
      throw_input_error(opt_.input_shape_where, "the model has " + std::to_string(real.size()) + " inputs; "
                        "workload.input_shape applies to a model with one input");
    for (const auto* in : real) {
      const auto& tt = in->type().tensor_type();
      if (!in->type().has_tensor_type()) err("input '" + in->name() + "' is not a tensor");
      if (tt.elem_type() != kFloat)
        err("input '" + in->name() + "' has element type " + std::to_string(tt.elem_type()) +
            "; lpsim feeds float32 inputs (type 1)");
      Shape shape;
      std::vector<bool> dynamic;
      if (tt.has_shape())
        for (const auto& d : tt.shape().dim()) {
          dynamic.push_back(!d.has_dim_value() || d.dim_value() < 1);
          shape.push_back(d.has_dim_value() ? d.dim_value() : 0);
        }
      if (!opt_.input_shape.empty()) {
        const Shape& want = opt_.input_shape;
        if (tt.has_shape() && want.size() != shape.size())
          throw_input_error(opt_.input_shape_where, "the model's input '" + in->name() + "' has rank " +
                                                        std::to_string(shape.size()) + ", got a shape of rank " +
                                                        std::to_string(want.size()));
        for (size_t i = 0; i < shape.size(); ++i)
          if (!dynamic[i] && shape[i] != want[i])
            throw_input_error(opt_.input_shape_where, "dimension " + std::to_string(i) + " of input '" + in->name() +
                                                          "' is fixed at " + std::to_string(shape[i]) + " in the model, got " +
                                                          std::to_string(want[i]));
        shape = want;
      } else {
        if (!tt.has_shape()) err("input '" + in->name() + "' has no shape; set workload.input_shape");
        for (size_t i = 1; i < shape.size(); ++i)
          if (dynamic[i])
            err("input '" + in->name() + "' has a dynamic dimension " + std::to_string(i) + " (" +
                tt.shape().dim(static_cast<int>(i)).dim_param() + "); set workload.input_shape, e.g. [" +
                std::to_string(std::max<int64_t>(1, opt_.batch)) + ", ...]");
        if (!shape.empty() && dynamic[0]) shape[0] = opt_.batch > 0 ? opt_.batch : 1;
        if (!shape.empty() && !dynamic[0] && opt_.batch > 0 && shape[0] != opt_.batch)
          throw_input_error(opt_.batch_where,
                            (opt_.batch_from.empty() ? "a batch of " + std::to_string(opt_.batch)
                                                     : opt_.batch_from + " has batch " + std::to_string(opt_.batch) +
                                                           " (its first dimension)") +
                                ", but input '" + in->name() + "' of " + path_ + " has a fixed batch of " +
                                std::to_string(shape[0]) + " (a model exported with a dynamic batch, torch.onnx.export "
                                "dynamic_axes, takes any)");
      }
      for (int64_t d : shape)
        if (d < 1) err("input '" + in->name() + "' has a dimension < 1 in shape " + graph::shape_str(shape));
      g_.inputs.push_back(in->name());
      g_.tensors[in->name()].shape = shape;
    }
  }

  // The nodes in dependency order (ONNX requires it, exporters keep it; a hand-edited file may not). A node that
  // reads a tensor nothing provides, or a cycle, is an error naming the node.
  std::vector<const onnx::NodeProto*> ordered_nodes() const {
    std::set<std::string> ready;
    for (const auto& [name, c] : consts_) ready.insert(name);
    for (const auto& in : g_.inputs) ready.insert(in);
    std::set<std::string> produced;
    for (const auto& n : model_.graph().node())
      for (const auto& o : n.output()) produced.insert(o);
    std::vector<const onnx::NodeProto*> pending, done;
    for (const auto& n : model_.graph().node()) {
      for (const auto& in : n.input())
        if (!in.empty() && !ready.count(in) && !produced.count(in))
          node_err(n, "reads tensor '" + in + "', which no node, input or initializer of the model provides");
      pending.push_back(&n);
    }
    while (!pending.empty()) {
      std::vector<const onnx::NodeProto*> rest;
      for (const auto* n : pending) {
        bool ok = true;
        for (const auto& in : n->input()) ok = ok && (in.empty() || ready.count(in));
        if (ok) {
          done.push_back(n);
          for (const auto& o : n->output()) ready.insert(o);
        } else {
          rest.push_back(n);
        }
      }
      if (rest.size() == pending.size())
        node_err(*rest.front(), "the graph has a cycle through this node (its inputs depend on its own outputs)");
      pending = std::move(rest);
    }
    return done;
  }

  void read_outputs() {
    for (const auto& o : model_.graph().output()) {
      if (consts_.count(o.name())) err("graph output '" + o.name() + "' is a constant; lpsim computes nothing for it");
      if (!g_.tensors.count(o.name())) err("graph output '" + o.name() + "' is produced by no node");
      g_.outputs.push_back(o.name());
    }
    if (g_.outputs.empty()) err("the model has no outputs");
  }

  // ---- attributes ----
  using AttrMap = std::map<std::string, const onnx::AttributeProto*>;
  static const onnx::AttributeProto* find(const AttrMap& a, const std::string& k) {
    auto it = a.find(k);
    return it == a.end() ? nullptr : it->second;
  }
  int64_t attr_int(const onnx::NodeProto& n, const AttrMap& a, const std::string& k, int64_t dflt) const {
    const auto* p = find(a, k);
    if (!p) return dflt;
    if (p->type() != onnx::AttributeProto::INT) node_err(n, "attribute '" + k + "' must be an integer");
    return p->i();
  }
  double attr_float(const onnx::NodeProto& n, const AttrMap& a, const std::string& k, double dflt) const {
    const auto* p = find(a, k);
    if (!p) return dflt;
    if (p->type() != onnx::AttributeProto::FLOAT) node_err(n, "attribute '" + k + "' must be a float");
    return p->f();
  }
  std::vector<int64_t> attr_ints(const onnx::NodeProto& n, const AttrMap& a, const std::string& k) const {
    const auto* p = find(a, k);
    if (!p) return {};
    if (p->type() != onnx::AttributeProto::INTS) node_err(n, "attribute '" + k + "' must be a list of integers");
    return std::vector<int64_t>(p->ints().begin(), p->ints().end());
  }
  std::string attr_string(const onnx::NodeProto& n, const AttrMap& a, const std::string& k, std::string dflt) const {
    const auto* p = find(a, k);
    if (!p) return dflt;
    if (p->type() != onnx::AttributeProto::STRING) node_err(n, "attribute '" + k + "' must be a string");
    return p->s();
  }

  // ---- constants ----
  bool is_const(const std::string& name) const { return name.empty() || consts_.count(name); }
  const Const& konst(const onnx::NodeProto& n, int i, const char* what) const {
    if (i >= n.input_size() || n.input(i).empty()) node_err(n, std::string("missing input ") + what);
    auto it = consts_.find(n.input(i));
    if (it == consts_.end())
      node_err(n, std::string(what) + " ('" + n.input(i) + "') must be a constant (computed from the model's "
                                       "weights and shapes), lpsim cannot take it from data");
    Const& c = it->second;
    if (c.in_graph && c.v.empty()) {  // a weight an op already reads, now also folded (rare): back from the graph
      const std::vector<float>& d = g_.tensors.at(n.input(i)).data;
      c.v.assign(d.begin(), d.end());
    }
    return c.materialize();
  }
  std::vector<int64_t> const_ints(const onnx::NodeProto& n, int i, const char* what) const {
    std::vector<int64_t> out;
    for (double v : konst(n, i, what).v) out.push_back(to_int(n, v, what));
    return out;
  }
  // A constant used as a shape, index or axis: an integer within +-2^62 (ONNX's INT64_MAX "to the end" sentinels
  // clamp to that; NaN, Inf and 1e30 are corrupt).
  int64_t to_int(const onnx::NodeProto& n, double v, const char* what) const {
    constexpr double kLim = 4611686018427387904.0;  // 2^62
    if (!std::isfinite(v)) node_err(n, std::string(what) + " holds " + std::to_string(v) + ", not an integer");
    return static_cast<int64_t>(std::clamp(v, -kLim, kLim));
  }
  // Elements of a constant that folding is about to create, refused above kMaxFoldedElements.
  int64_t fold_count(const onnx::NodeProto& n, const Shape& s) const {
    int64_t e = 0;
    try {
      e = count(s);
    } catch (const std::invalid_argument& x) {
      node_err(n, std::string("folded constant of shape ") + graph::shape_str(s) + ": " + x.what());
    }
    check_folded_size(s, e, [&](const std::string& w) { node_err(n, w); });
    return e;
  }
  // A constant input that holds one value (Clip's min/max, Pad's value, Range's start/limit/delta).
  double scalar(const onnx::NodeProto& n, int i, const char* what) const {
    const Const& c = konst(n, i, what);
    if (c.v.size() != 1) node_err(n, std::string(what) + " must hold one value, got shape " + graph::shape_str(c.shape));
    return c.v[0];
  }
  bool has_in(const onnx::NodeProto& n, int i) const { return i < n.input_size() && !n.input(i).empty(); }

  Shape shape_of(const onnx::NodeProto& n, const std::string& name) const {
    auto c = consts_.find(name);
    if (c != consts_.end()) return c->second.shape;
    auto t = g_.tensors.find(name);
    if (t == g_.tensors.end()) node_err(n, "reads tensor '" + name + "', which no earlier node or input provides");
    return t->second.shape;
  }

  static Const broadcast_op(const Const& a, const Const& b, const std::function<double(double, double)>& f,
                            const std::function<void(std::string)>& err) {
    const size_t r = std::max(a.shape.size(), b.shape.size());
    Shape out(r);
    for (size_t i = 0; i < r; ++i) {
      const int64_t da = i < r - a.shape.size() ? 1 : a.shape[i - (r - a.shape.size())];
      const int64_t db = i < r - b.shape.size() ? 1 : b.shape[i - (r - b.shape.size())];
      if (da != db && da != 1 && db != 1) err("constant shapes do not broadcast");
      out[i] = da == 1 ? db : da;
    }
    Const c;
    c.shape = out;
    c.integer = a.integer && b.integer;
    const int64_t n = count(out);
    check_folded_size(out, n, err);
    c.v.resize(static_cast<size_t>(n));
    std::vector<int64_t> idx(r, 0);
    for (int64_t e = 0; e < n; ++e) {
      int64_t ia = 0, ib = 0;
      for (size_t i = 0; i < r; ++i) {
        if (i >= r - a.shape.size()) {
          const int64_t d = a.shape[i - (r - a.shape.size())];
          ia = ia * d + (d == 1 ? 0 : idx[i]);
        }
        if (i >= r - b.shape.size()) {
          const int64_t d = b.shape[i - (r - b.shape.size())];
          ib = ib * d + (d == 1 ? 0 : idx[i]);
        }
      }
      c.v[static_cast<size_t>(e)] = f(a.v[static_cast<size_t>(ia)], b.v[static_cast<size_t>(ib)]);
      for (size_t i = r; i-- > 0;) {
        if (++idx[i] < out[i]) break;
        idx[i] = 0;
      }
    }
    return c;
  }

  // Folds a node whose inputs are all constants; false when the op is not foldable.
  bool fold(const onnx::NodeProto& n, const AttrMap& a) {
    const std::string& op = n.op_type();
    auto errf = [&](const std::string& w) { node_err(n, w); };
    auto in = [&](int i) -> const Const& { return konst(n, i, "input"); };
    auto set = [&](Const c) { consts_[n.output(0)] = std::move(c); };
    if (op == "Identity" || op == "Dropout") {
      set(in(0));
    } else if (op == "Cast") {
      Const c = in(0);
      const int64_t to = attr_int(n, a, "to", kFloat);
      c.integer = !(to == kFloat || to == kDouble || to == kFloat16 || to == kBfloat16);
      if (c.integer)
        for (double& v : c.v) v = std::trunc(v);
      else if (to == kFloat)
        for (double& v : c.v) v = static_cast<float>(v);
      set(c);
    } else if (op == "Add" || op == "Sub" || op == "Mul" || op == "Div" || op == "Pow") {
      const Const &x = in(0), &y = in(1);
      const bool integer = x.integer && y.integer;
      std::function<double(double, double)> f;
      if (op == "Add") f = [](double p, double q) { return p + q; };
      if (op == "Sub") f = [](double p, double q) { return p - q; };
      if (op == "Mul") f = [](double p, double q) { return p * q; };
      if (op == "Div") f = [integer](double p, double q) { return integer ? std::trunc(p / q) : p / q; };
      if (op == "Pow") f = [](double p, double q) { return std::pow(p, q); };
      Const c = broadcast_op(x, y, f, errf);
      if (!c.integer)  // float32 arithmetic, as the exporter's runtime would have done it
        for (double& v : c.v) v = static_cast<float>(v);
      set(c);
    } else if (op == "Sqrt" || op == "Neg") {
      Const c = in(0);
      for (double& v : c.v) v = op == "Sqrt" ? static_cast<float>(std::sqrt(v)) : -v;
      set(c);
    } else if (op == "Unsqueeze" || op == "Squeeze") {
      Const c = in(0);
      std::vector<int64_t> axes = opset_ >= 13 && has_in(n, 1) ? const_ints(n, 1, "axes") : attr_ints(n, a, "axes");
      const int64_t r = static_cast<int64_t>(c.shape.size()) + (op == "Unsqueeze" ? static_cast<int64_t>(axes.size()) : 0);
      for (auto& ax : axes) ax = ax < 0 ? ax + r : ax;
      std::sort(axes.begin(), axes.end());
      if (op == "Unsqueeze") {
        for (int64_t ax : axes) {
          if (ax < 0 || ax > static_cast<int64_t>(c.shape.size())) errf("axes out of range");
          c.shape.insert(c.shape.begin() + ax, 1);
        }
      } else {
        Shape s;
        for (int64_t i = 0; i < static_cast<int64_t>(c.shape.size()); ++i) {
          const bool sq = axes.empty() ? c.shape[static_cast<size_t>(i)] == 1 : std::binary_search(axes.begin(), axes.end(), i);
          if (!sq) s.push_back(c.shape[static_cast<size_t>(i)]);
        }
        c.shape = s;
      }
      set(c);
    } else if (op == "Concat") {
      Const c = in(0);
      const int64_t r = static_cast<int64_t>(c.shape.size());
      int64_t ax = attr_int(n, a, "axis", 0);
      if (ax < 0) ax += r;
      if (ax < 0 || ax >= r) errf("axis out of range");
      for (int i = 1; i < n.input_size(); ++i) {
        const Const& d = in(i);
        if (d.shape.size() != c.shape.size()) errf("constant inputs of different rank");
        for (int64_t k = 0; k < r; ++k)
          if (k != ax && d.shape[static_cast<size_t>(k)] != c.shape[static_cast<size_t>(k)])
            errf("constant inputs differ in a dimension other than the concatenation axis");
        // concatenate along ax: outer blocks of (shape[ax:] product)
        int64_t outer = 1;
        for (int64_t k = 0; k < ax; ++k) outer *= c.shape[static_cast<size_t>(k)];
        const int64_t ic = count(c.shape) / std::max<int64_t>(outer, 1), id = count(d.shape) / std::max<int64_t>(outer, 1);
        std::vector<double> v;
        for (int64_t o = 0; o < outer; ++o) {
          v.insert(v.end(), c.v.begin() + o * ic, c.v.begin() + (o + 1) * ic);
          v.insert(v.end(), d.v.begin() + o * id, d.v.begin() + (o + 1) * id);
        }
        c.v = v;
        c.shape[static_cast<size_t>(ax)] += d.shape[static_cast<size_t>(ax)];
        c.integer = c.integer && d.integer;
      }
      set(c);
    } else if (op == "Gather") {
      const Const &x = in(0), &ix = in(1);
      const int64_t r = static_cast<int64_t>(x.shape.size());
      int64_t ax = attr_int(n, a, "axis", 0);
      if (ax < 0) ax += r;
      if (ax < 0 || ax >= r) errf("axis out of range");
      int64_t outer = 1, inner = 1;
      for (int64_t k = 0; k < ax; ++k) outer *= x.shape[static_cast<size_t>(k)];
      for (int64_t k = ax + 1; k < r; ++k) inner *= x.shape[static_cast<size_t>(k)];
      const int64_t len = x.shape[static_cast<size_t>(ax)];
      Const c;
      c.integer = x.integer;
      c.shape.assign(x.shape.begin(), x.shape.begin() + ax);
      c.shape.insert(c.shape.end(), ix.shape.begin(), ix.shape.end());
      c.shape.insert(c.shape.end(), x.shape.begin() + ax + 1, x.shape.end());
      fold_count(n, c.shape);
      for (int64_t o = 0; o < outer; ++o)
        for (double iv : ix.v) {
          int64_t i = to_int(n, iv, "index");
          if (i < 0) i += len;
          if (i < 0 || i >= len) errf("index out of range");
          for (int64_t k = 0; k < inner; ++k) c.v.push_back(x.v[static_cast<size_t>((o * len + i) * inner + k)]);
        }
      set(c);
    } else if (op == "Slice") {
      const Const& x = in(0);
      std::vector<int64_t> starts, ends, axes, steps;
      if (opset_ >= 10) {
        starts = const_ints(n, 1, "starts");
        ends = const_ints(n, 2, "ends");
        if (has_in(n, 3)) axes = const_ints(n, 3, "axes");
        if (has_in(n, 4)) steps = const_ints(n, 4, "steps");
      } else {
        starts = attr_ints(n, a, "starts"), ends = attr_ints(n, a, "ends"), axes = attr_ints(n, a, "axes");
      }
      const int64_t r = static_cast<int64_t>(x.shape.size());
      if (axes.empty())
        for (size_t i = 0; i < starts.size(); ++i) axes.push_back(static_cast<int64_t>(i));
      if (steps.empty()) steps.assign(starts.size(), 1);
      if (axes.size() != starts.size() || ends.size() != starts.size() || steps.size() != starts.size())
        errf("starts, ends, axes and steps differ in length");
      std::vector<int64_t> lo(static_cast<size_t>(r), 0), step(static_cast<size_t>(r), 1);
      Shape out = x.shape;
      for (size_t i = 0; i < axes.size(); ++i) {
        int64_t ax = axes[i] < 0 ? axes[i] + r : axes[i];
        if (ax < 0 || ax >= r || steps[i] == 0 || std::abs(steps[i]) > (int64_t{1} << 62)) errf("bad axes or steps");
        const int64_t d = x.shape[static_cast<size_t>(ax)];
        auto clampi = [&](int64_t v, int64_t l, int64_t h) { return std::min(std::max(v < 0 ? v + d : v, l), h); };
        int64_t s, e;
        if (steps[i] > 0) s = clampi(starts[i], 0, d), e = clampi(ends[i], 0, d);
        else s = clampi(starts[i], -1, d - 1), e = clampi(ends[i], -1, d - 1);
        const int64_t len = steps[i] > 0 ? std::max<int64_t>(0, (e - s + steps[i] - 1) / steps[i])
                                         : std::max<int64_t>(0, (s - e - steps[i] - 1) / -steps[i]);
        lo[static_cast<size_t>(ax)] = s, step[static_cast<size_t>(ax)] = steps[i], out[static_cast<size_t>(ax)] = len;
      }
      Const c;
      c.integer = x.integer;
      c.shape = out;
      const int64_t total = count(out);
      std::vector<int64_t> idx(static_cast<size_t>(r), 0);
      for (int64_t e = 0; e < total; ++e) {
        int64_t src = 0;
        for (int64_t k = 0; k < r; ++k)
          src = src * x.shape[static_cast<size_t>(k)] + lo[static_cast<size_t>(k)] + idx[static_cast<size_t>(k)] * step[static_cast<size_t>(k)];
        c.v.push_back(x.v[static_cast<size_t>(src)]);
        for (int64_t k = r; k-- > 0;) {
          if (++idx[static_cast<size_t>(k)] < out[static_cast<size_t>(k)]) break;
          idx[static_cast<size_t>(k)] = 0;
        }
      }
      set(c);
    } else if (op == "Reshape") {
      Const c = in(0);
      Shape want = const_ints(n, 1, "shape");
      int64_t known = 1, inf = -1;
      for (size_t i = 0; i < want.size(); ++i) {
        if (want[i] == 0 && i < c.shape.size()) want[i] = c.shape[i];
        if (want[i] == -1) inf = static_cast<int64_t>(i);
        else if (__builtin_mul_overflow(known, want[i], &known)) errf("shape overflows");
      }
      if (inf >= 0 && known > 0) want[static_cast<size_t>(inf)] = count(c.shape) / known;
      if (count(want) != count(c.shape)) errf("cannot reshape the constant");
      c.shape = want;
      set(c);
    } else if (op == "ConstantOfShape") {
      Const c;
      c.shape = const_ints(n, 0, "shape");
      double v = 0;
      c.integer = false;
      if (const auto* p = find(a, "value")) {
        Const vv = tensor_values(p->t(), dir_, errf);
        vv.materialize();
        if (vv.v.size() != 1) errf("value must hold one element");
        v = vv.v[0];
        c.integer = vv.integer;
      }
      c.v.assign(static_cast<size_t>(fold_count(n, c.shape)), v);
      set(c);
    } else if (op == "Range") {
      const double s = scalar(n, 0, "start"), l = scalar(n, 1, "limit"), d = scalar(n, 2, "delta");
      if (d == 0) errf("delta is 0");
      // ONNX Range: max(ceil((limit - start) / delta), 0) elements
      const double len = std::ceil((l - s) / d);
      if (std::isnan(len) || len > static_cast<double>(kMaxFoldedElements)) {
        std::ostringstream m;
        m << "start, limit and delta (" << s << ", " << l << ", " << d << ") give ";
        if (std::isnan(len)) m << "no finite count";
        else m << len << " elements";
        errf(m.str() + "; lpsim folds shape arithmetic of at most " + std::to_string(kMaxFoldedElements) + " elements");
      }
      Const c;
      c.integer = in(0).integer;
      for (int64_t i = 0, cnt = len > 0 ? static_cast<int64_t>(len) : 0; i < cnt; ++i) c.v.push_back(s + static_cast<double>(i) * d);
      c.shape = {static_cast<int64_t>(c.v.size())};
      set(c);
    } else {
      return false;
    }
    return true;
  }

  Const constant_node(const onnx::NodeProto& n, const AttrMap& a) {
    if (a.size() != 1) node_err(n, "expected exactly one value attribute");
    const auto* p = a.begin()->second;
    const std::string& k = a.begin()->first;
    Const c;
    if (k == "value") return tensor_values(p->t(), dir_, [&](const std::string& w) { node_err(n, w); });
    if (k == "value_float") c.v = {p->f()};
    if (k == "value_int") c.v = {static_cast<double>(p->i())}, c.integer = true;
    if (k == "value_floats") {
      for (float f : p->floats()) c.v.push_back(f);
      c.shape = {static_cast<int64_t>(c.v.size())};
    }
    if (k == "value_ints") {
      for (int64_t i : p->ints()) c.v.push_back(static_cast<double>(i));
      c.shape = {static_cast<int64_t>(c.v.size())};
      c.integer = true;
    }
    return c;
  }

  // SAME_UPPER / SAME_LOWER / VALID padding (ONNX Conv and pooling: output = ceil(in / stride)).
  void auto_pad(const onnx::NodeProto& n, const std::string& mode, const Shape& x, graph::Attrs& at) {
    if (mode == "NOTSET") return;
    if (mode == "VALID") {
      at.pads = {0, 0, 0, 0};
      return;
    }
    if (mode != "SAME_UPPER" && mode != "SAME_LOWER") node_err(n, "unsupported auto_pad '" + mode + "'");
    at.pads.assign(4, 0);
    for (size_t i = 0; i < 2; ++i) {
      const int64_t in = x[2 + i], s = at.strides.empty() ? 1 : at.strides[i];
      const int64_t d = at.dilations.empty() ? 1 : at.dilations[i], k = at.kernel[i];
      const int64_t out = (in + s - 1) / s;
      const int64_t total = std::max<int64_t>(0, (out - 1) * s + (k - 1) * d + 1 - in);
      const int64_t small = total / 2, big = total - small;
      at.pads[i] = mode == "SAME_UPPER" ? small : big;
      at.pads[i + 2] = mode == "SAME_UPPER" ? big : small;
    }
  }

  void import_node(const onnx::NodeProto& n) {
    const std::string& op = n.op_type();
    if (!n.domain().empty() && n.domain() != "ai.onnx")
      node_err(n, "operator of domain '" + n.domain() + "' is not supported (only the default ONNX domain)");
    auto sup = supported().find(op);
    if (sup == supported().end())
      node_err(n, "unsupported operator; README \"ONNX models\" lists the supported operators");
    AttrMap a;
    for (const auto& at : n.attribute()) {
      if (!sup->second.count(at.name())) node_err(n, "unsupported attribute '" + at.name() + "'");
      a[at.name()] = &at;
    }
    if (n.output_size() == 0 || n.output(0).empty()) node_err(n, "the node has no outputs");
    const int need = required_inputs(op, opset_);
    for (int i = 0; i < need; ++i)
      if (i >= n.input_size() || n.input(i).empty())
        node_err(n, "has " + std::to_string(n.input_size()) + " inputs; " + op + " needs " + std::to_string(need));
    if (op == "Constant") {
      consts_[n.output(0)] = constant_node(n, a);
      return;
    }
    bool all_const = true;
    for (const auto& in : n.input()) all_const = all_const && is_const(in);
    try {  // count() rejects negative and overflowing shapes; here that names the node
      if (all_const && n.input_size() > 0 && fold(n, a)) return;
      import_data_node(n, a);
    } catch (const std::invalid_argument& x) {
      node_err(n, std::string("tensor shape: ") + x.what());
    }
  }

  void import_data_node(const onnx::NodeProto& n, const AttrMap& a) {
    const std::string& op = n.op_type();
    if (op == "Shape") {
      Shape s = shape_of(n, n.input(0));
      const int64_t r = static_cast<int64_t>(s.size());
      int64_t st = attr_int(n, a, "start", 0), en = attr_int(n, a, "end", r);
      st = std::clamp<int64_t>(st < 0 ? st + r : st, 0, r);
      en = std::clamp<int64_t>(en < 0 ? en + r : en, 0, r);
      Const c;
      c.integer = true;
      for (int64_t i = st; i < en; ++i) c.v.push_back(static_cast<double>(s[static_cast<size_t>(i)]));
      c.shape = {static_cast<int64_t>(c.v.size())};
      consts_[n.output(0)] = c;
      return;
    }
    if (kFoldOnly.count(op) && op != "Cast")
      node_err(n, "this operator is supported only on constants (shape arithmetic); here it reads data");
    convert(n, a);
  }

  void convert(const onnx::NodeProto& n, const AttrMap& a) {
    const std::string& op = n.op_type();
    Node nd;
    nd.name = node_name(n);
    nd.where = Location{path_, 0, "node '" + nd.name + "' (" + op + ")"};
    for (const auto& in : n.input()) nd.inputs.push_back(in);
    nd.outputs.push_back(n.output(0));
    graph::Attrs& at = nd.attrs;
    auto keep_inputs = [&](size_t k) { nd.inputs.resize(std::min(nd.inputs.size(), k)); };
    auto only_first_output = [&]() {
      for (int i = 1; i < n.output_size(); ++i)
        if (!n.output(i).empty()) extra_outputs_[n.output(i)] = nd.name;
    };
    static const std::map<std::string, Kind> simple = {
        {"Add", Kind::kAdd}, {"Sub", Kind::kSub}, {"Mul", Kind::kMul}, {"Div", Kind::kDiv}, {"Pow", Kind::kPow},
        {"Sqrt", Kind::kSqrt}, {"Relu", Kind::kRelu}, {"Sigmoid", Kind::kSigmoid}, {"Tanh", Kind::kTanh},
        {"Erf", Kind::kErf}, {"HardSwish", Kind::kHardSwish}, {"GlobalAveragePool", Kind::kGlobalAvgPool},
        {"MatMul", Kind::kMatMul}, {"Identity", Kind::kIdentity}};
    if (auto it = simple.find(op); it != simple.end()) {
      nd.kind = it->second;

    } else if (op == "Cast") {
      const int64_t to = attr_int(n, a, "to", kFloat);
      if (to != kFloat && to != kDouble && to != kFloat16 && to != kBfloat16)
        node_err(n, "casts data to an integer type; lpsim computes float tensors only");
      nd.kind = Kind::kIdentity;  // float -> float: the vector unit's format decides the precision
    } else if (op == "Dropout") {
      nd.kind = Kind::kIdentity;  // inference: dropout passes its input through
      keep_inputs(1);
      only_first_output();
    } else if (op == "Conv") {
      nd.kind = Kind::kConv;
      at.kernel = attr_ints(n, a, "kernel_shape");
      at.strides = attr_ints(n, a, "strides");
      at.dilations = attr_ints(n, a, "dilations");
      at.pads = attr_ints(n, a, "pads");
      at.group = attr_int(n, a, "group", 1);
      const Shape w = shape_of(n, n.input(1));
      const Shape x = shape_of(n, n.input(0));
      if (x.size() != 4) node_err(n, "only 2-D convolutions (N x C x H x W inputs) are supported, got input " + graph::shape_str(x));
      if (at.kernel.empty() && w.size() == 4) at.kernel = {w[2], w[3]};
      auto_pad(n, attr_string(n, a, "auto_pad", "NOTSET"), x, at);
    } else if (op == "Gemm") {
      nd.kind = Kind::kGemm;
      at.alpha = attr_float(n, a, "alpha", 1.0);
      at.beta = attr_float(n, a, "beta", 1.0);
      at.trans_a = attr_int(n, a, "transA", 0) != 0;
      at.trans_b = attr_int(n, a, "transB", 0) != 0;
    } else if (op == "LeakyRelu") {
      nd.kind = Kind::kLeakyRelu;
      at.alpha = attr_float(n, a, "alpha", 0.01);
    } else if (op == "HardSigmoid") {
      nd.kind = Kind::kHardSigmoid;
      at.alpha = attr_float(n, a, "alpha", 0.2);
      at.beta = attr_float(n, a, "beta", 0.5);
    } else if (op == "Clip") {
      nd.kind = Kind::kClip;
      if (opset_ < 11) {
        at.min = attr_float(n, a, "min", -INFINITY);
        at.max = attr_float(n, a, "max", INFINITY);
        keep_inputs(1);
      } else if ((!has_in(n, 1) || is_const(n.input(1))) && (!has_in(n, 2) || is_const(n.input(2)))) {
        // Constant bounds (what torch exports for ReLU6) become attributes.
        if (has_in(n, 1)) at.min = scalar(n, 1, "min");
        if (has_in(n, 2)) at.max = scalar(n, 2, "max");
        keep_inputs(1);
      }
    } else if (op == "MaxPool" || op == "AveragePool") {
      nd.kind = op == "MaxPool" ? Kind::kMaxPool : Kind::kAvgPool;
      if (attr_int(n, a, "storage_order", 0) != 0) node_err(n, "storage_order 1 is not supported");
      only_first_output();
      at.kernel = attr_ints(n, a, "kernel_shape");
      at.strides = attr_ints(n, a, "strides");
      at.dilations = attr_ints(n, a, "dilations");
      at.pads = attr_ints(n, a, "pads");
      at.ceil_mode = attr_int(n, a, "ceil_mode", 0) != 0;
      at.count_include_pad = attr_int(n, a, "count_include_pad", 0) != 0;
      const Shape x = shape_of(n, n.input(0));
      if (x.size() != 4 || at.kernel.size() != 2)
        node_err(n, "only 2-D pooling (N x C x H x W inputs) is supported, got input " + graph::shape_str(x));
      auto_pad(n, attr_string(n, a, "auto_pad", "NOTSET"), x, at);
    } else if (op == "BatchNormalization") {
      nd.kind = Kind::kBatchNorm;
      if (attr_int(n, a, "training_mode", 0) != 0)
        node_err(n, "training_mode 1 computes batch statistics; lpsim runs inference (export the model in eval mode)");
      at.epsilon = attr_float(n, a, "epsilon", 1e-5);
      only_first_output();
    } else if (op == "Flatten") {
      nd.kind = Kind::kFlatten;
      at.axis = attr_int(n, a, "axis", 1);
    } else if (op == "Reshape") {
      nd.kind = Kind::kReshape;
      at.shape = const_ints(n, 1, "shape");
      if (attr_int(n, a, "allowzero", 0) != 0 && std::count(at.shape.begin(), at.shape.end(), 0))
        node_err(n, "allowzero 1 with a 0 in the shape (an empty tensor) is not supported");
      keep_inputs(1);
    } else if (op == "Transpose") {
      nd.kind = Kind::kTranspose;
      at.perm = attr_ints(n, a, "perm");
    } else if (op == "Squeeze" || op == "Unsqueeze") {
      nd.kind = op == "Squeeze" ? Kind::kSqueeze : Kind::kUnsqueeze;
      at.axes = opset_ >= 13 ? (has_in(n, 1) ? const_ints(n, 1, "axes") : std::vector<int64_t>{}) : attr_ints(n, a, "axes");
      if (nd.kind == Kind::kUnsqueeze && at.axes.empty()) node_err(n, "axes are required");
      keep_inputs(1);
    } else if (op == "Concat") {
      nd.kind = Kind::kConcat;
      if (!find(a, "axis")) node_err(n, "attribute 'axis' is required");
      at.axis = attr_int(n, a, "axis", 0);
    } else if (op == "Split") {
      nd.kind = Kind::kSplit;
      at.axis = attr_int(n, a, "axis", 0);
      at.split = opset_ >= 13 ? (has_in(n, 1) ? const_ints(n, 1, "split") : std::vector<int64_t>{}) : attr_ints(n, a, "split");
      keep_inputs(1);
      nd.outputs.clear();
      for (const auto& o : n.output()) nd.outputs.push_back(o);
    } else if (op == "Pad") {
      nd.kind = Kind::kPad;
      const std::string mode = attr_string(n, a, "mode", "constant");
      if (mode != "constant") node_err(n, "pad mode '" + mode + "' is not supported (only constant)");
      if (opset_ < 11) {
        at.pads = attr_ints(n, a, "pads");
        at.value = attr_float(n, a, "value", 0.0);
      } else {
        at.pads = const_ints(n, 1, "pads");
        if (has_in(n, 3)) node_err(n, "the axes input is not supported");
        if (has_in(n, 2) && !is_const(n.input(2))) {
          nd.inputs = {n.input(0), "", n.input(2)};  // the pad value as a scalar tensor
        } else {
          if (has_in(n, 2)) at.value = scalar(n, 2, "constant_value");
          keep_inputs(1);
        }
      }
      if (opset_ < 11) keep_inputs(1);
    } else if (op == "Softmax") {
      nd.kind = Kind::kSoftmax;
      at.axis = attr_int(n, a, "axis", opset_ >= 13 ? -1 : 1);
      if (opset_ < 13) {
        // Before opset 13 Softmax normalises over all dims from `axis` on, flattened; it equals the per-axis
        // form only when axis is the last dimension.
        const Shape x = shape_of(n, n.input(0));
        const int64_t r = static_cast<int64_t>(x.size());
        const int64_t ax = at.axis < 0 ? at.axis + r : at.axis;
        for (int64_t i = ax + 1; i < r; ++i)
          if (x[static_cast<size_t>(i)] != 1)
            node_err(n, "opset " + std::to_string(opset_) + " Softmax over the flattened dims " +
                            std::to_string(ax) + ".. of " + graph::shape_str(x) + " is not supported (export at "
                            "opset 13 or later, or with axis = the last dim)");
      }
    } else if (op == "LayerNormalization") {
      nd.kind = Kind::kLayerNorm;
      at.axis = attr_int(n, a, "axis", -1);
      at.epsilon = attr_float(n, a, "epsilon", 1e-5);
      for (int i = 1; i < n.output_size() && i < 3; ++i) nd.outputs.push_back(n.output(i));  // Mean, InvStdDev
    } else if (op == "ReduceMean") {
      nd.kind = Kind::kReduceMean;
      at.axes = attr_ints(n, a, "axes");
      at.keepdims = attr_int(n, a, "keepdims", 1) != 0;
    } else {
      node_err(n, "unsupported operator");
    }
    for (const auto& in : nd.inputs)
      if (!in.empty() && extra_outputs_.count(in))
        node_err(n, "reads '" + in + "', an extra output of node '" + extra_outputs_[in] +
                        "' that lpsim does not compute (inference mode)");
    for (const auto& in : nd.inputs)
      if (!in.empty()) ensure_tensor(n, in);
    g_.ops.push_back(nd);
    graph::infer_op(g_, g_.ops.back());
  }

  // A constant read by an op becomes a graph tensor (float32 values); integer constants must not feed data ops.
  void ensure_tensor(const onnx::NodeProto& n, const std::string& name) {
    if (g_.tensors.count(name)) return;
    auto it = consts_.find(name);
    if (it == consts_.end()) node_err(n, "reads tensor '" + name + "', which no earlier node, input or initializer provides");
    graph::Tensor t;
    t.shape = it->second.shape;
    t.constant = true;
    if (!it->second.f.empty()) {  // weights: moved, not copied (ResNet-18 holds 47 MB of them)
      t.data = std::move(it->second.f);
      it->second.f.clear();
      it->second.in_graph = true;
    } else {
      t.data.assign(it->second.v.begin(), it->second.v.end());
    }
    g_.tensors[name] = std::move(t);
  }

  // ---- GELU fusion ----
  std::map<std::string, std::vector<size_t>> consumers() const {
    std::map<std::string, std::vector<size_t>> c;
    for (size_t i = 0; i < g_.ops.size(); ++i)
      for (const auto& in : g_.ops[i].inputs) c[in].push_back(i);
    return c;
  }
  bool scalar_const(const std::string& name, double want, double tol) const {
    auto it = g_.tensors.find(name);
    return it != g_.tensors.end() && it->second.constant && it->second.data.size() == 1 &&
           std::fabs(it->second.data[0] - want) <= tol * std::fabs(want);
  }
  // The other input of a binary node (or "" when `x` is not one of its inputs).
  static std::string other(const Node& n, const std::string& x) {
    if (n.inputs.size() != 2) return "";
    if (n.inputs[0] == x) return n.inputs[1];
    if (n.inputs[1] == x) return n.inputs[0];
    return "";
  }

  void fuse_gelu() {
    bool changed = true;
    while (changed) {
      changed = false;
      auto cons = consumers();
      auto single = [&](const std::string& t) -> const Node* {
        auto it = cons.find(t);
        if (it == cons.end() || it->second.size() != 1) return nullptr;
        if (std::find(g_.outputs.begin(), g_.outputs.end(), t) != g_.outputs.end()) return nullptr;
        return &g_.ops[it->second[0]];
      };
      for (size_t e = 0; e < g_.ops.size() && !changed; ++e) {
        const Node& erf = g_.ops[e];
        if (erf.kind != Kind::kErf) continue;
        // x / sqrt(2) (or x * 1/sqrt(2)) -> Erf
        const Node* div = nullptr;
        for (const auto& n : g_.ops)
          if (n.outputs[0] == erf.inputs[0]) div = &n;
        if (!div || !single(div->outputs[0]) || div->inputs.size() != 2) continue;
        const std::string x = div->inputs[0];
        const bool ok_div = (div->kind == Kind::kDiv && scalar_const(div->inputs[1], std::sqrt(2.0), 1e-6)) ||
                            (div->kind == Kind::kMul && scalar_const(div->inputs[1], std::sqrt(0.5), 1e-6));
        if (!ok_div) continue;
        const Node* add = single(erf.outputs[0]);
        if (!add || add->kind != Kind::kAdd || !scalar_const(other(*add, erf.outputs[0]), 1.0, 0)) continue;
        const Node* m1 = single(add->outputs[0]);
        if (!m1 || m1->kind != Kind::kMul) continue;
        const std::string o1 = other(*m1, add->outputs[0]);
        std::vector<const Node*> removed = {div, &erf, add, m1};
        std::string out;
        if (o1 == x) {  // (x * (1 + erf)) * 0.5
          const Node* m2 = single(m1->outputs[0]);
          if (!m2 || m2->kind != Kind::kMul || !scalar_const(other(*m2, m1->outputs[0]), 0.5, 0)) continue;
          removed.push_back(m2);
          out = m2->outputs[0];
        } else {  // (x * 0.5) * (1 + erf)
          const Node* half = nullptr;
          for (const auto& n : g_.ops)
            if (n.outputs[0] == o1) half = &n;
          if (!half || half->kind != Kind::kMul || !single(o1) || !scalar_const(other(*half, x), 0.5, 0)) continue;
          removed.push_back(half);
          out = m1->outputs[0];
        }
        Node gelu;
        gelu.name = erf.name + "_gelu";
        gelu.kind = Kind::kGelu;
        gelu.inputs = {x};
        gelu.outputs = {out};
        gelu.where = erf.where;
        gelu.where.key = "node '" + erf.name + "' (Erf, part of a GELU)";
        // Replace the pattern by one node; sort_nodes puts it after x's producer and before out's consumers.
        std::set<const Node*> gone(removed.begin(), removed.end());
        std::vector<Node> kept;
        for (auto& n : g_.ops)
          if (!gone.count(&n)) kept.push_back(n);
        kept.push_back(gelu);
        g_.ops = std::move(kept);
        graph::sort_nodes(g_);
        for (auto& n : g_.ops)
          if (n.kind == Kind::kGelu && n.outputs[0] == out) graph::infer_op(g_, n);
        changed = true;
      }
    }
  }

  void drop_dead_ops() {
    std::set<std::string> live(g_.outputs.begin(), g_.outputs.end());
    std::vector<bool> keep(g_.ops.size(), false);
    for (size_t i = g_.ops.size(); i-- > 0;) {
      bool needed = false;
      for (const auto& o : g_.ops[i].outputs) needed = needed || live.count(o);
      if (!needed) continue;
      keep[i] = true;
      for (const auto& in : g_.ops[i].inputs) live.insert(in);
    }
    std::vector<Node> kept;
    for (size_t i = 0; i < g_.ops.size(); ++i)
      if (keep[i]) kept.push_back(std::move(g_.ops[i]));
    g_.ops = std::move(kept);
    for (auto it = g_.tensors.begin(); it != g_.tensors.end();)
      it = (!live.count(it->first) && !std::count(g_.inputs.begin(), g_.inputs.end(), it->first)) ? g_.tensors.erase(it) : std::next(it);
  }

  // Integer constants feed shape arithmetic only; as data they are an error (lpsim computes float tensors), except
  // a Pow exponent, whose type ONNX lets differ from the base's.
  void add_constant_tensors() {
    for (const auto& n : g_.ops)
      for (size_t i = 0; i < n.inputs.size(); ++i) {
        const std::string& in = n.inputs[i];
        if (in.empty() || !g_.tensors.count(in) || !g_.tensors[in].constant || !consts_.count(in) || !consts_[in].integer)
          continue;
        if (n.kind == Kind::kPow && i == 1) continue;
        throw_input_error(n.where, "reads integer tensor '" + in + "' as data; lpsim computes float tensors only");
      }
  }

  std::string path_, dir_;
  ImportOptions opt_;
  onnx::ModelProto model_;
  int64_t opset_ = 0;
  Graph g_;
  mutable std::map<std::string, Const> consts_;  // mutable: values materialise on first use (Const::f -> v)
  std::map<std::string, std::string> extra_outputs_;  // optional outputs lpsim does not compute -> node
};

}  // namespace

graph::Graph read_onnx(const std::string& path, const ImportOptions& opt) { return Importer(path, opt).run(); }

LoadedTensor read_tensor_pb(const std::string& path) {
  std::ifstream is(path, std::ios::binary);
  if (!is) throw InputError(path + ": cannot read tensor file");
  std::string bytes((std::istreambuf_iterator<char>(is)), std::istreambuf_iterator<char>());
  onnx::TensorProto t;
  if (!t.ParseFromString(bytes)) throw InputError(path + ": not a valid ONNX TensorProto");
  Const c = tensor_values(t, fs::path(path).parent_path().string(), [&](const std::string& w) {
    throw InputError(path + ": " + w);
  });
  LoadedTensor out;
  out.name = t.name();
  out.shape = c.shape;
  c.materialize();
  out.data.assign(c.v.begin(), c.v.end());
  out.integer = c.integer;
  return out;
}

std::vector<std::string> supported_onnx_ops() {
  std::vector<std::string> v;
  for (const auto& kv : supported()) v.push_back(kv.first);
  return v;
}

}  // namespace lpsim::onnx_import
