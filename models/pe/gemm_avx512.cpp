// AVX-512 tile kernels: the same arithmetic as gemm_portable.cpp, 8 doubles / 16 floats / 16 int32 per vector.
// Only these functions carry the AVX-512 target attribute (the file is compiled for the baseline ISA), so no
// AVX-512 code can leak into shared inline functions; avx512_available() gates every call.
#include "pe/engine.h"

#if defined(__GNUC__) && defined(__x86_64__)
#include <immintrin.h>
// GCC 12's AVX-512 headers self-initialise _mm512_undefined_*() results (GCC PR 105593), which -Wuninitialized
// reports at every inlined conversion/shift intrinsic; the values are fully overwritten by the instructions.
#pragma GCC diagnostic ignored "-Wuninitialized"
#if !defined(__clang__)  // a GCC-only warning (clang -Werror rejects the unknown group)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#define LPSIM_PE_HAVE_AVX512 1
#define LPSIM_AVX512 __attribute__((target("avx512f,avx512dq,avx512bw,avx512vl,fma")))
#define LPSIM_AVX512_INLINE __attribute__((target("avx512f,avx512dq,avx512bw,avx512vl,fma"), always_inline)) inline
#else
#define LPSIM_PE_HAVE_AVX512 0
#endif

namespace lpsim::model::pe_detail {

#if LPSIM_PE_HAVE_AVX512

bool avx512_available() {
  static const bool ok = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq") &&
                         __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl");
  return ok;
}

namespace {

// ---- MX ----------------------------------------------------------------------------------------------------------

// fp32 accumulator step f' = RNE_fp32(f + v) on 8 lanes (f: float32 values as doubles; v exact).
// s = RN_53(f + v) then RN_24(s) equals RN_24(f + v) unless s is exactly halfway between two floats (then the
// exact sum may lie on either side) or s is in float32's subnormal range (other halfway points). Proof: a float
// midpoint strictly between f + v and s would be a double nearer to f + v than s. When a lane is in doubt (ties
// of short block sums make this common), the vector is redone rounded to odd (acc_round.h add_round_odd).
LPSIM_AVX512_INLINE __m512d fp32_step(__m512d f, __m512d v) {
  const __m512d s = _mm512_add_pd(f, v);
  const __m512i sb = _mm512_castpd_si512(s);
  const __m512i ab = _mm512_and_si512(sb, _mm512_set1_epi64(0x7fffffffffffffffLL));
  const __mmask8 mid =
      _mm512_cmpeq_epi64_mask(_mm512_and_si512(sb, _mm512_set1_epi64(0x1fffffffLL)), _mm512_set1_epi64(0x10000000LL));
  // 0 < |s| < 2^-126 (0x3810000000000000 = 2^-126 as double bits)
  const __mmask8 tiny = _mm512_cmplt_epu64_mask(_mm512_sub_epi64(ab, _mm512_set1_epi64(1)),
                                                _mm512_set1_epi64(0x3810000000000000LL - 1));
  if (__builtin_expect((mid | tiny) == 0, 1)) return _mm512_cvtps_pd(_mm512_cvtpd_ps(s));
  // TwoSum error t of s; if t != 0 and s is even, step s one ulp towards t (sign-magnitude bits). t is NaN when
  // s is Inf/NaN, and the ordered compare leaves those lanes alone.
  const __m512d bb = _mm512_sub_pd(s, f);
  const __m512d t = _mm512_add_pd(_mm512_sub_pd(f, _mm512_sub_pd(s, bb)), _mm512_sub_pd(v, bb));
  const __mmask8 fix = _mm512_cmp_pd_mask(t, _mm512_setzero_pd(), _CMP_NEQ_OQ) &
                       _mm512_testn_epi64_mask(sb, _mm512_set1_epi64(1));
  const __mmask8 away = _mm512_movepi64_mask(_mm512_xor_si512(_mm512_castpd_si512(t), sb));  // signs differ
  const __m512i one = _mm512_set1_epi64(1);
  __m512i odd = _mm512_mask_add_epi64(sb, fix & static_cast<__mmask8>(~away), sb, one);
  odd = _mm512_mask_sub_epi64(odd, fix & away, odd, one);
  return _mm512_cvtps_pd(_mm512_cvtpd_ps(_mm512_castsi512_pd(odd)));
}

// Generic accumulator: vector sums, scalar rounding (non-fp32 accumulators are not the fast path).
LPSIM_AVX512_INLINE __m512d acc_step(const FormatRounder& acc, __m512d f, __m512d v) {
  if (acc.fp32) return fp32_step(f, v);
  alignas(64) double fa[8], va[8];
  _mm512_store_pd(fa, f);
  _mm512_store_pd(va, v);
  for (int l = 0; l < 8; ++l) fa[l] = acc_add(acc, fa[l], va[l]);
  return _mm512_load_pd(fa);
}

constexpr int MXR = kMxMR, MXQ = kMxNR / 8;

LPSIM_AVX512 void mx_tile(const MxJob& j, int64_t ip, int64_t jp, uint64_t* overflows) {
  const MxPacked& p = *j.p;
  const int bs = p.bs;
  alignas(64) double fold[MXR * kMxNR];
  alignas(64) double total[MXR * kMxNR];
  for (int i = 0; i < MXR * kMxNR; ++i) fold[i] = total[i] = 0.0;
  int64_t in_fold = 0;
  for (int64_t b = 0; b < p.nb; ++b) {
    const double* A = p.a.data() + (ip * p.nb + b) * bs * MXR;
    const double* B = p.b + (jp * p.nb + b) * bs * kMxNR;
    __m512d c[MXR][MXQ];
#pragma GCC unroll 8
    for (int r = 0; r < MXR; ++r)
#pragma GCC unroll 3
      for (int q = 0; q < MXQ; ++q) c[r][q] = _mm512_setzero_pd();
    // Exact block sums: every partial sum is a multiple of 2^(lsb_a+lsb_b) below 2^53 of those units.
    for (int k = 0; k < bs; ++k) {
      const double* Ak = A + k * MXR;
      const double* Bk = B + k * kMxNR;
      __m512d bv[MXQ];
#pragma GCC unroll 3
      for (int q = 0; q < MXQ; ++q) bv[q] = _mm512_loadu_pd(Bk + 8 * q);
#pragma GCC unroll 8
      for (int r = 0; r < MXR; ++r) {
        const __m512d av = _mm512_set1_pd(Ak[r]);
#pragma GCC unroll 3
        for (int q = 0; q < MXQ; ++q) c[r][q] = _mm512_fmadd_pd(av, bv[q], c[r][q]);
      }
    }
    // Block value = sum * 2^(X_A + X_B) (exact; NaN scale -> NaN), one RNE step into the accumulator.
    const double* sa = p.sa.data() + (ip * p.nb + b) * MXR;
    const double* sb = p.sb + (jp * p.nb + b) * kMxNR;
    __m512d sbv[MXQ];
#pragma GCC unroll 3
    for (int q = 0; q < MXQ; ++q) sbv[q] = _mm512_loadu_pd(sb + 8 * q);
#pragma GCC unroll 8
    for (int r = 0; r < MXR; ++r) {
      const __m512d sav = _mm512_set1_pd(sa[r]);
#pragma GCC unroll 3
      for (int q = 0; q < MXQ; ++q) {
        const __m512d v = _mm512_mul_pd(c[r][q], _mm512_mul_pd(sav, sbv[q]));
        double* fp = fold + r * kMxNR + 8 * q;
        _mm512_store_pd(fp, acc_step(j.acc, _mm512_load_pd(fp), v));
      }
    }
    if (j.fold_blocks > 0 && ++in_fold == j.fold_blocks) {
      for (int i = 0; i < MXR * kMxNR; i += 8) {
        _mm512_store_pd(total + i, acc_step(j.acc, _mm512_load_pd(total + i), _mm512_load_pd(fold + i)));
        _mm512_store_pd(fold + i, _mm512_setzero_pd());
      }
      in_fold = 0;
    }
  }
  for (int i = 0; i < MXR * kMxNR; i += 8)
    _mm512_store_pd(total + i, acc_step(j.acc, _mm512_load_pd(total + i), _mm512_load_pd(fold + i)));
  store_tile_out(j.out, total, MXR, kMxNR, ip * MXR, jp * kMxNR, p.m, p.n, j.c, overflows);
}

// ---- float MAC ---------------------------------------------------------------------------------------------------

constexpr int FPR = kFpMR, FPQ = kFpNR / 16;

// fp32 accumulator: VFMADD = RNE_fp32(acc + a*b) with the exact product, exactly the MAC rule.
LPSIM_AVX512 void fp_tile(const FpJob& j, int64_t ip, int64_t jp, uint64_t* overflows) {
  const FpPacked& p = *j.p;
  const float* A = p.a.data() + ip * p.k * FPR;
  const float* B = p.b + jp * p.k * kFpNR;
  alignas(64) float total[FPR * kFpNR];
  for (int i = 0; i < FPR * kFpNR; ++i) total[i] = 0.0f;
  __m512 c[FPR][FPQ];
#pragma GCC unroll 12
  for (int r = 0; r < FPR; ++r)
#pragma GCC unroll 2
    for (int q = 0; q < FPQ; ++q) c[r][q] = _mm512_setzero_ps();
  int64_t in_fold = 0;
  for (int64_t k = 0; k < p.k; ++k) {
    const float* Ak = A + k * FPR;
    const float* Bk = B + k * kFpNR;
    __m512 bv[FPQ];
#pragma GCC unroll 2
    for (int q = 0; q < FPQ; ++q) bv[q] = _mm512_loadu_ps(Bk + 16 * q);
#pragma GCC unroll 12
    for (int r = 0; r < FPR; ++r) {
      const __m512 av = _mm512_set1_ps(Ak[r]);
#pragma GCC unroll 2
      for (int q = 0; q < FPQ; ++q) c[r][q] = _mm512_fmadd_ps(av, bv[q], c[r][q]);
    }
    if (j.fold_k > 0 && ++in_fold == j.fold_k) {
#pragma GCC unroll 12
      for (int r = 0; r < FPR; ++r)
#pragma GCC unroll 2
        for (int q = 0; q < FPQ; ++q) {
          float* tp = total + r * kFpNR + 16 * q;
          _mm512_store_ps(tp, _mm512_add_ps(_mm512_load_ps(tp), c[r][q]));
          c[r][q] = _mm512_setzero_ps();
        }
      in_fold = 0;
    }
  }
  alignas(64) double td[FPR * kFpNR];
#pragma GCC unroll 12
  for (int r = 0; r < FPR; ++r)
#pragma GCC unroll 2
    for (int q = 0; q < FPQ; ++q) {
      const __m512 t = _mm512_add_ps(_mm512_load_ps(total + r * kFpNR + 16 * q), c[r][q]);
      _mm512_store_pd(td + r * kFpNR + 16 * q, _mm512_cvtps_pd(_mm512_castps512_ps256(t)));
      _mm512_store_pd(td + r * kFpNR + 16 * q + 8,
                      _mm512_cvtps_pd(_mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(t), 1))));
    }
  store_tile_out(j.out, td, FPR, kFpNR, ip * FPR, jp * kFpNR, p.m, p.n, j.c, overflows);
}

