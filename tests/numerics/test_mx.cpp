// MX block quantization beyond the oracle files: the microxcaling conformance vector, the ceil scale rule,
// axes, ragged lines, custom element formats (run-time kernel), stochastic rounding, option validation.
#include <catch2/catch.hpp>

#include <cmath>
#include <random>

#include "numerics/convert.h"
#include "numerics/mx.h"
#include "oracle_csv.h"

using namespace lpsim::num;

TEST_CASE("mx: microxcaling conformance vector (400 -> 416 ties-away, 384 RNE)", "[numerics][mx]") {
  // papers.md §1.3, mx/tests/test_fp8_e4m3_fix.py
  const float x[] = {485, 475, 400, -485, -475, -450, std::ldexp(1.0f, -6), -std::ldexp(1.0f, -6)};
  MxOptions opt;
  opt.element = format_by_name("fp8_e4m3");
  opt.rounding = Rounding::kNearestAway;
  MxTensor t = mx_quantize(opt, x, 1, 8);
  const float away[] = {448, 448, 416, -448, -448, -448, std::ldexp(1.0f, -6), -std::ldexp(1.0f, -6)};
  for (int i = 0; i < 8; ++i) CHECK(t.values[i] == away[i]);
  CHECK(e8m0_exponent(t.scales[0]) == 0);  // floor(log2 485) - 8 = 0
  CHECK(t.saturated == 4);                 // 485, 475, -485, -475 round above 448 (450 -> 448 is a rounding)
  opt.rounding = Rounding::kNearestEven;
  t = mx_quantize(opt, x, 1, 8);
  CHECK(t.values[2] == 384);
}

TEST_CASE("mx: element info matches MX v1.0 emax_elem and max values", "[numerics][mx]") {
  const std::pair<const char*, std::pair<int, double>> want[] = {
      {"e4m3", {8, 448}}, {"e5m2", {15, 57344}}, {"e3m2", {4, 28}},
      {"e2m3", {2, 7.5}}, {"e2m1", {2, 6}},      {"mxint8", {0, 127.0 / 64}}};
  for (const auto& [name, v] : want) {
    const MxElementInfo info = mx_element_info(format_by_name(name));
    CHECK(info.emax == v.first);
    CHECK(info.max_value == v.second);
  }
  CHECK_THROWS_AS(mx_element_info(format_by_name("bf16")), std::invalid_argument);
  CHECK_THROWS_AS(mx_element_info(format_by_name("e8m0")), std::invalid_argument);
}

TEST_CASE("mx: ceil scale rule never clips and is floor or floor + 1", "[numerics][mx]") {
  std::mt19937 rng(1);
  std::normal_distribution<float> nd;
  std::vector<float> x(64 * 32);
  for (auto& v : x) v = nd(rng) * std::exp2(static_cast<float>(rng() % 40) - 20.0f);
  for (const char* name : {"e4m3", "e5m2", "e3m2", "e2m3", "e2m1", "mxint8"}) {
    MxOptions fl;
    fl.element = format_by_name(name);
    MxOptions ce = fl;
    ce.scale_rule = ScaleRule::kCeil;
    const MxTensor a = mx_quantize(fl, x.data(), 64, 32);
    const MxTensor b = mx_quantize(ce, x.data(), 64, 32);
    const double maxv = mx_element_info(fl.element).max_value;
    size_t bad = 0;
    for (size_t r = 0; r < 64; ++r) {
      double amax = 0;
      for (size_t c = 0; c < 32; ++c) amax = std::max(amax, std::fabs(static_cast<double>(x[r * 32 + c])));
      const int xf = *e8m0_exponent(a.scales[r]);
      const int xc = *e8m0_exponent(b.scales[r]);
      // ceil(log2(amax / max)): the smallest X with amax <= max * 2^X.
      if (!(amax <= std::ldexp(maxv, xc) && amax > std::ldexp(maxv, xc - 1))) ++bad;
      if (xc != xf && xc != xf + 1) ++bad;
    }
    INFO(name);
    CHECK(bad == 0);
    CHECK(b.saturated == 0);
  }
}

TEST_CASE("mx: blocks along columns equal blocks along rows of the transpose, threads do not matter",
          "[numerics][mx]") {
  std::mt19937 rng(2);
  std::normal_distribution<float> nd;
  const size_t R = 70, C = 45;  // neither a multiple of the block size
  std::vector<float> a(R * C), at(R * C);
  for (auto& v : a) v = nd(rng);
  a[5 * C + 7] = NAN;  // poisons one block in each layout
  for (size_t r = 0; r < R; ++r)
    for (size_t c = 0; c < C; ++c) at[c * R + r] = a[r * C + c];
  for (int bs : {16, 32, 64}) {
    MxOptions o0;
    o0.element = format_by_name("e2m1");
    o0.block_size = bs;
    o0.axis = 0;
    o0.threads = 2;
    MxOptions o1 = o0;
    o1.axis = 1;
    o1.threads = 1;
    const MxTensor q0 = mx_quantize(o0, a.data(), R, C);
    const MxTensor q1 = mx_quantize(o1, at.data(), C, R);
    size_t bad = 0;
    for (size_t r = 0; r < R; ++r) {
      for (size_t c = 0; c < C; ++c) {
        const size_t i0 = r * C + c, i1 = c * R + r;
        if (q0.codes[i0] != q1.codes[i1] || oracle::bits(q0.values[i0]) != oracle::bits(q1.values[i1]) ||
            q0.scales[q0.scale_index(r, c)] != q1.scales[q1.scale_index(c, r)])
          ++bad;
      }
    }
    INFO("block " << bs);
    CHECK(bad == 0);
    CHECK(q0.saturated == q1.saturated);
    CHECK(q0.scales.size() == ((R + bs - 1) / bs) * C);
  }
}

