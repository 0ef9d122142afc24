#include "exec/executor.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <future>
#include <mutex>
#include <random>
#include <set>

#include "io/npy.h"
#include "pe/tensor_gen.h"
#include "sparsity/prune.h"
#include "vector/vector_kernels.h"

namespace lpsim::exec {

using graph::Kind;
using graph::Node;
using graph::Shape;
namespace vec = model::vec;

namespace {

int64_t numel(const Shape& s) { return graph::numel(s); }

// A read-only view of a tensor (a live value or a constant of the graph).
template <class T>
struct View {
  const Shape* shape = nullptr;
  const T* p = nullptr;
  int64_t n() const { return numel(*shape); }
};

double exact_activation(Kind k, double x) { return model::activation_fp64(graph::activation_of(k), x); }

float bf16_to_float(uint16_t b) {
  const uint32_t u = static_cast<uint32_t>(b) << 16;
  float f;
  std::memcpy(&f, &u, 4);
  return f;
}

// ---- GEMM views of the array ops (im2col, transposes, batched slices) ----

// The operands of every GEMM instance of an array op, and where each instance's M x N result goes.
struct GemmGeometry {
  Kind kind = Kind::kGemm;
  int64_t instances = 1, M = 0, N = 0, K = 0;
  // conv
  int64_t batch = 1, C = 1, H = 1, W = 1, OC = 1, Cg = 1, OCg = 1, OH = 1, OW = 1;
  graph::Attrs a;
  // matmul (batched): per-instance element offsets of A and B
  std::vector<int64_t> a_off, b_off;
};

GemmGeometry geometry(const graph::Graph& g, const Node& n) {
  GemmGeometry G;
  G.kind = n.kind;
  G.a = n.attrs;
  const Shape& sa = g.tensors.at(n.inputs[0]).shape;
  const Shape& sb = g.tensors.at(n.inputs[1]).shape;
  if (n.kind == Kind::kConv) {
    G.batch = sa[0], G.C = sa[1], G.H = sa[2], G.W = sa[3], G.OC = sb[0], G.Cg = sb[1];
    const Shape& so = g.tensors.at(n.outputs[0]).shape;
    G.OH = so[2], G.OW = so[3];
    G.instances = n.attrs.group;
    G.OCg = G.OC / G.instances;
    G.M = G.batch * G.OH * G.OW, G.N = G.OCg, G.K = n.attrs.kernel[0] * n.attrs.kernel[1] * G.Cg;
  } else if (n.kind == Kind::kGemm) {
    G.M = n.attrs.trans_a ? sa[1] : sa[0], G.K = n.attrs.trans_a ? sa[0] : sa[1];
    G.N = n.attrs.trans_b ? sb[0] : sb[1];
  } else {  // matmul, numpy semantics
    Shape a = sa, b = sb;
    if (a.size() == 1) a.insert(a.begin(), 1);
    if (b.size() == 1) b.push_back(1);
    G.M = a[a.size() - 2], G.K = a.back(), G.N = b.back();
    if (b.size() == 2) {  // one weight matrix: A's batch folded into M
      G.M *= numel(Shape(a.begin(), a.end() - 2));
      G.a_off = {0}, G.b_off = {0};
    } else {
      const Shape ba(a.begin(), a.end() - 2), bb(b.begin(), b.end() - 2);
      const size_t r = std::max(ba.size(), bb.size());
      Shape bo(r);
      for (size_t i = 0; i < r; ++i) {
        const int64_t da = i < r - ba.size() ? 1 : ba[i - (r - ba.size())];
        const int64_t db = i < r - bb.size() ? 1 : bb[i - (r - bb.size())];
        bo[i] = std::max(da, db);
      }
      const std::vector<int64_t> ta = vec::broadcast_strides(ba, r), tb = vec::broadcast_strides(bb, r);
      G.instances = numel(bo);
      std::vector<int64_t> idx(r, 0);
      for (int64_t i = 0; i < G.instances; ++i) {
        int64_t oa = 0, ob = 0;
        for (size_t d = 0; d < r; ++d) oa += idx[d] * ta[d], ob += idx[d] * tb[d];
        G.a_off.push_back(oa * G.M * G.K);
        G.b_off.push_back(ob * G.K * G.N);
        for (size_t d = r; d-- > 0;) {
          if (++idx[d] < bo[d]) break;
          idx[d] = 0;
        }
      }
    }
  }
  return G;
}

// Index into the weight operand's tensor of element B[k][j] of instance i (conv: OC x C/g x kH x kW).
int64_t b_source(const GemmGeometry& G, int64_t i, int64_t k, int64_t j) {
  if (G.kind == Kind::kConv) {
    const int64_t KW = G.a.kernel[1], KH = G.a.kernel[0];
    const int64_t c = k % G.Cg, kx = (k / G.Cg) % KW, ky = k / (G.Cg * KW);
    return (((i * G.OCg + j) * G.Cg + c) * KH + ky) * KW + kx;
  }
  if (G.kind == Kind::kGemm) return G.a.trans_b ? j * G.K + k : k * G.N + j;
  return G.b_off[static_cast<size_t>(i)] + k * G.N + j;
}

template <class T>
void gemm_b(const GemmGeometry& G, int64_t i, const T* w, T* B);

// B (K x N) of instance `i`, row-major.
template <class T>
void gemm_b(const GemmGeometry& G, int64_t i, const T* w, std::vector<T>& B) {
  B.resize(static_cast<size_t>(G.K * G.N));
  gemm_b(G, i, w, B.data());
}

// The same into B[0, K x N), in loops without b_source's divisions (a ResNet-18 run gathers 11.7 M weights).
template <class T>
void gemm_b(const GemmGeometry& G, int64_t i, const T* w, T* B) {
  const int64_t K = G.K, N = G.N;
  if (G.kind == Kind::kMatMul || (G.kind == Kind::kGemm && !G.a.trans_b)) {
    const int64_t off = G.kind == Kind::kMatMul ? G.b_off[static_cast<size_t>(i)] : 0;
    std::copy(w + off, w + off + K * N, B);
  } else if (G.kind == Kind::kGemm) {  // B = W^T, W is N x K
    for (int64_t j = 0; j < N; ++j)
      for (int64_t k = 0; k < K; ++k) B[k * N + j] = w[j * K + k];
  } else {  // conv: output channel j's weights are [c][ky][kx]; row k of B is (ky, kx, c), channel fastest
    // 16 output channels at a time: 16 sequential read streams, 64-byte writes (a plain transpose misses the
    // cache on every element of one side).
    const int64_t KH = G.a.kernel[0], KW = G.a.kernel[1], Cg = G.Cg, KK = Cg * KH * KW;
    constexpr int64_t kJ = 16;
    for (int64_t j0 = 0; j0 < N; j0 += kJ) {
      const int64_t nj = std::min(kJ, N - j0);
      const T* src = w + (i * G.OCg + j0) * KK;
      int64_t p = 0;
      for (int64_t c = 0; c < Cg; ++c)
        for (int64_t ky = 0; ky < KH; ++ky)
          for (int64_t kx = 0; kx < KW; ++kx, ++p) {
            T* dst = B + ((ky * KW + kx) * Cg + c) * N + j0;
            for (int64_t jj = 0; jj < nj; ++jj) dst[jj] = src[jj * KK + p];
          }
    }
  }
}

// A (M x K) of instance `i`, row-major (a conv's im2col: row (n, oy, ox), column (ky, kx, c), channel fastest).
template <class T>
void gemm_a(const GemmGeometry& G, int64_t i, const T* x, std::vector<T>& A) {
  A.resize(static_cast<size_t>(G.M * G.K));
  if (G.kind == Kind::kConv) {
    std::fill(A.begin(), A.end(), T(0));
    const graph::Attrs& a = G.a;
    const int64_t KH = a.kernel[0], KW = a.kernel[1];
    for (int64_t b = 0; b < G.batch; ++b)
      for (int64_t oy = 0; oy < G.OH; ++oy)
        for (int64_t ox = 0; ox < G.OW; ++ox) {
          T* row = A.data() + ((b * G.OH + oy) * G.OW + ox) * G.K;
          for (int64_t ky = 0; ky < KH; ++ky) {
            const int64_t y = oy * a.strides[0] - a.pads[0] + ky * a.dilations[0];
            if (y < 0 || y >= G.H) continue;
            for (int64_t kx = 0; kx < KW; ++kx) {
              const int64_t xx = ox * a.strides[1] - a.pads[1] + kx * a.dilations[1];
              if (xx < 0 || xx >= G.W) continue;
              T* dst = row + (ky * KW + kx) * G.Cg;
              const T* src = x + ((b * G.C + i * G.Cg) * G.H + y) * G.W + xx;
              for (int64_t c = 0; c < G.Cg; ++c) dst[c] = src[c * G.H * G.W];
            }
          }
        }
    return;
  }
  if (G.kind == Kind::kGemm) {
    for (int64_t r = 0; r < G.M; ++r)
      for (int64_t k = 0; k < G.K; ++k) A[static_cast<size_t>(r * G.K + k)] = G.a.trans_a ? x[k * G.M + r] : x[r * G.K + k];
    return;
  }
  std::copy(x + G.a_off[static_cast<size_t>(i)], x + G.a_off[static_cast<size_t>(i)] + G.M * G.K, A.begin());
}

// Writes instance i's M x N result into the op's output tensor.
template <class T, class S>
void scatter(const GemmGeometry& G, int64_t i, const S* c, T* y) {
  if (G.kind == Kind::kConv) {
    const int64_t hw = G.OH * G.OW;
    for (int64_t m = 0; m < G.M; ++m) {
      const int64_t b = m / hw, p = m % hw;
      for (int64_t j = 0; j < G.N; ++j) y[(b * G.OC + i * G.OCg + j) * hw + p] = static_cast<T>(c[m * G.N + j]);
    }
    return;
  }
  T* dst = y + i * G.M * G.N;
  for (int64_t e = 0; e < G.M * G.N; ++e) dst[e] = static_cast<T>(c[e]);
}

// Vector-unit epilogue of an array op: conv bias per output channel; Gemm's alpha and beta * C.
template <class T, class P>
void epilogue(const graph::Graph& g, const Node& n, const std::vector<View<T>>& in, Tensor<T>& y, const P& p) {
  const Shape& so = y.shape;
  if (n.kind == Kind::kConv && in.size() > 2 && in[2].p) {
    const int64_t OC = so[1], hw = so[2] * so[3];
    for (int64_t b = 0; b < so[0]; ++b)
      for (int64_t oc = 0; oc < OC; ++oc) {
        const double bias = p.in(in[2].p[oc]);
        T* row = y.v.data() + (b * OC + oc) * hw;
        for (int64_t e = 0; e < hw; ++e) row[e] = p.out(p.in(row[e]) + bias);
      }
  }
  if (n.kind == Kind::kGemm) {
    const double alpha = n.attrs.alpha, beta = n.attrs.beta;
    if (alpha != 1.0)
      for (auto& v : y.v) v = p.out(alpha * p.in(v));
    if (in.size() > 2 && in[2].p && beta != 0.0) {
      Tensor<T> t = y;
      vec::binary(t.v.data(), so, in[2].p, *in[2].shape, y.v.data(), so, p,
                  [beta](double u, double c) { return u + beta * c; });
    }
  }
  (void)g;
}

// ---- vector-unit ops ----

template <class T, class P>
std::vector<Tensor<T>> vector_op(const graph::Graph& g, const Node& n, const std::vector<View<T>>& in, const P& p) {
  std::vector<Tensor<T>> outs(n.outputs.size());
  for (size_t i = 0; i < outs.size(); ++i) {
    outs[i].shape = g.tensors.at(n.outputs[i]).shape;
    outs[i].v.resize(static_cast<size_t>(numel(outs[i].shape)));
  }
  Tensor<T>& y = outs[0];
  const Shape& sx = *in[0].shape;
  const T* x = in[0].p;
  const int64_t nx = in[0].n();
  const graph::Attrs& a = n.attrs;
  auto bin = [&](auto f) { vec::binary(x, sx, in[1].p, *in[1].shape, y.v.data(), y.shape, p, f); };
  auto un = [&](auto f) { vec::unary(x, nx, y.v.data(), p, f); };
  auto doubles = [&](size_t i) {
    std::vector<double> d;
    if (i < in.size() && in[i].p)
      for (int64_t e = 0; e < in[i].n(); ++e) d.push_back(p.in(in[i].p[e]));
    return d;
  };
  switch (n.kind) {
    case Kind::kAdd: bin([](double u, double v) { return u + v; }); break;
    case Kind::kSub: bin([](double u, double v) { return u - v; }); break;
    case Kind::kMul: bin([](double u, double v) { return u * v; }); break;
    case Kind::kDiv: bin([](double u, double v) { return u / v; }); break;
    case Kind::kPow: bin([](double u, double v) { return std::pow(u, v); }); break;
    case Kind::kSqrt: un([](double u) { return std::sqrt(u); }); break;
    case Kind::kRelu: un([](double u) { return u > 0 ? u : (u == 0 || std::isnan(u) ? u : 0.0); }); break;
    case Kind::kLeakyRelu: { const double al = a.alpha; un([al](double u) { return u >= 0 ? u : al * u; }); break; }
    case Kind::kClip: {
      const double lo = in.size() > 1 && in[1].p ? p.in(in[1].p[0]) : a.min;
      const double hi = in.size() > 2 && in[2].p ? p.in(in[2].p[0]) : a.max;
      un([lo, hi](double u) { return std::isnan(u) ? u : std::min(std::max(u, lo), hi); });
      break;
    }
    case Kind::kErf: un([](double u) { return std::erf(u); }); break;
    case Kind::kHardSigmoid: {
      const double al = a.alpha, be = a.beta;
      un([al, be](double u) { return std::max(0.0, std::min(1.0, al * u + be)); });
      break;
    }
    case Kind::kHardSwish: un([](double u) { return u * std::max(0.0, std::min(1.0, u / 6.0 + 0.5)); }); break;
    case Kind::kMaxPool:
    case Kind::kAvgPool: {
      vec::Window w;
      w.kh = a.kernel[0], w.kw = a.kernel[1], w.sh = a.strides[0], w.sw = a.strides[1];
      w.dh = a.dilations[0], w.dw = a.dilations[1];
      w.pt = a.pads[0], w.pl = a.pads[1], w.pb = a.pads[2], w.pr = a.pads[3];
      w.count_include_pad = a.count_include_pad;
      vec::pool2d(n.kind == Kind::kMaxPool, x, sx[0], sx[1], sx[2], sx[3], w, y.v.data(), y.shape[2], y.shape[3], p);
      break;
    }
    case Kind::kGlobalAvgPool: vec::row_mean(x, sx[0] * sx[1], nx / (sx[0] * sx[1]), y.v.data(), p); break;
    case Kind::kBatchNorm: {
      const std::vector<double> sc = doubles(1), bi = doubles(2), mu = doubles(3), var = doubles(4);
      vec::batch_norm(x, sx[0], sx[1], nx / (sx[0] * sx[1]), sc.data(), bi.data(), mu.data(), var.data(), a.epsilon,
                      y.v.data(), p);
      break;
    }
    case Kind::kSoftmax: {
      const size_t ax = static_cast<size_t>(a.axis);
      vec::softmax(x, vec::prod(sx, 0, ax), sx[ax], vec::prod(sx, ax + 1), y.v.data(), p);
      break;
    }
    case Kind::kLayerNorm: {
      const size_t ax = static_cast<size_t>(a.axis);
      const Shape norm(sx.begin() + static_cast<std::ptrdiff_t>(ax), sx.end());
      const int64_t inner = numel(norm);
      // scale/bias broadcast to the normalised dims (usually exactly those dims)
      auto expand = [&](size_t i) {
        std::vector<double> e;
        if (i >= in.size() || !in[i].p) return e;
        const std::vector<double> src = doubles(i);
        e.resize(static_cast<size_t>(inner));
        vec::binary(src.data(), *in[i].shape, src.data(), *in[i].shape, e.data(), norm, vec::Exact{},
                    [](double u, double) { return u; });
        return e;
      };
      const std::vector<double> sc = expand(1), bi = expand(2);
      vec::layer_norm(x, nx / inner, inner, sc.empty() ? nullptr : sc.data(), bi.empty() ? nullptr : bi.data(),
                      a.epsilon, y.v.data(), p, outs.size() > 1 ? outs[1].v.data() : nullptr,
                      outs.size() > 2 ? outs[2].v.data() : nullptr);
      break;
    }
    case Kind::kReduceMean: vec::reduce_mean(x, sx, a.axes, y.v.data(), numel(y.shape), p); break;
    case Kind::kTranspose: vec::transpose(x, sx, a.perm, y.v.data(), p); break;
    case Kind::kConcat: {
      const size_t ax = static_cast<size_t>(a.axis);
      const int64_t outer = vec::prod(y.shape, 0, ax), out_inner = vec::prod(y.shape, ax);
      int64_t off = 0;
      for (const auto& t : in) {
        const int64_t inner = vec::prod(*t.shape, ax);
        vec::copy_block(t.p, inner, y.v.data() + off, out_inner, outer, inner, p);
        off += inner;
      }
      break;
    }
    case Kind::kSplit: {
      const size_t ax = static_cast<size_t>(a.axis);
      const int64_t outer = vec::prod(sx, 0, ax), in_inner = vec::prod(sx, ax);
      int64_t off = 0;
      for (auto& o : outs) {
        const int64_t inner = vec::prod(o.shape, ax);
        vec::copy_block(x + off, in_inner, o.v.data(), inner, outer, inner, p);
        off += inner;
      }
      break;
    }
    case Kind::kPad: {
      const double value = in.size() > 2 && in[2].p ? p.in(in[2].p[0]) : a.value;
      vec::pad(x, sx, a.pads, value, y.v.data(), y.shape, p);
      break;
    }
    default: throw std::logic_error("executor: not a vector op");
  }
  return outs;
}

}  // namespace

// ---------------------------------------------------------------------------------------------------------------

struct Executor::Impl {
  const graph::Graph& g;
  const Machine& m;
  std::vector<NodeStats>& stats;
  std::function<bool(const GemmCall&)>& on_gemm;
  std::vector<model::ResolvedPe> resolved;          // per node (array ops)
  std::map<std::string, std::vector<float>> pruned;  // constant weights after pruning (by tensor name)
  std::map<std::string, TensorD> const_d;            // constants as double (reference run), cached
  // Scratch reused across ops and batches (tensors of tens of MB: allocating them afresh costs page faults).
  // a_buf/b_buf: the simulated run's; la_buf/lb_buf: the local run's, which runs next to it (run()).
  std::vector<float> a_buf, b_buf, la_buf, lb_buf;
  std::vector<double> a_dbuf, b_dbuf;
  std::mutex pack_mu;  // the simulated and local runs of an op may both be first to pack an instance's weights

