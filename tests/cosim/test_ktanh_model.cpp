// C++ K-TanH model (models/sfu/ktanh_ref.*): hand-worked values, special inputs, table properties, BF16
// conversion against the oracle, derived activations and accuracy figures. No SystemC here.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>

#include "../sim/csv_rows.h"
#include "sfu/ktanh_ref.h"

using namespace lpsim::model;

namespace {

// BF16 field helpers for the worked examples: value = (-1)^s 2^(e-127) (1 + m/128).
constexpr uint16_t bf16(unsigned s, unsigned e, unsigned m) { return static_cast<uint16_t>(s << 15 | e << 7 | m); }

}  // namespace

TEST_CASE("ktanh_ref: hand-worked values inside [0.25, 3.75]", "[cosim][model]") {
  // x = 0.3 -> float 0x3e99999a; RNE to BF16: low half 0x999a > 0x8000, round up -> 0x3e9a = 0.30078125.
  // e = 125 (0b01111101), Mi = 0x1a = 0b0011010 -> t = {01, 001} = 9 -> (E, r, b) = (125, 0, -4).
  // mantissa = 26 - 4 = 22 -> 2^-2 (1 + 22/128) = 0.29296875 = bits 0 01111101 0010110 = 0x3e96 (tanh: 0.2920).
  CHECK(bf16_from_float(0.3f) == 0x3e9a);
  CHECK(ktanh_bf16(0x3e9a) == 0x3e96);
  CHECK(ktanh_bf16(0x3e9a) == bf16(0, 125, 22));

  // x = 1.0 = 0x3f80: e = 127 (0b01111111), Mi = 0 -> t = {11, 000} = 24 -> (126, 0, 65).
  // mantissa = 0 + 65 = 65 -> 2^-1 (1 + 65/128) = 0.75390625 = 0x3f41 (tanh(1) = 0.7616).
  CHECK(ktanh_bf16(0x3f80) == 0x3f41);

  // x = -2.5 = 0xc020: e = 128 (0b10000000), Mi = 32 = 0b0100000 -> t = {00, 010} = 2 -> (126, 4, 123).
  // mantissa = (32 >> 4) + 123 = 125 -> -(2^-1 (1 + 125/128)) = -0.98828125 = 0xbf7d (tanh: -0.98661).
  CHECK(ktanh_bf16(0xc020) == 0xbf7d);

  // x = 0.5 = 0x3f00: e = 126 (0b01111110), Mi = 0 -> t = {10, 000} = 16 -> (125, 0, 112).
  // mantissa = 112 -> 2^-2 (1 + 112/128) = 0.46875 = 0x3ef0 (tanh: 0.4621).
  CHECK(ktanh_bf16(0x3f00) == 0x3ef0);

  // x = 2.0 = 0x4000: e = 128, Mi = 0 -> t = 0 -> (126, 2, 119): mantissa 119 -> 0.96484375 = 0x3f77.
  CHECK(ktanh_bf16(0x4000) == 0x3f77);

  // Odd symmetry: the sign passes through unchanged.
  CHECK(ktanh_bf16(0xbe9a) == 0xbe96);
  CHECK(ktanh_bf16(0xbf80) == 0xbf41);
}

