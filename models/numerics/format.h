// Number-format descriptors: one generic minifloat description (FloatFormat) and one fixed-point description
// (IntFormat). A named format is a constexpr FloatFormat value; the codec in convert.h takes the descriptor as
// an argument, so a compile-time constant (fast kernels) and a run-time value (custom YAML formats, accumulator
// formats chosen at run time) go through the same code. Encodings: OCP OFP8 v1.0, OCP MX v1.0 Tables 2-7
// (papers.md §1.2), IEEE 754 for bf16/fp16/fp32.
#pragma once
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace lpsim::num {

// How the all-ones exponent field is used.
enum class Specials : uint8_t {
  kIeee,     // E all ones: M == 0 is Inf, M != 0 is NaN (E5M2, fp16, bf16, fp32)
  kNanOnly,  // only S.1..1.1..1 is NaN, no Inf; the rest of the top binade is finite (OCP E4M3, "fn"; E8M0)
  kNone,     // every code is finite (OCP FP6 E3M2/E2M3, FP4 E2M1)
};

// The NaN code produced by encode().
enum class NanStyle : uint8_t {
  kAllOnes,  // S.1..1.1..1 with the input's sign (OFP8 E4M3/E5M2 rule of the oracle tables)
  kQuiet,    // +exponent all ones, mantissa MSB set, sign dropped (x86/PyTorch canonical: bf16 0x7fc0)
};

// A binary minifloat. Value of a code: (-1)^S * 2^(E-bias) * (1 + M/2^m) for E != 0, and
// (-1)^S * 2^(1-bias) * (M/2^m) for E == 0 (subnormals) unless has_subnormals is false (E8M0: E == 0 is 2^-bias).
// Construct with make_float_format(), which validates and fills the derived fields.
struct FloatFormat {
  // declared
  int exp_bits = 0;
  int man_bits = 0;
  int bias = 0;
  Specials specials = Specials::kIeee;
  NanStyle nan_style = NanStyle::kAllOnes;
  bool is_signed = true;       // false only for E8M0 (no sign bit)
  bool has_subnormals = true;  // false only for E8M0 (no zero)
  // derived
  int width = 0;              // bits per code
  int emin = 0;               // exponent of the smallest normal binade
  int emax = 0;               // exponent of the largest finite value ("emax_elem" in MX v1.0 §6.3)
  uint32_t max_mag = 0;       // code magnitude (no sign) of the largest finite value
  uint32_t inf_mag = 0;       // code magnitude of Inf (kIeee only, else 0)
  uint32_t nan_mag = 0;       // code magnitude of the NaN written by encode (0 when the format has no NaN)
  uint32_t sign_mask = 0;     // 1 << (width - 1), 0 for unsigned formats
  uint32_t code_mask = 0;     // (1 << width) - 1

  constexpr bool has_inf() const { return specials == Specials::kIeee; }
  constexpr bool has_nan() const { return specials != Specials::kNone; }
  // Same declared fields (the derived ones follow from them).
  friend constexpr bool operator==(const FloatFormat& a, const FloatFormat& b) {
    return a.exp_bits == b.exp_bits && a.man_bits == b.man_bits && a.bias == b.bias && a.specials == b.specials &&
           a.nan_style == b.nan_style && a.is_signed == b.is_signed && a.has_subnormals == b.has_subnormals;
  }
  friend constexpr bool operator!=(const FloatFormat& a, const FloatFormat& b) { return !(a == b); }
};

namespace detail {
// Throws in a constant expression = compile error; at run time = std::invalid_argument.
inline void format_error(const char* what) { throw std::invalid_argument(what); }
}  // namespace detail

// Validates and derives. Limits keep every value exactly representable in a double and every code in 32 bits:
// 1 <= exp_bits <= 11, 0 <= man_bits <= 52, width <= 32, emin >= -1022, emax <= 1023.
constexpr FloatFormat make_float_format(int exp_bits, int man_bits, int bias, Specials specials,
                                        NanStyle nan_style = NanStyle::kAllOnes, bool is_signed = true,
                                        bool has_subnormals = true) {
  FloatFormat f;
  f.exp_bits = exp_bits;
  f.man_bits = man_bits;
  f.bias = bias;
  f.specials = specials;
  f.nan_style = specials == Specials::kIeee ? nan_style : NanStyle::kAllOnes;
  f.is_signed = is_signed;
  f.has_subnormals = has_subnormals;
  if (exp_bits < 1 || exp_bits > 11) detail::format_error("exponent bits must be in 1..11");
  if (man_bits < 0 || man_bits > 52) detail::format_error("mantissa bits must be in 0..52");
  f.width = (is_signed ? 1 : 0) + exp_bits + man_bits;
  if (f.width > 32) detail::format_error("a format may have at most 32 bits");
  if (specials == Specials::kIeee && man_bits == 0) detail::format_error("IEEE specials need a mantissa bit");
  if (specials == Specials::kIeee && exp_bits < 2) detail::format_error("IEEE specials need 2+ exponent bits");
  const uint32_t all = f.width == 32 ? 0xffffffffu : ((1u << f.width) - 1);
  f.code_mask = all;
  f.sign_mask = is_signed ? (1u << (f.width - 1)) : 0u;
  const uint32_t mag_all = all & ~f.sign_mask;  // all exponent and mantissa bits set
  const uint32_t top_field = (1u << exp_bits) - 1;
  switch (specials) {
    case Specials::kIeee:
      f.inf_mag = top_field << man_bits;
      f.max_mag = f.inf_mag - 1;
      f.nan_mag = nan_style == NanStyle::kQuiet ? (f.inf_mag | (1u << (man_bits - 1))) : mag_all;
      break;
    case Specials::kNanOnly:
      f.max_mag = mag_all - 1;
      f.nan_mag = mag_all;
      break;
    case Specials::kNone:
      f.max_mag = mag_all;
      break;
  }
  f.emin = has_subnormals ? 1 - bias : -bias;
  f.emax = static_cast<int>(f.max_mag >> man_bits) - bias;
  if (f.emin < -1022) detail::format_error("bias too large: smallest normal below 2^-1022");
  if (f.emax > 1023) detail::format_error("bias too small: largest value above 2^1023");
  if (f.max_mag == 0 && specials == Specials::kNanOnly) detail::format_error("format has no finite value");
  return f;
}

// Two's-complement fixed point: value = k * 2^-frac_bits, k in [min_k(), max_k()].
struct IntFormat {
  int bits = 8;
  int frac_bits = 0;       // may be negative (DFP shared exponents > 0)
  bool symmetric = false;  // true: -2^(bits-1) is never produced (OCP MX INT8, DFP16)
  constexpr int64_t max_k() const { return (int64_t{1} << (bits - 1)) - 1; }
  constexpr int64_t min_k() const { return symmetric ? -max_k() : -max_k() - 1; }
  constexpr uint32_t code_mask() const { return bits == 32 ? 0xffffffffu : ((1u << bits) - 1); }
  // Exponent of the largest power of two <= max value: 0 for MX INT8 (127/64 < 2), papers.md §1.2.
  constexpr int emax() const { return bits - 2 - frac_bits; }
  friend constexpr bool operator==(const IntFormat& a, const IntFormat& b) {
    return a.bits == b.bits && a.frac_bits == b.frac_bits && a.symmetric == b.symmetric;
  }
};

constexpr IntFormat make_int_format(int bits, int frac_bits = 0, bool symmetric = false) {
  if (bits < 2 || bits > 32) detail::format_error("integer formats have 2..32 bits");
  if (frac_bits < -1100 || frac_bits > 1100) detail::format_error("fraction bits out of range");
  return IntFormat{bits, frac_bits, symmetric};
}

// ---- named formats (papers.md §1.2 table; README of the numerics oracle) -------------------------------------
inline constexpr FloatFormat kE4M3 = make_float_format(4, 3, 7, Specials::kNanOnly);   // max 448, NaN S.1111.111
inline constexpr FloatFormat kE5M2 = make_float_format(5, 2, 15, Specials::kIeee);     // max 57344, IEEE Inf/NaN
inline constexpr FloatFormat kE3M2 = make_float_format(3, 2, 3, Specials::kNone);      // max 28
inline constexpr FloatFormat kE2M3 = make_float_format(2, 3, 1, Specials::kNone);      // max 7.5
inline constexpr FloatFormat kE2M1 = make_float_format(2, 1, 1, Specials::kNone);      // max 6
// E8M0 (MX v1.0 Table 7): unsigned powers of two 2^-127..2^127, 0xFF = NaN, no zero.
inline constexpr FloatFormat kE8M0 =
    make_float_format(8, 0, 127, Specials::kNanOnly, NanStyle::kAllOnes, /*is_signed=*/false,
                      /*has_subnormals=*/false);
inline constexpr FloatFormat kBF16 = make_float_format(8, 7, 127, Specials::kIeee, NanStyle::kQuiet);
inline constexpr FloatFormat kFP16 = make_float_format(5, 10, 15, Specials::kIeee, NanStyle::kQuiet);
inline constexpr FloatFormat kFP32 = make_float_format(8, 23, 127, Specials::kIeee, NanStyle::kQuiet);

inline constexpr IntFormat kInt8 = make_int_format(8);
inline constexpr IntFormat kInt16 = make_int_format(16);
inline constexpr IntFormat kInt32 = make_int_format(32);
// MX INT8 (papers.md §1.2): 1.6 fixed point, k/64 with k in [-127, 127] (the spec lets -128 go unused).
inline constexpr IntFormat kMxInt8 = make_int_format(8, 6, /*symmetric=*/true);

// Compile-time traits for the template path: `encode<E4M3Traits>(x)` is the same code as
// `encode(kE4M3, x)` with the descriptor folded into constants.
template <const FloatFormat& F>
struct FloatTraits {
  static constexpr const FloatFormat& kFormat = F;
};
using E4M3Traits = FloatTraits<kE4M3>;
using E5M2Traits = FloatTraits<kE5M2>;
using E3M2Traits = FloatTraits<kE3M2>;
using E2M3Traits = FloatTraits<kE2M3>;
using E2M1Traits = FloatTraits<kE2M1>;
using E8M0Traits = FloatTraits<kE8M0>;
using BF16Traits = FloatTraits<kBF16>;
using FP16Traits = FloatTraits<kFP16>;
using FP32Traits = FloatTraits<kFP32>;

// A format found by name: either a minifloat or a fixed-point integer.
struct NumberFormat {
  enum class Kind : uint8_t { kFloat, kInt };
  std::string name;  // canonical name
  Kind kind = Kind::kFloat;
  FloatFormat flt{};  // valid when kind == kFloat
  IntFormat integer{};  // valid when kind == kInt
  bool is_float() const { return kind == Kind::kFloat; }
  int width() const { return is_float() ? flt.width : integer.bits; }
  int emax() const { return is_float() ? flt.emax : integer.emax(); }
  double max_value() const;  // largest finite value
};

NumberFormat float_number_format(std::string name, const FloatFormat& f);
NumberFormat int_number_format(std::string name, const IntFormat& f);

// Canonical names: e4m3 e5m2 e3m2 e2m3 e2m1 e8m0 bf16 fp16 fp32 int8 int16 int32 mxint8.
const std::vector<std::string>& format_names();
// Accepted other spellings (alias -> canonical), e.g. fp8_e4m3 and ml_dtypes' float8_e4m3fn -> e4m3.
const std::vector<std::pair<std::string, std::string>>& format_aliases();
// nullptr when unknown. Formats registered with register_format() are found too.
const NumberFormat* find_format(std::string_view name);
// Adds a user-declared format (e.g. a custom float from a YAML config) for the rest of the process, findable by
// its name. Throws std::invalid_argument if the name is already taken (built-in, alias or registered).
void register_format(const NumberFormat& f);
// Throws std::invalid_argument("unknown number format 'x'; valid names: ...") when unknown.
const NumberFormat& format_by_name(std::string_view name);

// "e4m3 (1 sign, 4 exponent, 3 mantissa bits, bias 7, NaN only, max 448)"
std::string describe(const FloatFormat& f);

// Names for custom formats declared in YAML: "ieee" | "nan_only" | "none", and "all_ones" | "quiet".
const char* to_string(Specials s);
std::optional<Specials> parse_specials(std::string_view s);
const char* to_string(NanStyle s);
std::optional<NanStyle> parse_nan_style(std::string_view s);

}  // namespace lpsim::num