  // An array op's constant weight: B (K x N) of every instance as float32 (the (pruned) constant, gathered) and,
  // made on first use by the simulated run, quantized and packed for the PE. Built once per op and batch and
  // shared by the simulated, reference (converted to double exactly inside the FP64 GEMM) and local runs. From
  // the second batch on ops keep theirs while they fit kKeepBytes, so a multi-batch run quantizes its weights
  // once; a one-batch run holds only the op at hand.
  struct OpWeights {
    bool ready = false;
    std::vector<float> b;
    std::vector<std::shared_ptr<const model::PreparedWeights>> packed;  // per instance
  };
  static constexpr double kKeepBytes = 256.0 * (1 << 20);
  std::vector<OpWeights> kept;  // per op
  double kept_bytes = 0;
  OpWeights scratch;
  size_t scratch_op = SIZE_MAX;
  uint64_t batches_done = 0;
  bool constant_weight(const Node& n) const { return n.inputs.size() > 1 && g.tensors.at(n.inputs[1]).constant; }
  OpWeights& weights_of(size_t idx) {
    if (kept[idx].ready) return kept[idx];
    if (scratch_op == idx) return scratch;
    const GemmGeometry G = geometry(g, g.ops[idx]);
    const size_t per = static_cast<size_t>(G.K * G.N), inst = static_cast<size_t>(G.instances);
    const double bytes = static_cast<double>(per * inst) * 4 +
                         model::prepared_weights_bytes(pe_of(g.ops[idx]), G.K, G.N) * static_cast<double>(inst);
    const bool keep = batches_done > 0 && kept_bytes + bytes <= kKeepBytes;
    OpWeights& w = keep ? kept[idx] : scratch;
    w.b.resize(per * inst);
    const float* src = view_f({}, g.ops[idx].inputs[1]).p;
    for (int64_t t = 0; t < G.instances; ++t) gemm_b(G, t, src, w.b.data() + static_cast<size_t>(t) * per);
    w.packed.assign(inst, nullptr);
    w.ready = true;
    if (keep) kept_bytes += bytes;
    else scratch_op = idx;
    return w;
  }
  // Before the simulated, reference and local runs of an op read them concurrently: its weight matrices gathered
  // (the simulated or local run packs them meanwhile; the reference run reads only the float32 values).
  void prepare_weight(size_t idx) {
    if (constant_weight(g.ops[idx])) weights_of(idx);
  }
  const float* weight_b(size_t idx, const GemmGeometry& G, int64_t i) {
    return weights_of(idx).b.data() + static_cast<size_t>(i * G.K * G.N);
  }
  const model::PreparedWeights& packed_weight(size_t idx, const GemmGeometry& G, int64_t i, int threads) {
    OpWeights& w = weights_of(idx);
    std::lock_guard<std::mutex> lock(pack_mu);
    auto& p = w.packed[static_cast<size_t>(i)];
    if (!p) p = model::prepare_weights(pe_of(g.ops[idx]), weight_b(idx, G, i), G.K, G.N, threads);
    return *p;
  }