TEST_CASE("ktanh_ref: thresholds 0.25 and 3.75", "[cosim][model]") {
  // 0.25 = 0x3e80 is not below T1: e = 125, Mi = 0 -> t = 8 -> (125, 1, 1): mantissa (0 >> 1) + 1 = 1
  // -> 2^-2 (1 + 1/128) = 0.251953125 = 0x3e81.
  CHECK(ktanh_bf16(0x3e80) == 0x3e81);
  // The largest BF16 below 0.25 is 0x3e7f = 2^-3 (1 + 127/128) = 0.2490234375: e = 124 < 125, passed through.
  CHECK(ktanh_bf16(0x3e7f) == 0x3e7f);
  CHECK(ktanh_bf16(0xbe7f) == 0xbe7f);
  // 3.75 = 0x4070 is not above T2: e = 128, Mi = 0x70 = 0b1110000 -> t = {00, 111} = 7 -> (126, 6, 126):
  // mantissa (112 >> 6) + 126 = 127 -> 2^-1 (1 + 127/128) = 0.99609375 = 0x3f7f.
  CHECK(ktanh_bf16(0x4070) == 0x3f7f);
  CHECK(ktanh_bf16(0xc070) == 0xbf7f);
  // The next BF16 up, 0x4071 = 3.765625 > 3.75, saturates to 1.0 = 0x3f80.
  CHECK(ktanh_bf16(0x4071) == 0x3f80);
  CHECK(ktanh_bf16(0xc071) == 0xbf80);
  // 4.0 = 0x4080 (e = 129) and the largest finite 0x7f7f saturate as well.
  CHECK(ktanh_bf16(0x4080) == 0x3f80);
  CHECK(ktanh_bf16(0x7f7f) == 0x3f80);
  CHECK(ktanh_bf16(0xff7f) == 0xbf80);
}

TEST_CASE("ktanh_ref: zeros, subnormals, infinities and NaNs", "[cosim][model]") {
  // +-0 keep their sign (pass-through region |x| < 0.25).
  CHECK(ktanh_bf16(0x0000) == 0x0000);
  CHECK(ktanh_bf16(0x8000) == 0x8000);
  // Subnormals (e = 0, Mi != 0) pass through unchanged: tanh(x) = x to BF16 precision there.
  for (uint16_t m = 1; m < 128; ++m) {
    CHECK(ktanh_bf16(m) == m);
    CHECK(ktanh_bf16(static_cast<uint16_t>(0x8000 | m)) == (0x8000 | m));
  }
  // +-Inf (e = 255, Mi = 0) are above 3.75: +-1.0.
  CHECK(ktanh_bf16(0x7f80) == 0x3f80);
  CHECK(ktanh_bf16(0xff80) == 0xbf80);
  // Every NaN (e = 255, Mi != 0; quiet or signalling, either sign) gives the canonical quiet NaN 0x7fc0.
  for (uint16_t m = 1; m < 128; ++m) {
    CHECK(ktanh_bf16(static_cast<uint16_t>(0x7f80 | m)) == kBf16QuietNan);
    CHECK(ktanh_bf16(static_cast<uint16_t>(0xff80 | m)) == kBf16QuietNan);
  }
}

TEST_CASE("ktanh_ref: all 65536 patterns follow the region rules", "[cosim][model]") {
  for (uint32_t i = 0; i < 65536; ++i) {
    const auto x = static_cast<uint16_t>(i);
    const uint16_t y = ktanh_bf16(x);
    const unsigned e = x >> 7 & 0xff;
    if (bf16_is_nan(x)) {
      REQUIRE(y == kBf16QuietNan);
    } else if (e < 125) {
      REQUIRE(y == x);
    } else if ((x & 0x7fff) > 0x4070) {
      REQUIRE(y == ((x & 0x8000) | 0x3f80));
    } else {
      // Table region: sign kept, exponent 125 or 126 (output in [0.25, 1)), and odd symmetry.
      REQUIRE((y & 0x8000) == (x & 0x8000));
      const unsigned ye = y >> 7 & 0xff;
      REQUIRE((ye == 125 || ye == 126));
      REQUIRE(ktanh_bf16(static_cast<uint16_t>(x ^ 0x8000)) == (y ^ 0x8000));
    }
  }
}

TEST_CASE("ktanh_ref: every table row keeps (Mi >> r) + b inside 7 bits", "[cosim][model]") {
  // The RTL stores b modulo 2^7 and uses a 7-bit adder; that is exact only if no row over- or underflows for
  // any mantissa of its interval (Mi in [16 t[2:0], 16 t[2:0] + 15]).
  const KtanhTable& t = ktanh_paper_table();
  for (int row = 0; row < 32; ++row) {
    for (int k = 0; k < 16; ++k) {
      const int mi = (row & 7) * 16 + k;
      const int sum = (mi >> t[row].r) + t[row].b;
      INFO("t = " << row << ", Mi = " << mi);
      CHECK(sum >= 0);
      CHECK(sum <= 127);
    }
    CHECK((t[row].e == 125 || t[row].e == 126));
  }
}

