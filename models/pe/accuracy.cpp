// Accuracy of one GEMM: against FP64 on the unquantized inputs and against the ideal quantize-then-GEMM
// emulation (what format emulators such as microxcaling compute: quantized operands, wide dot products).
#include <cmath>
#include <cstring>

#include "numerics/parallel.h"
#include "pe/engine.h"
#include "pe/quantize.h"

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__linux__)
#define LPSIM_PE_CLONES __attribute__((target_clones("default", "avx2", "arch=x86-64-v4")))
#else
#define LPSIM_PE_CLONES
#endif

namespace lpsim::model {

using namespace pe_detail;

namespace {

// One output row in FP64, products summed in k order (vectorised across j; -ffp-contract=off keeps every clone's
// bits identical). Non-template so that target_clones applies.
#define LPSIM_PE_ROW_FP64(NAME, TA, TB)                                                     \
  LPSIM_PE_CLONES void NAME(const TA* a, const TB* b, int64_t n, int64_t k, double* acc) { \
    for (int64_t j = 0; j < n; ++j) acc[j] = 0.0;                                           \
    for (int64_t kk = 0; kk < k; ++kk) {                                                    \
      const double av = static_cast<double>(a[kk]);                                         \
      const TB* br = b + kk * n;                                                            \
      for (int64_t j = 0; j < n; ++j) acc[j] += av * static_cast<double>(br[j]);            \
    }                                                                                       \
  }
LPSIM_PE_ROW_FP64(row_fp64, float, float)
LPSIM_PE_ROW_FP64(row_fp64, double, double)
#undef LPSIM_PE_ROW_FP64

template <class T>
std::vector<double> gemm_fp64(const T* a, const T* b, int64_t m, int64_t n, int64_t k, int threads) {
  std::vector<double> c(static_cast<size_t>(m * n));
  num::parallel_for(static_cast<size_t>(m), thread_count(threads), [&](size_t i0, size_t i1) {
    for (size_t i = i0; i < i1; ++i)
      row_fp64(a + i * static_cast<size_t>(k), b, n, k, c.data() + i * static_cast<size_t>(n));
  });
  return c;
}

}  // namespace

std::vector<double> reference_gemm_fp64(const float* a, const float* b, int64_t m, int64_t n, int64_t k,
                                        int threads) {
  return gemm_fp64(a, b, m, n, k, threads);
}

std::vector<float> ideal_gemm(const ResolvedPe& r, const QuantizedOperands& q, int64_t m, int64_t n, int64_t k,
                              int threads) {
  const std::vector<double> sum = gemm_fp64(q.a.data(), q.b.data(), m, n, k, threads);
  OutputStage o;
  o.out = FormatRounder{r.out, r.out == num::kFP32};
  std::vector<float> c(sum.size());
  for (size_t i = 0; i < sum.size(); ++i) {
    const float y = static_cast<float>(q.descale == 1.0 ? sum[i] : mul_round_odd(sum[i], q.descale));
    c[i] = o.out.fp32 ? y : static_cast<float>(o.out(static_cast<double>(y)));
  }
  return c;
}

ErrorSummary error_summary(const double* ref, const float* result, size_t n) {
  std::vector<double> res(result, result + n);
  ErrorSummary s;
  s.metrics = num::error_metrics(ref, res.data(), n);
  double rel = 0, dot = 0, nr = 0, nq = 0;
  size_t rel_n = 0;
  for (size_t i = 0; i < n; ++i) {
    const double r = ref[i], v = res[i];
    if (!std::isfinite(r) || !std::isfinite(v)) continue;
    if (r != 0) {
      rel += std::fabs(v - r) / std::fabs(r);
      ++rel_n;
    }
    dot += r * v;
    nr += r * r;
    nq += v * v;
  }
  s.mean_rel_error = rel_n ? rel / static_cast<double>(rel_n) : 0.0;
  s.cosine_similarity = (nr == 0 && nq == 0) ? 1.0 : (nr == 0 || nq == 0) ? 0.0 : dot / std::sqrt(nr * nq);
  return s;
}

GemmAccuracy gemm_accuracy(const PeParams& p, const float* a, const float* b, int64_t m, int64_t n, int64_t k,
                           const GemmResult& result, int threads) {
  return gemm_accuracy(p, a, b, m, n, k, quantize_operands(p, a, b, m, n, k, threads), result, threads);
}

GemmAccuracy gemm_accuracy(const PeParams& p, const float* a, const float* b, int64_t m, int64_t n, int64_t k,
                           const QuantizedOperands& q, const GemmResult& result, int threads) {
  const ResolvedPe r = resolve(p);
  const std::vector<double> ref = reference_gemm_fp64(a, b, m, n, k, threads);
  const std::vector<float> ideal = ideal_gemm(r, q, m, n, k, threads);
  GemmAccuracy acc;
  acc.outputs = static_cast<uint64_t>(m * n);
  acc.counters = result.counters;
  acc.vs_fp64 = error_summary(ref.data(), result.c.data(), ref.size());
  const std::vector<double> ideal_d(ideal.begin(), ideal.end());
  acc.vs_ideal = error_summary(ideal_d.data(), result.c.data(), ideal.size());
  for (size_t i = 0; i < ideal.size(); ++i) {
    uint32_t x, y;
    std::memcpy(&x, &ideal[i], 4);
    std::memcpy(&y, &result.c[i], 4);
    acc.bit_identical_to_ideal += (x == y || (std::isnan(ideal[i]) && std::isnan(result.c[i]))) ? 1 : 0;
  }
  return acc;
}

}  // namespace lpsim::model
