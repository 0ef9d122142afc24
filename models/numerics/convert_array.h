// Elementwise conversion of float32 arrays (fast, multi-threaded): y = x * scale, then the codec of convert.h.
// Named formats run a kernel with the descriptor folded into constants; other formats run the same code with
// the descriptor read at run time. Results equal encode()/decode() element by element.
#pragma once
#include <cstddef>
#include <cstdint>

#include "numerics/format.h"
#include "numerics/rounding.h"

namespace lpsim::num {

struct ArrayOptions {
  RoundOptions round{};
  float scale = 1.0f;  // multiplier applied (in float32) before encoding; round_array divides it out again
  uint64_t seed = 0;   // stochastic: element i uses random_bits_at(seed, index0 + i)
  size_t index0 = 0;
  int threads = 1;
};

struct ArrayCounts {
  size_t overflow = 0;  // finite values above max finite (saturated, or turned into Inf/NaN by ovf)
  size_t flushed = 0;   // results flushed to zero by Subnormals::kFlush
};

// Codes; the code type must hold the format's width (uint8_t: <= 8 bits, uint16_t: <= 16, uint32_t: any).
ArrayCounts encode_array(const FloatFormat& f, const float* x, size_t n, uint8_t* codes, const ArrayOptions& o = {});
ArrayCounts encode_array(const FloatFormat& f, const float* x, size_t n, uint16_t* codes, const ArrayOptions& o = {});
ArrayCounts encode_array(const FloatFormat& f, const float* x, size_t n, uint32_t* codes, const ArrayOptions& o = {});
ArrayCounts encode_array(const IntFormat& f, const float* x, size_t n, uint32_t* codes, const ArrayOptions& o = {});

// Fake quantization: out[i] = decode(encode(x[i] * scale)) / scale as float32 (codes optional, may be null).
ArrayCounts round_array(const FloatFormat& f, const float* x, size_t n, float* out, uint32_t* codes = nullptr,
                        const ArrayOptions& o = {});
ArrayCounts round_array(const IntFormat& f, const float* x, size_t n, float* out, uint32_t* codes = nullptr,
                        const ArrayOptions& o = {});

}  // namespace lpsim::num
