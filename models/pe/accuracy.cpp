// Accuracy of one GEMM: against FP64 on the unquantized inputs and against the ideal quantize-then-GEMM
// emulation (what format emulators such as microxcaling compute: quantized operands, wide dot products).
#include <cmath>
#include <algorithm>
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

// FP64 GEMM with every output one sequential chain of fused multiply-adds over k in order (c = fma(a, b, c)), so
// the bits do not depend on blocking, threads or the CPU's vector width. For float32 operands every product is
// exact in double, so the result equals the plain multiply-then-add loop. Blocked for the caches: B is packed once
// into panels of kCols columns; rows go in tiles of kRows, k in slices of kKc whose partial sums carry in C.
constexpr int64_t kRows = 4, kCols = 16, kKc = 256;

// One kRows x kCols tile over k slice [0, kc): c (row pitch ldc) += a (row pitch lda) x packed panel bp.
// Clones with FMA; compiled at -O2 because GCC 12's -O3 loop transformations make this loop 3x slower.
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__linux__)
#define LPSIM_PE_FMA_CLONES \
  __attribute__((target_clones("default", "avx2,fma", "arch=x86-64-v4"), optimize("O2")))
#else
#define LPSIM_PE_FMA_CLONES
#endif
#define LPSIM_PE_FP64_TILE(NAME, TA)                                                                             \
  LPSIM_PE_FMA_CLONES void NAME(const TA* a, int64_t lda, const double* bp, int64_t kc, double* c, int64_t ldc) {   \
    double acc[kRows][kCols];                                                                                   \
    for (int64_t r = 0; r < kRows; ++r)                                                                         \
      for (int64_t j = 0; j < kCols; ++j) acc[r][j] = c[r * ldc + j];                                           \
    for (int64_t kk = 0; kk < kc; ++kk) {                                                                       \
      const double* b = bp + kk * kCols;                                                                        \
      for (int64_t r = 0; r < kRows; ++r) {                                                                     \
        const double av = static_cast<double>(a[r * lda + kk]);                                                 \
        for (int64_t j = 0; j < kCols; ++j) acc[r][j] = __builtin_fma(av, b[j], acc[r][j]);                     \
      }                                                                                                         \
    }                                                                                                           \
    for (int64_t r = 0; r < kRows; ++r)                                                                         \
      for (int64_t j = 0; j < kCols; ++j) c[r * ldc + j] = acc[r][j];                                           \
  }
LPSIM_PE_FP64_TILE(fp64_tile, float)
LPSIM_PE_FP64_TILE(fp64_tile, double)
#undef LPSIM_PE_FP64_TILE

template <class T>
std::vector<double> gemm_fp64(const T* a, const T* b, int64_t m, int64_t n, int64_t k, int threads) {
  std::vector<double> c(static_cast<size_t>(m * n), 0.0);
  if (m == 0 || n == 0 || k == 0) return c;
  const int64_t panels = (n + kCols - 1) / kCols;
  std::vector<double> bp(static_cast<size_t>(panels * k * kCols), 0.0);  // [panel][k][kCols], zero-padded
  for (int64_t p = 0; p < panels; ++p)
    for (int64_t kk = 0; kk < k; ++kk)
      for (int64_t j = 0; j < kCols && p * kCols + j < n; ++j)
        bp[static_cast<size_t>((p * k + kk) * kCols + j)] = static_cast<double>(b[kk * n + p * kCols + j]);
  // Small GEMMs (depthwise groups, single rows) are not worth a thread each.
  const int t = static_cast<double>(m) * n * k < 2e5 ? 1 : thread_count(threads);
  num::parallel_for(static_cast<size_t>((m + kRows - 1) / kRows), t, [&](size_t t0, size_t t1) {
    const int64_t i0 = static_cast<int64_t>(t0) * kRows, i1 = std::min<int64_t>(m, static_cast<int64_t>(t1) * kRows);
    for (int64_t k0 = 0; k0 < k; k0 += kKc) {
      const int64_t kc = std::min(kKc, k - k0);
      for (int64_t p = 0; p < panels; ++p) {
        const double* panel = bp.data() + (p * k + k0) * kCols;
        const int64_t nj = std::min(kCols, n - p * kCols);
        for (int64_t i = i0; i < i1; i += kRows) {
          const int64_t mr = std::min(kRows, i1 - i);
          double* ct = c.data() + i * n + p * kCols;
          if (mr == kRows && nj == kCols) {
            fp64_tile(a + i * k + k0, k, panel, kc, ct, n);
            continue;
          }
          // Partial tile: the same chains, computed per output.
          for (int64_t r = 0; r < mr; ++r)
            for (int64_t j = 0; j < nj; ++j) {
              double acc = ct[r * n + j];
              for (int64_t kk = 0; kk < kc; ++kk)
                acc = __builtin_fma(static_cast<double>(a[(i + r) * k + k0 + kk]), panel[kk * kCols + j], acc);
              ct[r * n + j] = acc;
            }
        }
      }
    }
  });
  return c;
}

}  // namespace

std::vector<double> reference_gemm_fp64(const float* a, const float* b, int64_t m, int64_t n, int64_t k,
                                        int threads) {
  return gemm_fp64(a, b, m, n, k, threads);
}

std::vector<double> reference_gemm_fp64(const double* a, const double* b, int64_t m, int64_t n, int64_t k,
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

ErrorSummary summarize(const num::ErrorAccumulator& a) {
  return ErrorSummary{a.metrics(), a.mean_rel_error(), a.cosine_similarity()};
}

ErrorSummary error_summary(const double* ref, const float* result, size_t n) {
  num::ErrorAccumulator a;
  a.add(ref, result, n);
  return summarize(a);
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