// ---- integer -----------------------------------------------------------------------------------------------------

constexpr int IR = kIntMR, IQ = kIntNR / 16;

// w' = policy(w + d) on 16 lanes; cnt counts lanes whose exact sum left int32 (signed-add overflow:
// (w ^ w') & (d ^ w') has the sign bit set; ternary-logic table 0x42).
template <Int32Policy P>
LPSIM_AVX512_INLINE __m512i int32_acc(__m512i w, __m512i d, __m512i& cnt) {
  const __m512i nw = _mm512_add_epi32(w, d);
  const __m512i ovf = _mm512_ternarylogic_epi32(w, d, nw, 0x42);
  cnt = _mm512_sub_epi32(cnt, _mm512_srai_epi32(ovf, 31));
  if constexpr (P == Int32Policy::kSaturate) {
    const __m512i sat = _mm512_xor_si512(_mm512_srai_epi32(w, 31), _mm512_set1_epi32(0x7fffffff));
    return _mm512_mask_mov_epi32(nw, _mm512_movepi32_mask(ovf), sat);
  } else {
    return nw;
  }
}

// fold_fp += fl32(w * 2^E) on 16 lanes: int32 -> double (exact), * 2^E (exact), -> float (one rounding).
LPSIM_AVX512_INLINE __m512 int_to_fp32_16(__m512i w, __m512d p2) {
  const __m512d lo = _mm512_mul_pd(_mm512_cvtepi32_pd(_mm512_castsi512_si256(w)), p2);
  const __m512d hi = _mm512_mul_pd(_mm512_cvtepi32_pd(_mm512_extracti64x4_epi64(w, 1)), p2);
  return _mm512_insertf32x8(_mm512_castps256_ps512(_mm512_cvtpd_ps(lo)), _mm512_cvtpd_ps(hi), 1);
}

