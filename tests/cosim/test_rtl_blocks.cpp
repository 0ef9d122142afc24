// Issue 16: the verilated MAC blocks, MX dot unit and systolic tiles against lpsim's C++ models, bit for bit and
// cycle for cycle, and proof that the comparison fails when the model is wrong by a single bit or a plausible
// slip. Hand-worked vectors first (they pin the RTL's interface and a few values independently of any model).
#include <catch2/catch.hpp>

#include <cstring>
#include <limits>

#include "cosim/cosim.h"
#include "cosim/rtl_benches.h"

using namespace lpsim::model;

namespace {

uint32_t bits(float f) {
  uint32_t u;
  std::memcpy(&u, &f, 4);
  return u;
}

CosimInputs corners() { return {CosimInputKind::kCorners, 0, 1}; }
CosimInputs random_n(uint64_t n, uint64_t seed = 1) { return {CosimInputKind::kRandom, n, seed}; }

void require_clean(const BlockCosimResult& r, uint64_t vectors) {
  INFO(format_block_report(r));
  CHECK(r.vectors == vectors);
  CHECK(r.mismatches == 0);
  CHECK(r.first_mismatches.empty());
  CHECK(r.cycles == r.expected_cycles);
  CHECK(r.passed());
  CHECK_THAT(format_block_report(r), Catch::Contains("result: PASS (0 mismatches)"));
}

}  // namespace

// ---- hand-worked vectors through the RTL -------------------------------------------------------------------------

TEST_CASE("rtl fp8_mac: hand-worked steps, chains and latency", "[cosim][rtl][fp8]") {
  std::vector<Fp8MacIn> in = {
      {true, false, false, 0x38, 0x38, 0},           // E4M3 1 x 1 + 0 = 1
      {false, false, false, 0x7e, 0x7e, 0},          // + 448 x 448 = 200705
      {false, true, false, 0x01, 0x01, 0},           // + E5M2 2^-16 x E4M3 2^-9 = 2^-25: below half an ulp
      {true, true, true, 0x7c, 0x00, 0x3f800000u},   // E5M2 Inf x 0: NaN
      {true, true, true, 0x7c, 0x3c, 0xff800000u},   // Inf x 1 + -Inf: NaN
      {true, false, false, 0x80, 0x38, 0x80000000u},  // -0 x 1 + -0 = -0
      {true, false, false, 0x00, 0xb8, 0x00000001u},  // -0 product + min subnormal: the subnormal
  };
  std::vector<uint32_t> out(in.size());
  CHECK(rtl_fp8_mac(in.data(), in.size(), out.data()) == in.size() + kRtlMacLatency);
  CHECK(out[0] == 0x3f800000u);
  CHECK(out[1] == bits(200705.0f));
  CHECK(out[2] == bits(200705.0f));
  CHECK(out[3] == 0x7fc00000u);
  CHECK(out[4] == 0x7fc00000u);
  CHECK(out[5] == 0x80000000u);
  CHECK(out[6] == 0x00000001u);
  // A chain continues across calls: the accumulator register keeps its value between jobs.
  const Fp8MacIn more = {false, false, false, 0x38, 0x40, 0};  // + 1 x 2
  uint32_t next = 0;
  rtl_fp8_mac(&more, 1, &next);
  CHECK(next == 0x40000000u);  // min subnormal + 2 rounds to 2
}

TEST_CASE("rtl bf16_mac: ties to even and exact cancellation", "[cosim][rtl][bf16]") {
  // 1 + 2^-24 is a tie between 1 and 1 + 2^-23: RNE keeps 1; (1 + 2^-23) + 2^-24 rounds up to 1 + 2^-22.
  std::vector<Bf16MacIn> in = {{true, 0x3980, 0x3980, 0x3f800000u},
                               {true, 0x3980, 0x3980, 0x3f800001u},
                               {true, 0x4040, 0xc000, bits(6.0f)},           // 3 x -2 + 6 = +0
                               {true, 0x0001, 0x0001, 0x00000000u},          // 2^-133 x 2^-133: underflows to +0
                               {true, 0x8001, 0x0001, 0x00000000u},          // negative tiny: -0
                               {true, 0x7f7f, 0x7f7f, 0x00000000u}};         // overflow: +Inf
  std::vector<uint32_t> out(in.size());
  rtl_bf16_mac(in.data(), in.size(), out.data());
  CHECK(out[0] == 0x3f800000u);
  CHECK(out[1] == 0x3f800002u);
  CHECK(out[2] == 0x00000000u);
  CHECK(out[3] == 0x00000000u);
  CHECK(out[4] == 0x80000000u);
  CHECK(out[5] == 0x7f800000u);
}

