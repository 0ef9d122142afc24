#include "graph/graph.h"

#include <algorithm>
#include <set>
#include <stdexcept>

namespace lpsim::graph {

namespace {

struct KindRow {
  Kind kind;
  const char* name;
  Unit unit;
};

const KindRow kKinds[] = {
    {Kind::kConv, "conv2d", Unit::kArray},           {Kind::kGemm, "gemm", Unit::kArray},
    {Kind::kMatMul, "matmul", Unit::kArray},         {Kind::kTanh, "tanh", Unit::kSfu},
    {Kind::kSigmoid, "sigmoid", Unit::kSfu},         {Kind::kGelu, "gelu", Unit::kSfu},
    {Kind::kSwish, "swish", Unit::kSfu},             {Kind::kAdd, "add", Unit::kVector},
    {Kind::kSub, "sub", Unit::kVector},              {Kind::kMul, "mul", Unit::kVector},
    {Kind::kDiv, "div", Unit::kVector},              {Kind::kPow, "pow", Unit::kVector},
    {Kind::kSqrt, "sqrt", Unit::kVector},            {Kind::kRelu, "relu", Unit::kVector},
    {Kind::kLeakyRelu, "leaky_relu", Unit::kVector}, {Kind::kClip, "clip", Unit::kVector},
    {Kind::kErf, "erf", Unit::kVector},              {Kind::kHardSigmoid, "hard_sigmoid", Unit::kVector},
    {Kind::kHardSwish, "hard_swish", Unit::kVector}, {Kind::kMaxPool, "max_pool", Unit::kVector},
    {Kind::kAvgPool, "avg_pool", Unit::kVector},     {Kind::kGlobalAvgPool, "global_avg_pool", Unit::kVector},
    {Kind::kBatchNorm, "batch_norm", Unit::kVector}, {Kind::kSoftmax, "softmax", Unit::kVector},
    {Kind::kLayerNorm, "layer_norm", Unit::kVector}, {Kind::kReduceMean, "reduce_mean", Unit::kVector},
    {Kind::kTranspose, "transpose", Unit::kVector},  {Kind::kConcat, "concat", Unit::kVector},
    {Kind::kSplit, "split", Unit::kVector},          {Kind::kPad, "pad", Unit::kVector},
    {Kind::kReshape, "reshape", Unit::kView},        {Kind::kFlatten, "flatten", Unit::kView},
    {Kind::kSqueeze, "squeeze", Unit::kView},        {Kind::kUnsqueeze, "unsqueeze", Unit::kView},
    {Kind::kIdentity, "identity", Unit::kView},
};

const KindRow& row(Kind k) {
  for (const auto& r : kKinds)
    if (r.kind == k) return r;
  throw std::logic_error("graph: kind without a table row");
}

[[noreturn]] void fail(const Node& n, const std::string& what) {
  throw_input_error(n.where, "op '" + n.name + "' (" + to_string(n.kind) + "): " + what);
}

int64_t mul_checked(int64_t a, int64_t b) {
  int64_t r = 0;
  if (__builtin_mul_overflow(a, b, &r)) throw std::overflow_error("tensor size does not fit in 64 bits");
  return r;
}

// Normalised axis in [0, rank) (negative axes count from the end, as in ONNX).
int64_t norm_axis(const Node& n, int64_t axis, size_t rank, bool allow_end = false) {
  const int64_t r = static_cast<int64_t>(rank);
  const int64_t a = axis < 0 ? axis + r : axis;  // negative axes count from the rank (ONNX)
  if (a < 0 || a >= r + (allow_end ? 1 : 0))
    fail(n, "axis " + std::to_string(axis) + " is out of range for a rank-" + std::to_string(rank) + " tensor");
  return a;
}

// numpy-style broadcast of two shapes (ONNX multidirectional broadcasting).
Shape broadcast(const Node& n, const Shape& a, const Shape& b) {
  const size_t r = std::max(a.size(), b.size());
  Shape out(r);
  for (size_t i = 0; i < r; ++i) {
    const int64_t da = i < r - a.size() ? 1 : a[i - (r - a.size())];
    const int64_t db = i < r - b.size() ? 1 : b[i - (r - b.size())];
    if (da != db && da != 1 && db != 1)
      fail(n, "shapes " + shape_str(a) + " and " + shape_str(b) + " do not broadcast");
    out[i] = da == 1 ? db : da;
  }
  return out;
}

int64_t pool_out(const Node& n, int64_t in, int64_t k, int64_t s, int64_t p0, int64_t p1, int64_t d, bool ceil_mode) {
  const int64_t span = d * (k - 1) + 1, padded = in + p0 + p1;
  if (span > padded)
    fail(n, "kernel " + std::to_string(span) + " is larger than the padded input " + std::to_string(padded));
  int64_t out = ceil_mode ? (padded - span + s - 1) / s + 1 : (padded - span) / s + 1;
  // ceil_mode: the last window must start inside the input or its leading padding (PyTorch's rule).
  if (ceil_mode && (out - 1) * s >= in + p0) --out;
  return out;
}

const Shape& in_shape(const Graph& g, const Node& n, size_t i) {
  if (i >= n.inputs.size() || n.inputs[i].empty()) fail(n, "missing input " + std::to_string(i));
  auto it = g.tensors.find(n.inputs[i]);
  if (it == g.tensors.end()) fail(n, "input '" + n.inputs[i] + "' is not produced by any op");
  return it->second.shape;
}
bool has_input(const Node& n, size_t i) { return i < n.inputs.size() && !n.inputs[i].empty(); }

void need_rank(const Node& n, const Shape& s, size_t rank, const char* what) {
  if (s.size() != rank)
    fail(n, std::string(what) + " must have rank " + std::to_string(rank) + ", got shape " + shape_str(s));
}

// 2-D window attributes with defaults filled in (kernel from the weight for convs).
void fill_window(Node& n, const Shape& kernel) {
  Attrs& a = n.attrs;
  if (a.kernel.empty()) a.kernel = kernel;
  if (a.kernel.size() != 2) fail(n, "only 2-D windows are supported, got kernel_shape " + shape_str(a.kernel));
  if (a.strides.empty()) a.strides = {1, 1};
  if (a.dilations.empty()) a.dilations = {1, 1};
  if (a.pads.empty()) a.pads = {0, 0, 0, 0};
  if (a.strides.size() != 2 || a.dilations.size() != 2 || a.pads.size() != 4)
    fail(n, "strides, dilations and pads must have 2, 2 and 4 entries");
  // Upper bounds keep the output-size arithmetic (dilation x kernel + pads) inside int64.
  constexpr int64_t kMax = int64_t{1} << 30;
  for (int64_t v : a.kernel)
    if (v < 1 || v > kMax) fail(n, "kernel sizes must be in 1.." + std::to_string(kMax) + ", got " + shape_str(a.kernel));
  for (size_t i = 0; i < 2; ++i)
    if (a.strides[i] < 1 || a.dilations[i] < 1 || a.strides[i] > kMax || a.dilations[i] > kMax)
      fail(n, "strides and dilations must be in 1.." + std::to_string(kMax) + ", got " + shape_str(a.strides) +
                  " and " + shape_str(a.dilations));
  for (int64_t p : a.pads)
    if (p < 0 || p > kMax) fail(n, "pads must be in 0.." + std::to_string(kMax) + ", got " + shape_str(a.pads));
}

void infer_node_impl(Graph& g, Node& n) {
  auto out = [&](size_t i, Shape s) {
    if (i >= n.outputs.size()) fail(n, "missing output " + std::to_string(i));
    Tensor& t = g.tensors[n.outputs[i]];
    t.shape = std::move(s);
    t.constant = false;
  };
  const Attrs& a = n.attrs;
  switch (n.kind) {
    case Kind::kConv: {
      const Shape& x = in_shape(g, n, 0);
      const Shape& w = in_shape(g, n, 1);
      need_rank(n, x, 4, "the input (N x C x H x W)");
      need_rank(n, w, 4, "the weight (OC x C/group x kH x kW)");
      fill_window(n, {w[2], w[3]});
      const int64_t grp = n.attrs.group;
      if (grp < 1 || x[1] % grp || w[0] % grp || w[1] * grp != x[1])
        fail(n, "input " + shape_str(x) + ", weight " + shape_str(w) + " and group " + std::to_string(grp) +
                    " do not fit (weight dim 1 x group must equal the input channels)");
      if (n.attrs.kernel[0] != w[2] || n.attrs.kernel[1] != w[3]) fail(n, "kernel_shape differs from the weight");
      if (has_input(n, 2) && in_shape(g, n, 2) != Shape{w[0]}) fail(n, "bias must have shape " + shape_str({w[0]}));
      const Attrs& c = n.attrs;
      const int64_t oh = pool_out(n, x[2], c.kernel[0], c.strides[0], c.pads[0], c.pads[2], c.dilations[0], false);
      const int64_t ow = pool_out(n, x[3], c.kernel[1], c.strides[1], c.pads[1], c.pads[3], c.dilations[1], false);
      out(0, {x[0], w[0], oh, ow});
      n.shape = conv_layer_shape(n.name, x[0], x[1], x[2], x[3], w[0] / grp, w[1], c, oh, ow);
      n.repeat = grp;
      break;
    }
    case Kind::kGemm: {
      const Shape& sa = in_shape(g, n, 0);
      const Shape& sb = in_shape(g, n, 1);
      need_rank(n, sa, 2, "A");
      need_rank(n, sb, 2, "B");
      const int64_t m = a.trans_a ? sa[1] : sa[0], k = a.trans_a ? sa[0] : sa[1];
      const int64_t kb = a.trans_b ? sb[1] : sb[0], nn = a.trans_b ? sb[0] : sb[1];
      if (k != kb) fail(n, "A " + shape_str(sa) + " and B " + shape_str(sb) + " do not multiply (transA/transB applied)");
      if (has_input(n, 2)) broadcast(n, in_shape(g, n, 2), {m, nn});
      out(0, {m, nn});
      n.shape = gemm_layer_shape(n.name, m, nn, k);
      n.repeat = 1;
      break;
    }
    case Kind::kMatMul: {
      Shape sa = in_shape(g, n, 0), sb = in_shape(g, n, 1);
      if (sa.empty() || sb.empty()) fail(n, "MatMul operands must have rank >= 1");
      const bool va = sa.size() == 1, vb = sb.size() == 1;
      if (va) sa.insert(sa.begin(), 1);
      if (vb) sb.push_back(1);
      const int64_t m = sa[sa.size() - 2], k = sa.back(), kb = sb[sb.size() - 2], nn = sb.back();
      if (k != kb) fail(n, "A " + shape_str(sa) + " and B " + shape_str(sb) + " do not multiply");
      const Shape batch = broadcast(n, Shape(sa.begin(), sa.end() - 2), Shape(sb.begin(), sb.end() - 2));
      Shape o = batch;
      if (!va) o.push_back(m);
      if (!vb) o.push_back(nn);
      out(0, o);
      const bool b_weights = sb.size() == 2;  // B is one matrix for every batch: fold A's batch into M
      int64_t instances = 1;
      for (int64_t d : batch) instances = mul_checked(instances, d);
      if (b_weights) {
        n.shape = gemm_layer_shape(n.name, mul_checked(instances, m), nn, k);
        n.repeat = 1;
      } else {
        n.shape = gemm_layer_shape(n.name, m, nn, k);
        n.repeat = instances;
      }
      break;
    }
    case Kind::kAdd:
    case Kind::kSub:
    case Kind::kMul:
    case Kind::kDiv:
    case Kind::kPow:
      out(0, broadcast(n, in_shape(g, n, 0), in_shape(g, n, 1)));
      break;
    case Kind::kClip:  // min and max: attributes, or scalar tensors (inputs 1 and 2, either may be omitted)
      for (size_t i = 1; i < n.inputs.size(); ++i)
        if (has_input(n, i) && numel(in_shape(g, n, i)) != 1) fail(n, "min and max must be scalars");
      out(0, in_shape(g, n, 0));
      break;
    case Kind::kTanh:
    case Kind::kSigmoid:
    case Kind::kGelu:
    case Kind::kSwish:
    case Kind::kSqrt:
    case Kind::kRelu:
    case Kind::kLeakyRelu:
    case Kind::kErf:
    case Kind::kHardSigmoid:
    case Kind::kHardSwish:
    case Kind::kIdentity:
      out(0, in_shape(g, n, 0));
      break;
    case Kind::kMaxPool:
    case Kind::kAvgPool: {
      const Shape& x = in_shape(g, n, 0);
      need_rank(n, x, 4, "the input (N x C x H x W)");
      fill_window(n, {});
      const Attrs& c = n.attrs;
      out(0, {x[0], x[1],
              pool_out(n, x[2], c.kernel[0], c.strides[0], c.pads[0], c.pads[2], c.dilations[0], c.ceil_mode),
              pool_out(n, x[3], c.kernel[1], c.strides[1], c.pads[1], c.pads[3], c.dilations[1], c.ceil_mode)});
      break;
    }
    case Kind::kGlobalAvgPool: {
      const Shape& x = in_shape(g, n, 0);
      if (x.size() < 3) fail(n, "the input must have rank >= 3 (N x C x spatial...)");
      Shape o(x.size(), 1);
      o[0] = x[0], o[1] = x[1];
      out(0, o);
      break;
    }
    case Kind::kBatchNorm: {
      const Shape& x = in_shape(g, n, 0);
      if (x.size() < 2) fail(n, "the input must have rank >= 2 (N x C x ...)");
      for (size_t i = 1; i <= 4; ++i)
        if (in_shape(g, n, i) != Shape{x[1]})
          fail(n, "scale, bias, mean and var must have shape " + shape_str({x[1]}) + ", input " +
                      std::to_string(i) + " has " + shape_str(in_shape(g, n, i)));
      out(0, x);
      break;
    }
    case Kind::kSoftmax:
    case Kind::kLayerNorm: {
      const Shape& x = in_shape(g, n, 0);
      n.attrs.axis = norm_axis(n, a.axis, x.size());
      if (n.kind == Kind::kLayerNorm) {
        const Shape norm(x.begin() + n.attrs.axis, x.end());
        for (size_t i = 1; i <= 2; ++i)
          if (has_input(n, i) && broadcast(n, in_shape(g, n, i), norm) != norm)
            fail(n, "scale/bias " + shape_str(in_shape(g, n, i)) + " do not broadcast to " + shape_str(norm));
      }
      out(0, x);
      if (n.kind == Kind::kLayerNorm && n.outputs.size() > 1) {  // Mean and InvStdDev: 1 over the normalised dims
        Shape stat(x.begin(), x.begin() + n.attrs.axis);
        stat.resize(x.size(), 1);
        for (size_t i = 1; i < n.outputs.size() && i < 3; ++i)
          if (!n.outputs[i].empty()) out(i, stat);
      }
      break;
    }
    case Kind::kReduceMean: {
      const Shape& x = in_shape(g, n, 0);
      std::vector<int64_t> axes;
      if (a.axes.empty())
        for (size_t i = 0; i < x.size(); ++i) axes.push_back(static_cast<int64_t>(i));
      for (int64_t ax : a.axes) axes.push_back(norm_axis(n, ax, x.size()));
      std::sort(axes.begin(), axes.end());
      n.attrs.axes = axes;
      Shape o;
      for (size_t i = 0; i < x.size(); ++i) {
        const bool red = std::binary_search(axes.begin(), axes.end(), static_cast<int64_t>(i));
        if (!red) o.push_back(x[i]);
        else if (a.keepdims) o.push_back(1);
      }
      out(0, o);
      break;
    }
    case Kind::kTranspose: {
      const Shape& x = in_shape(g, n, 0);
      std::vector<int64_t> perm = a.perm;
      if (perm.empty())
        for (size_t i = 0; i < x.size(); ++i) perm.push_back(static_cast<int64_t>(x.size() - 1 - i));
      std::vector<int64_t> sorted = perm;
      std::sort(sorted.begin(), sorted.end());
      for (size_t i = 0; i < sorted.size(); ++i)
        if (sorted.size() != x.size() || sorted[i] != static_cast<int64_t>(i))
          fail(n, "perm " + shape_str(perm) + " is not a permutation of the input's " + std::to_string(x.size()) +
                      " axes");
      n.attrs.perm = perm;
      Shape o;
      for (int64_t p : perm) o.push_back(x[static_cast<size_t>(p)]);
      out(0, o);
      break;
    }
    case Kind::kConcat: {
      Shape o = in_shape(g, n, 0);
      const int64_t ax = norm_axis(n, a.axis, o.size());
      n.attrs.axis = ax;
      for (size_t i = 1; i < n.inputs.size(); ++i) {
        const Shape& s = in_shape(g, n, i);
        bool ok = s.size() == o.size();
        for (size_t d = 0; ok && d < s.size(); ++d) ok = static_cast<int64_t>(d) == ax || s[d] == o[d];
        if (!ok) fail(n, "inputs " + shape_str(o) + " and " + shape_str(s) + " differ outside axis " + std::to_string(ax));
        o[static_cast<size_t>(ax)] += s[static_cast<size_t>(ax)];
      }
      out(0, o);
      break;
    }
    case Kind::kSplit: {
      const Shape& x = in_shape(g, n, 0);
      const int64_t ax = norm_axis(n, a.axis, x.size());
      n.attrs.axis = ax;
      std::vector<int64_t> parts = a.split;
      const int64_t len = x[static_cast<size_t>(ax)], k = static_cast<int64_t>(n.outputs.size());
      if (parts.empty()) {
        if (k < 1 || len % k) fail(n, "cannot split " + std::to_string(len) + " into " + std::to_string(k) + " equal parts");
        parts.assign(static_cast<size_t>(k), len / k);
      }
      int64_t sum = 0;
      for (int64_t p : parts) {
        if (p < 0 || p > len) fail(n, "split sizes " + shape_str(parts) + " must each be in 0.." + std::to_string(len));
        sum += p;
      }
      if (static_cast<int64_t>(parts.size()) != k || sum != len)
        fail(n, "split sizes " + shape_str(parts) + " do not cover axis length " + std::to_string(len) + " in " +
                    std::to_string(k) + " outputs");
      n.attrs.split = parts;
      for (size_t i = 0; i < parts.size(); ++i) {
        Shape o = x;
        o[static_cast<size_t>(ax)] = parts[i];
        out(i, o);
      }
      break;
    }
    case Kind::kPad: {
      const Shape& x = in_shape(g, n, 0);
      if (a.pads.size() != 2 * x.size()) fail(n, "pads must have 2 x rank = " + std::to_string(2 * x.size()) + " entries");
      Shape o = x;
      for (size_t i = 0; i < x.size(); ++i) {
        if (__builtin_add_overflow(o[i], a.pads[i], &o[i]) || __builtin_add_overflow(o[i], a.pads[i + x.size()], &o[i]))
          fail(n, "pads " + shape_str(a.pads) + " overflow the dimension");
        if (o[i] < 1) fail(n, "padding leaves an empty dimension");
      }
      out(0, o);
      break;
    }
    case Kind::kReshape: {
      const Shape& x = in_shape(g, n, 0);
      Shape o = a.shape;
      int64_t known = 1, infer = -1;
      for (size_t i = 0; i < o.size(); ++i) {
        if (o[i] == 0) {  // copy the input's dim (ONNX allowzero = 0, what torch exports)
          if (i >= x.size()) fail(n, "shape " + shape_str(a.shape) + ": 0 at a position the input does not have");
          o[i] = x[i];
        }
        if (o[i] == -1) {
          if (infer >= 0) fail(n, "shape " + shape_str(a.shape) + " has more than one -1");
          infer = static_cast<int64_t>(i);
        } else if (o[i] < 1) {
          fail(n, "shape " + shape_str(a.shape) + " has an invalid dimension");
        } else {
          known = mul_checked(known, o[i]);
        }
      }
      const int64_t total = numel(x);
      if (infer >= 0) {
        if (total % known) fail(n, "cannot reshape " + shape_str(x) + " to " + shape_str(a.shape));
        o[static_cast<size_t>(infer)] = total / known;
      } else if (known != total) {
        fail(n, "cannot reshape " + shape_str(x) + " (" + std::to_string(total) + " elements) to " + shape_str(o));
      }
      out(0, o);
      break;
    }
    case Kind::kFlatten: {
      const Shape& x = in_shape(g, n, 0);
      const int64_t ax = norm_axis(n, a.axis, x.size(), true);
      n.attrs.axis = ax;
      int64_t lead = 1, rest = 1;
      for (size_t i = 0; i < x.size(); ++i)
        (static_cast<int64_t>(i) < ax ? lead : rest) = mul_checked(static_cast<int64_t>(i) < ax ? lead : rest, x[i]);
      out(0, {lead, rest});
      break;
    }
    case Kind::kSqueeze: {
      const Shape& x = in_shape(g, n, 0);
      std::set<int64_t> axes;
      for (int64_t ax : a.axes) {
        const int64_t v = norm_axis(n, ax, x.size());
        if (x[static_cast<size_t>(v)] != 1) fail(n, "cannot squeeze axis " + std::to_string(ax) + " of " + shape_str(x));
        axes.insert(v);
      }
      Shape o;
      for (size_t i = 0; i < x.size(); ++i)
        if (a.axes.empty() ? x[i] != 1 : !axes.count(static_cast<int64_t>(i))) o.push_back(x[i]);
      out(0, o);
      break;
    }
    case Kind::kUnsqueeze: {
      const Shape& x = in_shape(g, n, 0);
      const size_t r = x.size() + a.axes.size();
      std::set<int64_t> axes;
      for (int64_t ax : a.axes)
        if (!axes.insert(ax < 0 ? ax + static_cast<int64_t>(r) : ax).second || *axes.rbegin() >= static_cast<int64_t>(r) ||
            *axes.begin() < 0)
          fail(n, "axes " + shape_str(a.axes) + " are out of range or repeated");
      Shape o;
      size_t j = 0;
      for (size_t i = 0; i < r; ++i) o.push_back(axes.count(static_cast<int64_t>(i)) ? 1 : x[j++]);
      out(0, o);
      break;
    }
  }
  if (!n.on_array()) n.elements = numel(g.tensors[n.outputs[0]].shape);
}

}  // namespace

std::string shape_str(const Shape& s) {
  if (s.empty()) return "scalar";
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) out += (i ? "x" : "") + std::to_string(s[i]);
  return out;
}