TEST_CASE("mx: a short last block behaves as if zero-padded", "[numerics][mx]") {
  std::mt19937 rng(3);
  std::normal_distribution<float> nd;
  std::vector<float> x(40), padded(64, 0.0f);
  for (size_t i = 0; i < 40; ++i) padded[i] = x[i] = nd(rng) * (i >= 32 ? 100.0f : 1.0f);
  MxOptions opt;
  const MxTensor a = mx_quantize(opt, x.data(), 1, 40);
  const MxTensor b = mx_quantize(opt, padded.data(), 1, 64);
  REQUIRE(a.scales.size() == 2);
  CHECK(a.scales[1] == b.scales[1]);
  for (size_t i = 0; i < 40; ++i) CHECK(a.codes[i] == b.codes[i]);
}

TEST_CASE("mx: custom element format runs the run-time kernel with the same rules", "[numerics][mx]") {
  // E3M3 without specials, bias 2 (not a named format): reference = scalar encode of x / 2^X in double.
  const FloatFormat f = make_float_format(3, 3, 2, Specials::kNone);
  MxOptions opt;
  opt.element = float_number_format("e3m3_custom", f);
  opt.block_size = 16;
  std::mt19937 rng(4);
  std::normal_distribution<float> nd;
  std::vector<float> x(16 * 50);
  for (auto& v : x) v = nd(rng) * std::exp2(static_cast<float>(rng() % 20));
  for (Rounding r : {Rounding::kNearestEven, Rounding::kNearestAway, Rounding::kTowardZero}) {
    opt.rounding = r;
    const MxTensor t = mx_quantize(opt, x.data(), 1, x.size());
    const MxElementInfo info = mx_element_info(opt.element);
    size_t bad = 0;
    for (size_t b = 0; b < 50; ++b) {
      uint32_t amax = 0;
      for (size_t i = 0; i < 16; ++i) amax = std::max(amax, oracle::bits(x[b * 16 + i]) & 0x7fffffffu);
      const int X = *mx_shared_exponent(amax, info, ScaleRule::kFloor);
      if (t.scales[b] != X + 127) ++bad;
      for (size_t i = 0; i < 16; ++i) {
        const double y = std::ldexp(static_cast<double>(x[b * 16 + i]), -X);
        const uint32_t code = encode(f, y, RoundOptions{r});
        if (t.codes[b * 16 + i] != code || t.values[b * 16 + i] != static_cast<float>(std::ldexp(decode(f, code), X)))
          ++bad;
      }
    }
    INFO(to_string(r));
    CHECK(bad == 0);
  }
}

TEST_CASE("mx: stochastic rounding is reproducible and independent of threads and axis", "[numerics][mx]") {
  std::mt19937 rng(5);
  std::normal_distribution<float> nd;
  std::vector<float> x(32 * 64);
  for (auto& v : x) v = nd(rng);
  MxOptions opt;
  opt.element = format_by_name("e2m1");
  opt.rounding = Rounding::kStochastic;
  opt.seed = 123;
  const MxTensor a = mx_quantize(opt, x.data(), 32, 64);
  opt.threads = 2;
  const MxTensor b = mx_quantize(opt, x.data(), 32, 64);
  opt.seed = 124;
  const MxTensor c = mx_quantize(opt, x.data(), 32, 64);
  CHECK(a.codes == b.codes);
  CHECK(a.codes != c.codes);
  // Unbiased on average: the mean error over 2048 elements is far below one element step.
  double err = 0;
  for (size_t i = 0; i < x.size(); ++i) err += static_cast<double>(a.values[i]) - x[i];
  CHECK(std::fabs(err / x.size()) < 0.01);
}

TEST_CASE("mx: zero blocks and the E8M0 clamp", "[numerics][mx]") {
  const float z[32] = {};
  MxOptions opt;
  CHECK(mx_quantize(opt, z, 1, 32).scales[0] == 0x00);  // FP: -126 - 8 clamps to -127
  opt.element = format_by_name("mxint8");
  CHECK(mx_quantize(opt, z, 1, 32).scales[0] == 0x01);  // int8: -126 - 0
  const float big[2] = {3.0e38f, 1.0f};
  CHECK(mx_quantize(opt, big, 1, 2).scales[0] == 127 + 127);  // floor(log2 3e38) = 127
}

TEST_CASE("mx: invalid options are rejected", "[numerics][mx]") {
  MxOptions opt;
  opt.block_size = 0;
  CHECK_THROWS_AS(validate(opt), std::invalid_argument);
  opt.block_size = 32;
  opt.axis = 2;
  CHECK_THROWS_AS(validate(opt), std::invalid_argument);
  opt.axis = 1;
  opt.element = format_by_name("fp16");
  CHECK_THROWS_AS(validate(opt), std::invalid_argument);
  CHECK_THROWS_WITH(format_by_name("fp7"), Catch::Contains("valid names: e4m3, e5m2"));
}
