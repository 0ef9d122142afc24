// Vector unit: the SIMD unit beside the systolic array that runs every op that is neither a GEMM (array) nor an
// activation of the K-TanH SFU: elementwise arithmetic, ReLU family, pooling, BatchNorm, Softmax, LayerNorm,
// transposes and concatenations. Modelled simply and stated exactly (README "ONNX models"):
//  - values: each op reads its inputs in the unit's format (fp32 or bf16), computes every output exactly (in
//    double; reductions such as Softmax's sum and LayerNorm's mean/variance included) and rounds it once, RNE, to
//    the format. microxcaling runs such ops in bfloat16 ("vector ops"); lpsim lets the architect pick.
//  - time: an op of n vector operations takes kVectorLatencyCycles + ceil(n / lanes) cycles (0 when n = 0);
//    ops per output element are counted per kind by the caller (sim/exec).
// Pure C++17: no SystemC.
#pragma once
#include <cstdint>
#include <optional>
#include <string_view>

namespace lpsim::model {

enum class VectorFormat : uint8_t { kFp32, kBf16 };
const char* to_string(VectorFormat f);  // "fp32" | "bf16"
std::optional<VectorFormat> parse_vector_format(std::string_view s);
int vector_bits(VectorFormat f);  // 32 | 16

// Pipeline depth of one vector op (operand read, op, round, write back): a documented assumption, not a
// measured figure; it only matters for tiny tensors.
constexpr uint64_t kVectorLatencyCycles = 4;

struct VectorParams {
  VectorFormat format = VectorFormat::kFp32;
  int lanes = 32;  // vector operations per cycle
};

uint64_t vector_cycles(const VectorParams& p, uint64_t ops);

// The unit's number handling: inputs are read in the format, results rounded once to it (RNE).
double vector_in(VectorFormat f, double x);
float vector_out(VectorFormat f, double x);

}  // namespace lpsim::model
