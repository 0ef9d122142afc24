// Internal: packed operands and the GEMM tile kernels (portable scalar and AVX-512). Both kernel sets read the
// same packed layout and produce the same bits; the AVX-512 set is picked at run time when the CPU has it.
#pragma once
#include <cstdint>
#include <vector>

#include "pe/acc_round.h"
#include "pe/pe.h"
#include "pe/quantize.h"
#include "pe/scratch.h"

namespace lpsim::model {

// A B operand quantized and packed for the kernels (pe.h: prepare_weights). One of the three packed layouts is
// filled, the one of the PE's mode.
struct PreparedWeights {
  ResolvedPe r;
  int64_t k = 0, n = 0;
  pe_detail::QuantOperand qb;
  int64_t np = 0, nb = 0;  // padded columns; MX blocks along K
  pe_detail::ScratchBuf<double> mx_b, mx_sb;
  pe_detail::ScratchBuf<int16_t> mx_xb;
  pe_detail::ScratchBuf<float> fp_b;
  pe_detail::ScratchBuf<int16_t> int_b;
};

}  // namespace lpsim::model

namespace lpsim::model::pe_detail {

// Register tiles (rows x columns of outputs per kernel call). The portable kernels use the same values so the
// packed layout is shared.
constexpr int kMxMR = 8, kMxNR = 24;   // MX: 8 x 24 doubles = 24 zmm accumulators
constexpr int kFpMR = 12, kFpNR = 32;  // float MAC: 12 x 32 floats = 24 zmm
constexpr int kIntMR = 6, kIntNR = 32;  // int: 6 x 32 int32 sums + 6 x 32 overflow counters = 24 zmm

inline int64_t round_up(int64_t x, int64_t m) { return (x + m - 1) / m * m; }

// Output stage shared by all modes: y = RNE_fp32(total * descale), then RNE into the output format.
struct OutputStage {
  float descale = 1.0f;
  FormatRounder out;  // out.fp32: identity on float32 values
};

// ---- MX ------------------------------------------------------------------------------------------------------
// A: [M/MR][nb][bs][MR] element values (unscaled, exact doubles), B: [N/NR][nb][bs][NR].
// Scales: [M/MR][nb][MR] and [N/NR][nb][NR] as doubles 2^X (NaN for a NaN scale) and as exponents X.
// B's half lives in PreparedWeights (packed once for a constant weight); the kernels read it through pointers.
struct MxPacked {
  int64_t m = 0, n = 0, k = 0, nb = 0, mp = 0, np = 0;
  int bs = 32;
  ScratchBuf<double> a, sa;
  ScratchBuf<int16_t> xa;  // X, or kNanScale
  const double* b = nullptr;
  const double* sb = nullptr;
  const int16_t* xb = nullptr;
  bool exact_double = true;     // every block sum is exact in double (else the int128 path)
  int lsb_a = 0, lsb_b = 0;     // element values are integer multiples of 2^lsb
};
constexpr int16_t kNanScale = INT16_MIN;

struct MxJob {
  const MxPacked* p = nullptr;
  int64_t fold_blocks = 0;  // 0: one chain over all of K (os); R for ws/is
  FormatRounder acc;
  OutputStage out;
  float* c = nullptr;  // M x N
};

// ---- float MAC -------------------------------------------------------------------------------------------------
// A: [M/MR][K][MR] float32 values of the operand format, B: [N/NR][K][NR].
struct FpPacked {
  int64_t m = 0, n = 0, k = 0, mp = 0, np = 0;
  ScratchBuf<float> a;
  const float* b = nullptr;
};

struct FpJob {
  const FpPacked* p = nullptr;
  int64_t fold_k = 0;  // 0 (os) or R
  FormatRounder acc;
  OutputStage out;
  float* c = nullptr;
};

// ---- integer -----------------------------------------------------------------------------------------------------
// steps = ceil(K / 2) VNNI steps. A: [M/MR][steps][MR] int32 = (a[2t] & 0xffff) | a[2t+1] << 16,
// B: [N/NR][steps][NR][2] int16 {b[2t], b[2t+1]}. Odd K is padded with a zero element.
struct IntPacked {
  int64_t m = 0, n = 0, k = 0, steps = 0, mp = 0, np = 0;
  ScratchBuf<int32_t> a;
  const int16_t* b = nullptr;
  int exp_sum = 0;  // E_A + E_B
};

struct IntJob {
  const IntPacked* p = nullptr;
  Int32Policy policy = Int32Policy::kWrap;
  int64_t fold_steps = 0;      // 0 (os) or R
  int64_t spill_interval = 16;  // steps per INT32 partial (spill)
  OutputStage out;
  float* c = nullptr;
};

// Each kernel computes tiles [t0, t1) (tile t = row panel t / col_panels, column panel t % col_panels) and adds
// its accumulator-overflow events to *overflows.
void mx_tiles_portable(const MxJob& j, int64_t t0, int64_t t1, uint64_t* overflows);
void fp_tiles_portable(const FpJob& j, int64_t t0, int64_t t1, uint64_t* overflows);
void int_tiles_portable(const IntJob& j, int64_t t0, int64_t t1, uint64_t* overflows);

// Sparse PE (GemmRunOptions::skip_zero_products): the portable kernels with every product that has a zero operand
// and a finite partner left out, and a skipped step's accumulator kept except for the sign of zero (below).
// Only real (unpadded) rows, columns and K are computed and counted.
struct SkipCounts {
  uint64_t zero_products = 0, macs_skipped = 0, steps_skipped = 0;
};
void mx_tiles_skip(const MxJob& j, int64_t t0, int64_t t1, uint64_t* overflows, SkipCounts* sk);
void fp_tiles_skip(const FpJob& j, int64_t t0, int64_t t1, uint64_t* overflows, SkipCounts* sk);
void int_tiles_skip(const IntJob& j, int64_t t0, int64_t t1, uint64_t* overflows, SkipCounts* sk);

// A skipped MAC adds a zero product (sign `zero_neg`) to acc. IEEE 754-2019 §6.3: x + (+-0) = x for x != 0,
// (-0) + (-0) = -0 and (-0) + (+0) = +0 under RNE, so the result is acc except that a -0 accumulator becomes +0
// when the product's zero is +0: one gate on the accumulator's sign bit. NaN and Inf accumulators stay.
inline double add_zero_product(double acc, bool zero_neg) { return (acc == 0 && !zero_neg) ? 0.0 : acc; }

bool avx512_available();  // CPU has AVX-512 F/DQ/BW/VL and the AVX-512 kernels were compiled in
// Only called when avx512_available(); the MX kernel needs exact_double, the float kernel an fp32 accumulator.
void mx_tiles_avx512(const MxJob& j, int64_t t0, int64_t t1, uint64_t* overflows);
void fp_tiles_avx512(const FpJob& j, int64_t t0, int64_t t1, uint64_t* overflows);
void int_tiles_avx512(const IntJob& j, int64_t t0, int64_t t1, uint64_t* overflows);

// Out-of-line scalar pieces the AVX-512 kernels call (defined in gemm_portable.cpp, compiled for the baseline ISA).
// acc = RNE_acc(f + v) for exact doubles f, v.
double acc_add(const FormatRounder& acc, double f, double v);
// Writes the real (unpadded) outputs of an MR x NR tile of accumulator values; counts Inf accumulators.
void store_tile_out(const OutputStage& o, const double* total, int mr, int nr, int64_t i0, int64_t j0, int64_t m,
                    int64_t n, float* c, uint64_t* overflows);

// Scalar helpers shared by both kernel sets.
inline double mul_round_odd(double x, double y) {  // x * y rounded to odd (x, y finite, no under/overflow)
  const double hi = x * y;
  if (!std::isfinite(hi)) return hi;
  const double lo = std::fma(x, y, -hi);
  return add_round_odd(hi, lo);
}
inline float output_value(const OutputStage& o, double total) {
  const float y = static_cast<float>(o.descale == 1.0f ? total : mul_round_odd(total, o.descale));
  return o.out.fp32 ? y : static_cast<float>(o.out(static_cast<double>(y)));
}

}  // namespace lpsim::model::pe_detail
