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

namespace lpsim::model {

using namespace pe_detail;

namespace {

// FP64 GEMM with every output one sequential chain of fused multiply-adds over k in order (c = fma(a, b, c)), so
// the bits do not depend on blocking, threads or the CPU's vector width. For float32 operands every product is
// exact in double, so the result equals the plain multiply-then-add loop. Blocked for the caches: B is packed once
// into panels of kCols columns; rows go in tiles of kRows, k in slices of kKc whose partial sums carry in C.
constexpr int64_t kRows = 8, kCols = 16, kKc = 256;

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

// The same chains with AVX-512 intrinsics and the accumulators in registers (16 zmm for 8 x 16 outputs): GCC keeps
// the generic tile's accumulator array on the stack, a load-FMA-store per product, 3-4x below this. Handles
// partial tiles (mr rows, nj columns; the panel is zero-padded to kCols) so every output takes this path.
#if defined(__GNUC__) && defined(__x86_64__) && defined(__linux__)
#include <immintrin.h>
#define LPSIM_PE_FP64_AVX512 1
template <int MR, class TA>
__attribute__((target("avx512f"))) void fp64_tile_avx512(const TA* a, int64_t lda, const double* bp, int64_t kc,
                                                          double* c, int64_t ldc, int64_t nj) {
  const __mmask8 m0 = static_cast<__mmask8>(nj >= 8 ? 0xff : (1u << nj) - 1);
  const __mmask8 m1 = static_cast<__mmask8>(nj >= 16 ? 0xff : nj > 8 ? (1u << (nj - 8)) - 1 : 0);
  __m512d acc0[MR], acc1[MR];
#pragma GCC unroll 8
  for (int r = 0; r < MR; ++r) {
    acc0[r] = _mm512_maskz_loadu_pd(m0, c + r * ldc);
    acc1[r] = _mm512_maskz_loadu_pd(m1, c + r * ldc + 8);
  }
  for (int64_t kk = 0; kk < kc; ++kk) {
    const __m512d b0 = _mm512_loadu_pd(bp + kk * kCols), b1 = _mm512_loadu_pd(bp + kk * kCols + 8);
#pragma GCC unroll 8
    for (int r = 0; r < MR; ++r) {
      const __m512d av = _mm512_set1_pd(static_cast<double>(a[r * lda + kk]));
      acc0[r] = _mm512_fmadd_pd(av, b0, acc0[r]);
      acc1[r] = _mm512_fmadd_pd(av, b1, acc1[r]);
    }
  }
#pragma GCC unroll 8
  for (int r = 0; r < MR; ++r) {
    _mm512_mask_storeu_pd(c + r * ldc, m0, acc0[r]);
    _mm512_mask_storeu_pd(c + r * ldc + 8, m1, acc1[r]);
  }
}

template <class TA>
void fp64_tile_avx512_rows(int64_t mr, const TA* a, int64_t lda, const double* bp, int64_t kc, double* c,
                           int64_t ldc, int64_t nj) {
  switch (mr) {
    case 8: return fp64_tile_avx512<8>(a, lda, bp, kc, c, ldc, nj);
    case 7: return fp64_tile_avx512<7>(a, lda, bp, kc, c, ldc, nj);
    case 6: return fp64_tile_avx512<6>(a, lda, bp, kc, c, ldc, nj);
    case 5: return fp64_tile_avx512<5>(a, lda, bp, kc, c, ldc, nj);
    case 4: return fp64_tile_avx512<4>(a, lda, bp, kc, c, ldc, nj);
    case 3: return fp64_tile_avx512<3>(a, lda, bp, kc, c, ldc, nj);
    case 2: return fp64_tile_avx512<2>(a, lda, bp, kc, c, ldc, nj);
    default: return fp64_tile_avx512<1>(a, lda, bp, kc, c, ldc, nj);
  }
}

bool fp64_avx512() {
  static const bool ok = __builtin_cpu_supports("avx512f");
  return ok;
}
#else
bool fp64_avx512() { return false; }
#endif

// progress(share of rows done) is called from the calling thread only (it runs the first range of rows).
template <class T, class TB>
std::vector<double> gemm_fp64(const T* a, const TB* b, int64_t m, int64_t n, int64_t k, int threads,
                              const std::function<void(double)>& progress = {}) {
  std::vector<double> c(static_cast<size_t>(m * n), 0.0);
  if (m == 0 || n == 0 || k == 0) return c;
  const int64_t panels = (n + kCols - 1) / kCols;
  std::vector<double> bp(static_cast<size_t>(panels * k * kCols), 0.0);  // [panel][k][kCols], zero-padded
  for (int64_t p = 0; p < panels; ++p)
    for (int64_t kk = 0; kk < k; ++kk)
      for (int64_t j = 0; j < kCols && p * kCols + j < n; ++j)
        bp[static_cast<size_t>((p * k + kk) * kCols + j)] = static_cast<double>(b[kk * n + p * kCols + j]);
  // Rows [i0, i1): every k slice, every panel, every row tile.
  const bool avx = fp64_avx512();
  (void)avx;
  auto rows = [&](int64_t i0, int64_t i1) {
    for (int64_t k0 = 0; k0 < k; k0 += kKc) {
      const int64_t kc = std::min(kKc, k - k0);
      for (int64_t p = 0; p < panels; ++p) {
        const double* panel = bp.data() + (p * k + k0) * kCols;
        const int64_t nj = std::min(kCols, n - p * kCols);
        for (int64_t i = i0; i < i1; i += kRows) {
          const int64_t mr = std::min(kRows, i1 - i);
          double* ct = c.data() + i * n + p * kCols;
#ifdef LPSIM_PE_FP64_AVX512
          if (avx) {
            fp64_tile_avx512_rows(mr, a + i * k + k0, k, panel, kc, ct, n, nj);
            continue;
          }
#endif
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
  };
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
      rows(static_cast<int64_t>(s0) * kRows, std::min<int64_t>(m, static_cast<int64_t>(s1) * kRows));
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

std::vector<double> reference_gemm_fp64(const double* a, const float* b, int64_t m, int64_t n, int64_t k,
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
