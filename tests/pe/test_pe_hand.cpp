// Small GEMMs whose results are worked out by hand (expected float32 bits in the comments). Every case runs
// through both kernel sets (AVX-512 when available, and the portable scalar code).
#include <catch2/catch.hpp>
#include <cmath>

#include "pe_test_util.h"

using namespace pe_test;

namespace {

const float kInf = INFINITY;

GemmKernel any_kernel() { return GENERATE(GemmKernel::kAuto, GemmKernel::kPortable); }

}  // namespace

TEST_CASE("pe mx: the MX conformance block through a GEMM gives 384 with RNE and 416 with ties away",
          "[pe][mx][conformance]") {
  // papers.md §1.3 (microxcaling mx/tests/test_fp8_e4m3_fix.py): one MXFP8-E4M3 block. amax 485 -> X = 8 - 8 = 0.
  // 485, 475 round to 480 > 448 -> clamp to 448 (4 saturations with the negatives); 450 rounds to 448 (no clamp);
  // 400 lies halfway between 384 (1.100b * 2^8, even) and 416 (1.101b * 2^8).
  // B = identity: each column block holds one 1.0 -> X_B = -8, element 256, so C[0][j] = A_q[j] * 256 * 2^-8.
  const GemmKernel kernel = any_kernel();
  const std::vector<float> a = {485, 475, 400, -485, -475, -450, 0x1p-6f, -0x1p-6f};
  const std::vector<float> b = identity(8, 8);
  PeParams p = params("mxfp8_e4m3", "mxfp8_e4m3");
  const bool away = GENERATE(false, true);
  p.rounding = away ? lpsim::num::Rounding::kNearestAway : lpsim::num::Rounding::kNearestEven;
  const GemmResult r = gemm(p, order(Dataflow::kOS), a, b, 1, 8, 8, kernel);
  // 448 = 0x43e00000, 384 = 0x43c00000, 416 = 0x43d00000, 2^-6 = 0x3c800000.
  const std::vector<uint32_t> expect = {0x43e00000, 0x43e00000, away ? 0x43d00000u : 0x43c00000u,
                                        0xc3e00000, 0xc3e00000, 0xc3e00000,
                                        0x3c800000, 0xbc800000};
  for (int j = 0; j < 8; ++j) {
    INFO("column " << j);
    CHECK(bits(r.c[j]) == expect[j]);
  }
  CHECK(r.counters.saturations_a == 4);
  CHECK(r.counters.saturations_b == 0);
  CHECK(r.counters.acc_overflows == 0);
}

TEST_CASE("pe mx: a block sum is exact and rounded once into the accumulator", "[pe][mx]") {
  // A = [256, 0.5 x 31] (X_A = 0), B = ones (X_B = -8, elements 256). Exact block value:
  // (256 + 31 * 0.5) = 271.5 = 0x4387c000. A bf16 accumulator rounds it once: bf16 spacing in [256, 512) is 2,
  // 271.5 -> 272 = 0x43880000. A per-MAC bf16 accumulator instead rounds 256 + 0.5 (a tie) back to 256 at every
  // step: 256 = 0x43800000.
  const GemmKernel kernel = any_kernel();
  std::vector<float> a(32, 0.5f);
  a[0] = 256.0f;
  const std::vector<float> b(32, 1.0f);
  CHECK(bits(gemm(params("mxfp8_e4m3", "mxfp8_e4m3"), order(Dataflow::kOS), a, b, 1, 1, 32, kernel).c[0]) ==
        0x4387c000u);
  CHECK(bits(gemm(params("mxfp8_e4m3", "mxfp8_e4m3", "bf16"), order(Dataflow::kOS), a, b, 1, 1, 32, kernel)
                 .c[0]) == 0x43880000u);
  CHECK(bits(gemm(params("bf16", "bf16", "bf16"), order(Dataflow::kOS), a, b, 1, 1, 32, kernel).c[0]) ==
        0x43800000u);
  // The same per-MAC chain with an fp32 accumulator is exact again.
  CHECK(bits(gemm(params("bf16", "bf16"), order(Dataflow::kOS), a, b, 1, 1, 32, kernel).c[0]) == 0x4387c000u);
}

