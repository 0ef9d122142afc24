// Rounding and overflow policies, and the one routine that drops low bits of an integer significand.
// Every conversion in lpsim (minifloat, fixed point, MX, DFP) rounds through round_shift(), so the rounding
// rules are written once.
#pragma once
#include <cstdint>
#include <optional>
#include <string_view>

#if defined(__GNUC__)
#define LPSIM_NUM_INLINE inline __attribute__((always_inline))
#else
#define LPSIM_NUM_INLINE inline
#endif

namespace lpsim::num {

enum class Rounding : uint8_t {
  kNearestEven,  // "rne": ties to the code with an even last bit (IEEE default; microxcaling "even")
  kNearestAway,  // "away": ties away from zero (microxcaling "nearest", its default)
  kTowardZero,   // "rtz": truncate the magnitude (microxcaling "floor")
  kStochastic,   // "stochastic": round up with probability = discarded fraction, see round_shift()
};

enum class Overflow : uint8_t {
  kSaturate,  // "sat": clamp to +-max finite; +-Inf -> +-max (OFP8 saturation mode, MX conversion)
  kOverflow,  // "ovf": OFP8 non-saturating: E4M3 -> NaN, E5M2/IEEE -> +-Inf (formats without specials clamp)
};

enum class Subnormals : uint8_t {
  kKeep,   // gradual underflow
  kFlush,  // a result that would be a subnormal of the target becomes a zero of the same sign
};

struct RoundOptions {
  Rounding rounding = Rounding::kNearestEven;
  Overflow overflow = Overflow::kSaturate;
  Subnormals subnormals = Subnormals::kKeep;
  int random_bits = 16;  // stochastic only: width R of the random number, 1..32
};

// IEEE-style rounding of accumulators: RNE, overflow to Inf.
inline constexpr RoundOptions kIeeeRne{Rounding::kNearestEven, Overflow::kOverflow, Subnormals::kKeep, 16};

const char* to_string(Rounding r);  // "rne" | "away" | "rtz" | "stochastic"
const char* to_string(Overflow o);  // "sat" | "ovf"
std::optional<Rounding> parse_rounding(std::string_view s);
std::optional<Overflow> parse_overflow(std::string_view s);

// Counter-based random numbers for stochastic rounding: the bits used for element i depend only on (seed, i),
// so results do not depend on threading or chunking. splitmix64 finaliser (Steele et al. 2014).
LPSIM_NUM_INLINE uint32_t random_bits_at(uint64_t seed, uint64_t index) {
  uint64_t z = seed + (index + 1) * 0x9e3779b97f4a7c15ull;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  z ^= z >> 31;
  return static_cast<uint32_t>(z >> 32);
}

// Drops the low `shift` bits of val (shift >= 0, may exceed the width; val < 2^(W-1)) and rounds the
// magnitude. Stochastic rounding with R random bits r (uniform in [0, 2^R)) adds r to the R discarded bits just
// below the kept LSB and keeps the carry: P(up) = floor(frac * 2^R) / 2^R for a discarded fraction frac, so the
// bias is below 2^-R of an LSB and bits more than R places below the LSB never round up (as in hardware SR).
template <class U>
LPSIM_NUM_INLINE U round_shift(U val, int shift, Rounding r, uint32_t random, int random_bits) {
  constexpr int kW = static_cast<int>(sizeof(U) * 8);
  const int sh = shift < kW - 1 ? shift : kW - 1;  // val < 2^(W-1): larger shifts change nothing
  const U q = val >> sh;
  const U rem = val & ((U(1) << sh) - 1);
  const U half = (U(1) << sh) >> 1;  // 0 when nothing is dropped
  U up = 0;
  switch (r) {
    case Rounding::kNearestEven:
      // (rem == half) & q keeps q's last bit; written without "q & 1" so that GCC vectorises the loops.
      up = static_cast<U>((half != 0) & ((rem > half) | ((rem == half) & q)));
      break;
    case Rounding::kNearestAway:
      up = static_cast<U>((half != 0) & (rem >= half));
      break;
    case Rounding::kTowardZero:
      break;
    case Rounding::kStochastic: {
      const int rb = random_bits;
      const uint64_t rnd = static_cast<uint64_t>(random) & ((uint64_t{1} << rb) - 1);
      const int d = shift - rb;  // position of the random window's LSB
      const uint64_t window = d >= 0 ? (static_cast<uint64_t>(rem) >> (d < 63 ? d : 63))
                                     : (static_cast<uint64_t>(rem) << -d);
      up = static_cast<U>((window + rnd) >> rb);
      break;
    }
  }
  return q + up;
}

}  // namespace lpsim::num
