// Bit-true conversion between float32/double and the formats of format.h.
//
// One encoder, written as numbered steps on the IEEE bit pattern of the input (no log2/pow/ldexp), is used by
// every path: the run-time API below passes a FloatFormat held in a variable; the template API and the array
// kernels pass a constexpr FloatFormat so the compiler folds the descriptor into constants. Results are exact:
// the float32 (or double) input is rounded once, from its exact value, as if the exponent range were unbounded
// above; a result above max finite overflows (sat: clamp; ovf: Inf or NaN). Oracle semantics:
// tests/data/numerics/README.md.
#pragma once
#include <cmath>
#include <cstdint>
#include <cstring>

#include "numerics/format.h"
#include "numerics/rounding.h"

namespace lpsim::num {

namespace detail {

template <class Src>
struct SrcBits;
template <>
struct SrcBits<float> {
  using U = uint32_t;
  static constexpr int kMan = 23, kBias = 127, kWidth = 32;
};
template <>
struct SrcBits<double> {
  using U = uint64_t;
  static constexpr int kMan = 52, kBias = 1023, kWidth = 64;
};

template <class To, class From>
LPSIM_NUM_INLINE To bit_cast(From v) {
  static_assert(sizeof(To) == sizeof(From), "size mismatch");
  To t;
  std::memcpy(&t, &v, sizeof t);
  return t;
}

// Branch-free select: (c ? a : b) through an all-ones/zero mask. Plain ?: on bools gets turned back into
// branches by GCC's jump threading, which then blocks vectorisation of the array loops.
template <class U>
LPSIM_NUM_INLINE U select(bool c, U a, U b) {
  const U m = U(0) - static_cast<U>(c);
  return (a & m) | (b & ~m);
}

// The float32 path needs the target's normal range to start inside float32's (no renormalising of float32
// subnormal inputs) and at most 23 mantissa bits; other formats go through the double path.
constexpr bool fits_float_path(const FloatFormat& f) { return f.man_bits <= 23 && f.emin >= -126; }

struct Encoded {
  uint32_t code;
  uint32_t flags;  // kOverflowFlag | kFlushedFlag (plain integers, not bools: array loops stay vectorisable)
  static constexpr uint32_t kOverflowFlag = 1, kFlushedFlag = 2;
  // A finite input exceeded max finite (before saturation): "saturated" in the metrics.
  constexpr bool overflow() const { return (flags & kOverflowFlag) != 0; }
  // A nonzero result was flushed to zero (Subnormals::kFlush).
  constexpr bool flushed() const { return (flags & kFlushedFlag) != 0; }
};

// Minifloat encoder. Src = float or double; for float, fits_float_path(f) must hold.
template <class Src>
LPSIM_NUM_INLINE Encoded encode_core(Src x, const FloatFormat& f, Rounding rounding, Overflow overflow,
                                     Subnormals subnormals, uint32_t random, int random_bits) {
  using T = SrcBits<Src>;
  using U = typename T::U;
  constexpr int kMan = T::kMan;
  constexpr U kSignBit = U(1) << (T::kWidth - 1);
  constexpr U kInfBits = ((kSignBit - 1) >> kMan) << kMan;
  constexpr U kManMask = (U(1) << kMan) - 1;
  const int m = f.man_bits;

  // 1. Split sign and magnitude bits.
  const U bits = bit_cast<U>(x);
  const bool neg = (bits & kSignBit) != 0;
  const U a = bits & ~kSignBit;
  const bool is_special = a >= kInfBits;  // Inf or NaN
  const bool is_nan = a > kInfBits;

  // 2. Below the target's smallest normal 2^emin the quantum is fixed at 2^(emin - m): align the significand
  //    (with its hidden bit) to that quantum. Otherwise the quantum is 2^(e - m): rebias the exponent field and
  //    drop kMan - m bits; a carry out of the mantissa moves into the exponent field by itself.
  const int e_field = static_cast<int>(a >> kMan);
  const int e_src = (e_field > 1 ? e_field : 1) - T::kBias;
  const U sig = (a & kManMask) | select<U>(e_field != 0, U(1) << kMan, U(0));
  const bool sub = a < (U(f.emin + T::kBias) << kMan);
  const U rebias = U(T::kBias - f.bias) << kMan;
  const U val = select<U>(sub, sig, a - rebias);
  const int shift = static_cast<int>(select<uint32_t>(sub, static_cast<uint32_t>((kMan - m) + (f.emin - e_src)),
                                                      static_cast<uint32_t>(kMan - m)));

  // 3. Round (the one shared rounding routine). q is the code magnitude, possibly above max_mag.
  //    Steps 3-7 use select() (masks), not branches, so array loops vectorise.
  U q = round_shift<U>(val, shift, rounding, random, random_bits);
  q = select<U>(!f.has_subnormals & sub, U(0), q);  // E8M0: below 2^emin clamps to the smallest code

  // 4. Flush-to-zero of results that are target subnormals (after rounding; a result rounded up to the
  //    smallest normal is kept).
  const bool flushed = (subnormals == Subnormals::kFlush) & f.has_subnormals & (q != 0) & (q < (U(1) << m));
  q = select<U>(flushed, U(0), q);

  // 5. Overflow: sat clamps; ovf gives Inf (IEEE) or NaN (E4M3); formats without specials always clamp.
  //    IEEE 754 §7.4: round-toward-zero carries a finite overflow to max finite, also in ovf mode.
  const bool over = !is_special & (q > U(f.max_mag));
  const bool to_special = (overflow == Overflow::kOverflow) & (f.specials != Specials::kNone);
  const uint32_t special_mag = f.specials == Specials::kIeee ? f.inf_mag : f.nan_mag;
  const uint32_t over_mag = (to_special & (rounding != Rounding::kTowardZero)) ? special_mag : f.max_mag;
  uint32_t mag = select<uint32_t>(over, over_mag, static_cast<uint32_t>(q));

  // 6. Specials: +-Inf -> +-max (sat, OFP8 saturation mode) or Inf/NaN (ovf); NaN -> the format's NaN
  //    (formats without NaN write +0, a documented choice; MX poisons the whole block before this is reached).
  const uint32_t inf_in_mag = to_special ? special_mag : f.max_mag;
  mag = select<uint32_t>(is_special, select<uint32_t>(is_nan, f.nan_mag, inf_in_mag), mag);
  const bool nan_keeps_sign = (f.nan_style == NanStyle::kAllOnes) & f.has_nan();
  const bool sign = neg & (!is_nan | nan_keeps_sign) & f.is_signed;

  // 7. Unsigned formats (E8M0): negative nonzero values are NaN.
  mag = select<uint32_t>(!f.is_signed & neg & (a != 0), f.nan_mag, mag);
  return Encoded{select<uint32_t>(sign, f.sign_mask, 0u) | mag,
                 static_cast<uint32_t>(over) | (static_cast<uint32_t>(flushed) << 1)};
}

// Fixed-point encoder: k = round(x * 2^frac_bits), clamped to [min_k, max_k] (always saturating).
// NaN -> 0 and +-Inf -> +-max (integers have no specials; documented choice). Returns the two's-complement code.
template <class Src>
LPSIM_NUM_INLINE Encoded encode_int_core(Src x, const IntFormat& f, Rounding rounding, uint32_t random,
                                         int random_bits) {
  using T = SrcBits<Src>;
  using U = typename T::U;
  constexpr int kMan = T::kMan;
  constexpr int kWidth = T::kWidth;
  constexpr U kSignBit = U(1) << (kWidth - 1);
  constexpr U kInfBits = ((kSignBit - 1) >> kMan) << kMan;
  constexpr U kManMask = (U(1) << kMan) - 1;
  constexpr int kMaxLeft = kWidth - kMan - 2;  // sig << kMaxLeft stays below 2^(W-1)

  // 1. Split; the value in LSB units is sig * 2^(e_src + frac - kMan).
  const U bits = bit_cast<U>(x);
  const bool neg = (bits & kSignBit) != 0;
  const U a = bits & ~kSignBit;
  const bool is_special = a >= kInfBits;
  const bool is_nan = a > kInfBits;
  const int e_field = static_cast<int>(a >> kMan);
  const int e_src = (e_field > 1 ? e_field : 1) - T::kBias;
  const U sig = (a & kManMask) | select<U>(e_field != 0, U(1) << kMan, U(0));
  const int shift = kMan - (e_src + f.frac_bits);

  // 2. Round to an integer number of LSBs (or shift left when the value is already an integer).
  const U limit = select<U>(neg, static_cast<U>(-f.min_k()), static_cast<U>(f.max_k()));
  const U k_round = round_shift<U>(sig, shift >= 0 ? shift : 0, rounding, random, random_bits);
  const int left = shift < 0 ? -shift : 0;
  const U k_left = select<U>(left > kMaxLeft, limit + 1, sig << (left > kMaxLeft ? 0 : left));
  U k = select<U>(shift >= 0, k_round, k_left);
  // 3. Saturate, specials (selects, as in encode_core).
  const bool over = !is_special & (k > limit);
  k = select<U>(over | (is_special & !is_nan), limit, k);
  k = select<U>(is_nan, U(0), k);
  const U signed_k = select<U>(neg, U(0) - k, k);  // two's complement (the mask below keeps `bits` bits)
  return Encoded{static_cast<uint32_t>(signed_k) & f.code_mask(), static_cast<uint32_t>(over)};
}

// Exact value of a code as double (NaN codes give a quiet NaN with the code's sign).
LPSIM_NUM_INLINE double decode_core(const FloatFormat& f, uint32_t code) {
  const int m = f.man_bits;
  const bool neg = (code & f.sign_mask) != 0;
  const uint32_t mag = code & f.code_mask & ~f.sign_mask;
  const uint32_t e_field = mag >> m;
  const uint64_t man = mag & ((uint64_t{1} << m) - 1);
  const uint64_t sign_bit = neg ? (uint64_t{1} << 63) : 0;
  if (f.has_nan() && mag > f.max_mag && !(f.has_inf() && mag == f.inf_mag)) {
    return bit_cast<double>(sign_bit | 0x7ff8000000000000ull);
  }
  if (f.has_inf() && mag == f.inf_mag) return bit_cast<double>(sign_bit | 0x7ff0000000000000ull);
  if (e_field == 0 && f.has_subnormals) {
    // M * 2^(emin - m): normalise M into a double (it is below 2^52, so the conversion is exact).
    if (man == 0) return bit_cast<double>(sign_bit);
    int p = 63 - __builtin_clzll(man);  // man = 2^p * 1.xxx
    const int e = f.emin - m + p;       // >= -1074 because emin >= -1022 and m <= 52
    const uint64_t frac = (man << (52 - p)) & ((uint64_t{1} << 52) - 1);
    if (e >= -1022) return bit_cast<double>(sign_bit | (uint64_t(e + 1023) << 52) | frac);
    return bit_cast<double>(sign_bit | (man << (f.emin - m + 1074)));  // a double subnormal: man * 2^(emin-m)
  }
  const int e = static_cast<int>(e_field) - f.bias;
  return bit_cast<double>(sign_bit | (uint64_t(e + 1023) << 52) | (man << (52 - m)));
}

LPSIM_NUM_INLINE double decode_int_core(const IntFormat& f, uint32_t code) {
  const uint32_t c = code & f.code_mask();
  const int64_t k = (c & (1u << (f.bits - 1))) ? static_cast<int64_t>(c) - (int64_t{1} << f.bits)
                                               : static_cast<int64_t>(c);
  return std::ldexp(static_cast<double>(k), -f.frac_bits);  // exact: |k| < 2^32, range checked by make_int_format
}

// Float decode: formats that are a prefix of float32 (8 exponent bits, bias 127, IEEE, e.g. bf16) decode by
// appending zero bits, keeping NaN payloads (oracle rule); others through the exact double value
// (NaN -> canonical quiet NaN with the code's sign).
LPSIM_NUM_INLINE float decode_float_core(const FloatFormat& f, uint32_t code) {
  if (f.exp_bits == 8 && f.bias == 127 && f.specials == Specials::kIeee && f.is_signed && f.man_bits <= 23) {
    return bit_cast<float>(static_cast<uint32_t>(code << (31 - 8 - f.man_bits)));
  }
  return static_cast<float>(decode_core(f, code));
}

// Branch-free float32 decode for the array kernels (no table lookups, which GCC 12 does not vectorise).
// Requires fits_float_path(f) and f.emax <= 127 (every value is then a float32 value); equals
// decode_float_core() for every code (tested exhaustively).
LPSIM_NUM_INLINE float decode_float_fast(const FloatFormat& f, uint32_t code) {
  if (f.exp_bits == 8 && f.bias == 127 && f.specials == Specials::kIeee && f.is_signed) {
    return bit_cast<float>(static_cast<uint32_t>(code << (32 - f.width)));  // bf16, fp32: keeps NaN payloads
  }
  const int m = f.man_bits;
  const uint32_t mag = code & f.code_mask & ~f.sign_mask;
  const uint32_t e = mag >> m;
  const uint32_t man = mag & ((1u << m) - 1);
  const bool normal = (e != 0) | !f.has_subnormals;
  const uint32_t sig = man | select<uint32_t>(normal, 1u << m, 0u);
  // value = sig * 2^(e' - bias - m) with e' = 1 for subnormals; both factors and the product are exact.
  const int k = static_cast<int>(e) + (normal ? 0 : 1) - f.bias - m;
  const uint32_t p2 = select<uint32_t>(k >= -126, static_cast<uint32_t>(k + 127) << 23,
                                       1u << ((k + 149) & 31));
  uint32_t bits = bit_cast<uint32_t>(static_cast<float>(static_cast<int32_t>(sig)) * bit_cast<float>(p2));
  const bool is_inf = f.has_inf() & (mag == f.inf_mag);
  const bool is_nan = f.has_nan() & (mag > f.max_mag) & !is_inf;
  bits = select<uint32_t>(is_inf, 0x7f800000u, bits);
  bits = select<uint32_t>(is_nan, 0x7fc00000u, bits);
  return bit_cast<float>(bits | select<uint32_t>((code & f.sign_mask) != 0, 0x80000000u, 0u));
}

// Fixed-point decode to float32 for the array kernels: exact for bits <= 24 and 2^-frac_bits in float range.
LPSIM_NUM_INLINE float decode_int_float_fast(const IntFormat& f, uint32_t code) {
  const uint32_t c = code & f.code_mask();
  const int32_t k = static_cast<int32_t>(c << (32 - f.bits)) >> (32 - f.bits);  // sign-extend
  const int e = -f.frac_bits;
  const uint32_t p2 = select<uint32_t>(e >= -126, static_cast<uint32_t>(e + 127) << 23, 1u << ((e + 149) & 31));
  return static_cast<float>(k) * bit_cast<float>(p2);
}

}  // namespace detail

using Encoded = detail::Encoded;  // code + overflow()/flushed() flags (encode_ex)

enum class ValueClass : uint8_t { kZero, kSubnormal, kNormal, kInf, kNan };
const char* to_string(ValueClass c);  // "zero" | "subnormal" | "normal" | "inf" | "nan" (oracle names)
ValueClass classify(const FloatFormat& f, uint32_t code);

// ---- run-time API (any FloatFormat / IntFormat) ---------------------------------------------------------------
// `random` supplies the R = opt.random_bits random bits for Rounding::kStochastic (see random_bits_at()).
uint32_t encode(const FloatFormat& f, float x, const RoundOptions& opt = {}, uint32_t random = 0);
uint32_t encode(const FloatFormat& f, double x, const RoundOptions& opt = {}, uint32_t random = 0);
uint32_t encode(const IntFormat& f, double x, const RoundOptions& opt = {}, uint32_t random = 0);
// Same, also reporting overflow (saturated) and flush-to-zero events.
Encoded encode_ex(const FloatFormat& f, double x, const RoundOptions& opt = {}, uint32_t random = 0);
Encoded encode_ex(const FloatFormat& f, float x, const RoundOptions& opt = {}, uint32_t random = 0);

double decode(const FloatFormat& f, uint32_t code);  // exact
double decode(const IntFormat& f, uint32_t code);    // exact: k * 2^-frac_bits
float decode_float(const FloatFormat& f, uint32_t code);  // exact when the value is a float32 value

// x rounded to the nearest value of f (per opt): decode(f, encode(f, x, opt)). The accumulator primitive of
// bit-true MAC models; pass kIeeeRne for IEEE accumulators (overflow -> Inf).
double round_to(const FloatFormat& f, double x, const RoundOptions& opt = {}, uint32_t random = 0);
// Shorthand for accumulators: round_to(f, x, RoundOptions{r, Overflow::kOverflow}) - IEEE behaviour (overflow
// to Inf; E4M3 gives NaN; formats without specials clamp). Stochastic rounding needs `random`.
double round_to(const FloatFormat& f, double x, Rounding r, uint32_t random = 0);

// ---- template API (compile-time format; identical results) --------------------------------------------------
template <class Traits>
LPSIM_NUM_INLINE uint32_t encode(float x, const RoundOptions& opt = {}, uint32_t random = 0) {
  constexpr const FloatFormat& f = Traits::kFormat;
  if constexpr (detail::fits_float_path(f)) {
    return detail::encode_core<float>(x, f, opt.rounding, opt.overflow, opt.subnormals, random, opt.random_bits)
        .code;
  } else {
    return detail::encode_core<double>(x, f, opt.rounding, opt.overflow, opt.subnormals, random,
                                       opt.random_bits)
        .code;
  }
}
template <class Traits>
LPSIM_NUM_INLINE uint32_t encode(double x, const RoundOptions& opt = {}, uint32_t random = 0) {
  return detail::encode_core<double>(x, Traits::kFormat, opt.rounding, opt.overflow, opt.subnormals, random,
                                     opt.random_bits)
      .code;
}
template <class Traits>
LPSIM_NUM_INLINE double decode(uint32_t code) {
  return detail::decode_core(Traits::kFormat, code);
}

}  // namespace lpsim::num
