// One PE step of each arithmetic mode: the per-step arithmetic of the GEMM kernels, exported so that hardware
// built to lpsim's description can be checked against it step by step (models/cosim, `lpsim cosim`).
//
// The inline definitions in pe_detail are the code the portable kernels (gemm_portable.cpp) run for every
// step; the AVX-512 kernels are tested bit-identical to those. The public pe_* functions below are out of line
// (pe_step.cpp) and only call those definitions, so that they are compiled with lpsim_pe's floating-point flags
// (-ffp-contract=off) whatever the caller's flags are.
#pragma once
#include <cmath>
#include <cstdint>
#include <limits>

#include "numerics/mx.h"
#include "pe/acc_round.h"
#include "pe/pe.h"

namespace lpsim::model {

namespace pe_detail {

// Float MAC (papers.md sec. 2, 3): acc' = RNE_acc(acc + x * y) with the exact product. With an FP32
// accumulator that is one float FMA (one rounding of the exact value); other accumulators round the exact
// sum through round-to-odd (acc_round.h). Products of formats up to fp32 have <= 48 significant bits and
// stay in double range, so x * y is exact in double.
inline double mac_step_fp32(double f, float x, float y) { return std::fma(x, y, static_cast<float>(f)); }
inline double mac_step_rounded(const FormatRounder& acc, double f, float x, float y) {
  return acc(add_round_odd(f, static_cast<double>(x) * static_cast<double>(y)));
}
inline double mac_step(const FormatRounder& acc, double f, float x, float y) {
  return acc.fp32 ? mac_step_fp32(f, x, y) : mac_step_rounded(acc, f, x, y);
}

// VNNI (AVX512-VNNI VPDPWSSD word products; papers.md sec. 4): d = a0 * b0 + a1 * b1, exact in int64.
inline int64_t vnni_dot(int64_t a0, int64_t a1, int64_t b0, int64_t b1) { return a0 * b0 + a1 * b1; }

// One INT32 accumulation acc + d under the policy (spill partials wrap); ++ovf when the exact result leaves
// the int32 range (each wrap or clamp event).
inline int32_t int32_add(int32_t acc, int64_t d, Int32Policy policy, uint64_t& ovf) {
  constexpr int64_t kMin = std::numeric_limits<int32_t>::min(), kMax = std::numeric_limits<int32_t>::max();
  const int64_t exact = static_cast<int64_t>(acc) + d;
  if (exact >= kMin && exact <= kMax) return static_cast<int32_t>(exact);
  ++ovf;
  if (policy == Int32Policy::kSaturate) return static_cast<int32_t>(exact < 0 ? kMin : kMax);
  return static_cast<int32_t>(static_cast<uint32_t>(static_cast<uint64_t>(exact)));  // two's complement wrap
}

// fl32(w * 2^e): one rounding of the exact value (w * 2^e is exact in double). INT32 accumulator -> FP32
// output (and spill conversion).
inline float int_to_fp32(int64_t w, int e) { return static_cast<float>(std::ldexp(static_cast<double>(w), e)); }

// E8M0 scale code -> 2^(code - 127) as a double, NaN for the NaN code (OCP MX v1.0 sec. 5.4).
inline double mx_scale_value(uint8_t code) {
  return code == num::kE8M0Nan ? std::numeric_limits<double>::quiet_NaN() : std::ldexp(1.0, int(code) - 127);
}

// Exact MX block sum sum_k a[k * sa] * b[k * sb] of element values, k < n, in k order. Exact in double when
// n * max_a * max_b in units of 2^(lsb_a + lsb_b) stays below 2^53 (every MX pair except E5M2 x E5M2 and
// E5M2 x E4M3, which the kernels sum in int128 instead): every partial sum is then a representable integer
// multiple of that unit. Starts from +0, so a sum of zeros or an exact cancellation is +0.
inline double mx_block_sum(const double* a, int64_t sa, const double* b, int64_t sb, int n) {
  double s = 0;
  for (int k = 0; k < n; ++k) s += a[k * sa] * b[k * sb];
  return s;
}

// MX v1.0 sec. 6.1: acc' = RNE_acc(acc + sum * 2^(X_A + X_B)), scale_a/scale_b = 2^X (NaN for a NaN scale).
// sum * 2^(X_A + X_B) is exact in double (|X_A + X_B| <= 254).
inline double mx_acc_step(const FormatRounder& acc, double f, double sum, double scale_a, double scale_b) {
  return acc(add_round_odd(f, sum * (scale_a * scale_b)));
}

}  // namespace pe_detail

// ---- public, out of line -------------------------------------------------------------------------------------

// The accumulator of a float or MX PE: RNE into its format with IEEE overflow.
using AccRounder = pe_detail::FormatRounder;
AccRounder fp32_accumulator();                  // FP32, the default
AccRounder accumulator_of(const ResolvedPe& r);  // the accumulator run_gemm uses for these parameters

// One float MAC: acc' = RNE_acc(acc + a * b), product exact. a, b are values of the operand formats (float32
// holds every operand format exactly), acc a value of the accumulator format held in a double.
double pe_mac_step(const AccRounder& acc, double acc_value, float a, float b);

// One VNNI step into INT32 with the policy (kSpill: the INT32 partial wraps); *overflow = the exact sum left
// the int32 range.
int32_t pe_vnni_step(int32_t acc, int16_t a0, int16_t a1, int16_t b0, int16_t b1, Int32Policy policy,
                  bool* overflow);

// One MX block: acc' = RNE_acc(acc + (sum_k a[k] b[k]) * 2^(X_A + X_B)) with element values a[], b[] (n of
// each, contiguous) and E8M0 scale codes. The element pair must be exact in double (see mx_block_sum; true for
// MXFP8-E4M3, MXFP6, MXFP4 and MXINT8 in any combination); throws std::invalid_argument for n outside 1..64.
double pe_mx_block_step(const AccRounder& acc, double acc_value, const double* a, const double* b, int n,
                     uint8_t scale_a, uint8_t scale_b);

// INT32 accumulator -> FP32 output value fl32(acc * 2^exp_sum) (exp_sum = E_A + E_B of the DFP operands).
float pe_int_output(int32_t acc, int exp_sum);

}  // namespace lpsim::model
