// Per-tensor scaled formats: FP8/INT8 with one scale per tensor (FP8 paper §4, papers.md §2) and DFP16
// dynamic fixed point (Das et al. 2018, libxsmm rule, papers.md §4).
#pragma once
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "numerics/format.h"
#include "numerics/rounding.h"

namespace lpsim::num {

// floor(log2(|x|)) of a nonzero finite float32 given its bits (exact; float32 subnormals included).
int floor_log2_bits(uint32_t abs_bits);

// Largest finite |x| as float32 bits (sign cleared); NaN and Inf are skipped. 0 for an empty/all-zero tensor.
uint32_t finite_amax_bits(const float* x, size_t n);

enum class TensorScale : uint8_t {
  kNone,   // no scaling (s = 1)
  kExact,  // s = max_value / amax, rounded to float32 ("exact" scale of Micikevicius et al.)
  kPow2,   // floats: s = 2^floor(log2(max_value / amax)), the largest power of two that does not clip amax;
           // integers: s = 2^-dfp_exponent(amax, bits, 0) (DFP, libxsmm), amax*s in [2^(bits-2), 2^(bits-1))
};
const char* to_string(TensorScale s);  // "none" | "exact" | "pow2"
std::optional<TensorScale> parse_tensor_scale(std::string_view s);

// The scale for a tensor whose finite amax has bits amax_bits (s = 1 when amax is 0).
float tensor_scale(const NumberFormat& f, uint32_t amax_bits, TensorScale mode);

// Quantize with one scale: code_i = encode(f, x_i * s) (float32 product), value_i = decode(code_i) / s.
struct ScaledTensor {
  float scale = 1.0f;
  std::vector<uint32_t> codes;
  std::vector<float> values;
  size_t saturated = 0;  // finite values above the format's range after scaling
  size_t flushed = 0;
};
ScaledTensor quantize_scaled(const NumberFormat& f, const float* x, size_t n, TensorScale mode,
                             const RoundOptions& opt = {}, uint64_t seed = 0, int threads = 1);

// DFP (dynamic fixed point): P-bit two's-complement integers k with one shared exponent: value = k * 2^exponent.
// libxsmm_dnn_quantize (papers.md §4): E_max = floor(log2(amax)); exponent = E_max - (P - 2) + add_shift, so
// the largest magnitude lands in [2^(P-2), 2^(P-1)) >> add_shift (add_shift = accumulator headroom bits).
// k = round(x * 2^-exponent) with the chosen rounding, clamped to +-(2^(P-1) - 1). NaN -> 0, +-Inf -> +-max
// (both counted by the metrics); amax is taken over finite values; an all-zero tensor has exponent 0.
struct DfpTensor {
  int bits = 16;
  int add_shift = 0;
  int exponent = 0;
  std::vector<int32_t> k;
  std::vector<float> values;  // k * 2^exponent (exact in float32 for P <= 24)
  size_t saturated = 0;       // elements clamped (only possible when rounding up the largest element)
};
int dfp_exponent(uint32_t amax_bits, int bits, int add_shift);
DfpTensor quantize_dfp(const float* x, size_t n, int bits = 16, int add_shift = 0, const RoundOptions& opt = {},
                       uint64_t seed = 0);

}  // namespace lpsim::num