template <Int32Policy P>
LPSIM_AVX512 void int_tile(const IntJob& j, int64_t ip, int64_t jp, uint64_t* overflows) {
  const IntPacked& p = *j.p;
  constexpr Int32Policy kChain = P == Int32Policy::kSpill ? Int32Policy::kWrap : P;
  const int32_t* A = p.a.data() + ip * p.steps * IR;
  const int16_t* B = p.b + jp * p.steps * kIntNR * 2;
  const __m512d p2 = _mm512_set1_pd(std::ldexp(1.0, p.exp_sum));
  alignas(64) int32_t wt[IR * kIntNR];
  alignas(64) float fold_fp[IR * kIntNR], total_fp[IR * kIntNR];
  for (int i = 0; i < IR * kIntNR; ++i) {
    wt[i] = 0;
    fold_fp[i] = total_fp[i] = 0.0f;
  }
  __m512i w[IR][IQ], cnt[IR][IQ];
#pragma GCC unroll 6
  for (int r = 0; r < IR; ++r)
#pragma GCC unroll 2
    for (int q = 0; q < IQ; ++q) w[r][q] = cnt[r][q] = _mm512_setzero_si512();
  int64_t in_fold = 0, in_partial = 0;
  for (int64_t s = 0; s < p.steps; ++s) {
    const int32_t* As = A + s * IR;
    const int16_t* Bs = B + s * kIntNR * 2;
    __m512i bv[IQ];
#pragma GCC unroll 2
    for (int q = 0; q < IQ; ++q) bv[q] = _mm512_loadu_si512(Bs + 32 * q);
#pragma GCC unroll 6
    for (int r = 0; r < IR; ++r) {
      const __m512i av = _mm512_set1_epi32(As[r]);
#pragma GCC unroll 2
      for (int q = 0; q < IQ; ++q) w[r][q] = int32_acc<kChain>(w[r][q], _mm512_madd_epi16(av, bv[q]), cnt[r][q]);
    }
    const bool spill_now = P == Int32Policy::kSpill && ++in_partial == j.spill_interval;
    const bool fold_end = j.fold_steps > 0 && ++in_fold == j.fold_steps;
    const bool last = s + 1 == p.steps;
    if (spill_now || ((fold_end || last) && P == Int32Policy::kSpill && in_partial > 0)) {
#pragma GCC unroll 6
      for (int r = 0; r < IR; ++r)
#pragma GCC unroll 2
        for (int q = 0; q < IQ; ++q) {
          float* fp = fold_fp + r * kIntNR + 16 * q;
          _mm512_store_ps(fp, _mm512_add_ps(_mm512_load_ps(fp), int_to_fp32_16(w[r][q], p2)));
          w[r][q] = _mm512_setzero_si512();
        }
      in_partial = 0;
    }
    if (fold_end || last) {
#pragma GCC unroll 6
      for (int r = 0; r < IR; ++r)
#pragma GCC unroll 2
        for (int q = 0; q < IQ; ++q) {
          if constexpr (P == Int32Policy::kSpill) {
            float* tp = total_fp + r * kIntNR + 16 * q;
            float* fp = fold_fp + r * kIntNR + 16 * q;
            _mm512_store_ps(tp, _mm512_add_ps(_mm512_load_ps(tp), _mm512_load_ps(fp)));
            _mm512_store_ps(fp, _mm512_setzero_ps());
          } else {
            int32_t* tp = wt + r * kIntNR + 16 * q;
            _mm512_store_si512(tp, int32_acc<P>(_mm512_load_si512(tp), w[r][q], cnt[r][q]));
            w[r][q] = _mm512_setzero_si512();
          }
        }
      in_fold = 0;
    }
  }
  uint64_t ovf = 0;
#pragma GCC unroll 6
  for (int r = 0; r < IR; ++r)
#pragma GCC unroll 2
    for (int q = 0; q < IQ; ++q) ovf += static_cast<uint32_t>(_mm512_reduce_add_epi32(cnt[r][q]));
  *overflows += ovf;
  alignas(64) double total[IR * kIntNR];
  const double e = std::ldexp(1.0, p.exp_sum);
  for (int i = 0; i < IR * kIntNR; ++i) {
    total[i] = P == Int32Policy::kSpill ? static_cast<double>(total_fp[i])
                                        : static_cast<double>(static_cast<float>(static_cast<double>(wt[i]) * e));
  }
  store_tile_out(j.out, total, IR, kIntNR, ip * IR, jp * kIntNR, p.m, p.n, j.c, overflows);
}

}  // namespace