  Impl(const graph::Graph& gr, const Machine& mm, std::vector<NodeStats>& st, std::function<bool(const GemmCall&)>& og)
      : g(gr), m(mm), stats(st), on_gemm(og), resolved(gr.ops.size()), kept(gr.ops.size()) {
    threads_total = m.threads > 0 ? m.threads : model::default_threads();
    for (size_t i = 0; i < g.ops.size(); ++i)
      if (g.ops[i].on_array()) resolved[i] = model::resolve(pe_of(g.ops[i]));
    if (g.dataflow()) prune_weights();
  }

  const model::SparsityParams& sparsity_of(const Node& n) const { return n.sparsity ? *n.sparsity : m.sparsity; }

  // Weight pruning of a dataflow array op whose weight operand is a constant: the trace's prune spec, or N:M
  // prune_to_pattern. Each instance's K x N matrix is pruned (N:M groups run along K).
  void prune_weights() {
    for (const Node& n : g.ops) {
      if (!n.on_array() || n.inputs.size() < 2 || !g.tensors.at(n.inputs[1]).constant) continue;
      const model::SparsityParams& sp = sparsity_of(n);
      const bool spec = n.prune.method != model::PruneMethod::kNone;
      const bool nm = sp.scheme == model::SparsityScheme::kNM && sp.prune_to_pattern;
      if (!spec && !nm) continue;
      const std::string& name = n.inputs[1];
      if (!pruned.count(name)) pruned[name] = g.tensors.at(name).data;
      std::vector<float>& w = pruned[name];
      const GemmGeometry G = geometry(g, n);
      std::vector<float> B(static_cast<size_t>(G.K * G.N));
      for (int64_t i = 0; i < G.instances; ++i) {
        for (int64_t k = 0; k < G.K; ++k)
          for (int64_t j = 0; j < G.N; ++j) B[static_cast<size_t>(k * G.N + j)] = w[static_cast<size_t>(b_source(G, i, k, j))];
        if (spec) model::apply_prune(n.prune, B.data(), G.K, G.N);
        if (nm) model::prune_nm(B.data(), G.K, G.N, sp.nm_n, sp.nm_m);
        for (int64_t k = 0; k < G.K; ++k)
          for (int64_t j = 0; j < G.N; ++j) w[static_cast<size_t>(b_source(G, i, k, j))] = B[static_cast<size_t>(k * G.N + j)];
      }
    }
  }

