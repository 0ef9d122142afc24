#include "numerics/metrics.h"

#include <cmath>
#include <algorithm>
#include <cstdio>
#include <limits>

namespace lpsim::num {

namespace {

// Partial sums of the error figures in 8 lanes (element i of a block in lane i % 8).
struct Lanes {
  double sig[8] = {}, noi[8] = {}, sabs[8] = {}, srel[8] = {}, dot[8] = {}, sq[8] = {}, mabs[8] = {}, mrel[8] = {};
  double cmp[8] = {}, reln[8] = {}, ftz[8] = {};
  bool nonfinite = false;
};

typedef double v4d __attribute__((vector_size(32)));
typedef long long v4l __attribute__((vector_size(32)));

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__linux__)
#define LPSIM_METRICS_CLONES __attribute__((target_clones("default", "avx2", "arch=x86-64-v4")))
#else
#define LPSIM_METRICS_CLONES
#endif

// n must be a multiple of 8. Branch-free with vector types: pairs with a NaN or infinity are masked out (and
// flagged for the caller's counting pass). The order of every sum is fixed: the same figures on every machine.
LPSIM_METRICS_CLONES void accumulate(const double* ref, const double* q, size_t n, Lanes& a) {
  const v4d zero = {0, 0, 0, 0}, one = {1, 1, 1, 1};
  v4d sig[2] = {zero, zero}, noi[2] = {zero, zero}, sabs[2] = {zero, zero}, srel[2] = {zero, zero};
  v4d dot[2] = {zero, zero}, sq[2] = {zero, zero}, mabs[2] = {zero, zero}, mrel[2] = {zero, zero};
  v4d cmp[2] = {zero, zero}, reln[2] = {zero, zero}, ftz[2] = {zero, zero};
  v4l bad = {0, 0, 0, 0};
  for (size_t i = 0; i < n; i += 8)
    for (int h = 0; h < 2; ++h) {
      v4d r, v;
      __builtin_memcpy(&r, ref + i + 4 * h, sizeof r);
      __builtin_memcpy(&v, q + i + 4 * h, sizeof v);
      const v4l ok = ((r - r) == zero) & ((v - v) == zero);  // finite: x - x is 0, NaN for NaN and infinities
      bad |= ~ok;
      r = ok ? r : zero;
      v = ok ? v : zero;
      const v4d d = v - r, err = d < zero ? -d : d, ar = r < zero ? -r : r;
      const v4l has_rel = ar != zero;
      const v4d rel = has_rel ? err / (has_rel ? ar : one) : zero;
      cmp[h] += ok ? one : zero;
      sig[h] += r * r;
      noi[h] += err * err;
      sabs[h] += err;
      dot[h] += r * v;
      sq[h] += v * v;
      mabs[h] = err > mabs[h] ? err : mabs[h];
      mrel[h] = rel > mrel[h] ? rel : mrel[h];
      srel[h] += rel;
      reln[h] += has_rel ? one : zero;
      ftz[h] += (has_rel & (v == zero)) ? one : zero;
    }
  for (int h = 0; h < 2; ++h)
    for (int l = 0; l < 4; ++l) {
      const int k = 4 * h + l;
      a.sig[k] += sig[h][l], a.noi[k] += noi[h][l], a.sabs[k] += sabs[h][l], a.srel[k] += srel[h][l];
      a.dot[k] += dot[h][l], a.sq[k] += sq[h][l], a.cmp[k] += cmp[h][l], a.reln[k] += reln[h][l];
      a.ftz[k] += ftz[h][l];
      a.mabs[k] = std::max(a.mabs[k], mabs[h][l]);
      a.mrel[k] = std::max(a.mrel[k], mrel[h][l]);
      a.nonfinite = a.nonfinite || bad[l] != 0;
    }
}

}  // namespace

template <class R, class Q>
void ErrorAccumulator::add_impl(const R* ref, const Q* q, size_t n) {
  // In chunks converted to double (the tail padded with exact zeros, which add nothing to any sum).
  constexpr size_t kChunk = 1024;
  double rb[kChunk], qb[kChunk];
  Lanes a;
  for (size_t i0 = 0; i0 < n; i0 += kChunk) {
    const size_t m = std::min(kChunk, n - i0), padded = (m + 7) / 8 * 8;
    for (size_t i = 0; i < m; ++i) rb[i] = static_cast<double>(ref[i0 + i]), qb[i] = static_cast<double>(q[i0 + i]);
    for (size_t i = m; i < padded; ++i) rb[i] = qb[i] = 0.0;
    accumulate(rb, qb, padded, a);
    // The zero padding counts as compared pairs: take them back out.
    for (size_t i = m; i < padded; ++i) a.cmp[i % 8] -= 1.0;
  }
  ErrorMetrics& m = m_;
  m.count += n;
  if (a.nonfinite)
    for (size_t k = 0; k < n; ++k) {
      const double r = static_cast<double>(ref[k]), v = static_cast<double>(q[k]);
      m.nan_in += std::isnan(r), m.inf_in += std::isinf(r), m.nan_out += std::isnan(v), m.inf_out += std::isinf(v);
    }
  for (size_t l = 0; l < 8; ++l) {
    m.compared += static_cast<size_t>(a.cmp[l]);
    signal_ += a.sig[l], noise_ += a.noi[l], sum_abs_ += a.sabs[l], sum_rel_ += a.srel[l], dot_ += a.dot[l];
    nq_ += a.sq[l];
    m.max_abs_error = std::max(m.max_abs_error, a.mabs[l]);
    m.max_rel_error = std::max(m.max_rel_error, a.mrel[l]);
    rel_n_ += static_cast<size_t>(a.reln[l]);
    m.flushed_to_zero += static_cast<size_t>(a.ftz[l]);
  }
}

