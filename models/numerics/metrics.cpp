#include "numerics/metrics.h"

#include <cmath>
#include <algorithm>
#include <cstdio>
#include <limits>

namespace lpsim::num {

template <class R, class Q>
void ErrorAccumulator::add_impl(const R* ref, const Q* q, size_t n) {
  ErrorMetrics& m = m_;
  m.count += n;
  for (size_t i = 0; i < n; ++i) {
    const double r = static_cast<double>(ref[i]);
    const double v = static_cast<double>(q[i]);
    m.nan_in += std::isnan(r);
    m.inf_in += std::isinf(r);
    m.nan_out += std::isnan(v);
    m.inf_out += std::isinf(v);
    if (!std::isfinite(r) || !std::isfinite(v)) continue;
    ++m.compared;
    const double err = std::fabs(v - r);
    signal_ += r * r;
    noise_ += err * err;
    sum_abs_ += err;
    dot_ += r * v;
    nq_ += v * v;
    if (err > m.max_abs_error) m.max_abs_error = err;
    if (r != 0) {
      const double rel = err / std::fabs(r);
      if (rel > m.max_rel_error) m.max_rel_error = rel;
      sum_rel_ += rel;
      ++rel_n_;
      if (v == 0) ++m.flushed_to_zero;
    }
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