  const model::PeParams& pe_of(const Node& n) const { return n.pe ? *n.pe : m.pe; }

  // Threads of one GEMM. With two or more threads an array op runs its simulated, reference and local GEMMs as
  // concurrent tasks (run()), each with half the threads: a batch-1 network's GEMMs are too small to split well
  // by rows, and the gathers, quantization and packing around them are serial.
  int threads_total = 1;
  bool split = false;
  int gemm_threads(int64_t M, int64_t N, int64_t K, bool ref) const {
    if (static_cast<double>(M) * N * K < 1e6) return 1;
    if (!split) return threads_total;
    return ref ? std::max(1, threads_total / 2) : std::max(1, threads_total - threads_total / 2);
  }

  View<float> view_f(const std::map<std::string, TensorF>& env, const std::string& name) const {
    if (name.empty()) return {};
    auto it = env.find(name);
    if (it != env.end()) return {&it->second.shape, it->second.v.data()};
    const graph::Tensor& t = g.tensors.at(name);
    auto pr = pruned.find(name);
    return {&t.shape, pr != pruned.end() ? pr->second.data() : t.data.data()};
  }
  View<double> view_d(const std::map<std::string, TensorD>& env, const std::string& name) {
    if (name.empty()) return {};
    auto it = env.find(name);
    if (it != env.end()) return {&it->second.shape, it->second.v.data()};
    auto c = const_d.find(name);
    if (c == const_d.end()) {
      const graph::Tensor& t = g.tensors.at(name);
      View<float> f = view_f({}, name);
      TensorD d{t.shape, std::vector<double>(f.p, f.p + numel(t.shape))};
      c = const_d.emplace(name, std::move(d)).first;
    }
    return {&c->second.shape, c->second.v.data()};
  }

