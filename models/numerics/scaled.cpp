#include "numerics/scaled.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "numerics/convert.h"
#include "numerics/convert_array.h"
#include "numerics/kernel_util.h"

namespace lpsim::num {

int floor_log2_bits(uint32_t abs_bits) {
  abs_bits &= 0x7fffffffu;
  if (abs_bits < 0x00800000u) return (31 - __builtin_clz(abs_bits)) - 149;  // subnormal: bits * 2^-149
  return static_cast<int>(abs_bits >> 23) - 127;
}

uint32_t finite_amax_bits(const float* x, size_t n) {
  uint32_t amax = 0;
  for (size_t i = 0; i < n; ++i) {
    const uint32_t a = detail::abs_bits(x[i]);
    amax = (a < 0x7f800000u && a > amax) ? a : amax;
  }
  return amax;
}

const char* to_string(TensorScale s) {
  switch (s) {
    case TensorScale::kNone: return "none";
    case TensorScale::kExact: return "exact";
    case TensorScale::kPow2: return "pow2";
  }
  return "?";
}

std::optional<TensorScale> parse_tensor_scale(std::string_view s) {
  if (s == "none") return TensorScale::kNone;
  if (s == "exact") return TensorScale::kExact;
  if (s == "pow2") return TensorScale::kPow2;
  return std::nullopt;
}

float tensor_scale(const NumberFormat& f, uint32_t amax_bits, TensorScale mode) {
  amax_bits &= 0x7fffffffu;
  if (mode == TensorScale::kNone || amax_bits == 0 || amax_bits >= 0x7f800000u) return 1.0f;
  const float amax = detail::bit_cast<float>(amax_bits);
  const double maxv = f.max_value();
  if (mode == TensorScale::kExact) {
    const double s = maxv / static_cast<double>(amax);
    return s > 3.0e38 ? 3.0e38f : static_cast<float>(s);  // keep the scale finite for tiny amax
  }
  // Integer formats: the DFP exponent (libxsmm rule, papers.md §4), so a pow2-scaled int8 tensor has the codes of
  // the PE's DFP8 operand: amax lands in [2^(P-2), 2^(P-1)) and may round to the clamp +-(2^(P-1) - 1).
  if (!f.is_float()) return detail::pow2f(std::max(-126, std::min(127, -dfp_exponent(amax_bits, f.integer.bits, 0))));
  // floor(log2(max/amax)) = emax - E - [mant(amax) > mant(max)] (same exact comparison as the MX ceil rule).
  const uint32_t max_bits = detail::bit_cast<uint32_t>(static_cast<float>(maxv));
  const int e = floor_log2_bits(amax_bits);
  uint32_t mant = amax_bits & 0x7fffffu;
  if (amax_bits < 0x00800000u) {
    const int p = 31 - __builtin_clz(amax_bits);
    mant = (amax_bits << (23 - p)) & 0x7fffffu;
  }
  int k = floor_log2_bits(max_bits) - e - ((mant > (max_bits & 0x7fffffu)) ? 1 : 0);
  if (k > 127) k = 127;
  if (k < -126) k = -126;
  return detail::pow2f(k);
}

ScaledTensor quantize_scaled(const NumberFormat& f, const float* x, size_t n, TensorScale mode,
                             const RoundOptions& opt, uint64_t seed, int threads) {
  ScaledTensor t;
  t.scale = tensor_scale(f, finite_amax_bits(x, n), mode);
  t.codes.resize(n);
  t.values.resize(n);
  ArrayOptions o;
  o.round = opt;
  o.scale = t.scale;
  o.seed = seed;
  o.threads = threads;
  const ArrayCounts c = f.is_float() ? round_array(f.flt, x, n, t.values.data(), t.codes.data(), o)
                                     : round_array(f.integer, x, n, t.values.data(), t.codes.data(), o);
  t.saturated = c.overflow;
  t.flushed = c.flushed;
  return t;
}

int dfp_exponent(uint32_t amax_bits, int bits, int add_shift) {
  amax_bits &= 0x7fffffffu;
  if (amax_bits == 0 || amax_bits >= 0x7f800000u) return 0;
  return floor_log2_bits(amax_bits) - (bits - 2) + add_shift;
}

DfpTensor quantize_dfp(const float* x, size_t n, int bits, int add_shift, const RoundOptions& opt, uint64_t seed) {
  if (bits < 2 || bits > 24) throw std::invalid_argument("DFP needs 2..24 bits");
  if (add_shift < 0 || add_shift > bits - 1) throw std::invalid_argument("DFP add_shift must be 0..bits-1");
  DfpTensor t;
  t.bits = bits;
  t.add_shift = add_shift;
  t.exponent = dfp_exponent(finite_amax_bits(x, n), bits, add_shift);
  const IntFormat f = make_int_format(bits, -t.exponent, /*symmetric=*/true);
  std::vector<uint32_t> codes(n);
  ArrayOptions o;
  o.round = opt;
  o.seed = seed;
  t.saturated = encode_array(f, x, n, codes.data(), o).overflow;
  t.k.resize(n);
  t.values.resize(n);
  const uint32_t sign = 1u << (bits - 1);
  for (size_t i = 0; i < n; ++i) {
    const uint32_t c = codes[i] & f.code_mask();
    t.k[i] = (c & sign) ? static_cast<int32_t>(static_cast<int64_t>(c) - (int64_t{1} << bits)) : static_cast<int32_t>(c);
    t.values[i] = static_cast<float>(std::ldexp(static_cast<double>(t.k[i]), t.exponent));
  }
  return t;
}

}  // namespace lpsim::num