TEST_CASE("ktanh_ref: a corrupted table changes exactly its own interval", "[cosim][model]") {
  KtanhTable bad = ktanh_paper_table();
  bad[5].b = 125;  // paper: 126. t = 5 is [2.625, 2.875): e = 128, Mi = 80..95, both signs: 32 inputs.
  int changed = 0;
  for (uint32_t i = 0; i < 65536; ++i) {
    const auto x = static_cast<uint16_t>(i);
    if (ktanh_bf16(x, bad) != ktanh_bf16(x)) {
      ++changed;
      CHECK((x & 0x7ff0) == 0x4050);
    }
  }
  CHECK(changed == 32);
  // 0x4050 = 3.25 is the first of them: paper mantissa (80 >> 6) + 126 = 127 (0x3f7f), corrupted 126 (0x3f7e).
  CHECK(ktanh_bf16(0x4050) == 0x3f7f);
  CHECK(ktanh_bf16(0x4050, bad) == 0x3f7e);
}

TEST_CASE("hard_tanh: clips to [-1, 1]", "[cosim][model]") {
  CHECK(hard_tanh_bf16(0x3f00) == 0x3f00);  // 0.5
  CHECK(hard_tanh_bf16(0x3f80) == 0x3f80);  // 1.0 stays
  CHECK(hard_tanh_bf16(0x3f81) == 0x3f80);  // 1.0078125 -> 1
  CHECK(hard_tanh_bf16(0xc020) == 0xbf80);  // -2.5 -> -1
  CHECK(hard_tanh_bf16(0xff80) == 0xbf80);  // -Inf -> -1
  CHECK(hard_tanh_bf16(0x8001) == 0x8001);  // subnormal passes
  CHECK(hard_tanh_bf16(0xffc1) == kBf16QuietNan);
}

TEST_CASE("bf16: float -> BF16 RNE matches the oracle encode_bf16.csv", "[cosim][model][bf16]") {
  int rows = 0;
  for (const csv_test::Row& r : csv_test::read_csv(std::string(LPSIM_TEST_DATA) + "/cosim/encode_bf16.csv")) {
    const auto u = static_cast<uint32_t>(std::stoul(r.at("input_bits"), nullptr, 16));
    const auto want = static_cast<uint16_t>(std::stoul(r.at("code"), nullptr, 16));
    float x;
    std::memcpy(&x, &u, sizeof x);
    INFO("input " << r.at("input_bits"));
    REQUIRE(r.at("mode") == "ovf");
    REQUIRE(bf16_from_float(x) == want);
    REQUIRE(bf16_from_double(static_cast<double>(x)) == want);  // float -> double is exact
    ++rows;
  }
  CHECK(rows == 27496);  // the oracle's rows (a missing file or column reads as none or throws)
}

TEST_CASE("bf16: double -> BF16 rounds once", "[cosim][model][bf16]") {
  // 1 + 2^-8 + 2^-30 is just above the tie between 1.0 (0x3f80) and 1 + 2^-7 (0x3f81): RNE gives 0x3f81.
  // Going through float first rounds it to the tie 1 + 2^-8, which then rounds to even 0x3f80 (double rounding).
  const double d = 1.0 + std::ldexp(1.0, -8) + std::ldexp(1.0, -30);
  CHECK(bf16_from_double(d) == 0x3f81);
  CHECK(bf16_from_float(static_cast<float>(d)) == 0x3f80);
  // Subnormal grid 2^-133: 1.5 * 2^-133 is a tie between codes 1 and 2 -> even 2; 2^-134 ties to 0 (even).
  CHECK(bf16_from_double(1.5 * std::ldexp(1.0, -133)) == 0x0002);
  CHECK(bf16_from_double(std::ldexp(1.0, -134)) == 0x0000);
  CHECK(bf16_from_double(-std::ldexp(1.0, -134)) == 0x8000);
  // Overflow: max finite (2 - 2^-7) 2^127 plus half an ulp (2^119) is a tie that rounds to even = 2^128 -> Inf.
  CHECK(bf16_from_double(std::ldexp(255.0, 120)) == 0x7f7f);
  CHECK(bf16_from_double(std::ldexp(255.5, 120)) == 0x7f80);
}