  // ---- array ops ----
  TensorF array_sim(size_t idx, const std::vector<View<float>>& in, bool simulated) {
    const Node& n = g.ops[idx];
    const GemmGeometry G = geometry(g, n);
    const model::PeParams& pe = pe_of(n);
    NodeStats& st = stats[idx];
    TensorF y{g.tensors.at(n.outputs[0]).shape, {}};
    y.v.assign(static_cast<size_t>(numel(y.shape)), 0.0f);
    std::vector<float>& A = simulated ? a_buf : la_buf;
    std::vector<float>& Bbuf = simulated ? b_buf : lb_buf;
    const bool cw = constant_weight(n);
    for (int64_t i = 0; i < G.instances; ++i) {
      gemm_a(G, i, in[0].p, A);
      const float* B = nullptr;
      if (cw) B = weight_b(idx, G, i);
      else gemm_b(G, i, in[1].p, Bbuf), B = Bbuf.data();
      const int th = gemm_threads(G.M, G.N, G.K, false);
      model::GemmRunOptions opts;
      opts.threads = th;
      auto gemm = [&]() {
        return cw ? model::run_gemm(m.order, A.data(), packed_weight(idx, G, i, th), G.M, opts)
                  : model::run_gemm(pe, m.order, A.data(), B, G.M, G.N, G.K, opts);
      };
      if (simulated) {
        // The quantized operands are needed only by the sparsity analysis and the ideal emulation.
        model::QuantizedOperands q;
        if (on_gemm || m.ideal) q = model::quantize_operands(pe, A.data(), B, G.M, G.N, G.K, th);
        if (on_gemm) opts.skip_zero_products = on_gemm(GemmCall{idx, i, G.M, G.N, G.K, &pe, &q});
        model::GemmResult r = gemm();
        if (m.ideal) count_ideal(st, model::ideal_gemm(resolved[idx], q, G.M, G.N, G.K, th), r.c);
        add_counters(st.counters, r.counters);
        scatter(G, i, r.c.data(), y.v.data());
      } else {
        model::GemmResult r = gemm();
        scatter(G, i, r.c.data(), y.v.data());
      }
    }
    epilogue(g, n, in, y, vec::Unit{m.vector.format});
    return y;
  }