TEST_CASE("pe mx: the block value meets the accumulator in a single rounding (no double rounding)",
          "[pe][mx]") {
  // Block 0: A = 2^19 * [256, -0.5, 0.0625] (X_A = 27 - 8 = 19), B = [256, 0.5, 0.0625] (X_B = 0):
  //   v0 = 2^19 * (2^16 - 2^-2 + 2^-8) = 2^35 - 2^17 + 2^11, a float32 value (24-bit window 2^34..2^11).
  // Block 1: A = B = [256, 256, 2^-9] (X = 0): v1 = 2^16 + 2^16 + 2^-18 = 2^17 + 2^-18.
  // Exact sum 2^35 + 2^11 + 2^-18 lies just above the float32 midpoint 2^35 + 2^11 -> RNE gives 2^35 + 2^12 =
  // 0x51000001. Summing in double first would land on the midpoint (2^-18 is half a double ulp there, ties to
  // even) and then round to even: 2^35 = 0x51000000, which is what the FP64 "ideal" emulation computes.
  const GemmKernel kernel = any_kernel();
  std::vector<float> a(64, 0.0f), b(64, 0.0f);
  a[0] = 0x1p27f;
  a[1] = -0x1p18f;
  a[2] = 0x1p15f;
  b[0] = 256.0f;
  b[1] = 0.5f;
  b[2] = 0.0625f;
  a[32] = a[33] = b[32] = b[33] = 256.0f;
  a[34] = b[34] = 0x1p-9f;
  const PeParams p = params("mxfp8_e4m3", "mxfp8_e4m3");
  const GemmResult r = gemm(p, order(Dataflow::kOS), a, b, 1, 1, 64, kernel);
  CHECK(bits(r.c[0]) == 0x51000001u);
  const GemmAccuracy acc = gemm_accuracy(p, a.data(), b.data(), 1, 1, 64, r, 1);
  CHECK(acc.bit_identical_to_ideal == 0);
  const ResolvedPe rp = resolve(p);
  const QuantizedOperands q = quantize_operands(p, a.data(), b.data(), 1, 1, 64, 1);
  CHECK(bits(ideal_gemm(rp, q, 1, 1, 64, 1)[0]) == 0x51000000u);
}

TEST_CASE("pe mx: single rounding also holds in float32's subnormal range", "[pe][mx]") {
  // Block 0: A = B = [2^-65] (X = -65 - 8 = -73, element 256): v0 = 2^16 * 2^-146 = 2^-130, a float32 subnormal
  //   (2^19 units of 2^-149 = 0x00080000).
  // Block 1: A = B = [2^-75, 2^-92] (X = -83, elements 256 and 2^-9): v1 = (2^16 + 2^-18) * 2^-166
  //   = 2^-150 + 2^-184.
  // Exact sum 2^-130 + 2^-150 + 2^-184 is just above the subnormal midpoint 2^-130 + 2^-150 -> RNE gives
  // 2^-130 + 2^-149 = 0x00080001. In double the 2^-184 falls below the last bit (the sum spans 55 bits), leaving
  // the midpoint, which rounds to even: 0x00080000.
  const GemmKernel kernel = any_kernel();
  std::vector<float> a(64, 0.0f);
  a[0] = 0x1p-65f;
  a[32] = 0x1p-75f;
  a[33] = 0x1p-92f;
  const std::vector<float> b = a;
  const GemmResult r = gemm(params("mxfp8_e4m3", "mxfp8_e4m3"), order(Dataflow::kOS), a, b, 1, 1, 64, kernel);
  CHECK(bits(r.c[0]) == 0x00080001u);
}

TEST_CASE("pe mx: a NaN scale makes its outputs NaN and leaves the others alone", "[pe][mx][nan]") {
  // Row 0 holds an Inf -> its block scale is NaN (MX v1.0 §6.3, numerics README rule 1) -> C[0] = NaN.
  // Row 1: 32 x 1.0 times ones = 32 = 0x42000000.
  const GemmKernel kernel = any_kernel();
  std::vector<float> a(64, 1.0f);
  a[5] = kInf;
  const std::vector<float> b(32, 1.0f);
  const GemmResult r = gemm(params("mxfp8_e4m3", "mxfp8_e4m3"), order(Dataflow::kOS), a, b, 2, 1, 32, kernel);
  CHECK(std::isnan(r.c[0]));
  CHECK(bits(r.c[1]) == 0x42000000u);
  CHECK(r.counters.nan_outputs == 1);
}