TEST_CASE("activations: hand-worked sigmoid, GELU and Swish through K-TanH", "[cosim][model][activation]") {
  // sigmoid(0): pre 0/2 = 0, K-TanH(0) = 0 (pass-through), post 0.5 + 0 = 0.5 = 0x3f00.
  CHECK(activation_ktanh(Activation::kSigmoid, 0x0000) == 0x3f00);
  // sigmoid(1): pre 0.5 = 0x3f00; K-TanH(0.5) = 0x3ef0 = 0.46875 (see above); post 0.5 + 0.234375 = 0.734375
  // = 2^-1 (1 + 60/128) = 0x3f3c. Exact sigmoid(1) = 0.7310586 -> mantissa 59.15 -> 0x3f3b.
  CHECK(activation_pre(Activation::kSigmoid, 0x3f80) == 0x3f00);
  CHECK(activation_ktanh(Activation::kSigmoid, 0x3f80) == 0x3f3c);
  CHECK(activation_exact(Activation::kSigmoid, 0x3f80) == 0x3f3b);
  // swish(1) = 1 * sigmoid(1) = 0x3f3c.
  CHECK(activation_ktanh(Activation::kSwish, 0x3f80) == 0x3f3c);
  // gelu(1): pre 0.7978846 (1 + 0.044715) = 0.8335561 = 2^-1 (1.6671) -> mantissa 85.39 -> 85 -> 0x3f55.
  // K-TanH(0x3f55): e = 126, Mi = 85 = 0b1010101 -> t = {10, 101} = 21 -> (126, 1, 4): (85 >> 1) + 4 = 46
  // -> 0x3f2e = 0.6796875. post 0.5 (1 + 0.6796875) = 0.83984375 = 2^-1 (1 + 87/128) = 0x3f57.
  // Exact GELU(1) = 0.8413447 -> mantissa 87.38 -> 87: the same 0x3f57.
  CHECK(activation_pre(Activation::kGelu, 0x3f80) == 0x3f55);
  CHECK(ktanh_bf16(0x3f55) == 0x3f2e);
  CHECK(activation_ktanh(Activation::kGelu, 0x3f80) == 0x3f57);
  CHECK(activation_exact(Activation::kGelu, 0x3f80) == 0x3f57);
  // Infinities follow IEEE arithmetic: sigmoid(-Inf) = 0.5 + 0.5 (-1) = 0; swish(-Inf) = -Inf * 0 = NaN.
  CHECK(activation_ktanh(Activation::kSigmoid, 0xff80) == 0x0000);
  CHECK(activation_ktanh(Activation::kSwish, 0xff80) == kBf16QuietNan);
  CHECK(activation_exact(Activation::kSwish, 0xff80) == kBf16QuietNan);
  CHECK(activation_ktanh(Activation::kTanh, 0x3e9a) == 0x3e96);
}

TEST_CASE("activations: K-TanH-based results stay close to libm", "[cosim][model][activation]") {
  // Bounds measured over every finite BF16 input with |x| <= 8 (a regression guard, not a paper figure).
  struct Case {
    Activation a;
    double bound;
  };
  for (const Case c : {Case{Activation::kTanh, 0.0098}, Case{Activation::kSigmoid, 0.0049},
                       Case{Activation::kGelu, 0.016}, Case{Activation::kSwish, 0.032}}) {
    double worst = 0;
    for (uint32_t i = 0; i < 65536; ++i) {
      const auto x = static_cast<uint16_t>(i);
      if (!bf16_is_finite(x) || std::fabs(bf16_to_float(x)) > 8.0f) continue;
      worst = std::max(worst, static_cast<double>(std::fabs(bf16_to_float(activation_ktanh(c.a, x)) -
                                                            bf16_to_float(activation_exact(c.a, x)))));
    }
    INFO(to_string(c.a) << " worst " << worst);
    CHECK(worst <= c.bound);
    CHECK(worst > 0);
  }
}

