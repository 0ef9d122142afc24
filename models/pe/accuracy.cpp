// Accuracy of one GEMM: against FP64 on the unquantized inputs and against the ideal quantize-then-GEMM
// emulation (what format emulators such as microxcaling compute: quantized operands, wide dot products).
#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstring>
#include <functional>
#include <thread>

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

// FP64 GEMM with every output one sequential chain over k (products and sums rounded separately in k order;
// -ffp-contract=off keeps every clone's bits identical to the plain triple loop). Blocked for the caches: rows in
// tiles of kRows, columns in panels of kCols, k in slices of kKc; the partial sums carry across k slices in C, so
// the order of additions per output is still k = 0, 1, 2, ... Non-template so that target_clones applies.
constexpr int64_t kRows = 4, kCols = 16, kKc = 256;
#define LPSIM_PE_GEMM_FP64(NAME, T)                                                                        \
  LPSIM_PE_CLONES void NAME(const T* a, const T* b, int64_t n, int64_t k, double* c, int64_t i0, int64_t i1) { \
    for (int64_t i = i0; i < i1; ++i)                                                                     \
      for (int64_t j = 0; j < n; ++j) c[i * n + j] = 0.0;                                                 \
    for (int64_t k0 = 0; k0 < k; k0 += kKc) {                                                             \
      const int64_t k1 = std::min(k, k0 + kKc);                                                           \
      for (int64_t j0 = 0; j0 < n; j0 += kCols) {                                                         \
        const int64_t nj = std::min(kCols, n - j0);                                                       \
        int64_t i = i0;                                                                                   \
        for (; i + kRows <= i1 && nj == kCols; i += kRows) {                                              \
          double acc[kRows][kCols];                                                                       \
          for (int64_t r = 0; r < kRows; ++r)                                                             \
            for (int64_t j = 0; j < kCols; ++j) acc[r][j] = c[(i + r) * n + j0 + j];                      \
          for (int64_t kk = k0; kk < k1; ++kk) {                                                          \
            const T* br = b + kk * n + j0;                                                                \
            for (int64_t r = 0; r < kRows; ++r) {                                                         \
              const double av = static_cast<double>(a[(i + r) * k + kk]);                                 \
              for (int64_t j = 0; j < kCols; ++j) acc[r][j] += av * static_cast<double>(br[j]);           \
            }                                                                                             \
          }                                                                                               \
          for (int64_t r = 0; r < kRows; ++r)                                                             \
            for (int64_t j = 0; j < kCols; ++j) c[(i + r) * n + j0 + j] = acc[r][j];                      \
        }                                                                                                 \
        for (; i < i1; ++i)                                                                               \
          for (int64_t kk = k0; kk < k1; ++kk) {                                                          \
            const double av = static_cast<double>(a[i * k + kk]);                                         \
            const T* br = b + kk * n + j0;                                                                \
            for (int64_t j = 0; j < nj; ++j) c[i * n + j0 + j] += av * static_cast<double>(br[j]);        \
          }                                                                                               \
      }                                                                                                   \
    }                                                                                                     \
  }
LPSIM_PE_GEMM_FP64(gemm_fp64_rows, float)
LPSIM_PE_GEMM_FP64(gemm_fp64_rows, double)
#undef LPSIM_PE_GEMM_FP64

// progress(share of rows done) is called from the calling thread only (it runs the first range of rows).
template <class T>
std::vector<double> gemm_fp64(const T* a, const T* b, int64_t m, int64_t n, int64_t k, int threads,
                              const std::function<void(double)>& progress = {}) {
  std::vector<double> c(static_cast<size_t>(m * n));
  // Small GEMMs (depthwise groups, single rows) are not worth a thread each.
  const int t = static_cast<double>(m) * n * k < 2e5 ? 1 : thread_count(threads);
  const size_t blocks = static_cast<size_t>((m + kRows - 1) / kRows);
  std::atomic<size_t> done{0};
  const std::thread::id caller = std::this_thread::get_id();
  num::parallel_for(blocks, t, [&](size_t b0, size_t b1) {
    // With a progress callback each thread's row blocks run in 16 slices, so that the caller's thread can report
    // between them; rows are independent and every output keeps its k-order chain: the same bits.
    const size_t slice = progress ? std::max<size_t>(1, (b1 - b0) / 16) : std::max<size_t>(1, b1 - b0);
    for (size_t s0 = b0; s0 < b1; s0 += slice) {
      const size_t s1 = std::min(b1, s0 + slice);
      gemm_fp64_rows(a, b, n, k, c.data(), static_cast<int64_t>(s0) * kRows,
                     std::min<int64_t>(m, static_cast<int64_t>(s1) * kRows));
      if (!progress) continue;
      done += s1 - s0;
      if (std::this_thread::get_id() == caller) progress(static_cast<double>(done) / static_cast<double>(blocks));
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
                              int threads, const std::function<void(double)>& progress) {
  const std::vector<double> sum = gemm_fp64(q.a.data(), q.b.data(), m, n, k, threads, progress);
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
                           const GemmResult& result, int threads, const std::function<void(double)>& progress) {
  return gemm_accuracy(p, a, b, m, n, k, quantize_operands(p, a, b, m, n, k, threads), result, threads, progress);
}

GemmAccuracy gemm_accuracy(const PeParams& p, const float* a, const float* b, int64_t m, int64_t n, int64_t k,
                           const QuantizedOperands& q, const GemmResult& result, int threads,
                           const std::function<void(double)>& progress) {
  const ResolvedPe r = resolve(p);
  // Two FP64 GEMMs of equal cost: the first half of the progress, then the second.
  std::function<void(double)> first, second;
  if (progress) {
    first = [&](double f) { progress(0.5 * f); };
    second = [&](double f) { progress(0.5 + 0.5 * f); };
  }
  const std::vector<double> ref = gemm_fp64(a, b, m, n, k, threads, first);
  const std::vector<float> ideal = ideal_gemm(r, q, m, n, k, threads, second);
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