TEST_CASE("rtl int16_fma: wrap and saturate on overflow, flagged", "[cosim][rtl][int16]") {
  auto pair = [](int16_t lo, int16_t hi) {
    return static_cast<uint32_t>(static_cast<uint16_t>(lo)) | static_cast<uint32_t>(static_cast<uint16_t>(hi)) << 16;
  };
  std::vector<Int16FmaIn> in = {
      {true, pair(1, 0), pair(1, 0), 0x7fffffffu},             // INT32_MAX + 1
      {true, pair(-32768, -32768), pair(-32768, -32768), 0},   // 2^30 + 2^30 = 2^31
      {true, pair(-32768, 3), pair(2, 5), 0x80000000u},        // INT32_MIN - 65536 + 15
      {true, pair(300, -7), pair(-2, 9), 1000},                // in range: 1000 - 600 - 63 = 337
  };
  std::vector<Int16FmaOut> out(in.size());
  rtl_int16_fma(in.data(), in.size(), out.data());
  CHECK(out[0].acc_wrap == 0x80000000u);
  CHECK(out[0].acc_sat == 0x7fffffffu);
  CHECK(out[0].ovf_wrap);
  CHECK(out[0].ovf_sat);
  CHECK(out[1].acc_wrap == 0x80000000u);
  CHECK(out[1].acc_sat == 0x7fffffffu);
  CHECK(out[2].acc_wrap == static_cast<uint32_t>(INT32_MIN) - 65536u + 15u);
  CHECK(out[2].acc_sat == 0x80000000u);
  CHECK(out[3].acc_wrap == 337u);
  CHECK(out[3].acc_sat == 337u);
  CHECK_FALSE(out[3].ovf_wrap);
}

TEST_CASE("rtl mx_dot: block sums, scales at the E8M0 extremes and NaN", "[cosim][rtl][mx]") {
  MxDotIn ones;
  ones.a.fill(0x38);  // E4M3 1.0
  ones.b.fill(0x38);
  std::vector<MxDotIn> in(5, ones);
  in[1].xa = 0xff;  // NaN scale
  in[2].a.fill(0x7e);  // 448
  in[2].b.fill(0x7e);
  in[2].xa = in[2].xb = 254;  // 32 x 448^2 x 2^254: +Inf
  in[3].fmt_a = in[3].fmt_b = true;  // MXINT8
  in[3].a.fill(0x80);  // -128 x 2^-6 = -2
  in[3].b.fill(0x40);  // 64 x 2^-6 = 1
  in[3].xa = 0;  // 2^-127
  in[4].first = false;  // chained onto in[3]: + 32 (ones) -> 32 - 2^-121
  std::vector<uint32_t> out(in.size());
  rtl_mx_dot(in.data(), in.size(), out.data());
  CHECK(out[0] == bits(32.0f));
  CHECK(out[1] == 0x7fc00000u);
  CHECK(out[2] == 0x7f800000u);
  CHECK(out[3] == bits(-64.0f * std::ldexp(1.0f, -127)));  // -2^-121: a normal FP32 value
  CHECK(out[4] == bits(32.0f));                              // 32 - 2^-121 rounds to 32
}

TEST_CASE("rtl tile: one fold of a 4x4 FP8 tile takes L + 3 cycles", "[cosim][rtl][tile]") {
  TileFold f;
  f.pe = TilePe::kFp8;
  f.rows = 4;
  f.cols = 4;
  f.steps = 10;
  f.a.assign(40, 0x38);  // 1.0
  f.b.assign(40, 0x40);  // 2.0
  const TileFoldOut o = rtl_tile_fold(f);
  CHECK(o.cycles == 10 + 4 + 4 - 2 + 3);
  for (uint32_t c : o.c) CHECK(c == bits(20.0f));
  f.rows = 5;
  CHECK_THROWS_AS(rtl_tile_fold(f), std::invalid_argument);  // not verilated
}

// ---- co-verification against the models ----------------------------------------------------------------------

TEST_CASE("fp8_mac cosim: every E4M3 and E5M2 operand pair x 18 accumulators, 0 mismatches", "[cosim][rtl][fp8]") {
  const BlockCosimResult r = cosim_fp8_mac({CosimInputKind::kExhaustive, 0, 1});
  require_clean(r, 4ull * 18 * 65536);
}

TEST_CASE("fp8_mac cosim: corners and 1,000,000 random steps of long chains", "[cosim][rtl][fp8]") {
  require_clean(cosim_fp8_mac(corners()), 52488);
  require_clean(cosim_fp8_mac(random_n(1000000, 5)), 1000000);
}

