#include "trace/trace.h"

#include "base/checked.h"
#include "trace/graph_trace.h"

#include "util/text.h"
#include "util/yaml_input.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cmath>
#include <charconv>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

namespace fs = std::filesystem;

namespace lpsim::trace {

namespace {

std::vector<std::string> split_csv(const std::string& line) {
  std::vector<std::string> out;
  std::stringstream ss(line);
  for (std::string f; std::getline(ss, f, ',');) out.push_back(trim(f));
  if (!line.empty() && line.back() == ',') out.push_back("");
  // SCALE-Sim topology lines end with a trailing comma; accept lines with or without it.
  if (!out.empty() && out.back().empty()) out.pop_back();
  return out;
}

int64_t parse_positive(const std::string& text, const Location& at) {
  int64_t v = 0;
  auto r = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || r.ec != std::errc() || r.ptr != text.data() + text.size() || v <= 0)
    throw_input_error(at, "expected a positive integer, got " + quote_value(text));
  return v;
}

// SCALE-Sim v2 output size: ceil((H - F + S) / S) = ceil((H - F) / S) + 1 for H >= F (written so that no
// intermediate exceeds H); no padding exists in its topologies.
int64_t scalesim_out(int64_t in, int64_t f, int64_t s) { return chk::ceil_div(in - f, s) + 1; }

}  // namespace

// Every figure the models derive from one op must fit 64 bits: M = out_h * out_w, K = kh * kw * channels, the
// operand and output sizes M*K, K*N, M*N, the MACs M*N*K and all of them times repeat. Checked once here, so
// the models' products of these figures never overflow; a bigger op is an input error at its line.
void check_op_size(const Op& op) {
  if (!op.on_array()) return;
  const model::LayerShape& s = op.shape;
  int64_t m = 0, k = 0, mk = 0, kn = 0, mn = 0, mnk = 0, total = 0, outs = 0;
  const bool ok = chk::mul_ok(s.ofmap_h, s.ofmap_w, &m) && chk::mul_ok(s.filter_h, s.filter_w, &k) &&
                  chk::mul_ok(k, s.channels, &k) && chk::mul_ok(m, k, &mk) && chk::mul_ok(k, s.num_filters, &kn) &&
                  chk::mul_ok(m, s.num_filters, &mn) && chk::mul_ok(mn, k, &mnk) &&
                  chk::mul_ok(mnk, op.repeat, &total) && chk::mul_ok(mn, op.repeat, &outs);
  if (!ok)
    throw_input_error(op.where, "op '" + excerpt(op.name) + "' is too large: M x N x K = " +
                                    std::to_string(s.ofmap_h) + "*" + std::to_string(s.ofmap_w) + " x " +
                                    std::to_string(s.num_filters) + " x " + std::to_string(s.filter_h) + "*" +
                                    std::to_string(s.filter_w) + "*" + std::to_string(s.channels) +
                                    (op.repeat > 1 ? " (x" + std::to_string(op.repeat) + " instances)" : "") +
                                    " MACs exceed the 64-bit range (9.2e18)");
}

