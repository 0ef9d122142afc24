// Internal: one correctly rounded accumulation step acc' = RNE_F(acc + x) for an accumulator format F held in a
// double, where x is exact (a product or an exact block sum). numerics gives round_to(F, double) (one rounding of
// a double); the exact sum is first reduced to a double *rounded to odd*, which is safe: rounding to odd with
// p + 2 bits followed by RNE to p bits equals a single RNE to p bits (Boldo & Melquiond, "Emulation of FMA and
// correctly rounded sums: proved algorithms using rounding to odd", IEEE TC 2008). Doubles have 53 bits, so this
// holds for every accumulator with at most 51 significand bits (checked by resolve()).
#pragma once
#include <cmath>
#include <cstdint>
#include <cstring>

#include "numerics/convert.h"

namespace lpsim::model::pe_detail {

__extension__ typedef unsigned __int128 u128;  // GCC/Clang extension (exact sums of up to 127 bits)
__extension__ typedef __int128 i128;

inline uint64_t dbits(double x) {
  uint64_t u;
  std::memcpy(&u, &x, sizeof u);
  return u;
}
inline double from_dbits(uint64_t u) {
  double x;
  std::memcpy(&x, &u, sizeof x);
  return x;
}

// a + b rounded to odd (53 bits). a, b finite with |a + b| far from the double limits; NaN/Inf pass through.
// Knuth's TwoSum gives the exact error t of s = RN(a + b); if s is inexact and even, step one ulp towards t.
inline double add_round_odd(double a, double b) {
  const double s = a + b;
  if (!std::isfinite(s)) return s;
  const double bb = s - a;
  const double t = (a - (s - bb)) + (b - bb);
  uint64_t u = dbits(s);
  if (t != 0 && (u & 1) == 0) u = (std::signbit(t) == std::signbit(s)) ? u + 1 : u - 1;  // sign-magnitude step
  return from_dbits(u);
}

inline int msb128(u128 v) {
  const uint64_t hi = static_cast<uint64_t>(v >> 64);
  return hi ? 127 - __builtin_clzll(hi) : 63 - __builtin_clzll(static_cast<uint64_t>(v));
}

// (-1)^neg * (mag + sticky * epsilon) * 2^exp rounded to odd (53 bits); mag != 0, result a normal double.
inline double round_odd_u128(bool neg, u128 mag, int exp, bool sticky) {
  const int msb = msb128(mag);
  if (msb > 52) {
    const int sh = msb - 52;
    sticky |= (mag & ((u128(1) << sh) - 1)) != 0;
    mag >>= sh;
    exp += sh;
  }
  uint64_t m = static_cast<uint64_t>(mag);
  if (sticky) m |= 1;
  const double d = std::ldexp(static_cast<double>(m), exp);  // m < 2^53: exact
  return neg ? -d : d;
}

// f + s * 2^e rounded to odd, exactly: f a finite double (an accumulator value), |s| < 2^100.
inline double add_exact_round_odd(double f, i128 s, int e) {
  if (s == 0 || !std::isfinite(f)) return f;
  const bool s_neg = s < 0;
  u128 sm = s_neg ? u128(-s) : u128(s);
  if (f == 0) return round_odd_u128(s_neg, sm, e, false);
  // f = mf * 2^ef with an integer mf < 2^53.
  int fe;
  const double fr = std::frexp(std::fabs(f), &fe);
  u128 fm = static_cast<u128>(static_cast<uint64_t>(std::ldexp(fr, 53)));
  int ef = fe - 53;
  const bool f_neg = f < 0;
  // Normalise both significands to bit 100, then align: the operand with the larger exponent moves left by up
  // to 25 bits (exact), the other moves right; bits lost there lie > 70 bits below the result's MSB (sticky).
  auto norm = [](u128& m, int& ex) {
    const int sh = 100 - msb128(m);
    m <<= sh;
    ex -= sh;
  };
  norm(fm, ef);
  norm(sm, e);
  bool x_neg = f_neg, y_neg = s_neg;
  u128 xm = fm, ym = sm;
  int xe = ef, ye = e;
  if (ye > xe) {
    std::swap(xm, ym);
    std::swap(xe, ye);
    std::swap(x_neg, y_neg);
  }
  const int d = xe - ye;
  const int left = d < 25 ? d : 25;
  const int right = d - left;
  xm <<= left;
  bool sticky = false;
  if (right >= 128) {
    sticky = ym != 0;
    ym = 0;
  } else if (right > 0) {
    sticky = (ym & ((u128(1) << right) - 1)) != 0;
    ym >>= right;
  }
  const int ec = xe - left;
  if (x_neg == y_neg) return round_odd_u128(x_neg, xm + ym, ec, sticky);
  if (xm > ym) return round_odd_u128(x_neg, xm - ym - (sticky ? 1 : 0), ec, sticky);
  if (ym > xm) return round_odd_u128(y_neg, ym - xm, ec, false);  // only when nothing was shifted out
  return 0.0;  // exact cancellation: +0 under RNE
}

// RNE of a round-to-odd double into the accumulator/output format (IEEE overflow: Inf where the format has it).
struct FormatRounder {
  num::FloatFormat f;
  bool fp32 = true;
  double operator()(double odd) const {
    if (fp32) return static_cast<double>(static_cast<float>(odd));
    return num::round_to(f, odd, num::kIeeeRne);
  }
};

}  // namespace lpsim::model::pe_detail
