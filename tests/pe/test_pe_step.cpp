// The exported per-step arithmetic (pe/pe_step.h), which RTL is co-verified against: hand-worked values, and
// chains of steps equal to run_gemm (os) on 1 x 1 x K GEMMs with both kernel sets, so the steps are what
// `lpsim gemm` and `lpsim run` compute.
#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <random>

#include "numerics/convert.h"
#include "pe/pe_step.h"
#include "pe_test_util.h"

using namespace pe_test;

TEST_CASE("pe step: hand-worked MAC, VNNI, MX block and INT32 output steps", "[pe][step]") {
  const AccRounder f32 = fp32_accumulator();
  CHECK(pe_mac_step(f32, 1.0, 0x1p-12f, 0x1p-12f) == 1.0);                 // tie 1 + 2^-24 -> even (1)
  CHECK(pe_mac_step(f32, 1.0 + 0x1p-23, 0x1p-12f, 0x1p-12f) == 1.0 + 0x1p-22);  // tie -> even (up)
  CHECK(std::signbit(pe_mac_step(f32, -0.0, -0.0f, 1.0f)));                 // (-0) + (-0) = -0
  CHECK(!std::signbit(pe_mac_step(f32, -0.0, 0.0f, 1.0f)));                 // (-0) + (+0) = +0
  // A bf16 accumulator rounds every step: 1 + 2^-8 is a tie at 8 significand bits.
  const AccRounder b16 = accumulator_of(resolve(params("bf16", "bf16", "bf16")));
  CHECK(pe_mac_step(b16, 1.0, 0x1p-4f, 0x1p-4f) == 1.0);

  bool ovf = false;
  CHECK(pe_vnni_step(INT32_MAX, 1, 0, 1, 0, Int32Policy::kWrap, &ovf) == INT32_MIN);
  CHECK(ovf);
  CHECK(pe_vnni_step(INT32_MAX, 1, 0, 1, 0, Int32Policy::kSaturate, &ovf) == INT32_MAX);
  CHECK(ovf);
  CHECK(pe_vnni_step(0, -32768, -32768, -32768, -32768, Int32Policy::kSaturate, &ovf) == INT32_MAX);
  CHECK(pe_vnni_step(5, 300, -7, -2, 9, Int32Policy::kWrap, &ovf) == 5 - 600 - 63);
  CHECK_FALSE(ovf);

  double a[32], b[32];
  for (int k = 0; k < 32; ++k) a[k] = b[k] = 1.0;
  CHECK(pe_mx_block_step(f32, 0.0, a, b, 32, 127, 127) == 32.0);
  CHECK(pe_mx_block_step(f32, 0.0, a, b, 32, 130, 120) == 32.0 * 0x1p-4);
  CHECK(std::isnan(pe_mx_block_step(f32, 0.0, a, b, 32, 0xff, 127)));
  CHECK_THROWS_AS(pe_mx_block_step(f32, 0.0, a, b, 0, 127, 127), std::invalid_argument);

  CHECK(pe_int_output(3, -2) == 0.75f);
  CHECK(pe_int_output(INT32_MAX, 0) == 2147483648.0f);  // fl32 rounds 2^31 - 1 up
}

namespace {

// A 1 x 1 x K GEMM through run_gemm, os, with the given kernels.
float gemm_1x1(const PeParams& p, const std::vector<float>& a, const std::vector<float>& b, GemmKernel kern) {
  GemmRunOptions run;
  run.kernel = kern;
  return run_gemm(p, order(Dataflow::kOS), a.data(), b.data(), 1, 1, static_cast<int64_t>(a.size()), run).c[0];
}

}  // namespace

