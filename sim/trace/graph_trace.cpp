#include "trace/graph_trace.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <map>
#include <set>

#include "io/npy.h"
#include "util/yaml_describe.h"

namespace fs = std::filesystem;

namespace lpsim::trace {

namespace {

using graph::Attrs;
using graph::Kind;
using graph::Node;
using graph::Shape;

enum class AType { kInts, kInt, kBool, kReal };
struct AttrKey {
  const char* key;
  AType type;
};

// The attribute keys of each op type in a graph trace (names follow ONNX where it has one).
const std::map<Kind, std::vector<AttrKey>>& attr_keys() {
  static const std::map<Kind, std::vector<AttrKey>> m = {
      {Kind::kConv, {{"kernel", AType::kInts}, {"strides", AType::kInts}, {"pads", AType::kInts},
                     {"dilations", AType::kInts}, {"groups", AType::kInt}}},
      {Kind::kGemm, {{"trans_a", AType::kBool}, {"trans_b", AType::kBool}, {"alpha", AType::kReal}, {"beta", AType::kReal}}},
      {Kind::kLeakyRelu, {{"alpha", AType::kReal}}},
      {Kind::kHardSigmoid, {{"alpha", AType::kReal}, {"beta", AType::kReal}}},
      {Kind::kClip, {{"min", AType::kReal}, {"max", AType::kReal}}},
      {Kind::kMaxPool, {{"kernel", AType::kInts}, {"strides", AType::kInts}, {"pads", AType::kInts},
                        {"dilations", AType::kInts}, {"ceil_mode", AType::kBool}}},
      {Kind::kAvgPool, {{"kernel", AType::kInts}, {"strides", AType::kInts}, {"pads", AType::kInts},
                        {"ceil_mode", AType::kBool}, {"count_include_pad", AType::kBool}}},
      {Kind::kBatchNorm, {{"epsilon", AType::kReal}}},
      {Kind::kLayerNorm, {{"axis", AType::kInt}, {"epsilon", AType::kReal}}},
      {Kind::kSoftmax, {{"axis", AType::kInt}}},
      {Kind::kReduceMean, {{"axes", AType::kInts}, {"keepdims", AType::kBool}}},
      {Kind::kTranspose, {{"perm", AType::kInts}}},
      {Kind::kConcat, {{"axis", AType::kInt}}},
      {Kind::kSplit, {{"axis", AType::kInt}, {"split", AType::kInts}}},
      {Kind::kPad, {{"pads", AType::kInts}, {"value", AType::kReal}}},
      {Kind::kReshape, {{"target_shape", AType::kInts}}},
      {Kind::kFlatten, {{"axis", AType::kInt}}},
      {Kind::kSqueeze, {{"axes", AType::kInts}}},
      {Kind::kUnsqueeze, {{"axes", AType::kInts}}},
  };
  return m;
}

// Field of Attrs behind a key (the mapping is the same for every kind that has the key).
std::vector<int64_t>* ints_field(Attrs& a, const std::string& k) {
  if (k == "kernel") return &a.kernel;
  if (k == "strides") return &a.strides;
  if (k == "pads") return &a.pads;
  if (k == "dilations") return &a.dilations;
  if (k == "perm") return &a.perm;
  if (k == "axes") return &a.axes;
  if (k == "split") return &a.split;
  if (k == "target_shape") return &a.shape;
  return nullptr;
}
double* real_field(Attrs& a, const std::string& k) {
  if (k == "alpha") return &a.alpha;
  if (k == "beta") return &a.beta;
  if (k == "min") return &a.min;
  if (k == "max") return &a.max;
  if (k == "epsilon") return &a.epsilon;
  if (k == "value") return &a.value;
  return nullptr;
}
bool* bool_field(Attrs& a, const std::string& k) {
  if (k == "ceil_mode") return &a.ceil_mode;
  if (k == "count_include_pad") return &a.count_include_pad;
  if (k == "trans_a") return &a.trans_a;
  if (k == "trans_b") return &a.trans_b;
  if (k == "keepdims") return &a.keepdims;
  return nullptr;
}

class Reader {
 public:
  Reader(const std::string& path) : path_(path) {}