namespace {

Trace read_scalesim_csv(const std::string& path) {
  std::ifstream is(path);
  Trace t;
  t.file = path;
  t.name = fs::path(path).stem().string();
  std::string line;
  int lineno = 0;
  std::vector<std::string> header;
  while (std::getline(is, line)) {
    ++lineno;
    if (trim(line).empty()) continue;
    std::vector<std::string> f = split_csv(line);
    if (header.empty()) {
      header = f;
      if (header.size() == 4) {
        t.format = "scalesim-gemm";
      } else if (header.size() == 8 || header.size() == 9) {
        t.format = "scalesim-conv";
      } else {
        throw_input_error(Location{path, lineno, "header"},
                          "expected a SCALE-Sim topology header: 'Layer name, IFMAP Height, IFMAP Width, Filter "
                          "Height, Filter Width, Channels, Num Filter, Strides,' (conv) or 'Layer Name, M, N, K,' "
                          "(GEMM); got " + std::to_string(header.size()) + " columns");
      }
      for (int64_t i = 1; i < static_cast<int64_t>(header.size()); ++i)
        if (!header[i].empty() && std::isdigit(static_cast<unsigned char>(header[i][0])))
          throw_input_error(Location{path, lineno, "header"},
                            "the first line must be the column header (it looks like data: \"" + trim(line) + "\")");
      continue;
    }
    bool conv = t.format == "scalesim-conv";
    size_t want = header.size();
    if (f.size() != want && !(conv && (f.size() == 8 || f.size() == 9)))
      throw_input_error(Location{path, lineno, ""}, "expected " + std::to_string(want) + " columns (" +
                                                        join(header) + "), got " + std::to_string(f.size()));
    auto col = [&](size_t i) {
      return parse_positive(f[i], Location{path, lineno, "column '" + (i < header.size() ? header[i] : "?") + "'"});
    };
    Op op;
    op.name = f[0];
    if (op.name.empty()) throw_input_error(Location{path, lineno, "column '" + header[0] + "'"}, "empty layer name");
    op.where = Location{path, lineno, ""};
    model::LayerShape& s = op.shape;
    if (conv) {
      op.kind = graph::Kind::kConv;
      s.ifmap_h = col(1), s.ifmap_w = col(2), s.filter_h = col(3), s.filter_w = col(4);
      s.channels = col(5), s.num_filters = col(6), s.stride_h = col(7);
      s.stride_w = f.size() == 9 ? col(8) : s.stride_h;
      if (s.filter_h > s.ifmap_h || s.filter_w > s.ifmap_w)
        throw_input_error(op.where, "filter " + std::to_string(s.filter_h) + "x" + std::to_string(s.filter_w) +
                                        " is larger than the input " + std::to_string(s.ifmap_h) + "x" +
                                        std::to_string(s.ifmap_w));
      s.ofmap_h = scalesim_out(s.ifmap_h, s.filter_h, s.stride_h);
      s.ofmap_w = scalesim_out(s.ifmap_w, s.filter_w, s.stride_w);
    } else {
      // SCALE-Sim's -i gemm conversion: ifmap M x K, a 1 x K filter, one channel, N filters, stride 1.
      op.kind = graph::Kind::kGemm;
      int64_t m = col(1), n = col(2), k = col(3);
      s.ifmap_h = m, s.ifmap_w = k, s.filter_h = 1, s.filter_w = k, s.channels = 1, s.num_filters = n;
      s.ofmap_h = m, s.ofmap_w = 1;
    }
    s.name = op.name;
    if (conv && op.name.find("DP") != std::string::npos) {
      // SCALE-Sim expands a depthwise layer ("DP" in its name) into one single-channel layer per channel
      // (<name>Channel_<i>), each run from a fresh memory state, so all of them time alike: one op of one
      // channel, repeated per channel (reported as one row; per-channel figures are the row / repeat).
      op.repeat = s.channels;
      s.channels = 1;
    }
    check_op_size(op);
    t.ops.push_back(op);
  }
  if (header.empty()) throw_input_error(Location{path, 0, ""}, "empty topology file");
  if (t.ops.empty()) throw_input_error(Location{path, lineno, ""}, "the topology has a header but no layers");
  return t;
}

// ---- native YAML ----

struct OpReader {
  const std::string& path;
  const YAML::Node& node;
  std::string prefix;  // "ops[3]"

