// Function-level SFU API (models/sfu/sfu.h) as the simulator driver will call it.
#include <catch2/catch.hpp>

#include <cmath>

#include "sfu/sfu.h"

using namespace lpsim::model;

namespace {

SfuParams params(SfuParams::Impl impl, int lanes) {
  SfuParams p;
  p.impl = impl;
  p.lanes = lanes;
  return p;
}

}  // namespace

TEST_CASE("sfu: rtl and model give identical bits for every activation", "[cosim][sfu]") {
  std::vector<uint16_t> x(65536);
  for (uint32_t i = 0; i < 65536; ++i) x[i] = static_cast<uint16_t>(i);
  for (Activation a : {Activation::kTanh, Activation::kSigmoid, Activation::kGelu, Activation::kSwish}) {
    INFO(to_string(a));
    const SfuResult rtl = sfu_apply_bf16(params(SfuParams::Impl::kRtl, 32), a, x);
    const SfuResult mdl = sfu_apply_bf16(params(SfuParams::Impl::kModel, 32), a, x);
    CHECK(rtl.out_bf16 == mdl.out_bf16);
    CHECK(rtl.cycles == 2 + 65536 / 32);
    CHECK(mdl.cycles == rtl.cycles);
  }
}

TEST_CASE("sfu: cycles are latency + ceil(n / lanes) for every impl", "[cosim][sfu]") {
  const std::vector<float> x = {0.3f, 1.0f, -2.5f, 0.25f, 3.75f, 10.0f, -0.01f};  // n = 7
  for (auto impl : {SfuParams::Impl::kRtl, SfuParams::Impl::kModel, SfuParams::Impl::kExact}) {
    INFO(to_string(impl));
    CHECK(sfu_tanh(params(impl, 1), x).cycles == 2 + 7);
    CHECK(sfu_sigmoid(params(impl, 2), x).cycles == 2 + 4);
    CHECK(sfu_gelu(params(impl, 8), x).cycles == 2 + 1);
    CHECK(sfu_swish(params(impl, 64), x).cycles == 2 + 1);
    CHECK(sfu_tanh(params(impl, 4), {}).cycles == 0);
    CHECK_THROWS_AS(sfu_tanh(params(impl, 0), x), std::invalid_argument);
  }
  CHECK(sfu_cycles(params(SfuParams::Impl::kModel, 16), 1000) == 2 + 63);
  SfuResult r;
  r.cycles = 500;
  CHECK(r.time_us(250.0) == Approx(2.0));  // 500 cycles at 250 MHz = 2 us
}

TEST_CASE("sfu: float inputs are rounded to BF16 (RNE) before the unit", "[cosim][sfu]") {
  // 0.3f -> 0x3e9a -> K-TanH 0x3e96 (test_ktanh_model.cpp); exact tanh(0.30078125) = 0.2920 -> 0x3e96 as well.
  const SfuResult m = sfu_tanh(params(SfuParams::Impl::kModel, 8), {0.3f, 1.0f, -2.5f});
  CHECK(m.out_bf16 == std::vector<uint16_t>{0x3e96, 0x3f41, 0xbf7d});
  const SfuResult e = sfu_tanh(params(SfuParams::Impl::kExact, 8), {0.3f, 1.0f, -2.5f});
  // tanh(1) = 0.7615942 -> 2^-1 (1 + 66.97/128) -> 0x3f43;
  // tanh(-2.5) = -0.9866143 -> mantissa 124.57 rounds to 125 -> 0xbf7d.
  CHECK(e.out_bf16 == std::vector<uint16_t>{0x3e96, 0x3f43, 0xbf7d});
}

TEST_CASE("sfu: impl names round-trip", "[cosim][sfu]") {
  SfuParams::Impl impl{};
  for (const char* s : {"rtl", "model", "exact"}) {
    REQUIRE(parse_sfu_impl(s, &impl));
    CHECK(std::string(to_string(impl)) == s);
  }
  CHECK_FALSE(parse_sfu_impl("verilog", &impl));
}
