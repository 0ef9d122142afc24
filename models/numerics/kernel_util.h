// Internal helpers of the array kernels (not part of the public API).
#pragma once
#include <cstdint>

#include "numerics/convert.h"

// The array kernels are compiled for several ISA levels and picked at load time (GCC ifunc), so the same
// portable binary runs the branch-free element code 8 or 16 lanes wide where AVX2 / AVX-512 exist.
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__linux__) && \
    !defined(LPSIM_NO_TARGET_CLONES)
#define LPSIM_NUM_CLONES __attribute__((target_clones("default", "avx2", "arch=x86-64-v4")))
#else
#define LPSIM_NUM_CLONES
#endif

namespace lpsim::num::detail {

// 2^k as float32 for -149 <= k <= 127 (subnormal below -126), built from bits.
LPSIM_NUM_INLINE float pow2f(int k) {
  return bit_cast<float>(k >= -126 ? static_cast<uint32_t>(k + 127) << 23 : 1u << (k + 149));
}

LPSIM_NUM_INLINE uint32_t abs_bits(float x) { return bit_cast<uint32_t>(x) & 0x7fffffffu; }

// Element encoders with the format as a compile-time constant (fast kernels) or a run-time value;
// decode() gives the float32 value of a code (decode_float_fast rules).
template <const FloatFormat& F>
struct FixedFloatElem {
  LPSIM_NUM_INLINE Encoded operator()(float y, Rounding r, Overflow o, Subnormals s, uint32_t rnd, int rb) const {
    return encode_core<float>(y, F, r, o, s, rnd, rb);
  }
  LPSIM_NUM_INLINE float decode(uint32_t code) const { return decode_float_fast(F, code); }
};
template <const IntFormat& F>
struct FixedIntElem {
  LPSIM_NUM_INLINE Encoded operator()(float y, Rounding r, Overflow, Subnormals, uint32_t rnd, int rb) const {
    return encode_int_core<float>(y, F, r, rnd, rb);
  }
  LPSIM_NUM_INLINE float decode(uint32_t code) const { return decode_int_float_fast(F, code); }
};
struct RuntimeFloatElem {  // requires fits_float_path(f) and f.emax <= 127
  FloatFormat f;
  LPSIM_NUM_INLINE Encoded operator()(float y, Rounding r, Overflow o, Subnormals s, uint32_t rnd, int rb) const {
    return encode_core<float>(y, f, r, o, s, rnd, rb);
  }
  LPSIM_NUM_INLINE float decode(uint32_t code) const { return decode_float_fast(f, code); }
};
struct RuntimeIntElem {  // decode requires bits <= 24
  IntFormat f;
  LPSIM_NUM_INLINE Encoded operator()(float y, Rounding r, Overflow, Subnormals, uint32_t rnd, int rb) const {
    return encode_int_core<float>(y, f, r, rnd, rb);
  }
  LPSIM_NUM_INLINE float decode(uint32_t code) const { return decode_int_float_fast(f, code); }
};

}  // namespace lpsim::num::detail