  Location at(const std::string& key, const YAML::Node& n) const {
    return Location{path, n.Mark().line >= 0 ? n.Mark().line + 1 : 0, prefix + (key.empty() ? "" : "." + key)};
  }
  bool has(const std::string& key) const { return node[key].IsDefined() && !node[key].IsNull(); }
  int64_t integer(const std::string& key, int64_t dflt, bool required, int64_t min_value = 1) {
    if (!has(key)) {
      if (required) throw_input_error(at("", node), "missing required key '" + key + "'");
      return dflt;
    }
    YAML::Node v = node[key];
    int64_t out = 0;
    std::string s = v.IsScalar() ? v.Scalar() : std::string();
    auto r = std::from_chars(s.data(), s.data() + s.size(), out);
    if (!v.IsScalar() || s.empty() || r.ec != std::errc() || r.ptr != s.data() + s.size() || out < min_value)
      throw_input_error(at(key, v), std::string("expected ") +
                                        (min_value > 0 ? "a positive integer" : "a non-negative integer") +
                                        ", got " + describe(v));
    return out;
  }
  void check_unknown(const std::vector<std::string>& allowed) {
    for (const auto& kv : node) {
      std::string k = kv.first.Scalar();
      if (std::find(allowed.begin(), allowed.end(), k) == allowed.end())
        throw_input_error(at(k, kv.first),
                          "unknown key '" + k + "'" + did_you_mean(k, allowed) + "; valid keys: " + join(allowed));
    }
  }
};

// a: / b: operand specs, e.g. {file: w.npy} or {dist: laplace, scale: 0.05, seed: 3, outliers: {fraction:
// 0.001, size: 50}}. A missing one of the pair is generated as N(0, 1).
TensorSpec read_tensor_spec(const std::string& path, const YAML::Node& n, const std::string& key_path) {
  TensorSpec t;
  t.present = true;
  t.where = Location{path, n.Mark().line + 1, key_path};
  if (!n.IsMap()) throw_input_error(t.where, "expected a mapping such as {file: x.npy} or {dist: normal}, got " +
                                                 describe(n));
  std::vector<std::string> keys = {"file", "dist", "scale", "seed", "outliers"};
  for (const auto& kv : n) {
    std::string k = kv.first.Scalar();
    if (std::find(keys.begin(), keys.end(), k) == keys.end())
      throw_input_error(Location{path, kv.first.Mark().line + 1, key_path + "." + k},
                        "unknown key '" + k + "'" + did_you_mean(k, keys) + "; valid keys: " + join(keys));
  }
  auto scalar = [&](const YAML::Node& v, const std::string& k) {
    if (!v.IsScalar()) throw_input_error(Location{path, v.Mark().line + 1, key_path + "." + k},
                                         "expected a value, got " + describe(v));
    return v.Scalar();
  };
  auto number = [&](const YAML::Node& v, const std::string& k) {
    std::string s = scalar(v, k);
    char* end = nullptr;
    double d = std::strtod(s.c_str(), &end);
    if (s.empty() || end != s.c_str() + s.size() || !std::isfinite(d))
      throw_input_error(Location{path, v.Mark().line + 1, key_path + "." + k}, "expected a number, got " + quote_value(s));
    return d;
  };
  if (n["file"]) {
    if (n["dist"] || n["scale"] || n["outliers"] || n["seed"])
      throw_input_error(t.where, "give either 'file' or a generator (dist, scale, seed, outliers), not both");
    fs::path f(scalar(n["file"], "file"));
    if (f.is_relative()) f = fs::path(path).parent_path() / f;
    t.file = f.lexically_normal().string();
    return t;
  }
  if (n["dist"]) {
    std::string d = scalar(n["dist"], "dist");
    auto dist = model::parse_distribution(d);
    if (!dist)
      throw_input_error(Location{path, n["dist"].Mark().line + 1, key_path + ".dist"},
                        "expected one of normal, uniform, laplace, got " + quote_value(d) +
                            did_you_mean(d, {"normal", "uniform", "laplace"}));
    t.gen.dist = *dist;
  }
  if (n["scale"]) t.gen.scale = number(n["scale"], "scale");
  if (n["seed"]) {
    const std::string sd = scalar(n["seed"], "seed");
    uint64_t seed = 0;
    auto res = std::from_chars(sd.data(), sd.data() + sd.size(), seed);
    if (sd.empty() || res.ec != std::errc() || res.ptr != sd.data() + sd.size())
      throw_input_error(Location{path, n["seed"].Mark().line + 1, key_path + ".seed"},
                        "expected a non-negative integer below 2^64, got " + quote_value(sd));
    t.gen.seed = seed;
    t.seed_given = true;
  }
  if (n["outliers"]) {
    YAML::Node o = n["outliers"];
    Location ol{path, o.Mark().line + 1, key_path + ".outliers"};
    if (!o.IsMap() || !o["fraction"] || !o["size"] || o.size() != 2)
      throw_input_error(ol, "expected {fraction: F, size: S}");
    t.gen.outlier_fraction = number(o["fraction"], "outliers.fraction");
    t.gen.outlier_size = number(o["size"], "outliers.size");
  }
  try {
    model::validate(t.gen);
  } catch (const std::invalid_argument& e) {
    throw_input_error(t.where, e.what());
  }
  return t;
}

// prune: none | {method: magnitude, sparsity: 0.8} | {nm: "2:4"} (method inferred from the key given, or
// explicit: {method: nm, nm: "2:4"}). Numeric rules in models/sparsity/prune.h.
// `parent` holds the `prune` key: an empty value has no position of its own, so errors then use the key's line.
PruneSpec read_prune_spec(const std::string& path, const YAML::Node& parent, const std::string& key_path,
                          PruneSpec::Source source) {
  const YAML::Node n = parent["prune"];
  PruneSpec p;
  p.source = source;
  p.where = Location{path, n.Mark().line + 1, key_path};
  for (const auto& kv : parent)
    if (kv.first.Scalar() == "prune" && n.IsNull()) p.where.line = kv.first.Mark().line + 1;
  const std::string shape_hint = "expected none, {method: magnitude, sparsity: 0.8} or {nm: \"2:4\"}, got ";
  if (n.IsScalar()) {
    if (n.Scalar() != "none") throw_input_error(p.where, shape_hint + describe(n));
    return p;
  }
  if (!n.IsMap()) throw_input_error(p.where, shape_hint + describe(n));
  const std::vector<std::string> keys = {"method", "sparsity", "nm"};
  for (const auto& kv : n) {
    std::string k = kv.first.Scalar();
    if (std::find(keys.begin(), keys.end(), k) == keys.end())
      throw_input_error(Location{path, kv.first.Mark().line + 1, key_path + "." + k},
                        "unknown key '" + k + "'" + did_you_mean(k, keys) + "; valid keys: " + join(keys));
  }
  auto at = [&](const std::string& k) { return Location{path, n[k].Mark().line + 1, key_path + "." + k}; };
  auto scalar = [&](const std::string& k) {
    if (!n[k].IsScalar()) throw_input_error(at(k), "expected a value, got " + describe(n[k]));
    return n[k].Scalar();
  };
  const bool has_s = n["sparsity"].IsDefined(), has_nm = n["nm"].IsDefined();
  std::string method;
  if (n["method"]) {
    method = scalar("method");
    const std::vector<std::string> methods = {"magnitude", "nm", "none"};
    if (std::find(methods.begin(), methods.end(), method) == methods.end())
      throw_input_error(at("method"), "expected magnitude, nm or none, got \"" + method + "\"" +
                                          did_you_mean(method, methods));
  } else if (has_s && has_nm) {
    throw_input_error(p.where, "give either 'sparsity' (magnitude pruning) or 'nm' (N:M pruning), not both");
  } else if (has_s || has_nm) {
    method = has_s ? "magnitude" : "nm";
  } else {
    throw_input_error(p.where, "missing 'sparsity' (magnitude pruning) or 'nm' (N:M pruning)");
  }
  if (method == "none") {
    if (has_s || has_nm) throw_input_error(p.where, "method none takes no 'sparsity' or 'nm'");
    return p;
  }
  if (method == "magnitude") {
    if (has_nm) throw_input_error(at("nm"), "'nm' does not apply to method magnitude (use method: nm)");
    if (!has_s) throw_input_error(p.where, "method magnitude needs 'sparsity' (fraction of zeros, e.g. 0.8)");
    std::string v = scalar("sparsity");
    char* end = nullptr;
    double d = std::strtod(v.c_str(), &end);
    if (v.empty() || end != v.c_str() + v.size())
      throw_input_error(at("sparsity"), "expected a number, got \"" + v + "\"");
    std::string why = model::check_sparsity(d);
    if (!why.empty()) throw_input_error(at("sparsity"), why + ", got " + v);
    p.method = model::PruneMethod::kMagnitude;
    p.sparsity = d;
    return p;
  }
  if (has_s) throw_input_error(at("sparsity"), "'sparsity' does not apply to method nm (N:M fixes it at 1 - N/M)");
  if (!has_nm) throw_input_error(p.where, "method nm needs 'nm', e.g. nm: \"2:4\"");
  std::string why;
  auto nm = model::parse_nm(scalar("nm"), &why);
  if (!nm) throw_input_error(at("nm"), why);
  p.method = model::PruneMethod::kNm;
  p.n = nm->n;
  p.m = nm->m;
  return p;
}

void read_operands(OpReader& r, Op& op) {
  if (r.has("a")) op.a = read_tensor_spec(r.path, r.node["a"], r.prefix + ".a");
  if (r.has("b")) op.b = read_tensor_spec(r.path, r.node["b"], r.prefix + ".b");
  // One given, the other generated: both operands need values once the op computes.
  if (op.a.present && !op.b.present) op.b = TensorSpec{true, "", {}, false, op.a.where};
  if (op.b.present && !op.a.present) op.a = TensorSpec{true, "", {}, false, op.b.where};
  if (r.node["prune"].IsDefined())
    op.prune = read_prune_spec(r.path, r.node, r.prefix + ".prune", PruneSpec::Source::kOp);
}

Op read_gemm(OpReader& r) {
  r.check_unknown({"name", "type", "m", "n", "k", "repeat", "a", "b", "prune"});
  Op op;
  op.kind = graph::Kind::kGemm;
  int64_t m = r.integer("m", 0, true), n = r.integer("n", 0, true), k = r.integer("k", 0, true);
  op.repeat = r.integer("repeat", 1, false);
  model::LayerShape& s = op.shape;
  s.ifmap_h = m, s.ifmap_w = k, s.filter_h = 1, s.filter_w = k, s.channels = 1, s.num_filters = n;
  s.ofmap_h = m, s.ofmap_w = 1;
  read_operands(r, op);
  return op;
}

Op read_conv2d(OpReader& r) {
  r.check_unknown({"name", "type", "in_h", "in_w", "in_c", "out_c", "kernel_h", "kernel_w", "stride", "stride_h",
                   "stride_w", "pad", "pad_h", "pad_w", "groups", "repeat", "a", "b", "prune"});
  Op op;
  op.kind = graph::Kind::kConv;
  int64_t in_h = r.integer("in_h", 0, true), in_w = r.integer("in_w", 0, true);
  int64_t in_c = r.integer("in_c", 0, true), out_c = r.integer("out_c", 0, true);
  int64_t kh = r.integer("kernel_h", 0, true), kw = r.integer("kernel_w", 0, true);
  int64_t stride = r.integer("stride", 1, false);
  int64_t sh = r.integer("stride_h", stride, false), sw = r.integer("stride_w", stride, false);
  int64_t pad = r.integer("pad", 0, false, 0);
  int64_t ph = r.integer("pad_h", pad, false, 0), pw = r.integer("pad_w", pad, false, 0);
  int64_t groups = r.integer("groups", 1, false);
  op.repeat = r.integer("repeat", 1, false);
  if (in_c % groups || out_c % groups)
    throw_input_error(r.at("groups", r.node["groups"]), "in_c (" + std::to_string(in_c) + ") and out_c (" +
                                                             std::to_string(out_c) + ") must be multiples of groups (" +
                                                             std::to_string(groups) + ")");
  int64_t H = 0, W = 0, ph2 = 0, pw2 = 0;
  if (!chk::mul_ok(ph, 2, &ph2) || !chk::mul_ok(pw, 2, &pw2) || !chk::add_ok(in_h, ph2, &H) ||
      !chk::add_ok(in_w, pw2, &W))
    throw_input_error(r.at("", r.node), "padded input size (in + 2 pad) exceeds the 64-bit range");
  if (kh > H || kw > W)
    throw_input_error(r.at("", r.node), "kernel " + std::to_string(kh) + "x" + std::to_string(kw) +
                                            " is larger than the padded input " + std::to_string(H) + "x" +
                                            std::to_string(W));
  model::LayerShape& s = op.shape;
  // Padding is folded into the input size; a grouped conv is `groups` independent convs (repeat).
  s.ifmap_h = H, s.ifmap_w = W, s.filter_h = kh, s.filter_w = kw;
  s.channels = in_c / groups, s.num_filters = out_c / groups, s.stride_h = sh, s.stride_w = sw;
  s.ofmap_h = (H - kh) / sh + 1;
  s.ofmap_w = (W - kw) / sw + 1;
  if (!chk::mul_ok(op.repeat, groups, &op.repeat))
    throw_input_error(r.at("repeat", r.node), "repeat x groups exceeds the 64-bit range");
  read_operands(r, op);
  return op;
}

// Activation op: `size` elements through the SFU; without `size`, the previous op's output elements.
template <graph::Kind K>
Op read_activation(OpReader& r) {
  if (r.node["prune"].IsDefined())
    throw_input_error(r.at("prune", r.node["prune"]), "an activation op has no weights to prune");
  r.check_unknown({"name", "type", "size"});
  Op op;
  op.kind = K;
  op.elements = r.integer("size", 0, false);  // 0 = inherit, resolved by the caller
  return op;
}

using OpParser = Op (*)(OpReader&);
const std::map<std::string, OpParser>& op_parsers() {
  static const std::map<std::string, OpParser> m = {
      {"gemm", read_gemm},
      {"conv2d", read_conv2d},
      {"tanh", read_activation<graph::Kind::kTanh>},
      {"sigmoid", read_activation<graph::Kind::kSigmoid>},
      {"gelu", read_activation<graph::Kind::kGelu>},
      {"swish", read_activation<graph::Kind::kSwish>}};
  return m;
}

Trace read_native_yaml(const std::string& path) {
  YAML::Node root = load_yaml_file(path);
  if (!root.IsMap()) throw InputError(path + ":1: expected a mapping with keys name, description, ops");
  if (yaml_child(root, "inputs").IsDefined()) return read_graph_trace(path, root);  // a graph trace (lpsim import)
  Trace t;
  t.file = path;
  t.format = "yaml";
  t.name = fs::path(path).stem().string();
  std::vector<std::string> top = {"name", "description", "tensors", "prune", "ops"};
  for (const auto& kv : root) {
    std::string k = kv.first.Scalar();
    if (std::find(top.begin(), top.end(), k) == top.end())
      throw_input_error(Location{path, kv.first.Mark().line + 1, k},
                        "unknown key '" + k + "'" + did_you_mean(k, top) + "; valid keys: " + join(top));
  }
  if (root["name"] && root["name"].IsScalar()) t.name = root["name"].Scalar();
  YAML::Node ops = root["ops"];
  if (!ops || !ops.IsSequence() || ops.size() == 0)
    throw_input_error(Location{path, ops ? ops.Mark().line + 1 : 1, "ops"}, "expected a non-empty list of ops");
  std::vector<std::string> types;
  for (const auto& kv : op_parsers()) types.push_back(kv.first);
  // tensors: {a: spec, b: spec} gives every gemm/conv2d op without its own a/b generated operands.
  TensorSpec default_a, default_b;
  if (root["tensors"]) {
    YAML::Node tn = root["tensors"];
    if (!tn.IsMap()) throw_input_error(Location{path, tn.Mark().line + 1, "tensors"}, "expected {a: ..., b: ...}");
    for (const auto& kv : tn) {
      std::string k = kv.first.Scalar();
      if (k != "a" && k != "b")
        throw_input_error(Location{path, kv.first.Mark().line + 1, "tensors." + k},
                          "unknown key '" + k + "'; valid keys: a, b");
    }
    if (tn["a"]) default_a = read_tensor_spec(path, tn["a"], "tensors.a");
    if (tn["b"]) default_b = read_tensor_spec(path, tn["b"], "tensors.b");
    if (!default_a.file.empty() || !default_b.file.empty())
      throw_input_error(Location{path, tn.Mark().line + 1, "tensors"},
                        "trace-wide tensors must be generators (dist, scale, ...), not files");
    if (default_a.present && !default_b.present) default_b = TensorSpec{true, "", {}, false, default_a.where};
    if (default_b.present && !default_a.present) default_a = TensorSpec{true, "", {}, false, default_b.where};
  }
  // prune: {...} prunes the weights of every gemm/conv2d op that has no prune of its own.
  PruneSpec default_prune;
  if (root["prune"]) default_prune = read_prune_spec(path, root, "prune", PruneSpec::Source::kTrace);
  std::set<std::string> names;
  for (size_t i = 0; i < ops.size(); ++i) {
    YAML::Node n = ops[i];
    std::string prefix = "ops[" + std::to_string(i) + "]";
    Location at{path, n.Mark().line + 1, prefix};
    if (!n.IsMap()) throw_input_error(at, "expected a mapping with name, type and shape keys, got " + describe(n));
    if (!n["name"] || !n["name"].IsScalar() || n["name"].Scalar().empty())
      throw_input_error(at, "missing required key 'name'");
    std::string name = n["name"].Scalar();
    if (!names.insert(name).second) throw_input_error(at, "duplicate op name '" + name + "'");
    if (!n["type"] || !n["type"].IsScalar()) throw_input_error(at, "missing required key 'type' (" + join(types) + ")");
    std::string type = n["type"].Scalar();
    auto it = op_parsers().find(type);
    if (it == op_parsers().end())
      throw_input_error(Location{path, n["type"].Mark().line + 1, prefix + ".type"},
                        "unknown op type \"" + type + "\"" + did_you_mean(type, types) + "; valid: " + join(types));
    OpReader r{path, n, prefix + "(" + name + ")"};
    Op op = it->second(r);
    if (op.unit() == graph::Unit::kSfu && op.elements == 0) {
      if (t.ops.empty())
        throw_input_error(at, "an activation op needs 'size' (elements) when no op precedes it");
      op.elements = static_cast<int64_t>(t.ops.back().outputs_count());
    }
    if (op.on_array() && !op.has_tensors() && default_a.present) {
      op.a = default_a;
      op.b = default_b;
    }
    if (op.on_array() && op.prune.source == PruneSpec::Source::kUnset) op.prune = default_prune;
    op.name = name;
    op.shape.name = name;
    op.where = at;
    check_op_size(op);
    t.ops.push_back(op);
  }
  return t;
}

}  // namespace

Trace read_trace(const std::string& path, const Location& from) {
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) {
    throw_input_error(from, "cannot read trace file '" + path + "': " +
                                (fs::exists(path, ec) ? "not a regular file" : "no such file"));
  }
  std::ifstream probe(path);
  if (!probe) throw_input_error(from, "cannot read trace file '" + path + "': permission denied");
  std::string ext = fs::path(path).extension().string();
  if (ext == ".csv") return read_scalesim_csv(path);
  if (ext == ".yaml" || ext == ".yml") return read_native_yaml(path);
  throw_input_error(from, "trace file '" + path + "' must end in .csv (SCALE-Sim topology) or .yaml (lpsim trace)");
}

}  // namespace lpsim::trace