int64_t numel(const Shape& s) {
  int64_t n = 1;
  for (int64_t d : s) n = mul_checked(n, d);
  return n;
}

Unit unit_of(Kind k) { return row(k).unit; }
const char* to_string(Kind k) { return row(k).name; }
const char* to_string(Unit u) {
  switch (u) {
    case Unit::kArray: return "array";
    case Unit::kSfu: return "sfu";
    case Unit::kVector: return "vector";
    case Unit::kView: return "view";
  }
  return "?";
}

std::optional<Kind> parse_kind(const std::string& name) {
  for (const auto& r : kKinds)
    if (name == r.name) return r.kind;
  return std::nullopt;
}

std::vector<std::string> kind_names() {
  std::vector<std::string> v;
  for (const auto& r : kKinds) v.push_back(r.name);
  return v;
}

model::Activation activation_of(Kind k) {
  switch (k) {
    case Kind::kTanh: return model::Activation::kTanh;
    case Kind::kSigmoid: return model::Activation::kSigmoid;
    case Kind::kGelu: return model::Activation::kGelu;
    case Kind::kSwish: return model::Activation::kSwish;
    default: throw std::logic_error("activation_of: not an SFU kind");
  }
}

uint64_t Graph::macs() const {
  uint64_t m = 0;
  for (const auto& n : ops) m += n.macs();
  return m;
}