  TensorD array_ref(size_t idx, const std::vector<View<double>>& in) {
    const Node& n = g.ops[idx];
    const GemmGeometry G = geometry(g, n);
    TensorD y{g.tensors.at(n.outputs[0]).shape, {}};
    y.v.assign(static_cast<size_t>(numel(y.shape)), 0.0);
    std::vector<double>& A = a_dbuf;
    for (int64_t i = 0; i < G.instances; ++i) {
      gemm_a(G, i, in[0].p, A);
      const int th = gemm_threads(G.M, G.N, G.K, true);
      std::vector<double> c;
      if (constant_weight(n)) {
        c = model::reference_gemm_fp64(A.data(), weight_b(idx, G, i), G.M, G.N, G.K, th);
      } else {
        gemm_b(G, i, in[1].p, b_dbuf);
        c = model::reference_gemm_fp64(A.data(), b_dbuf.data(), G.M, G.N, G.K, th);
      }
      scatter(G, i, c.data(), y.v.data());
    }
    epilogue(g, n, in, y, vec::Exact{});
    return y;
  }

  static void count_ideal(NodeStats& st, const std::vector<float>& ideal, const std::vector<float>& c) {
    std::vector<double> id(ideal.begin(), ideal.end());
    st.vs_ideal.add(id.data(), c.data(), c.size());
    for (size_t e = 0; e < c.size(); ++e) {
      uint32_t x, y;
      std::memcpy(&x, &ideal[e], 4);
      std::memcpy(&y, &c[e], 4);
      st.bit_identical += (x == y || (std::isnan(ideal[e]) && std::isnan(c[e]))) ? 1 : 0;
    }
    st.gemm_outputs += c.size();
  }


  // ---- SFU ----
  std::vector<float> sfu_sim(Kind k, const float* x, int64_t n) const {
    std::vector<float> y(static_cast<size_t>(n));
    if (m.sfu.impl == model::SfuParams::Impl::kFp32) {
      model::sfu_apply_fp32(m.sfu, graph::activation_of(k), x, static_cast<size_t>(n), y.data());
      return y;
    }
    const model::SfuResult r = model::sfu_apply(m.sfu, graph::activation_of(k), std::vector<float>(x, x + n));
    for (int64_t i = 0; i < n; ++i) y[static_cast<size_t>(i)] = bf16_to_float(r.out_bf16[static_cast<size_t>(i)]);
    return y;
  }

  // ---- one op, simulated (float) ----
  std::vector<TensorF> op_sim(size_t idx, const std::vector<View<float>>& in, bool simulated) {
    const Node& n = g.ops[idx];
    const Shape& so = g.tensors.at(n.outputs[0]).shape;
    switch (n.unit()) {
      case graph::Unit::kArray: return {array_sim(idx, in, simulated)};
      case graph::Unit::kSfu: return {TensorF{so, sfu_sim(n.kind, in[0].p, in[0].n())}};
      case graph::Unit::kView: return {TensorF{so, std::vector<float>(in[0].p, in[0].p + in[0].n())}};
      case graph::Unit::kVector:
        return m.vector.format == model::VectorFormat::kFp32 ? vector_op(g, n, in, vec::Fp32{})
                                                             : vector_op(g, n, in, vec::Unit{m.vector.format});
    }
    return {};
  }