void mx_tiles_avx512(const MxJob& j, int64_t t0, int64_t t1, uint64_t* overflows) {
  const int64_t njp = j.p->np / kMxNR;
  for (int64_t t = t0; t < t1; ++t) mx_tile(j, t / njp, t % njp, overflows);
}

void fp_tiles_avx512(const FpJob& j, int64_t t0, int64_t t1, uint64_t* overflows) {
  const int64_t njp = j.p->np / kFpNR;
  for (int64_t t = t0; t < t1; ++t) fp_tile(j, t / njp, t % njp, overflows);
}

void int_tiles_avx512(const IntJob& j, int64_t t0, int64_t t1, uint64_t* overflows) {
  const int64_t njp = j.p->np / kIntNR;
  for (int64_t t = t0; t < t1; ++t) {
    switch (j.policy) {
      case Int32Policy::kWrap: int_tile<Int32Policy::kWrap>(j, t / njp, t % njp, overflows); break;
      case Int32Policy::kSaturate: int_tile<Int32Policy::kSaturate>(j, t / njp, t % njp, overflows); break;
      case Int32Policy::kSpill: int_tile<Int32Policy::kSpill>(j, t / njp, t % njp, overflows); break;
    }
  }
}

#else  // no AVX-512 support in this compiler/target: the portable kernels run

bool avx512_available() { return false; }
void mx_tiles_avx512(const MxJob& j, int64_t t0, int64_t t1, uint64_t* o) { mx_tiles_portable(j, t0, t1, o); }
void fp_tiles_avx512(const FpJob& j, int64_t t0, int64_t t1, uint64_t* o) { fp_tiles_portable(j, t0, t1, o); }
void int_tiles_avx512(const IntJob& j, int64_t t0, int64_t t1, uint64_t* o) { int_tiles_portable(j, t0, t1, o); }

#endif

}  // namespace lpsim::model::pe_detail
