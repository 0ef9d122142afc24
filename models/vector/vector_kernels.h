// Tensor kernels of the vector unit (vector_unit.h), written once for both runs of a graph: the simulated run
// (float32 tensors, Policy = Unit: inputs read in the unit's format, outputs rounded once to it) and the FP64
// reference run (double tensors, Policy = Exact). Every output is computed in double from its (policy-read)
// inputs; only Policy::out rounds. Shapes are row-major (C order) and already checked by the caller.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include "vector/vector_unit.h"

namespace lpsim::model::vec {

using Dims = std::vector<int64_t>;

struct Exact {  // FP64 reference: no rounding anywhere
  double in(double x) const { return x; }
  double out(double x) const { return x; }
};

struct Fp32 {  // the simulated vector unit in FP32: Unit{kFp32} without a format test per element
  double in(float x) const { return static_cast<double>(x); }
  float out(double x) const { return static_cast<float>(x); }
};

struct Unit {  // the simulated vector unit
  VectorFormat f = VectorFormat::kFp32;
  double in(float x) const { return f == VectorFormat::kFp32 ? static_cast<double>(x) : vector_in(f, x); }
  float out(double x) const { return f == VectorFormat::kFp32 ? static_cast<float>(x) : vector_out(f, x); }
};

// Product of dims [from, to) (to clipped to the rank).
inline int64_t prod(const Dims& d, size_t from, size_t to) {
  int64_t n = 1;
  for (auto it = d.begin() + static_cast<std::ptrdiff_t>(std::min(from, d.size()));
       it != d.begin() + static_cast<std::ptrdiff_t>(std::min(to, d.size())); ++it)
    n *= *it;
  return n;
}
inline int64_t prod(const Dims& d, size_t from = 0) { return prod(d, from, d.size()); }

// Strides of `in` (right-aligned against an output of rank r) with 0 for broadcast dimensions.
inline std::vector<int64_t> broadcast_strides(const Dims& in, size_t r) {
  std::vector<int64_t> st(r, 0);
  int64_t s = 1;
  for (size_t i = in.size(); i-- > 0;) {
    const size_t o = r - in.size() + i;
    st[o] = in[i] == 1 ? 0 : s;
    s *= in[i];
  }
  return st;
}

// out = f(a, b) with numpy broadcasting (ONNX multidirectional).
template <class T, class P, class F>
void binary(const T* a, const Dims& sa, const T* b, const Dims& sb, T* out, const Dims& so, const P& p, F f) {
  const size_t r = so.size();
  const int64_t n = prod(so);
  if (sa == so && sb == so) {
    for (int64_t i = 0; i < n; ++i) out[i] = p.out(f(p.in(a[i]), p.in(b[i])));
    return;
  }
  const std::vector<int64_t> ta = broadcast_strides(sa, r), tb = broadcast_strides(sb, r);
  // Runs along the last dimension with fixed strides (a bias broadcast over a row reads one value), the index
  // bookkeeping once per run rather than per element.
  const int64_t len = r ? so[r - 1] : 1, sta = r ? ta[r - 1] : 0, stb = r ? tb[r - 1] : 0;
  std::vector<int64_t> idx(r, 0);
  int64_t ia = 0, ib = 0;
  for (int64_t i = 0; i < n; i += len) {
    for (int64_t j = 0; j < len; ++j) out[i + j] = p.out(f(p.in(a[ia + j * sta]), p.in(b[ib + j * stb])));
    for (size_t d = r ? r - 1 : 0; d-- > 0;) {
      ++idx[d];
      ia += ta[d], ib += tb[d];
      if (idx[d] < so[d]) break;
      ia -= ta[d] * so[d], ib -= tb[d] * so[d];
      idx[d] = 0;
    }
  }
}

template <class T, class P, class F>
void unary(const T* x, int64_t n, T* out, const P& p, F f) {
  for (int64_t i = 0; i < n; ++i) out[i] = p.out(f(p.in(x[i])));
}

struct Window {
  int64_t kh = 1, kw = 1, sh = 1, sw = 1, dh = 1, dw = 1, pt = 0, pl = 0, pb = 0, pr = 0;
  bool count_include_pad = false;
};

// 2-D max or average pooling of N x C x H x W into N x C x OH x OW. Average: over the window's elements inside
// the input, or over the whole window including padding (count_include_pad; never beyond the padded input).
template <class T, class P>
void pool2d(bool is_max, const T* x, int64_t N, int64_t C, int64_t H, int64_t W, const Window& w, T* out,
            int64_t OH, int64_t OW, const P& p) {
  for (int64_t nc = 0; nc < N * C; ++nc) {
    const T* xp = x + nc * H * W;
    for (int64_t oy = 0; oy < OH; ++oy)
      for (int64_t ox = 0; ox < OW; ++ox) {
        double acc = is_max ? -std::numeric_limits<double>::infinity() : 0.0;
        int64_t cnt = 0, cnt_pad = 0;
        for (int64_t ky = 0; ky < w.kh; ++ky) {
          const int64_t y = oy * w.sh - w.pt + ky * w.dh;
          if (y >= H + w.pb) continue;  // past the padded input (ceil_mode's partial window)
          for (int64_t kx = 0; kx < w.kw; ++kx) {
            const int64_t xx = ox * w.sw - w.pl + kx * w.dw;
            if (xx >= W + w.pr) continue;
            ++cnt_pad;
            if (y < 0 || y >= H || xx < 0 || xx >= W) continue;
            const double v = p.in(xp[y * W + xx]);
            if (is_max) acc = std::isnan(v) || v > acc ? v : acc;
            else acc += v;
            ++cnt;
          }
        }
        const int64_t div = w.count_include_pad ? cnt_pad : cnt;
        out[(nc * OH + oy) * OW + ox] = p.out(is_max ? acc : (div ? acc / static_cast<double>(div) : 0.0));
      }
  }
}

// Mean over the trailing `inner` elements of each of `outer` rows.
template <class T, class P>
void row_mean(const T* x, int64_t outer, int64_t inner, T* out, const P& p) {
  for (int64_t o = 0; o < outer; ++o) {
    double s = 0;
    for (int64_t i = 0; i < inner; ++i) s += p.in(x[o * inner + i]);
    out[o] = p.out(s / static_cast<double>(inner));
  }
}

// Inference BatchNormalization over channel dim 1: y = (x - mean) / sqrt(var + eps) * scale + bias.
template <class T, class P>
void batch_norm(const T* x, int64_t N, int64_t C, int64_t inner, const double* scale, const double* bias,
                const double* mean, const double* var, double eps, T* out, const P& p) {
  for (int64_t c = 0; c < C; ++c) {
    const double k = scale[c] / std::sqrt(var[c] + eps);
    for (int64_t n = 0; n < N; ++n) {
      const int64_t base = (n * C + c) * inner;
      for (int64_t i = 0; i < inner; ++i) out[base + i] = p.out((p.in(x[base + i]) - mean[c]) * k + bias[c]);
    }
  }
}

// Softmax along an axis of length `len` (layout outer x len x inner), max-subtracted.
template <class T, class P>
void softmax(const T* x, int64_t outer, int64_t len, int64_t inner, T* out, const P& p) {
  std::vector<double> e(static_cast<size_t>(len));
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t i = 0; i < inner; ++i) {
      const T* xp = x + o * len * inner + i;
      double mx = -std::numeric_limits<double>::infinity();
      for (int64_t k = 0; k < len; ++k) mx = std::max(mx, p.in(xp[k * inner]));
      double s = 0;
      for (int64_t k = 0; k < len; ++k) s += (e[static_cast<size_t>(k)] = std::exp(p.in(xp[k * inner]) - mx));
      for (int64_t k = 0; k < len; ++k) out[o * len * inner + k * inner + i] = p.out(e[static_cast<size_t>(k)] / s);
    }
}