TEST_CASE("pe step: chains of steps equal run_gemm (os) on 1 x 1 x K, both kernel sets", "[pe][step]") {
  std::mt19937_64 g(3);
  std::normal_distribution<float> nd(0.0f, 1.0f);
  for (int trial = 0; trial < 200; ++trial) {
    const int K = 1 + static_cast<int>(g() % 200);
    std::vector<float> a(static_cast<size_t>(K)), b(static_cast<size_t>(K));
    for (int k = 0; k < K; ++k) {
      // Wide dynamic range, so the FP32 accumulation rounds.
      a[static_cast<size_t>(k)] = nd(g) * (g() % 8 == 0 ? 3000.0f : 1.0f);
      b[static_cast<size_t>(k)] = nd(g);
    }
    for (const char* fmt : {"fp8_e4m3", "fp8_e5m2", "bf16"}) {
      const PeParams p = params(fmt, fmt);
      const QuantizedOperands q = quantize_operands(p, a.data(), b.data(), 1, 1, K);
      double acc = 0;
      for (int k = 0; k < K; ++k) {
        acc = pe_mac_step(fp32_accumulator(), acc, static_cast<float>(q.a[static_cast<size_t>(k)]),
                          static_cast<float>(q.b[static_cast<size_t>(k)]));
      }
      INFO(fmt << " K " << K);
      CHECK(bits(static_cast<float>(acc)) == bits(gemm_1x1(p, a, b, GemmKernel::kPortable)));
      CHECK(bits(static_cast<float>(acc)) == bits(gemm_1x1(p, a, b, GemmKernel::kAuto)));
    }
    {  // MX: blocks of 32 along K; element values and scales as the quantizer produced them.
      const PeParams p = params("mxfp8_e4m3", "mxfp8_e4m3");
      const QuantizedOperands q = quantize_operands(p, a.data(), b.data(), 1, 1, K);
      // q holds scaled values; split each block into elements x 2^X with X from the block's largest element.
      double acc = 0;
      for (int k0 = 0; k0 < K; k0 += 32) {
        const int n = std::min(32, K - k0);
        double ea[32], eb[32];
        const auto scale_of = [](const double* v, int m) {
          // The E8M0 scale code that makes every value an E4M3 element: the quantizer's floor rule gives
          // X = floor(log2 amax) - 8; any X with exact elements gives the same exact block value.
          double amax = 0;
          for (int i = 0; i < m; ++i) amax = std::max(amax, std::fabs(v[i]));
          return amax == 0 ? 127 : std::ilogb(amax) - 8 + 127;
        };
        const int xa = scale_of(&q.a[static_cast<size_t>(k0)], n), xb = scale_of(&q.b[static_cast<size_t>(k0)], n);
        for (int i = 0; i < n; ++i) {
          ea[i] = std::ldexp(q.a[static_cast<size_t>(k0 + i)], 127 - xa);
          eb[i] = std::ldexp(q.b[static_cast<size_t>(k0 + i)], 127 - xb);
        }
        acc = pe_mx_block_step(fp32_accumulator(), acc, ea, eb, n, static_cast<uint8_t>(xa), static_cast<uint8_t>(xb));
      }
      INFO("mxfp8_e4m3 K " << K);
      CHECK(bits(static_cast<float>(acc)) == bits(gemm_1x1(p, a, b, GemmKernel::kPortable)));
      CHECK(bits(static_cast<float>(acc)) == bits(gemm_1x1(p, a, b, GemmKernel::kAuto)));
    }
    {  // INT16 (DFP16), wrap: VNNI steps, then the INT32 -> FP32 output step.
      const PeParams p = params("int16", "int16");
      const QuantizedOperands q = quantize_operands(p, a.data(), b.data(), 1, 1, K);
      int32_t acc = 0;
      for (int k = 0; k < K; k += 2) {
        const auto at = [&](const std::vector<double>& v, int i) {
          return static_cast<int16_t>(i < K ? v[static_cast<size_t>(i)] : 0.0);
        };
        acc = pe_vnni_step(acc, at(q.a, k), at(q.a, k + 1), at(q.b, k), at(q.b, k + 1), Int32Policy::kWrap, nullptr);
      }
      INFO("int16 K " << K);
      const float out = pe_int_output(acc, std::ilogb(q.descale));
      CHECK(bits(out) == bits(gemm_1x1(p, a, b, GemmKernel::kPortable)));
      CHECK(bits(out) == bits(gemm_1x1(p, a, b, GemmKernel::kAuto)));
    }
  }
}
