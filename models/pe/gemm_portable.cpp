// Portable (scalar) tile kernels. They define the arithmetic; the AVX-512 kernels must give the same bits.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#include "pe/engine.h"
#include "pe/pe_step.h"

namespace lpsim::model::pe_detail {

double acc_add(const FormatRounder& acc, double f, double v) { return acc(add_round_odd(f, v)); }

void store_tile_out(const OutputStage& o, const double* total, int mr, int nr, int64_t i0, int64_t j0, int64_t m,
                    int64_t n, float* c, uint64_t* overflows) {
  uint64_t ovf = 0;
  for (int r = 0; r < mr && i0 + r < m; ++r) {
    for (int q = 0; q < nr && j0 + q < n; ++q) {
      const double t = total[r * nr + q];
      ovf += std::isinf(t) ? 1 : 0;
      c[(i0 + r) * n + j0 + q] = output_value(o, t);
    }
  }
  *overflows += ovf;
}

namespace {

// A fold boundary (ws/is: every R steps) and the end of the chain: the fold's partial sums are added into the
// totals with one accumulator rounding each, and the fold restarts from zero.
template <int N>
void close_fold(const FormatRounder& acc, double* total, double* fold) {
  for (int i = 0; i < N; ++i) total[i] = acc(add_round_odd(total[i], fold[i]));
  std::fill(fold, fold + N, 0.0);
}

template <int MR, int NR>
void store_tile(const OutputStage& o, const double* total, int64_t i0, int64_t j0, int64_t m, int64_t n, float* c,
                uint64_t* overflows) {
  store_tile_out(o, total, MR, NR, i0, j0, m, n, c, overflows);
}

}  // namespace

namespace {

// Branch-free predicates on the bits (random zeros defeat branch prediction): +-0, and finite (not Inf/NaN).
inline uint64_t is_zero_bits(double x) { return (dbits(x) << 1) == 0; }
inline uint64_t is_finite_bits(double x) {
  return (dbits(x) & 0x7ff0000000000000ull) != 0x7ff0000000000000ull;
}
// A product with a zero operand and a finite partner is skipped (0 x Inf and 0 x NaN are NaN: computed).
inline uint64_t skippable(double x, double y) {
  return (is_zero_bits(x) & is_finite_bits(y)) | (is_zero_bits(y) & is_finite_bits(x));
}

}  // namespace

// MX v1.0 §6.1: block value = (sum of element products, exact) * 2^(X_A + X_B); acc = RNE_acc(acc + value).
void mx_tiles_portable(const MxJob& j, int64_t t0, int64_t t1, uint64_t* overflows) {
  const MxPacked& p = *j.p;
  constexpr int MR = kMxMR, NR = kMxNR;
  const int64_t njp = p.np / NR;
  const int bs = p.bs;
  const int lsb = p.lsb_a + p.lsb_b;
  for (int64_t t = t0; t < t1; ++t) {
    const int64_t ip = t / njp, jp = t % njp;
    double fold[MR * NR] = {}, total[MR * NR] = {};
    int64_t in_fold = 0;
    for (int64_t b = 0; b < p.nb; ++b) {
      const double* A = p.a.data() + (ip * p.nb + b) * bs * MR;
      const double* B = p.b + (jp * p.nb + b) * bs * NR;
      const double* sa = p.sa.data() + (ip * p.nb + b) * MR;
      const double* sb = p.sb + (jp * p.nb + b) * NR;
      const int16_t* xa = p.xa.data() + (ip * p.nb + b) * MR;
      const int16_t* xb = p.xb + (jp * p.nb + b) * NR;
      for (int r = 0; r < MR; ++r) {
        for (int q = 0; q < NR; ++q) {
          double& f = fold[r * NR + q];
          if (p.exact_double) {
            // Every partial sum is an integer multiple of 2^lsb below 2^53 * 2^lsb: exact in any order.
            f = mx_acc_step(j.acc, f, mx_block_sum(A + r, MR, B + q, NR, bs), sa[r], sb[q]);
          } else if (xa[r] == kNanScale || xb[q] == kNanScale) {
            f = std::numeric_limits<double>::quiet_NaN();
          } else {
            // Fixed point: each product is an integer multiple of 2^lsb below 2^64 * 2^lsb; sum in int128.
            i128 s = 0;
            for (int k = 0; k < bs; ++k) {
              const double prod = A[k * MR + r] * B[k * NR + q];  // exact: <= 8-bit significands
              s += static_cast<i128>(std::ldexp(prod, -lsb));
            }
            // An exact zero sum is +0 (fixed point has no -0) and (-0) + (+0) = +0, as in the double path above.
            if (s == 0) f = add_zero_product(f, false);
            else if (!std::isnan(f)) f = j.acc(add_exact_round_odd(f, s, lsb + xa[r] + xb[q]));
          }
        }
      }
      if (j.fold_blocks > 0 && ++in_fold == j.fold_blocks) {
        close_fold<MR * NR>(j.acc, total, fold);
        in_fold = 0;
      }
    }
    close_fold<MR * NR>(j.acc, total, fold);
    store_tile<MR, NR>(j.out, total, ip * MR, jp * NR, p.m, p.n, j.c, overflows);
  }
}

// Float MAC: acc = RNE_acc(acc + a * b) with the exact product (a fused multiply-add).
// kSkip: the sparse PE - a product with a zero operand and a finite partner is not computed; the accumulator
// takes RNE(acc + (+-0)) = add_zero_product (IEEE 754 §6.3: only a -0 accumulator plus a +0 product changes).
template <bool kSkip>
void fp_tiles(const FpJob& j, int64_t t0, int64_t t1, uint64_t* overflows, SkipCounts* sk) {
  const FpPacked& p = *j.p;
  constexpr int MR = kFpMR, NR = kFpNR;
  const int64_t njp = p.np / NR;
  uint64_t zeros = 0, skips = 0;
  for (int64_t t = t0; t < t1; ++t) {
    const int64_t ip = t / njp, jp = t % njp;
    // Dense: the whole register tile (padding is zero); skip: the real outputs only (the counts).
    const int mr = kSkip ? static_cast<int>(std::min<int64_t>(MR, p.m - ip * MR)) : MR;
    const int nr = kSkip ? static_cast<int>(std::min<int64_t>(NR, p.n - jp * NR)) : NR;
    const float* A = p.a.data() + ip * p.k * MR;
    const float* B = p.b + jp * p.k * NR;
    double fold[MR * NR] = {}, total[MR * NR] = {};
    int64_t in_fold = 0;
    for (int64_t k = 0; k < p.k; ++k) {
      const float* Ak = A + k * MR;
      const float* Bk = B + k * NR;
      for (int r = 0; r < mr; ++r) {
        for (int q = 0; q < nr; ++q) {
          const float x = Ak[r], y = Bk[q];
          double& f = fold[r * NR + q];
          uint64_t skipped = 0;
          if constexpr (kSkip) {
            skipped = skippable(x, y);
            zeros += is_zero_bits(x) | is_zero_bits(y);
            skips += skipped;
          }
          if (j.acc.fp32) {
            const double m = mac_step_fp32(f, x, y);  // float FMA: one rounding of the exact value
            if constexpr (kSkip) {
              // Branch-free select; the FMA result is discarded for a skipped product (zero's sign: xor).
              f = skipped ? add_zero_product(f, std::signbit(x) != std::signbit(y)) : m;
            } else {
              f = m;
            }
          } else if (skipped) {
            f = add_zero_product(f, std::signbit(x) != std::signbit(y));
          } else {
            f = mac_step_rounded(j.acc, f, x, y);  // exact product, rounded to odd, then RNE into the accumulator
          }
        }
      }
      if (j.fold_k > 0 && ++in_fold == j.fold_k) {
        close_fold<MR * NR>(j.acc, total, fold);
        in_fold = 0;
      }
    }
    close_fold<MR * NR>(j.acc, total, fold);
    store_tile<MR, NR>(j.out, total, ip * MR, jp * NR, p.m, p.n, j.c, overflows);
  }
  if (sk) {
    sk->zero_products += zeros;
    sk->macs_skipped += skips;
    sk->steps_skipped += skips;  // one float MAC per step
  }
}

void fp_tiles_portable(const FpJob& j, int64_t t0, int64_t t1, uint64_t* overflows) {
  fp_tiles<false>(j, t0, t1, overflows, nullptr);
}

// Das et al. 2018 (papers.md §4): VNNI step d = a0*b0 + a1*b1 (exact: |d| < 2^31 for symmetric DFP16), then
// acc = INT32 policy(acc + d). Spill: every spill_interval steps, fold_fp = fl32(fold_fp + fl32(acc * 2^E)).
// kSkip: the sparse PE (below) - products with a zero operand are not computed. Integers have no -0 and a step
// whose products are all skipped adds d = 0, which can neither overflow nor saturate: same bits. The spill
// schedule counts K positions, so it does not move.
template <bool kSkip>
void int_tiles(const IntJob& j, int64_t t0, int64_t t1, uint64_t* overflows, SkipCounts* sk) {
  const IntPacked& p = *j.p;
  constexpr int MR = kIntMR, NR = kIntNR;
  const int64_t njp = p.np / NR;
  const bool spill = j.policy == Int32Policy::kSpill;
  uint64_t ovf = 0;
  SkipCounts c;
  for (int64_t t = t0; t < t1; ++t) {
    const int64_t ip = t / njp, jp = t % njp;
    const int mr = static_cast<int>(std::min<int64_t>(MR, p.m - ip * MR));  // real rows/cols (skip counts)
    const int nr = static_cast<int>(std::min<int64_t>(NR, p.n - jp * NR));
    const int32_t* A = p.a.data() + ip * p.steps * MR;
    const int16_t* B = p.b + jp * p.steps * NR * 2;
    int32_t w[MR * NR] = {}, wt[MR * NR] = {};
    float fold_fp[MR * NR] = {}, total_fp[MR * NR] = {};
    int64_t in_fold = 0, in_partial = 0;
    auto do_spill = [&] {
      for (int i = 0; i < MR * NR; ++i) {
        fold_fp[i] = fold_fp[i] + int_to_fp32(w[i], p.exp_sum);
        w[i] = 0;
      }
      in_partial = 0;
    };
    auto end_fold = [&] {
      if (spill) {
        if (in_partial > 0) do_spill();
        for (int i = 0; i < MR * NR; ++i) {
          total_fp[i] = total_fp[i] + fold_fp[i];
          fold_fp[i] = 0;
        }
      } else {
        for (int i = 0; i < MR * NR; ++i) {
          wt[i] = int32_add(wt[i], w[i], j.policy, ovf);
          w[i] = 0;
        }
      }
      in_fold = 0;
    };
    for (int64_t s = 0; s < p.steps; ++s) {
      const int32_t* As = A + s * MR;
      const int16_t* Bs = B + s * NR * 2;
      const bool real1 = 2 * s + 1 < p.k;  // odd K: the last pair's second element is padding
      for (int r = 0; r < mr; ++r) {
        const int64_t a0 = static_cast<int16_t>(As[r] & 0xffff), a1 = static_cast<int16_t>(As[r] >> 16);
        for (int q = 0; q < nr; ++q) {
          const int64_t b0 = Bs[2 * q], b1 = Bs[2 * q + 1];
          int64_t d;
          if constexpr (kSkip) {
            const bool z0 = (a0 == 0) | (b0 == 0), z1 = (a1 == 0) | (b1 == 0);
            const uint64_t nz = static_cast<uint64_t>(z0) + static_cast<uint64_t>(z1 && real1);
            c.zero_products += nz;
            c.macs_skipped += nz;  // integers are always finite
            c.steps_skipped += z0 & z1;
            d = (z0 ? 0 : a0 * b0) + (z1 ? 0 : a1 * b1);  // branch-free: skipped products contribute 0
          } else {
            d = vnni_dot(a0, a1, b0, b1);
          }
          w[r * NR + q] = int32_add(w[r * NR + q], d, spill ? Int32Policy::kWrap : j.policy, ovf);
        }
      }
      if (spill && ++in_partial == j.spill_interval) do_spill();
      if (j.fold_steps > 0 && ++in_fold == j.fold_steps) end_fold();
    }
    end_fold();
    double total[MR * NR];
    for (int i = 0; i < MR * NR; ++i) total[i] = spill ? total_fp[i] : int_to_fp32(wt[i], p.exp_sum);
    store_tile<MR, NR>(j.out, total, ip * MR, jp * NR, p.m, p.n, j.c, overflows);
  }
  *overflows += ovf;
  if (sk) {
    sk->zero_products += c.zero_products;
    sk->macs_skipped += c.macs_skipped;
    sk->steps_skipped += c.steps_skipped;
  }
}

void int_tiles_portable(const IntJob& j, int64_t t0, int64_t t1, uint64_t* overflows) {
  int_tiles<false>(j, t0, t1, overflows, nullptr);
}

// ---- sparse PE: zero skipping ------------------------------------------------------------------------------------
// Same arithmetic as the dense kernels above with the MAC work of zero products left out. Bit-identity:
//  * float MAC: a skipped product x*(+-0) would give RNE(acc + (+-0)), exactly add_zero_product (IEEE 754 §6.3);
//  * MX: the exact block sum starts at +0 and never becomes -0 (an exact cancellation is +0 under RNE), so
//    dropping zero products leaves it unchanged; a block with no computed product has value +0 (its scales are
//    finite), and adding it is add_zero_product(acc, false);
//  * int: products are integers, no -0; a VNNI step with both products zero adds 0 to the INT32 accumulator,
//    which can neither overflow nor saturate. The spill schedule counts K positions, so it does not move.
// Fold sums (ws/is) are partial sums, not products: they are added exactly as in the dense kernels.


void mx_tiles_skip(const MxJob& j, int64_t t0, int64_t t1, uint64_t* overflows, SkipCounts* sk) {
  const MxPacked& p = *j.p;
  constexpr int MR = kMxMR, NR = kMxNR;
  const int64_t njp = p.np / NR;
  const int bs = p.bs;
  const int lsb = p.lsb_a + p.lsb_b;
  SkipCounts c;
  for (int64_t t = t0; t < t1; ++t) {
    const int64_t ip = t / njp, jp = t % njp;
    const int mr = static_cast<int>(std::min<int64_t>(MR, p.m - ip * MR));
    const int nr = static_cast<int>(std::min<int64_t>(NR, p.n - jp * NR));
    double fold[MR * NR] = {}, total[MR * NR] = {};
    int64_t in_fold = 0;
    for (int64_t b = 0; b < p.nb; ++b) {
      const int kreal = static_cast<int>(std::min<int64_t>(bs, p.k - b * bs));  // padding K is not counted
      const double* A = p.a.data() + (ip * p.nb + b) * bs * MR;
      const double* B = p.b + (jp * p.nb + b) * bs * NR;
      const double* sa = p.sa.data() + (ip * p.nb + b) * MR;
      const double* sb = p.sb + (jp * p.nb + b) * NR;
      const int16_t* xa = p.xa.data() + (ip * p.nb + b) * MR;
      const int16_t* xb = p.xb + (jp * p.nb + b) * NR;
      // Block sums of the products that are not skipped (k outer, so the q loop is contiguous), with the
      // zero and skip counts per output. A skipped product contributes nothing (the select).
      double s[MR * NR] = {};  // exact_double: exact block sums
      i128 si[MR * NR] = {};   // otherwise: fixed-point block sums in units of 2^lsb
      uint32_t zeros[MR * NR] = {}, skips[MR * NR] = {};
      for (int k = 0; k < kreal; ++k) {
        const double* Ak = A + k * MR;
        const double* Bk = B + k * NR;
        for (int r = 0; r < mr; ++r) {
          const double x = Ak[r];
          for (int q = 0; q < nr; ++q) {
            const double y = Bk[q];
            const uint64_t skip = skippable(x, y);
            zeros[r * NR + q] += static_cast<uint32_t>(is_zero_bits(x) | is_zero_bits(y));
            skips[r * NR + q] += static_cast<uint32_t>(skip);
            if (p.exact_double) {
              s[r * NR + q] += from_dbits(dbits(x * y) & (skip - 1));  // skip: +0, which leaves s unchanged
            } else if (!skip && xa[r] != kNanScale && xb[q] != kNanScale) {
              si[r * NR + q] += static_cast<i128>(std::ldexp(x * y, -lsb));
            }
          }
        }
      }
      for (int r = 0; r < mr; ++r) {
        for (int q = 0; q < nr; ++q) {
          const int i = r * NR + q;
          double& f = fold[i];
          c.zero_products += zeros[i];
          c.macs_skipped += skips[i];
          const bool nan_scale = xa[r] == kNanScale || xb[q] == kNanScale;
          if (static_cast<int>(skips[i]) == kreal && !nan_scale) {
            ++c.steps_skipped;
            f = add_zero_product(f, false);  // block value (+0) * 2^(X_A + X_B) = +0
          } else if (p.exact_double) {
            f = mx_acc_step(j.acc, f, s[i], sa[r], sb[q]);
          } else if (nan_scale) {
            f = std::numeric_limits<double>::quiet_NaN();
          } else if (si[i] == 0) {
            f = add_zero_product(f, false);
          } else if (!std::isnan(f)) {
            f = j.acc(add_exact_round_odd(f, si[i], lsb + xa[r] + xb[q]));
          }
        }
      }
      if (j.fold_blocks > 0 && ++in_fold == j.fold_blocks) {
        close_fold<MR * NR>(j.acc, total, fold);
        in_fold = 0;
      }
    }
    close_fold<MR * NR>(j.acc, total, fold);
    store_tile<MR, NR>(j.out, total, ip * MR, jp * NR, p.m, p.n, j.c, overflows);
  }
  sk->zero_products += c.zero_products;
  sk->macs_skipped += c.macs_skipped;
  sk->steps_skipped += c.steps_skipped;
}

void fp_tiles_skip(const FpJob& j, int64_t t0, int64_t t1, uint64_t* overflows, SkipCounts* sk) {
  fp_tiles<true>(j, t0, t1, overflows, sk);
}

void int_tiles_skip(const IntJob& j, int64_t t0, int64_t t1, uint64_t* overflows, SkipCounts* sk) {
  int_tiles<true>(j, t0, t1, overflows, sk);
}

}  // namespace lpsim::model::pe_detail