// LayerNormalization over the trailing `inner` elements: (x - mean) / sqrt(var + eps) * scale + bias, with the
// biased variance (ONNX LayerNormalization, torch.nn.LayerNorm). scale/bias have `inner` values (or are null);
// mean_out / rstd_out (optional, one value per row) receive ONNX's Mean and InvStdDev outputs.
template <class T, class P>
void layer_norm(const T* x, int64_t outer, int64_t inner, const double* scale, const double* bias, double eps, T* out,
                const P& p, T* mean_out = nullptr, T* rstd_out = nullptr) {
  std::vector<double> v(static_cast<size_t>(inner));
  for (int64_t o = 0; o < outer; ++o) {
    double mean = 0;
    for (int64_t i = 0; i < inner; ++i) mean += (v[static_cast<size_t>(i)] = p.in(x[o * inner + i]));
    mean /= static_cast<double>(inner);
    double var = 0;
    for (int64_t i = 0; i < inner; ++i) var += (v[static_cast<size_t>(i)] - mean) * (v[static_cast<size_t>(i)] - mean);
    const double rstd = 1.0 / std::sqrt(var / static_cast<double>(inner) + eps);
    if (mean_out) mean_out[o] = p.out(mean);
    if (rstd_out) rstd_out[o] = p.out(rstd);
    for (int64_t i = 0; i < inner; ++i) {
      double y = (v[static_cast<size_t>(i)] - mean) * rstd;
      if (scale) y *= scale[i];
      if (bias) y += bias[i];
      out[o * inner + i] = p.out(y);
    }
  }
}