TEST_CASE("bf16_mac cosim: corners and 1,000,000 random steps", "[cosim][rtl][bf16]") {
  const BlockCosimResult c = cosim_bf16_mac(corners());
  require_clean(c, c.vectors);
  CHECK(c.vectors > 20000);
  require_clean(cosim_bf16_mac(random_n(1000000, 5)), 1000000);
}

TEST_CASE("int16_fma cosim: corners and 1,000,000 random steps, both policies", "[cosim][rtl][int16]") {
  const BlockCosimResult c = cosim_int16_fma(corners());
  require_clean(c, 40960);
  const BlockCosimResult r = cosim_int16_fma(random_n(1000000, 5));
  require_clean(r, 1000000);
  // Overflow happens for both policies (the flags are checked against the model step by step).
  REQUIRE(r.details.size() == 1);
  CHECK_THAT(r.details[0], !Catch::Contains(" 0 wrap") && !Catch::Contains(" 0 saturate"));
}

TEST_CASE("mx_dot cosim: corners and 1,000,000 random blocks", "[cosim][rtl][mx]") {
  require_clean(cosim_mx_dot(corners()), cosim_mx_dot(corners()).vectors);
  require_clean(cosim_mx_dot(random_n(1000000, 5)), 1000000);
}

TEST_CASE("tile cosim: GEMMs on every verilated tile equal run_gemm (os), cycles L + 3 per fold",
          "[cosim][rtl][tile]") {
  const BlockCosimResult c = cosim_tile(corners(), rtl_tile_configs());
  require_clean(c, c.vectors);
  CHECK(c.details.size() == 8 * rtl_tile_configs().size());
  const BlockCosimResult r = cosim_tile(random_n(200, 9), rtl_tile_configs());
  require_clean(r, r.vectors);
  CHECK(r.vectors > 1000);
}

// ---- the comparison fails when it should ------------------------------------------------------------------------

TEST_CASE("cosim: a single-bit difference in the model is caught and reported with its inputs", "[cosim][rtl]") {
  CosimFault flip;
  flip.flip = true;
  flip.vector = 1234;
  flip.bit = 0;
  const BlockCosimResult f = cosim_fp8_mac(corners(), flip);
  CHECK(f.mismatches == 1);
  CHECK_FALSE(f.passed());
  REQUIRE(f.first_mismatches.size() == 1);
  // Vector 1234 of the corner list: e4m3 x e4m3, a = 0x02, b = 0x86, acc = 10000 (unchanged by the product).
  CHECK(f.first_mismatches[0] ==
        "#1234 e4m3 x e4m3: a=0x02 b=0x86 first, acc=0x461c4000 -> RTL 0x461c4000 (10000), model 0x461c4001 "
        "(10000.001)");
  CHECK_THAT(format_block_report(f), Catch::Contains("result: FAIL (1 mismatches)"));
  flip.vector = 7;
  flip.bit = 31;
  CHECK(cosim_bf16_mac(corners(), flip).mismatches == 1);
  CHECK(cosim_int16_fma(corners(), flip).mismatches == 1);
  CHECK(cosim_mx_dot(corners(), flip).mismatches == 1);
  const BlockCosimResult t = cosim_tile(corners(), rtl_tile_configs(), flip);
  CHECK(t.mismatches == 1);
  REQUIRE(t.first_mismatches.size() == 1);
  CHECK_THAT(t.first_mismatches[0], Catch::StartsWith("GEMM 0 (") && Catch::Contains("A row [") &&
                                        Catch::Contains("B column ["));
}

TEST_CASE("cosim: plausible wrong models are caught", "[cosim][rtl]") {
  CosimFault wrong;
  wrong.variant = true;
  // Ties away from zero instead of to even: only exact ties differ.
  const BlockCosimResult f = cosim_fp8_mac(corners(), wrong);
  CHECK(f.mismatches > 0);
  CHECK(f.mismatches < f.vectors / 50);
  CHECK_THAT(f.model_desc, Catch::Contains("WRONG MODEL"));
  CHECK(cosim_bf16_mac(corners(), wrong).mismatches > 0);
  // Policies swapped: exactly the overflowing steps differ.
  const BlockCosimResult i = cosim_int16_fma(corners(), wrong);
  CHECK(i.mismatches == 8851);
  // NaN scale read as 2^128: only blocks with a NaN scale differ.
  CHECK(cosim_mx_dot(corners(), wrong).mismatches > 0);
  // ws accumulation order instead of os: the wide-range GEMMs round differently.
  CHECK(cosim_tile(corners(), rtl_tile_configs(), wrong).mismatches > 0);
}