  Location at(const YAML::Node& n, const std::string& key) const {
    return Location{path_, n.Mark().line >= 0 ? n.Mark().line + 1 : 0, key};
  }
  [[noreturn]] void fail(const YAML::Node& n, const std::string& key, const std::string& what) const {
    throw_input_error(at(n, key), what);
  }
  std::string str(const YAML::Node& n, const std::string& key) const {
    if (!n.IsScalar() || n.Scalar().empty()) fail(n, key, "expected a name, got " + describe(n));
    return n.Scalar();
  }
  int64_t integer(const YAML::Node& n, const std::string& key) const {
    int64_t v = 0;
    const std::string s = n.IsScalar() ? n.Scalar() : std::string();
    auto r = std::from_chars(s.data(), s.data() + s.size(), v);
    if (!n.IsScalar() || s.empty() || r.ec != std::errc() || r.ptr != s.data() + s.size())
      fail(n, key, "expected an integer, got " + describe(n));
    return v;
  }
  double real(const YAML::Node& n, const std::string& key) const {
    const std::string s = n.IsScalar() ? n.Scalar() : std::string();
    if (s == "inf" || s == ".inf") return INFINITY;
    if (s == "-inf" || s == "-.inf") return -INFINITY;
    char* end = nullptr;
    const double d = std::strtod(s.c_str(), &end);
    if (!n.IsScalar() || s.empty() || end != s.c_str() + s.size() || std::isnan(d))
      fail(n, key, "expected a number, got " + describe(n));
    return d;
  }
  bool boolean(const YAML::Node& n, const std::string& key) const {
    const std::string s = n.IsScalar() ? n.Scalar() : std::string();
    if (s == "true") return true;
    if (s == "false") return false;
    fail(n, key, "expected true or false, got " + describe(n));
  }
  std::vector<int64_t> ints(const YAML::Node& n, const std::string& key) const {
    if (!n.IsSequence()) fail(n, key, "expected a list of integers, got " + describe(n));
    std::vector<int64_t> v;
    for (size_t i = 0; i < n.size(); ++i) v.push_back(integer(n[i], key + "[" + std::to_string(i) + "]"));
    return v;
  }
  std::vector<std::string> names(const YAML::Node& n, const std::string& key) const {
    if (!n.IsSequence()) fail(n, key, "expected a list of tensor names, got " + describe(n));
    std::vector<std::string> v;
    for (size_t i = 0; i < n.size(); ++i) {
      // An empty string marks an omitted optional input (as in ONNX).
      if (n[i].IsScalar() && n[i].Scalar().empty()) v.push_back("");
      else v.push_back(str(n[i], key + "[" + std::to_string(i) + "]"));
    }
    return v;
  }
  void only(const YAML::Node& m, const std::string& key, const std::vector<std::string>& allowed) const {
    if (!m.IsMap()) fail(m, key, "expected a mapping, got " + describe(m));
    for (const auto& kv : m) {
      const std::string k = kv.first.IsScalar() ? kv.first.Scalar() : "?";
      if (std::find(allowed.begin(), allowed.end(), k) == allowed.end())
        fail(kv.first, key + "." + k, "unknown key '" + k + "'" + did_you_mean(k, allowed) + "; valid keys: " + join(allowed));
    }
  }

