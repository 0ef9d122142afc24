#include "numerics/convert.h"

#include <stdexcept>

namespace lpsim::num {

namespace {

void check_random_bits(const RoundOptions& opt) {
  if (opt.rounding == Rounding::kStochastic && (opt.random_bits < 1 || opt.random_bits > 32)) {
    throw std::invalid_argument("stochastic rounding needs 1..32 random bits");
  }
}

}  // namespace

detail::Encoded encode_ex(const FloatFormat& f, double x, const RoundOptions& opt, uint32_t random) {
  check_random_bits(opt);
  return detail::encode_core<double>(x, f, opt.rounding, opt.overflow, opt.subnormals, random, opt.random_bits);
}

detail::Encoded encode_ex(const FloatFormat& f, float x, const RoundOptions& opt, uint32_t random) {
  check_random_bits(opt);
  // float32 inputs are exact in double; the float path is the same algorithm on 32-bit patterns (faster).
  if (detail::fits_float_path(f)) {
    return detail::encode_core<float>(x, f, opt.rounding, opt.overflow, opt.subnormals, random, opt.random_bits);
  }
  return detail::encode_core<double>(x, f, opt.rounding, opt.overflow, opt.subnormals, random, opt.random_bits);
}

uint32_t encode(const FloatFormat& f, float x, const RoundOptions& opt, uint32_t random) {
  return encode_ex(f, x, opt, random).code;
}

uint32_t encode(const FloatFormat& f, double x, const RoundOptions& opt, uint32_t random) {
  return encode_ex(f, x, opt, random).code;
}

uint32_t encode(const IntFormat& f, double x, const RoundOptions& opt, uint32_t random) {
  check_random_bits(opt);
  return detail::encode_int_core<double>(x, f, opt.rounding, random, opt.random_bits).code;
}

double decode(const FloatFormat& f, uint32_t code) { return detail::decode_core(f, code); }
double decode(const IntFormat& f, uint32_t code) { return detail::decode_int_core(f, code); }
float decode_float(const FloatFormat& f, uint32_t code) { return detail::decode_float_core(f, code); }

const char* to_string(ValueClass c) {
  switch (c) {
    case ValueClass::kZero: return "zero";
    case ValueClass::kSubnormal: return "subnormal";
    case ValueClass::kNormal: return "normal";
    case ValueClass::kInf: return "inf";
    case ValueClass::kNan: return "nan";
  }
  return "?";
}

ValueClass classify(const FloatFormat& f, uint32_t code) {
  const uint32_t mag = code & f.code_mask & ~f.sign_mask;
  if (f.has_inf() && mag == f.inf_mag) return ValueClass::kInf;
  if (f.has_nan() && mag > f.max_mag) return ValueClass::kNan;
  if (!f.has_subnormals) return ValueClass::kNormal;
  if (mag == 0) return ValueClass::kZero;
  return (mag >> f.man_bits) == 0 ? ValueClass::kSubnormal : ValueClass::kNormal;
}

double round_to(const FloatFormat& f, double x, const RoundOptions& opt, uint32_t random) {
  return decode(f, encode(f, x, opt, random));
}

double round_to(const FloatFormat& f, double x, Rounding r, uint32_t random) {
  RoundOptions opt;
  opt.rounding = r;
  opt.overflow = Overflow::kOverflow;
  return round_to(f, x, opt, random);
}

}  // namespace lpsim::num