model::LayerShape gemm_layer_shape(const std::string& name, int64_t m, int64_t n, int64_t k) {
  // SCALE-Sim's GEMM form: an M x K ifmap, N filters of 1 x K, one channel, stride 1.
  model::LayerShape s;
  s.name = name;
  s.ifmap_h = m, s.ifmap_w = k, s.filter_h = 1, s.filter_w = k, s.channels = 1, s.num_filters = n;
  s.ofmap_h = m, s.ofmap_w = 1;
  return s;
}

model::LayerShape conv_layer_shape(const std::string& name, int64_t batch, int64_t in_c, int64_t in_h,
                                   int64_t in_w, int64_t out_c_per_group, int64_t in_c_per_group, const Attrs& a,
                                   int64_t out_h, int64_t out_w) {
  (void)in_c;
  const int64_t kh = a.kernel[0], kw = a.kernel[1];
  if (batch == 1 && a.dilations[0] == 1 && a.dilations[1] == 1) {
    // SCALE-Sim's conv form with the padding folded into the input: windows overlap in the ifmap operand, so
    // SRAM/DRAM traffic counts each input word once per prefetch (the same mapping as a native conv2d op).
    model::LayerShape s;
    s.name = name;
    s.ifmap_h = in_h + a.pads[0] + a.pads[2];
    s.ifmap_w = in_w + a.pads[1] + a.pads[3];
    s.filter_h = kh, s.filter_w = kw, s.channels = in_c_per_group, s.num_filters = out_c_per_group;
    s.stride_h = a.strides[0], s.stride_w = a.strides[1];
    s.ofmap_h = out_h, s.ofmap_w = out_w;
    return s;
  }
  // Batch > 1 or dilation: the GEMM view, batch folded into M (the im2col operand, read as a plain matrix).
  return gemm_layer_shape(name, mul_checked(mul_checked(batch, out_h), out_w), out_c_per_group,
                          mul_checked(mul_checked(kh, kw), in_c_per_group));
}