  graph::Graph read(const YAML::Node& root) {
    graph::Graph g;
    g.file = path_;
    g.format = "graph";
    g.name = fs::path(path_).stem().string();
    only(root, "", {"name", "description", "inputs", "outputs", "weights", "ops"});
    if (root["name"]) g.name = str(root["name"], "name");
    // inputs
    const YAML::Node ins = root["inputs"];
    if (!ins.IsSequence() || ins.size() == 0) fail(ins, "inputs", "expected a non-empty list of {name, shape}");
    for (size_t i = 0; i < ins.size(); ++i) {
      const std::string key = "inputs[" + std::to_string(i) + "]";
      only(ins[i], key, {"name", "shape"});
      if (!ins[i]["name"] || !ins[i]["shape"]) fail(ins[i], key, "expected {name: ..., shape: [...]}");
      const std::string name = str(ins[i]["name"], key + ".name");
      Shape s = ints(ins[i]["shape"], key + ".shape");
      for (int64_t d : s)
        if (d < 1) fail(ins[i]["shape"], key + ".shape", "dimensions must be positive");
      if (g.tensors.count(name)) fail(ins[i], key, "tensor '" + name + "' is defined twice");
      g.inputs.push_back(name);
      g.tensors[name].shape = s;
    }
    // weights
    if (const YAML::Node w = root["weights"]) {
      if (!w.IsMap()) fail(w, "weights", "expected a mapping of tensor name -> {file: x.npy} or {shape, values}");
      for (const auto& kv : w) {
        const std::string name = str(kv.first, "weights");
        const std::string key = "weights." + name;
        if (g.tensors.count(name)) fail(kv.first, key, "tensor '" + name + "' is defined twice");
        graph::Tensor t;
        t.constant = true;
        const YAML::Node& v = kv.second;
        only(v, key, {"file", "shape", "values"});
        if (v["file"]) {
          if (v["values"]) fail(v, key, "give 'file' or 'values', not both");
          fs::path f(str(v["file"], key + ".file"));
          if (f.is_relative()) f = fs::path(path_).parent_path() / f;
          t.file = f.lexically_normal().string();
          std::error_code ec;
          if (!fs::is_regular_file(t.file, ec))
            fail(v["file"], key + ".file", "cannot read weight file '" + t.file + "': no such file");
          io::NpyArray a = io::read_npy_f32(t.file);
          t.shape.assign(a.shape.begin(), a.shape.end());
          t.data = std::move(a.data);
          if (v["shape"] && ints(v["shape"], key + ".shape") != t.shape)
            fail(v["shape"], key + ".shape", t.file + " has shape " + graph::shape_str(t.shape));
        } else {
          if (!v["shape"] || !v["values"]) fail(v, key, "expected {file: x.npy} or {shape: [...], values: [...]}");
          t.shape = ints(v["shape"], key + ".shape");
          const YAML::Node vals = v["values"];
          if (!vals.IsSequence()) fail(vals, key + ".values", "expected a list of numbers");
          for (size_t i = 0; i < vals.size(); ++i) t.data.push_back(static_cast<float>(real(vals[i], key + ".values")));
          if (static_cast<int64_t>(t.data.size()) != graph::numel(t.shape))
            fail(vals, key + ".values", std::to_string(t.data.size()) + " values for shape " + graph::shape_str(t.shape));
        }
        g.tensors[name] = std::move(t);
      }
    }
    // ops
    const YAML::Node ops = root["ops"];
    if (!ops.IsSequence() || ops.size() == 0) fail(ops, "ops", "expected a non-empty list of ops");
    std::set<std::string> names_seen;
    std::vector<std::pair<YAML::Node, std::string>> op_nodes;
    for (size_t i = 0; i < ops.size(); ++i) {
      const YAML::Node n = ops[i];
      const std::string prefix = "ops[" + std::to_string(i) + "]";
      if (!n.IsMap()) fail(n, prefix, "expected a mapping with name, type, inputs, outputs");
      if (!n["name"] || !n["type"] || !n["inputs"] || !n["outputs"])
        fail(n, prefix, "a graph op needs name, type, inputs and outputs");
      Node nd;
      nd.name = str(n["name"], prefix + ".name");
      if (!names_seen.insert(nd.name).second) fail(n, prefix, "duplicate op name '" + nd.name + "'");
      const std::string key = prefix + "(" + nd.name + ")";
      const std::string type = str(n["type"], key + ".type");
      const auto kind = graph::parse_kind(type);
      if (!kind) fail(n["type"], key + ".type", "unknown op type \"" + type + "\"" + did_you_mean(type, graph::kind_names()));
      nd.kind = *kind;
      std::vector<std::string> allowed = {"name", "type", "inputs", "outputs", "shape", "shapes", "gemm"};
      auto ak = attr_keys().find(nd.kind);
      if (ak != attr_keys().end())
        for (const auto& a : ak->second) allowed.push_back(a.key);
      only(n, key, allowed);
      nd.inputs = names(n["inputs"], key + ".inputs");
      nd.outputs = names(n["outputs"], key + ".outputs");
      if (nd.inputs.empty() || nd.outputs.empty()) fail(n, key, "an op needs at least one input and one output");
      if (ak != attr_keys().end())
        for (const auto& a : ak->second) {
          const YAML::Node v = n[a.key];
          if (!v) continue;
          const std::string k = key + "." + a.key;
          switch (a.type) {
            case AType::kInts: *ints_field(nd.attrs, a.key) = ints(v, k); break;
            case AType::kInt:
              if (std::string(a.key) == "groups") nd.attrs.group = integer(v, k);
              else nd.attrs.axis = integer(v, k);
              break;
            case AType::kBool: *bool_field(nd.attrs, a.key) = boolean(v, k); break;
            case AType::kReal: *real_field(nd.attrs, a.key) = real(v, k); break;
          }
        }
      if (nd.kind == Kind::kConv && nd.attrs.group < 1) fail(n["groups"], key + ".groups", "expected a positive integer");
      if (nd.kind == Kind::kReshape && nd.attrs.shape.empty()) fail(n, key, "reshape needs 'target_shape'");
      nd.where = at(n, key);
      for (const auto& o : nd.outputs)
        if (g.tensors.count(o)) fail(n["outputs"], key + ".outputs", "tensor '" + o + "' is already defined");
      g.ops.push_back(nd);
      op_nodes.emplace_back(n, key);
    }
    const YAML::Node outs = root["outputs"];
    g.outputs = names(outs, "outputs");
    if (g.outputs.empty()) fail(outs, "outputs", "expected at least one graph output");
    // Order, shapes, and the recorded shapes checked against what lpsim computes.
    std::map<std::string, std::pair<YAML::Node, std::string>> by_name;
    for (size_t i = 0; i < g.ops.size(); ++i) by_name[g.ops[i].name] = op_nodes[i];
    graph::sort_nodes(g);
    graph::infer_shapes(g);
    for (const auto& nd : g.ops) {
      const auto& [n, key] = by_name.at(nd.name);
      if (const YAML::Node s = n["shape"]) {
        const Shape want = ints(s, key + ".shape");
        if (want != g.tensors.at(nd.outputs[0]).shape)
          fail(s, key + ".shape", "the op's output has shape " + graph::shape_str(g.tensors.at(nd.outputs[0]).shape) +
                                      ", the trace says " + graph::shape_str(want));
      }
      if (const YAML::Node gm = n["gemm"]) {
        only(gm, key + ".gemm", {"m", "n", "k", "repeat"});
        const int64_t vals[4] = {nd.shape.M(), nd.shape.N(), nd.shape.K(), nd.repeat};
        const char* ks[4] = {"m", "n", "k", "repeat"};
        for (int i = 0; i < 4; ++i)
          if (gm[ks[i]] && integer(gm[ks[i]], key + ".gemm." + ks[i]) != vals[i])
            fail(gm[ks[i]], key + ".gemm." + ks[i], std::string("the op maps to ") + ks[i] + " = " + std::to_string(vals[i]));
      }
    }
    for (const auto& o : g.outputs)
      if (!g.tensors.count(o)) fail(outs, "outputs", "graph output '" + o + "' is produced by no op");
    return g;
  }