  std::vector<TensorD> op_ref(size_t idx, const std::vector<View<double>>& in) {
    const Node& n = g.ops[idx];
    const Shape& so = g.tensors.at(n.outputs[0]).shape;
    switch (n.unit()) {
      case graph::Unit::kArray: return {array_ref(idx, in)};
      case graph::Unit::kSfu: {
        TensorD y{so, std::vector<double>(static_cast<size_t>(in[0].n()))};
        for (int64_t i = 0; i < in[0].n(); ++i) y.v[static_cast<size_t>(i)] = exact_activation(n.kind, in[0].p[i]);
        return {y};
      }
      case graph::Unit::kView: return {TensorD{so, std::vector<double>(in[0].p, in[0].p + in[0].n())}};
      case graph::Unit::kVector: return vector_op(g, n, in, vec::Exact{});
    }
    return {};
  }
};


uint64_t Executor::vector_ops(const graph::Graph& g, const Node& n) {
  if (n.standalone()) return 0;
  const uint64_t out = n.on_array() ? static_cast<uint64_t>(numel(g.tensors.at(n.outputs[0]).shape))
                                    : static_cast<uint64_t>(n.elements);
  auto in_n = [&](size_t i) { return static_cast<uint64_t>(numel(g.tensors.at(n.inputs[i]).shape)); };
  const graph::Attrs& a = n.attrs;
  switch (n.kind) {
    case Kind::kConv: return n.inputs.size() > 2 && !n.inputs[2].empty() ? out : 0;  // bias add
    case Kind::kGemm:
      return (a.alpha != 1.0 ? out : 0) + (n.inputs.size() > 2 && !n.inputs[2].empty() && a.beta != 0.0 ? out : 0);
    case Kind::kMatMul: return 0;
    case Kind::kBatchNorm: return 2 * out;  // multiply and add with per-channel constants
    case Kind::kMaxPool: return out * static_cast<uint64_t>(a.kernel[0] * a.kernel[1]);  // one compare per window element
    case Kind::kAvgPool: return out * static_cast<uint64_t>(a.kernel[0] * a.kernel[1] + 1);  // adds + one divide
    case Kind::kGlobalAvgPool: return in_n(0) + out;
    case Kind::kReduceMean: return in_n(0) + out;
    case Kind::kSoftmax: return 4 * out;    // max, subtract-and-exp, sum, divide
    case Kind::kLayerNorm: return 6 * out;  // sum, subtract, square-and-sum, normalise, scale, shift
    case Kind::kSplit: return in_n(0);
    default: break;
  }
  if (n.unit() == graph::Unit::kVector) return out;  // elementwise ops and data movement: one per output
  return 0;
}


Executor::Executor(const graph::Graph& g, Machine m)
    : g_(g), m_(std::move(m)), stats_(g.ops.size()) {
  im_ = std::make_unique<Impl>(g_, m_, stats_, on_gemm);
}

Executor::~Executor() = default;

void add_counters(model::GemmCounters& a, const model::GemmCounters& b) {
  a.saturations_a += b.saturations_a, a.saturations_b += b.saturations_b;
  a.underflows_a += b.underflows_a, a.underflows_b += b.underflows_b;
  a.acc_overflows += b.acc_overflows, a.spills += b.spills, a.nan_outputs += b.nan_outputs;
  a.zero_products += b.zero_products, a.macs_skipped += b.macs_skipped, a.steps_skipped += b.steps_skipped;
}

NodeStats& NodeStats::operator+=(const NodeStats& o) {
  computed = computed || o.computed;
  vs_ref += o.vs_ref, local += o.local, vs_ideal += o.vs_ideal;
  outputs += o.outputs, gemm_outputs += o.gemm_outputs, bit_identical += o.bit_identical;
  add_counters(counters, o.counters);
  return *this;
}

namespace {

// Operand values of a standalone array op: its .npy file (shape checked) or its seeded generator.
std::vector<float> standalone_operand(const graph::TensorSpec& t, uint64_t seed, size_t op_index, uint64_t stream,
                                      int64_t rows, int64_t cols, const char* what) {
  if (!t.file.empty()) {
    io::NpyArray a = io::read_npy_f32(t.file);
    const std::vector<size_t> want = {static_cast<size_t>(rows), static_cast<size_t>(cols)};
    if (a.shape != want)
      throw_input_error(t.where, t.file + " has shape " + io::shape_str(a.shape) + ", expected " +
                                     io::shape_str(want) + " (" + what + ")");
    return a.data;
  }
  model::TensorGenSpec gs = t.gen;
  if (!t.seed_given) gs.seed = seed * 1000003ull + op_index;  // distinct, reproducible per op
  return model::generate_tensor(gs, stream, static_cast<size_t>(rows * cols));
}

}  // namespace

void Executor::run(const std::map<std::string, TensorF>& inputs) {
  out_.clear();
  ref_out_.clear();
  if (!g_.dataflow()) {
    run_standalone();
    return;
  }
  Impl& im = *im_;
  std::map<std::string, TensorF> env;
  std::map<std::string, TensorD> ref;
  for (const auto& name : g_.inputs) {
    const TensorF& t = inputs.at(name);
    env[name] = t;
    ref[name] = TensorD{t.shape, std::vector<double>(t.v.begin(), t.v.end())};
  }
  std::map<std::string, size_t> last;
  for (size_t i = 0; i < g_.ops.size(); ++i)
    for (const auto& in : g_.ops[i].inputs) last[in] = i;
  const std::set<std::string> outs(g_.outputs.begin(), g_.outputs.end());
  for (size_t i = 0; i < g_.ops.size(); ++i) {
    const Node& n = g_.ops[i];
    std::vector<View<float>> in_f;
    std::vector<View<double>> in_d;
    bool from_graph = true;  // every input is a graph input or constant: the local run equals the simulated one
    for (size_t k = 0; k < n.inputs.size(); ++k) {
      const std::string& name = n.inputs[k];
      in_f.push_back(im.view_f(env, name));
      // An array op's constant weight reaches the reference run through its cached B matrix, not as a double copy.
      const bool weight = n.on_array() && k == 1 && g_.tensors.at(name).constant;
      in_d.push_back(weight ? View<double>{in_f.back().shape, nullptr} : im.view_d(ref, name));
      if (!name.empty() && !g_.tensors.at(name).constant &&
          std::find(g_.inputs.begin(), g_.inputs.end(), name) == g_.inputs.end())
        from_graph = false;
    }
    const bool local = m_.local && !from_graph;
    // The same op fed the reference inputs (rounded to float32, the simulator's tensor type).
    auto local_run = [&]() {
      std::vector<TensorF> rin(n.inputs.size());
      std::vector<View<float>> vin;
      for (size_t k = 0; k < n.inputs.size(); ++k) {
        if (n.inputs[k].empty() || g_.tensors.at(n.inputs[k]).constant) {
          vin.push_back(in_f[k]);
          continue;
        }
        rin[k].shape = *in_d[k].shape;
        rin[k].v.assign(in_d[k].p, in_d[k].p + in_d[k].n());
        vin.push_back({&rin[k].shape, rin[k].v.data()});
      }
      return im.op_sim(i, vin, false);
    };
    std::vector<TensorD> r;
    std::vector<TensorF> s, l;
    if (n.on_array() && im.threads_total > 1) {
      // The reference and local runs on threads of their own next to the simulated run, each GEMM with half the
      // threads (the weights are gathered before they read them; the first to need an instance's packed weights
      // packs them). Three runs on two cores balance better than the local run after the other two: it costs
      // as much as the simulated one, the reference much less. Bits do not depend on threads.
      im.prepare_weight(i);
      {
        im.split = true;
        struct Unsplit {
          Impl& im;
          ~Unsplit() { im.split = false; }
        } unsplit{im};
        auto ref_task = std::async(std::launch::async, [&] { return im.op_ref(i, in_d); });
        std::future<std::vector<TensorF>> local_task;
        if (local) local_task = std::async(std::launch::async, local_run);
        s = im.op_sim(i, in_f, true);  // on a throw the futures' destructors wait for their threads
        r = ref_task.get();
        if (local) l = local_task.get();
      }
    } else {
      r = im.op_ref(i, in_d);
      s = im.op_sim(i, in_f, true);
      if (local) l = local_run();
    }
    NodeStats& st = stats_[i];
    st.computed = true;
    st.vs_ref.add(r[0].v.data(), s[0].v.data(), s[0].v.size());
    st.outputs += s[0].v.size();
    if (m_.local) {
      const TensorF& lo = local ? l[0] : s[0];  // fed only graph inputs and constants: the simulated run is local
      st.local.add(r[0].v.data(), lo.v.data(), lo.v.size());
    }
    for (size_t k = 0; k < n.outputs.size(); ++k) {
      env[n.outputs[k]] = std::move(s[k]);
      ref[n.outputs[k]] = std::move(r[k]);
    }
    // Free what no later op reads (graph outputs stay).
    for (const auto& name : n.inputs)
      if (!name.empty() && last[name] == i && !outs.count(name)) env.erase(name), ref.erase(name);
    if (on_op) on_op(i);
  }
  for (const auto& name : g_.outputs) {
    out_[name] = env.at(name);
    ref_out_[name] = ref.at(name);
  }
  ++im.batches_done;
}

void Executor::run_standalone() {
  Impl& im = *im_;
  std::vector<float> prev;  // outputs of the previous op that computed values (simulated, reference)
  std::vector<double> prev_ref;
  for (size_t i = 0; i < g_.ops.size(); ++i) {
    const Node& n = g_.ops[i];
    NodeStats& st = stats_[i];
    if (n.on_array()) {
      prev.clear(), prev_ref.clear();
      graph::TensorSpec ta = n.a, tb = n.b;
      if (!n.has_tensors() && m_.synthetic != "off") {
        ta.present = tb.present = true;
        ta.gen.dist = *model::parse_distribution(m_.synthetic);
        ta.gen.scale = m_.synthetic_scale;
        ta.gen.outlier_fraction = m_.synthetic_outlier_fraction;
        ta.gen.outlier_size = m_.synthetic_outlier_size;
        tb.gen = model::weight_spec(ta.gen);
      }
      if (!ta.present) {
        if (on_op) on_op(i);
        continue;  // timing only
      }
      // One instance on its own operands: values depend on formats, dataflow and (ws/is) array rows only.
      const int64_t M = n.shape.M(), N = n.shape.N(), K = n.shape.K();
      std::vector<float> A = standalone_operand(ta, m_.seed, i, 0, M, K, "M x K activations");
      std::vector<float> B = standalone_operand(tb, m_.seed, i, 1, K, N, "K x N weights");
      if (n.prune.method != model::PruneMethod::kNone) model::apply_prune(n.prune, B.data(), K, N);
      const model::SparsityParams& sp = im.sparsity_of(n);
      if (sp.scheme == model::SparsityScheme::kNM && sp.prune_to_pattern) model::prune_nm(B.data(), K, N, sp.nm_n, sp.nm_m);
      const model::PeParams& pe = im.pe_of(n);
      const model::QuantizedOperands q = model::quantize_operands(pe, A.data(), B.data(), M, N, K, m_.threads);
      model::GemmRunOptions opts;
      opts.threads = m_.threads;
      if (on_gemm) opts.skip_zero_products = on_gemm(GemmCall{i, 0, M, N, K, &pe, &q});
      model::GemmResult r = model::run_gemm(pe, m_.order, A.data(), B.data(), M, N, K, opts);
      const std::vector<double> ref = model::reference_gemm_fp64(A.data(), B.data(), M, N, K, m_.threads);
      st.computed = true;
      st.vs_ref.add(ref.data(), r.c.data(), r.c.size());
      st.local.add(ref.data(), r.c.data(), r.c.size());
      st.outputs += r.c.size();
      if (m_.ideal) Impl::count_ideal(st, model::ideal_gemm(im.resolved[i], q, M, N, K, m_.threads), r.c);
      add_counters(st.counters, r.counters);
      prev = std::move(r.c);
      prev_ref = ref;
    } else if (n.unit() == graph::Unit::kSfu && !prev.empty()) {
      // The previous op's outputs feed the SFU (cycled when the activation is larger than one instance).
      const size_t count = static_cast<size_t>(n.elements);
      std::vector<float> x(count);
      std::vector<double> xr(count), yr(count);
      for (size_t e = 0; e < count; ++e) x[e] = prev[e % prev.size()], xr[e] = prev_ref[e % prev_ref.size()];
      std::vector<float> y = im.sfu_sim(n.kind, x.data(), static_cast<int64_t>(count));
      for (size_t e = 0; e < count; ++e) yr[e] = exact_activation(n.kind, xr[e]);
      std::vector<float> xl(xr.begin(), xr.end());
      std::vector<float> yl = im.sfu_sim(n.kind, xl.data(), static_cast<int64_t>(count));
      st.computed = true;
      st.vs_ref.add(yr.data(), y.data(), count);
      st.local.add(yr.data(), yl.data(), count);
      st.outputs += count;
      prev = std::move(y);
      prev_ref = std::move(yr);
    } else {
      prev.clear(), prev_ref.clear();
    }
    if (on_op) on_op(i);
  }
}

}  // namespace lpsim::exec