TEST_CASE("pe float: a bf16 accumulator rounds every MAC, in the order the dataflow implies",
          "[pe][float][order]") {
  // A = [1, 2^-8, 2^-8, 2^-8] (E4M3 values), B = ones. bf16 has 8 significant bits: 1 + 2^-8 is a tie -> 1.
  //  os:        ((1 + 2^-8) + 2^-8) + 2^-8 -> 1 at every step = 0x3f800000
  //  ws, R = 2: fold 0 = 1 + 2^-8 -> 1; fold 1 = 2^-8 + 2^-8 = 2^-7; total 1 + 2^-7 = 1.0078125 = 0x3f810000
  //  ws, R = 1: every fold is one product; total ((1 + 2^-8) + 2^-8) + 2^-8 -> 1 = 0x3f800000
  //  is, R = 2: partial sums also move down the column: same as ws = 0x3f810000
  //  fp32 accumulator: 1 + 3 * 2^-8 = 1.01171875 = 0x3f818000 (exact)
  const GemmKernel kernel = any_kernel();
  const std::vector<float> a = {1.0f, 0x1p-8f, 0x1p-8f, 0x1p-8f};
  const std::vector<float> b(4, 1.0f);
  const PeParams p = params("fp8_e4m3", "fp8_e4m3", "bf16");
  CHECK(bits(gemm(p, order(Dataflow::kOS), a, b, 1, 1, 4, kernel).c[0]) == 0x3f800000u);
  CHECK(bits(gemm(p, order(Dataflow::kWS, 2), a, b, 1, 1, 4, kernel).c[0]) == 0x3f810000u);
  CHECK(bits(gemm(p, order(Dataflow::kWS, 1), a, b, 1, 1, 4, kernel).c[0]) == 0x3f800000u);
  CHECK(bits(gemm(p, order(Dataflow::kIS, 2), a, b, 1, 1, 4, kernel).c[0]) == 0x3f810000u);
  CHECK(bits(gemm(params("fp8_e4m3", "fp8_e4m3"), order(Dataflow::kOS), a, b, 1, 1, 4, kernel).c[0]) ==
        0x3f818000u);
}

TEST_CASE("pe float: the FP32 reference MAC is fused (exact product, one rounding)", "[pe][float][fp32]") {
  // A = [-1, 1 + 2^-12], B = [1, 1 + 2^-12]. Exact: -1 + (1 + 2^-11 + 2^-24) = 2^-11 + 2^-24 = 2^-11 * (1 + 2^-13)
  // = 0x3a000400. Rounding the product first (2^-24 is half an ulp of 1 + 2^-11, ties to even) would give
  // 2^-11 = 0x3a000000.
  const GemmKernel kernel = any_kernel();
  const float x = 1.0f + 0x1p-12f;
  const std::vector<float> a = {-1.0f, x}, b = {1.0f, x};
  const GemmResult r = gemm(params("fp32", "fp32"), order(Dataflow::kOS), a, b, 1, 1, 2, kernel);
  CHECK(bits(r.c[0]) == 0x3a000400u);
}

TEST_CASE("pe float: fp32 accumulator overflow is counted", "[pe][float][overflow]") {
  // 2^127 + 2^127 = 2^128 overflows float32 -> Inf, one overflowed accumulator.
  const GemmKernel kernel = any_kernel();
  const std::vector<float> a = {0x1p127f, 0x1p127f}, b = {1.0f, 1.0f};
  const GemmResult r = gemm(params("bf16", "bf16"), order(Dataflow::kOS), a, b, 1, 1, 2, kernel);
  CHECK(std::isinf(r.c[0]));
  CHECK(r.counters.acc_overflows == 1);
}

TEST_CASE("pe float: per-tensor FP8 scaling is undone at the output", "[pe][float][scaling]") {
  // A = [2], B = [3], E4M3 with s = 448 / amax: s_A = 224, s_B = fl32(448 / 3). Both operands become 448; the
  // accumulator holds 448^2 = 200704 and the output is fl32(200704 * fl32(1 / (s_A s_B))) ~= 6.
  const GemmKernel kernel = any_kernel();
  PeParams p = params("fp8_e4m3", "fp8_e4m3");
  p.tensor_scale = lpsim::num::TensorScale::kExact;
  const std::vector<float> a = {2.0f}, b = {3.0f};
  const GemmResult r = gemm(p, order(Dataflow::kOS), a, b, 1, 1, 1, kernel);
  const float sb = static_cast<float>(448.0 / 3.0);
  const float d = static_cast<float>(1.0 / (224.0 * static_cast<double>(sb)));
  CHECK(r.descale == static_cast<double>(d));
  CHECK(bits(r.c[0]) == bits(static_cast<float>(200704.0 * static_cast<double>(d))));
  CHECK(std::fabs(r.c[0] - 6.0f) < 1e-5f);
  p.tensor_scale = lpsim::num::TensorScale::kNone;  // unscaled: 2 * 3 = 6 exactly
  CHECK(bits(gemm(p, order(Dataflow::kOS), a, b, 1, 1, 1, kernel).c[0]) == 0x40c00000u);
  // pow2 (the default): s_A = 2^floor(log2(448 / 2)) = 128, s_B = 2^floor(log2(448 / 3)) = 128; 256 * 384 =
  // 98304 times 2^-14 = 6 exactly.
  p.tensor_scale = lpsim::num::TensorScale::kPow2;
  const GemmResult r2 = gemm(p, order(Dataflow::kOS), a, b, 1, 1, 1, kernel);
  CHECK(r2.descale == 0x1p-14);
  CHECK(bits(r2.c[0]) == 0x40c00000u);
}