 private:
  std::string path_;
};

std::string safe_file_name(const std::string& name) {
  std::string f = name;
  for (char& c : f)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '.' && c != '-') c = '_';
  while (!f.empty() && f.front() == '.') f.erase(f.begin());
  return f.empty() ? "t" : f;
}

// The shortest decimal that reads back as exactly v (attributes are doubles holding ONNX float32 values).
std::string fmt_float(double v) {
  if (std::isinf(v)) return v > 0 ? ".inf" : "-.inf";
  char buf[40];
  for (int digits = 6; digits <= 17; ++digits) {
    std::snprintf(buf, sizeof buf, "%.*g", digits, v);
    if (std::strtod(buf, nullptr) == v) break;
  }
  return buf;
}

void emit_ints(YAML::Emitter& e, const std::vector<int64_t>& v) {
  e << YAML::Flow << YAML::BeginSeq;
  for (int64_t x : v) e << x;
  e << YAML::EndSeq;
}

}  // namespace

graph::Graph read_graph_trace(const std::string& path, const YAML::Node& root) { return Reader(path).read(root); }

std::vector<std::pair<std::string, std::string>> write_graph_trace(const graph::Graph& g, const std::string& stem) {
  std::vector<std::pair<std::string, std::string>> files;
  const std::string wdir = stem + "_weights";
  YAML::Emitter e;
  e << YAML::Comment("graph trace written by lpsim import from " + g.file + " (traces/README.md: graph traces)");
  e << YAML::BeginMap;
  e << YAML::Key << "name" << YAML::Value << g.name;
  e << YAML::Key << "inputs" << YAML::Value << YAML::BeginSeq;
  for (const auto& in : g.inputs) {
    e << YAML::Flow << YAML::BeginMap << YAML::Key << "name" << YAML::Value << in << YAML::Key << "shape"
      << YAML::Value;
    emit_ints(e, g.tensors.at(in).shape);
    e << YAML::EndMap;
  }
  e << YAML::EndSeq;
  e << YAML::Key << "outputs" << YAML::Value << YAML::Flow << YAML::BeginSeq;
  for (const auto& o : g.outputs) e << o;
  e << YAML::EndSeq;
  // Constants: inline when small, else a .npy next to the trace (names made file-safe and unique).
  e << YAML::Key << "weights" << YAML::Value << YAML::BeginMap;
  std::set<std::string> used_files;
  for (const auto& [name, t] : g.tensors) {
    if (!t.constant) continue;
    e << YAML::Key << name << YAML::Value << YAML::Flow << YAML::BeginMap;
    if (t.data.size() <= 16) {
      e << YAML::Key << "shape" << YAML::Value;
      emit_ints(e, t.shape);
      e << YAML::Key << "values" << YAML::Value << YAML::Flow << YAML::BeginSeq;
      for (float v : t.data) e << fmt_float(v);
      e << YAML::EndSeq;
    } else {
      std::string f = safe_file_name(name);
      for (int i = 2; used_files.count(f); ++i) f = safe_file_name(name) + "_" + std::to_string(i);
      used_files.insert(f);
      const std::string rel = wdir + "/" + f + ".npy";
      files.emplace_back(rel, io::npy_f32_bytes(t.data.data(), std::vector<size_t>(t.shape.begin(), t.shape.end())));
      e << YAML::Key << "file" << YAML::Value << rel;
    }
    e << YAML::EndMap;
  }
  e << YAML::EndMap;
  e << YAML::Key << "ops" << YAML::Value << YAML::BeginSeq;
  for (const auto& n : g.ops) {
    e << YAML::BeginMap;
    e << YAML::Key << "name" << YAML::Value << n.name;
    e << YAML::Key << "type" << YAML::Value << graph::to_string(n.kind);
    e << YAML::Key << "inputs" << YAML::Value << YAML::Flow << YAML::BeginSeq;
    for (const auto& i : n.inputs) e << i;
    e << YAML::EndSeq;
    e << YAML::Key << "outputs" << YAML::Value << YAML::Flow << YAML::BeginSeq;
    for (const auto& o : n.outputs) e << o;
    e << YAML::EndSeq;
    auto ak = attr_keys().find(n.kind);
    if (ak != attr_keys().end()) {
      Attrs a = n.attrs;
      for (const auto& k : ak->second) {
        e << YAML::Key << k.key << YAML::Value;
        switch (k.type) {
          case AType::kInts: emit_ints(e, *ints_field(a, k.key)); break;
          case AType::kInt: e << (std::string(k.key) == "groups" ? a.group : a.axis); break;
          case AType::kBool: e << (*bool_field(a, k.key) ? "true" : "false"); break;
          case AType::kReal: e << fmt_float(*real_field(a, k.key)); break;
        }
      }
    }
    if (n.outputs.size() == 1) {
      e << YAML::Key << "shape" << YAML::Value;
      emit_ints(e, g.tensors.at(n.outputs[0]).shape);
    }
    if (n.on_array()) {
      e << YAML::Key << "gemm" << YAML::Value << YAML::Flow << YAML::BeginMap << YAML::Key << "m" << YAML::Value
        << n.shape.M() << YAML::Key << "n" << YAML::Value << n.shape.N() << YAML::Key << "k" << YAML::Value
        << n.shape.K() << YAML::Key << "repeat" << YAML::Value << n.repeat << YAML::EndMap;
    }
    e << YAML::EndMap;
  }
  e << YAML::EndSeq << YAML::EndMap;
  files.insert(files.begin(), {stem + ".yaml", std::string(e.c_str()) + "\n"});
  return files;
}

}  // namespace lpsim::trace
