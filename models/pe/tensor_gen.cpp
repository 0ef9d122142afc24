#include "pe/tensor_gen.h"

#include <algorithm>

#include <cmath>
#include <cstdlib>
#include <stdexcept>

namespace lpsim::model {

const char* to_string(Distribution d) {
  switch (d) {
    case Distribution::kNormal: return "normal";
    case Distribution::kUniform: return "uniform";
    case Distribution::kLaplace: return "laplace";
    case Distribution::kRelu: return "relu";
  }
  return "?";
}

std::optional<Distribution> parse_distribution(std::string_view s) {
  if (s == "normal" || s == "gaussian") return Distribution::kNormal;
  if (s == "uniform") return Distribution::kUniform;
  if (s == "laplace") return Distribution::kLaplace;
  if (s == "relu") return Distribution::kRelu;
  return std::nullopt;
}

void parse_outliers(std::string_view text, double& fraction, double& size) {
  const size_t colon = text.find(':');
  if (colon == std::string_view::npos)
    throw std::invalid_argument("expected FRAC:SIZE (e.g. 0.001:50), got '" + std::string(text) + "'");
  const std::string f(text.substr(0, colon)), s(text.substr(colon + 1));
  char* end = nullptr;
  fraction = std::strtod(f.c_str(), &end);
  if (f.empty() || *end != '\0' || !(fraction >= 0.0 && fraction <= 1.0))
    throw std::invalid_argument("outlier fraction must be a number in [0, 1], got '" + f + "'");
  size = std::strtod(s.c_str(), &end);
  if (s.empty() || *end != '\0' || !(size > 0.0) || !std::isfinite(size))
    throw std::invalid_argument("outlier size must be a positive number, got '" + s + "'");
}

void validate(const TensorGenSpec& spec) {
  if (!(spec.scale > 0.0) || !std::isfinite(spec.scale))
    throw std::invalid_argument("scale must be a positive finite number");
  if (!(spec.outlier_fraction >= 0.0 && spec.outlier_fraction <= 1.0))
    throw std::invalid_argument("outlier fraction must be in [0, 1]");
  if (spec.outlier_fraction > 0 && !(spec.outlier_size > 0.0 && std::isfinite(spec.outlier_size)))
    throw std::invalid_argument("outlier size must be a positive number");
}

namespace {

// splitmix64 finaliser (Steele, Lea, Flood 2014).
inline uint64_t mix(uint64_t z) {
  z += 0x9e3779b97f4a7c15ull;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

// Uniform in (0, 1), never 0 or 1: 53 random bits plus half an LSB.
inline double unit(uint64_t bits) { return (static_cast<double>(bits >> 11) + 0.5) * 0x1p-53; }

constexpr int kLanes = 5;  // random numbers per element: 2 for the value, 3 for the outlier decision

}  // namespace

TensorGenSpec weight_spec(TensorGenSpec activations) {
  if (activations.dist == Distribution::kRelu) activations.dist = Distribution::kNormal;
  return activations;
}

std::vector<float> generate_tensor(const TensorGenSpec& spec, uint64_t stream, size_t n) {
  validate(spec);
  const uint64_t key = mix(spec.seed ^ mix(stream * 0x632be59bd9b4e019ull + 0x1234567ull));
  const double two_pi = 6.283185307179586476925286766559;
  std::vector<float> x(n);
  for (size_t i = 0; i < n; ++i) {
    const uint64_t base = key + static_cast<uint64_t>(i) * kLanes * 0xd1342543de82ef95ull;
    auto lane = [&](int l) { return mix(base + static_cast<uint64_t>(l) * 0xa0761d6478bd642full); };
    const double u1 = unit(lane(0)), u2 = unit(lane(1));
    double v = 0;
    switch (spec.dist) {
      case Distribution::kNormal: v = std::sqrt(-2.0 * std::log(u1)) * std::cos(two_pi * u2); break;
      case Distribution::kRelu: v = std::max(0.0, std::sqrt(-2.0 * std::log(u1)) * std::cos(two_pi * u2)); break;
      case Distribution::kUniform: v = 2.0 * u1 - 1.0; break;
      case Distribution::kLaplace: {
        const double c = u1 - 0.5;
        v = (c < 0 ? 1.0 : -1.0) * std::log(1.0 - 2.0 * std::fabs(c));
        break;
      }
    }
    v *= spec.scale;
    if (spec.outlier_fraction > 0 && unit(lane(2)) < spec.outlier_fraction) {
      const double sign = (lane(3) & 1) && spec.dist != Distribution::kRelu ? -1.0 : 1.0;
      v = sign * spec.outlier_size * spec.scale * (1.0 + (unit(lane(4)) - 0x1p-54));
    }
    x[i] = static_cast<float>(v);
  }
  return x;
}

}  // namespace lpsim::model