void infer_op(Graph& g, Node& n) {
  try {
    infer_node_impl(g, n);
  } catch (const std::overflow_error&) {
    fail(n, "tensor sizes overflow 64-bit integers");
  }
}

void infer_shapes(Graph& g) {
  for (auto& n : g.ops)
    if (!n.standalone()) infer_op(g, n);
}

void sort_nodes(Graph& g) {
  std::set<std::string> ready;
  for (const auto& [name, t] : g.tensors)
    if (t.constant) ready.insert(name);
  for (const auto& in : g.inputs) ready.insert(in);
  std::set<std::string> produced;
  for (const auto& n : g.ops)
    for (const auto& o : n.outputs) produced.insert(o);
  std::vector<Node> pending = std::move(g.ops), done;
  g.ops.clear();
  while (!pending.empty()) {
    bool progress = false;
    for (size_t i = 0; i < pending.size();) {
      const Node& n = pending[i];
      bool ok = true;
      for (const auto& in : n.inputs) ok = ok && (in.empty() || ready.count(in));
      if (ok) {
        for (const auto& o : n.outputs) ready.insert(o);
        done.push_back(std::move(pending[i]));
        pending.erase(pending.begin() + static_cast<std::ptrdiff_t>(i));
        progress = true;
      } else {
        ++i;
      }
    }
    if (!progress) {
      const Node& n = pending.front();
      for (const auto& in : n.inputs)
        if (!in.empty() && !ready.count(in) && !produced.count(in))
          throw_input_error(n.where, "op '" + n.name + "' reads tensor '" + in + "', which no op, input or "
                                     "initializer of " + g.file + " provides");
      throw_input_error(n.where, "the graph of " + g.file + " has a cycle through op '" + n.name + "'");
    }
  }
  g.ops = std::move(done);
}

void filter_ops(Graph& g, const std::vector<std::string>& names, const Location& where) {
  if (names.empty()) return;
  if (g.dataflow())
    throw_input_error(where, "workload.layers selects ops of a trace; " + g.file + " is a model whose ops feed each "
                            "other, so none can be left out");
  std::vector<std::string> all;
  for (const auto& op : g.ops) all.push_back(op.name);
  for (const auto& n : names)
    if (std::find(all.begin(), all.end(), n) == all.end())
      throw_input_error(where, "no op named '" + n + "' in " + g.file + did_you_mean(n, all));
  std::vector<Node> kept;
  for (const auto& op : g.ops)
    if (std::find(names.begin(), names.end(), op.name) != names.end()) kept.push_back(op);
  g.ops = kept;
}

}  // namespace lpsim::graph
