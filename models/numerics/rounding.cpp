#include "numerics/rounding.h"

namespace lpsim::num {

const char* to_string(Rounding r) {
  switch (r) {
    case Rounding::kNearestEven: return "rne";
    case Rounding::kNearestAway: return "away";
    case Rounding::kTowardZero: return "rtz";
    case Rounding::kStochastic: return "stochastic";
  }
  return "?";
}

const char* to_string(Overflow o) { return o == Overflow::kSaturate ? "sat" : "ovf"; }

std::optional<Rounding> parse_rounding(std::string_view s) {
  if (s == "rne") return Rounding::kNearestEven;
  if (s == "away") return Rounding::kNearestAway;
  if (s == "rtz") return Rounding::kTowardZero;
  if (s == "stochastic") return Rounding::kStochastic;
  return std::nullopt;
}

std::optional<Overflow> parse_overflow(std::string_view s) {
  if (s == "sat") return Overflow::kSaturate;
  if (s == "ovf") return Overflow::kOverflow;
  return std::nullopt;
}

}  // namespace lpsim::num