void ErrorAccumulator::add(const double* ref, const double* result, size_t n) { add_impl(ref, result, n); }
void ErrorAccumulator::add(const double* ref, const float* result, size_t n) { add_impl(ref, result, n); }
void ErrorAccumulator::add(const float* ref, const float* result, size_t n) { add_impl(ref, result, n); }

ErrorAccumulator& ErrorAccumulator::operator+=(const ErrorAccumulator& o) {
  m_.count += o.m_.count, m_.compared += o.m_.compared;
  m_.max_abs_error = std::max(m_.max_abs_error, o.m_.max_abs_error);
  m_.max_rel_error = std::max(m_.max_rel_error, o.m_.max_rel_error);
  m_.flushed_to_zero += o.m_.flushed_to_zero, m_.saturated += o.m_.saturated;
  m_.nan_in += o.m_.nan_in, m_.inf_in += o.m_.inf_in, m_.nan_out += o.m_.nan_out, m_.inf_out += o.m_.inf_out;
  signal_ += o.signal_, noise_ += o.noise_, sum_abs_ += o.sum_abs_, sum_rel_ += o.sum_rel_, dot_ += o.dot_;
  nq_ += o.nq_, rel_n_ += o.rel_n_;
  return *this;
}

ErrorMetrics ErrorAccumulator::metrics() const {
  ErrorMetrics m = m_;
  m.mean_abs_error = m.compared ? sum_abs_ / static_cast<double>(m.compared) : 0.0;
  if (m.compared == 0) {
    m.sqnr_db = std::numeric_limits<double>::quiet_NaN();  // nothing to compare
  } else if (noise_ == 0) {
    m.sqnr_db = std::numeric_limits<double>::infinity();
  } else {
    m.sqnr_db = 10.0 * std::log10(signal_ / noise_);  // -inf when the signal is zero
  }
  return m;
}

double ErrorAccumulator::mean_rel_error() const { return rel_n_ ? sum_rel_ / static_cast<double>(rel_n_) : 0.0; }

double ErrorAccumulator::cosine_similarity() const {
  if (signal_ == 0 && nq_ == 0) return 1.0;
  if (signal_ == 0 || nq_ == 0) return 0.0;
  return dot_ / std::sqrt(signal_ * nq_);
}

ErrorMetrics error_metrics(const double* ref, const double* result, size_t n) {
  ErrorAccumulator a;
  a.add(ref, result, n);
  return a.metrics();
}
ErrorMetrics error_metrics(const float* ref, const float* result, size_t n) {
  ErrorAccumulator a;
  a.add(ref, result, n);
  return a.metrics();
}

std::string to_text(const ErrorMetrics& m) {
  char sqnr[32];
  if (std::isnan(m.sqnr_db)) {
    std::snprintf(sqnr, sizeof sqnr, "n/a");
  } else {
    std::snprintf(sqnr, sizeof sqnr, "%.2f", m.sqnr_db);  // "inf" when exact
  }
  char buf[1024];
  std::snprintf(buf, sizeof buf,
                "elements          %zu (%zu finite pairs compared)\n"
                "SQNR              %s dB\n"
                "max abs error     %.6g (data units)\n"
                "mean abs error    %.6g (data units)\n"
                "max rel error     %.6g (%.4g %%)\n"
                "saturated         %zu elements (clamped to max, or overflowed in ovf mode)\n"
                "flushed to zero   %zu elements\n"
                "NaN               %zu in, %zu out\n"
                "Inf               %zu in, %zu out\n",
                m.count, m.compared, sqnr, m.max_abs_error, m.mean_abs_error, m.max_rel_error,
                100.0 * m.max_rel_error, m.saturated, m.flushed_to_zero, m.nan_in, m.nan_out, m.inf_in, m.inf_out);
  return buf;
}

}  // namespace lpsim::num