TEST_CASE("pe int: INT32 wrap, saturate and spill on an overflowing VNNI chain", "[pe][int][overflow]") {
  // A = [1 x 10, -1 x 6], B = ones (K = 16). DFP16: amax 1 -> E = 0 - 14 = -14, I = 2^14 for both operands, so
  // each product is 2^28 and each VNNI step adds d = +-2^29; E_A + E_B = -28. Steps: +2^29 x 5, then -2^29 x 3.
  //  exact sums: 2^29, 2^30, 1.5*2^30, 2^31 (overflow), 2.5*2^30 (overflow), ..., final 2^30.
  //  wrap: step 4 overflows to -2^31, step 7 (-2^31 - 2^29) overflows back; result 2^30 -> 4.0 = 0x40800000,
  //        2 overflow events.
  //  saturate: steps 4 and 5 clamp to 2^31 - 1; then - 3 * 2^29 -> 2^29 - 1 -> fl32(2 - 2^-28) = 2.0 = 0x40000000,
  //        2 events.
  //  spill, N = 2: partials 2^30, 2^30, 0, -2^30 -> 4 + 4 + 0 - 4 = 4.0 in FP32, 0 events, 4 spills.
  //  saturate on ws with R = 2 (folds of 2 steps): fold sums 2^30, 2^30, 0, -2^30; total clamps once at 2^31:
  //        2^31 - 1 - 2^30 = 2^30 - 1 -> fl32(4 - 2^-28) = 4.0 = 0x40800000, 1 event.
  const GemmKernel kernel = any_kernel();
  std::vector<float> a(16, 1.0f);
  for (int i = 10; i < 16; ++i) a[i] = -1.0f;
  const std::vector<float> b(16, 1.0f);
  PeParams p = params("int16", "int16");
  p.int32_policy = Int32Policy::kWrap;
  GemmResult r = gemm(p, order(Dataflow::kOS), a, b, 1, 1, 16, kernel);
  CHECK(bits(r.c[0]) == 0x40800000u);
  CHECK(r.counters.acc_overflows == 2);
  CHECK(r.counters.spills == 0);

  p.int32_policy = Int32Policy::kSaturate;
  r = gemm(p, order(Dataflow::kOS), a, b, 1, 1, 16, kernel);
  CHECK(bits(r.c[0]) == 0x40000000u);
  CHECK(r.counters.acc_overflows == 2);

  r = gemm(p, order(Dataflow::kWS, 2), a, b, 1, 1, 16, kernel);
  CHECK(bits(r.c[0]) == 0x40800000u);
  CHECK(r.counters.acc_overflows == 1);

  p.int32_policy = Int32Policy::kSpill;
  p.spill_interval = 2;
  r = gemm(p, order(Dataflow::kOS), a, b, 1, 1, 16, kernel);
  CHECK(bits(r.c[0]) == 0x40800000u);
  CHECK(r.counters.acc_overflows == 0);
  CHECK(r.counters.spills == 4);
  // N = 3: partials of 3, 3, 2 steps (+,+,+ | +,+,- | -,-): 1.5*2^30 -> 6, 2^29 -> 2, -2^30 -> -4; total 4.0,
  // 3 spills.
  p.spill_interval = 3;
  r = gemm(p, order(Dataflow::kOS), a, b, 1, 1, 16, kernel);
  CHECK(bits(r.c[0]) == 0x40800000u);
  CHECK(r.counters.spills == 3);
}

TEST_CASE("pe int: an odd K pads the last VNNI pair with zero", "[pe][int]") {
  // int8 DFP: amax 3 -> E = floor(log2 3) - 6 = -5, I = 3 * 32 = 96; B = ones: E = -6, I = 64.
  // A = [3, 3, 3] (K = 3): sum 3 * 96 * 64 = 18432, times 2^-11 = 9.0 = 0x41100000.
  const GemmKernel kernel = any_kernel();
  const std::vector<float> a = {3, 3, 3}, b = {1, 1, 1};
  const GemmResult r = gemm(params("int8", "int8"), order(Dataflow::kOS), a, b, 1, 1, 3, kernel);
  CHECK(bits(r.c[0]) == 0x41100000u);
}
