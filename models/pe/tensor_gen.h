// Seeded synthetic tensors for GEMM experiments (lpsim gemm --dist, trace ops without .npy files).
// Counter-based: element i of stream s depends only on (seed, s, i), so results never depend on threads or on
// how a tensor is split, and A and B of one GEMM use different streams of the same seed.
#pragma once
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace lpsim::model {

enum class Distribution : uint8_t {
  kNormal,   // N(0, scale^2) (Box-Muller)
  kUniform,  // U(-scale, scale)
  kLaplace,  // Laplace(0, b = scale): density exp(-|x|/b) / 2b (inverse CDF)
  kRelu,     // max(0, N(0, scale^2)): what a ReLU leaves, half zeros and a half-normal (outliers positive)
};
const char* to_string(Distribution d);  // "normal" | "uniform" | "laplace" | "relu"
std::optional<Distribution> parse_distribution(std::string_view s);

struct TensorGenSpec {
  Distribution dist = Distribution::kNormal;
  uint64_t seed = 1;
  double scale = 1.0;
  // Outliers: each element independently, with probability outlier_fraction, is replaced by
  // +-outlier_size * scale * (1 + u), u ~ U[0, 1), random sign.
  double outlier_fraction = 0.0;
  double outlier_size = 0.0;
};

// "FRAC:SIZE" (e.g. "0.001:50"): 0 <= FRAC <= 1, SIZE > 0. Throws std::invalid_argument with the reason.
void parse_outliers(std::string_view text, double& fraction, double& size);

// Validates spec (finite positive scale, outlier ranges); throws std::invalid_argument.
void validate(const TensorGenSpec& spec);

// The weight operand (B) of a synthetic GEMM whose activations (A) follow `activations`: the same spec, except
// that ReLU activations meet normal weights (a ReLU acts on activations, not on weights).
TensorGenSpec weight_spec(TensorGenSpec activations);

// n values of stream `stream` (conventionally 0 = A/activations, 1 = B/weights), rounded to float32.
std::vector<float> generate_tensor(const TensorGenSpec& spec, uint64_t stream, size_t n);

}  // namespace lpsim::model
