// OCP Microscaling (MX v1.0 §6.3, papers.md §1.3): blocks of k elements share one E8M0 scale 2^X.
// Exact semantics (tests/data/numerics/README.md, "mx_quantize.csv.gz"):
//  1. A block holding NaN or +-Inf gets a NaN scale (E8M0 0xFF); all its outputs are NaN, codes 0.
//  2. floor rule (OCP): X = floor(log2(amax)) - emax_elem, computed exactly from the float32 bits
//     (amax = 0 counts as 2^-126); X < -127 -> -127; X > 127 -> NaN scale.
//     ceil rule: X = ceil(log2(amax / max_elem)) (never clips; X > 127 clamps to 127).
//  3. Elements: y = x / 2^X, quantized with the chosen rounding, subnormals kept, saturating to +-max_elem
//     (or OFP8 non-saturating for FP8 elements when MxOptions::overflow says so).
//  4. Sign of zero: a negative x that rounds to zero gives -0, except x = -0 and |x|/2^X <= 2^-150, which give +0
//     (microxcaling divides in float32 first; such quotients are zero).
//  5. A line whose length is not a multiple of the block size ends in a short block that behaves as if
//     zero-padded (padding never changes amax); outputs keep the input length.
#pragma once
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "numerics/format.h"
#include "numerics/rounding.h"

namespace lpsim::num {

enum class ScaleRule : uint8_t { kFloor, kCeil };
const char* to_string(ScaleRule r);  // "floor" | "ceil"
std::optional<ScaleRule> parse_scale_rule(std::string_view s);

inline constexpr uint8_t kE8M0Nan = 0xFF;
// Shared exponent X of an E8M0 scale code (code - 127), nullopt for the NaN code.
inline std::optional<int> e8m0_exponent(uint8_t code) {
  if (code == kE8M0Nan) return std::nullopt;
  return static_cast<int>(code) - 127;
}

struct MxOptions {
  NumberFormat element = float_number_format("e4m3", kE4M3);  // e4m3 e5m2 e3m2 e2m3 e2m1 mxint8, or custom
  int block_size = 32;
  int axis = 1;  // 1: blocks run along each row (last axis, contiguous); 0: along each column
  ScaleRule scale_rule = ScaleRule::kFloor;
  Rounding rounding = Rounding::kNearestEven;
  // Elements saturate (MX v1.0 §6.3); kOverflow gives the OFP8 non-saturating conversion for FP8 elements
  // (E4M3 -> NaN, E5M2 -> Inf; FP6/FP4/INT8 have no specials and still clamp).
  Overflow overflow = Overflow::kSaturate;
  int random_bits = 16;  // stochastic rounding: R random bits per element, 1..32
  uint64_t seed = 0;     // stochastic rounding: element i (row-major index) uses random_bits_at(seed, i)
  int threads = 1;
};

// The MX view of an element format (also what MX dot-product models need).
struct MxElementInfo {
  int emax = 0;               // emax_elem: 8 e4m3, 15 e5m2, 4 e3m2, 2 e2m3, 2 e2m1, 0 int8
  double max_value = 0;       // 448, 57344, 28, 7.5, 6, 127/64
  uint32_t max_mantissa = 0;  // 23-bit float32 mantissa field of max_value (ceil rule)
};
// Throws std::invalid_argument unless the format can be an MX element: a signed float with at most 8 bits,
// subnormals and emin - man_bits >= -100, or an integer with at most 8 bits.
MxElementInfo mx_element_info(const NumberFormat& element);

// Shared exponent for a block whose largest magnitude has float32 bits amax_bits (sign cleared);
// nullopt = NaN scale. Exact (integer arithmetic on the bits).
std::optional<int> mx_shared_exponent(uint32_t amax_bits, const MxElementInfo& info, ScaleRule rule);

struct MxTensor {
  size_t rows = 0, cols = 0;
  int axis = 1, block_size = 32;
  std::vector<uint8_t> codes;   // rows * cols element codes, row-major like the input (int: two's complement)
  std::vector<uint8_t> scales;  // E8M0 codes; axis 1: rows x blocks_per_line(), axis 0: blocks_per_line() x cols
  std::vector<float> values;    // dequantized: decode(code) * 2^X (NaN for NaN-scale blocks)
  size_t saturated = 0;         // elements clamped to +-max_elem
  size_t blocks_per_line() const;  // blocks along the blocking axis (last one may be short)
  size_t scale_index(size_t r, size_t c) const;  // index into scales of element (r, c)
};

void validate(const MxOptions& opt);  // std::invalid_argument on a bad block size, axis, element, random bits

MxTensor mx_quantize(const MxOptions& opt, const float* x, size_t rows, size_t cols);

// Same into caller-owned arrays (codes: rows*cols; scales: as MxTensor; values may be null).
// Returns the number of saturated elements.
size_t mx_quantize_into(const MxOptions& opt, const float* x, size_t rows, size_t cols, uint8_t* codes,
                        uint8_t* scales, float* values);

}  // namespace lpsim::num
