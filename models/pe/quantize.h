// Internal: one operand quantized as the PE sees it (numerics library does the rounding).
#pragma once
#include <cstdint>
#include <vector>

#include "pe/pe.h"
#include "pe/scratch.h"

namespace lpsim::model::pe_detail {

struct QuantOperand {
  int64_t rows = 0, cols = 0;  // as the input (A: M x K, B: K x N)
  PeMode family = PeMode::kMx;
  num::NumberFormat element;
  // kMx: element codes (row-major) + E8M0 scale codes (A: rows x blocks, B: blocks x cols) + decode table.
  ScratchBuf<uint8_t> codes;
  std::vector<uint8_t> scales;
  std::vector<double> lut;
  // kFloat: quantized values x * scale rounded to the format (float32 values).
  ScratchBuf<float> fvals;
  float scale = 1.0f;
  // kInt: DFP integers, value = k * 2^exponent.
  ScratchBuf<int32_t> ivals;
  int exponent = 0;
  uint64_t saturations = 0, underflows = 0;
};

int thread_count(int threads);
QuantOperand quantize_operand(const ResolvedPe& r, const OperandFormat& f, bool is_b, const float* x,
                              int64_t rows, int64_t cols, int threads);
// Values the multipliers see, with MX block scales applied (exact doubles), row-major like the input.
std::vector<double> dequantize(const QuantOperand& q, int mx_block, bool is_b);
// The output factor left after the products: float 1/(s_A s_B) as float32, int 2^(E_A+E_B), MX 1.
double descale_of(const QuantOperand& a, const QuantOperand& b);

}  // namespace lpsim::model::pe_detail