// Mean over the sorted `axes` of x (output keeps the other dims in order; size-1 dims do not move data).
template <class T, class P>
void reduce_mean(const T* x, const Dims& s, const std::vector<int64_t>& axes, T* out, int64_t out_n, const P& p) {
  const size_t r = s.size();
  std::vector<bool> red(r, false);
  int64_t cnt = 1;
  for (int64_t a : axes) red[static_cast<size_t>(a)] = true, cnt *= s[static_cast<size_t>(a)];
  std::vector<double> acc(static_cast<size_t>(out_n), 0.0);
  std::vector<int64_t> idx(r, 0);
  const int64_t n = prod(s);
  for (int64_t i = 0; i < n; ++i) {
    int64_t o = 0;
    for (size_t d = 0; d < r; ++d)
      if (!red[d]) o = o * s[d] + idx[d];
    acc[static_cast<size_t>(o)] += p.in(x[i]);
    for (size_t d = r; d-- > 0;) {
      if (++idx[d] < s[d]) break;
      idx[d] = 0;
    }
  }
  for (int64_t o = 0; o < out_n; ++o) out[o] = p.out(acc[static_cast<size_t>(o)] / static_cast<double>(cnt));
}

// Data movement: the values pass through the unit (read in its format, written in it).
template <class T, class P>
void transpose(const T* x, const Dims& s, const std::vector<int64_t>& perm, T* out, const P& p) {
  const size_t r = s.size();
  std::vector<int64_t> in_stride(r, 1), os(r);
  for (size_t d = r; d-- > 1;) in_stride[d - 1] = in_stride[d] * s[d];
  for (size_t d = 0; d < r; ++d) os[d] = s[static_cast<size_t>(perm[d])];
  std::vector<int64_t> st(r);  // input stride of each output dim
  for (size_t d = 0; d < r; ++d) st[d] = in_stride[static_cast<size_t>(perm[d])];
  const int64_t n = prod(s);
  std::vector<int64_t> idx(r, 0);
  int64_t src = 0;
  for (int64_t i = 0; i < n; ++i) {
    out[i] = p.out(p.in(x[src]));
    for (size_t d = r; d-- > 0;) {
      ++idx[d];
      src += st[d];
      if (idx[d] < os[d]) break;
      src -= st[d] * os[d];
      idx[d] = 0;
    }
  }
}

// Copies a block of `rows` x `cols` (source row pitch sp, destination pitch dp) through the unit.
template <class T, class P>
void copy_block(const T* src, int64_t sp, T* dst, int64_t dp, int64_t rows, int64_t cols, const P& p) {
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t c = 0; c < cols; ++c) dst[r * dp + c] = p.out(p.in(src[r * sp + c]));
}

// Constant padding: pads = [begin_0..begin_{r-1}, end_0..end_{r-1}].
template <class T, class P>
void pad(const T* x, const Dims& s, const std::vector<int64_t>& pads, double value, T* out, const Dims& so, const P& p) {
  const size_t r = s.size();
  const int64_t n = prod(so);
  const T fill = p.out(value);
  std::vector<int64_t> idx(r, 0);
  for (int64_t i = 0; i < n; ++i) {
    int64_t src = 0;
    bool inside = true;
    for (size_t d = 0; d < r; ++d) {
      const int64_t v = idx[d] - pads[d];
      inside = inside && v >= 0 && v < s[d];
      src = src * s[d] + v;
    }
    out[i] = inside ? p.out(p.in(x[src])) : fill;
    for (size_t d = r; d-- > 0;) {
      if (++idx[d] < so[d]) break;
      idx[d] = 0;
    }
  }
}

}  // namespace lpsim::model::vec
