#include "vector/vector_unit.h"

#include "numerics/convert.h"

namespace lpsim::model {

const char* to_string(VectorFormat f) { return f == VectorFormat::kBf16 ? "bf16" : "fp32"; }

std::optional<VectorFormat> parse_vector_format(std::string_view s) {
  if (s == "fp32") return VectorFormat::kFp32;
  if (s == "bf16") return VectorFormat::kBf16;
  return std::nullopt;
}

int vector_bits(VectorFormat f) { return f == VectorFormat::kBf16 ? 16 : 32; }

uint64_t vector_cycles(const VectorParams& p, uint64_t ops) {
  if (ops == 0) return 0;
  const uint64_t lanes = p.lanes < 1 ? 1 : static_cast<uint64_t>(p.lanes);
  return kVectorLatencyCycles + (ops + lanes - 1) / lanes;
}

double vector_in(VectorFormat f, double x) {
  return f == VectorFormat::kBf16 ? num::round_to(num::kBF16, x, num::Rounding::kNearestEven) : x;
}

float vector_out(VectorFormat f, double x) {
  return static_cast<float>(f == VectorFormat::kBf16 ? num::round_to(num::kBF16, x, num::Rounding::kNearestEven)
                                                     : num::round_to(num::kFP32, x, num::Rounding::kNearestEven));
}

}  // namespace lpsim::model