TEST_CASE("tanh_accuracy: K-TanH and Hard TanH over all finite BF16 inputs", "[cosim][model][accuracy]") {
  std::vector<uint16_t> in(65536), k(65536), h(65536);
  for (uint32_t i = 0; i < 65536; ++i) {
    in[i] = static_cast<uint16_t>(i);
    k[i] = ktanh_bf16(in[i]);
    h[i] = hard_tanh_bf16(in[i]);
  }
  const TanhAccuracy ka = tanh_accuracy(in, k);
  const TanhAccuracy ha = tanh_accuracy(in, h);
  // 65536 patterns minus 256 with e = 255 (2 infinities, 254 NaNs).
  CHECK(ka.finite_inputs == 65280);
  CHECK(ha.finite_inputs == 65280);
  // Hard TanH: max error 1 - tanh(1) = 0.2384058 at x = 1 (notes sec. 5, [D]); first hit is +1 = 0x3f80.
  CHECK(ha.max_abs_err == Approx(1.0 - std::tanh(1.0)).epsilon(1e-12));
  CHECK(ha.max_err_input == 0x3f80);
  // K-TanH (measured here, a regression guard): max at 0x3f1f = 0.62109375: e = 126, Mi = 31 -> t = 17 ->
  // (126, 1, -4): (31 >> 1) - 4 = 11 -> 2^-1 (1 + 11/128) = 0.54296875, while tanh = 0.5518891: error 0.0089204.
  CHECK(ka.max_abs_err == Approx(0.00892035).epsilon(1e-4));
  CHECK(ka.max_err_input == 0x3f1f);
  CHECK(ka.max_abs_err * 26 < ha.max_abs_err);  // the paper claims > 6x lower max error than Hard TanH
  CHECK(ka.max_ulp_err == 6);
  CHECK(ha.max_ulp_err == 61);
  uint64_t total = 0;
  for (const auto& b : ka.ulp_hist) total += b.count;
  CHECK(total == ka.finite_inputs);
  CHECK(ka.ulp_hist[0].count == 64386);  // exact (0 ulp) results, mostly the pass-through and saturated regions
}

TEST_CASE("tanh_accuracy: a NaN output for a finite input counts as an infinite error", "[cosim][model][accuracy]") {
  const TanhAccuracy a = tanh_accuracy({0x3f80, 0x7fc0}, {kBf16QuietNan, 0x7fc0});
  CHECK(a.finite_inputs == 1);
  CHECK(std::isinf(a.max_abs_err));
  CHECK(a.ulp_hist.back().count == 1);
}

TEST_CASE("ktanh_ref: not monotone at six interval boundaries (documented in rtl/README.md)", "[cosim][model]") {
  // Walking the positive finite patterns upwards, the output steps down exactly where a new table interval
  // starts with a smaller value than the previous interval's last one.
  std::vector<uint16_t> drops;
  for (uint16_t x = 1; x < 0x7f80; ++x) {
    if (ktanh_bf16(x) < ktanh_bf16(static_cast<uint16_t>(x - 1))) drops.push_back(x);
  }
  CHECK(drops == std::vector<uint16_t>{0x3ea0, 0x3ec0, 0x3ed0, 0x3ee0, 0x3ef0, 0x3f80});
  CHECK(ktanh_bf16(0x3f7f) == 0x3f43);  // 0.99609375 (t = 23) -> 0.76171875, but
  CHECK(ktanh_bf16(0x3f80) == 0x3f41);  // 1.0 (t = 24, next binade) -> 0.75390625
}
