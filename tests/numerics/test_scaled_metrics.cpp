// Per-tensor scaled FP8/INT8, DFP16 (libxsmm rule) and the error metrics.
#include <catch2/catch.hpp>

#include <cmath>
#include <random>

#include "numerics/convert.h"
#include "numerics/metrics.h"
#include "numerics/scaled.h"
#include "oracle_csv.h"

using namespace lpsim::num;

TEST_CASE("scaled: per-tensor scale is max/amax or the largest power of two that does not clip",
          "[numerics][scaled]") {
  const NumberFormat& e4m3 = format_by_name("e4m3");
  CHECK(tensor_scale(e4m3, oracle::bits(100.0f), TensorScale::kExact) == 4.48f);
  CHECK(tensor_scale(e4m3, oracle::bits(100.0f), TensorScale::kPow2) == 4.0f);
  CHECK(tensor_scale(e4m3, oracle::bits(56.0f), TensorScale::kPow2) == 8.0f);      // 56 * 8 = 448 exactly
  CHECK(tensor_scale(e4m3, oracle::bits(56.01f), TensorScale::kPow2) == 4.0f);
  CHECK(tensor_scale(e4m3, 0, TensorScale::kExact) == 1.0f);
  CHECK(tensor_scale(e4m3, oracle::bits(3.0f), TensorScale::kNone) == 1.0f);
  std::vector<float> x = {0.5f, -3.0f, 1.0f, 2.9f, NAN, INFINITY};
  const ScaledTensor t = quantize_scaled(e4m3, x.data(), x.size(), TensorScale::kExact);
  CHECK(t.scale == static_cast<float>(448.0 / 3.0));
  CHECK(t.values[1] == -3.0f);  // amax maps onto max (448) and back
  CHECK(std::isnan(t.values[4]));
  CHECK(t.values[5] == 3.0f);  // Inf saturates to max / scale
  const ScaledTensor i8 = quantize_scaled(format_by_name("int8"), x.data(), 4, TensorScale::kExact);
  CHECK(i8.codes[1] == 0x81);  // -127
  CHECK(i8.values[2] == Approx(1.0f).epsilon(1.0 / 127));
}

TEST_CASE("scaled: pow2 on an integer format is the DFP exponent, so int8 codes equal quantize_dfp's",
          "[numerics][scaled][dfp]") {
  // amax 1.99 -> E = 0 - 6: s = 64, amax * s = 127.36 rounds to the clamp 127 (the largest power of two that does
  // not clip would be 32). The PE's int8 operand is quantize_dfp(8 bits); `lpsim quantize --format int8` too.
  const NumberFormat sym8 = int_number_format("int8s", make_int_format(8, 0, true));
  CHECK(tensor_scale(sym8, oracle::bits(1.99f), TensorScale::kPow2) == 64.0f);
  CHECK(tensor_scale(sym8, oracle::bits(1.0f), TensorScale::kPow2) == 64.0f);
  CHECK(tensor_scale(sym8, oracle::bits(0.75f), TensorScale::kPow2) == 128.0f);
  std::mt19937 rng(5);
  std::normal_distribution<float> nd(0.0f, 3.0f);
  std::vector<float> x(4096);
  for (float& v : x) v = nd(rng);
  x[17] = -1.99f * 8;  // amax with a mantissa above 127/64
  const ScaledTensor t = quantize_scaled(sym8, x.data(), x.size(), TensorScale::kPow2);
  const DfpTensor d = quantize_dfp(x.data(), x.size(), 8);
  CHECK(t.scale == std::ldexp(1.0f, -d.exponent));
  size_t same = 0;
  for (size_t i = 0; i < x.size(); ++i) same += (t.codes[i] & 0xffu) == (static_cast<uint32_t>(d.k[i]) & 0xffu);
  CHECK(same == x.size());
  CHECK(d.k[17] == -127);
}

TEST_CASE("dfp16: shared exponent puts the largest value in 2^14..2^15 >> add_shift (libxsmm)",
          "[numerics][dfp]") {
  const float x[] = {1.0f, -0.5f, 0.25f, 3.0f, 0.0f};
  DfpTensor t = quantize_dfp(x, 5);
  CHECK(t.exponent == 1 - 14);  // E_max = floor(log2 3) = 1
  CHECK(t.k[3] == 24576);       // 3 * 2^13, in [2^14, 2^15)
  CHECK(t.k[1] == -4096);
  for (int i = 0; i < 5; ++i) CHECK(t.values[i] == x[i]);
  t = quantize_dfp(x, 5, 16, /*add_shift=*/1);
  CHECK(t.exponent == 1 - 13);
  CHECK(t.k[3] == 12288);  // in [2^13, 2^14): one bit of accumulator headroom
  // Rounding the largest element up to 2^15 saturates (RNE); truncation does not.
  const float y[] = {2.0f - std::ldexp(1.0f, -16), 1.0f};
  t = quantize_dfp(y, 2);
  CHECK(t.k[0] == 32767);
  CHECK(t.saturated == 1);
  t = quantize_dfp(y, 2, 16, 0, RoundOptions{Rounding::kTowardZero});
  CHECK(t.k[0] == 32767);
  CHECK(t.saturated == 0);
  // Stochastic with a seed: reproducible.
  std::vector<float> z(1000);
  std::mt19937 rng(1);
  std::normal_distribution<float> nd;
  for (auto& v : z) v = nd(rng);
  RoundOptions sr{Rounding::kStochastic};
  CHECK(quantize_dfp(z.data(), z.size(), 16, 0, sr, 7).k == quantize_dfp(z.data(), z.size(), 16, 0, sr, 7).k);
  CHECK_THROWS_AS(quantize_dfp(x, 5, 16, 16), std::invalid_argument);
}

TEST_CASE("metrics: SQNR, errors and counts on a worked example", "[numerics][metrics]") {
  const double ref[] = {1, 2, -4, 0.001, NAN, 5};
  const double q[] = {1, 2.5, -4, 0, NAN, INFINITY};
  const ErrorMetrics m = error_metrics(ref, q, 6);
  CHECK(m.count == 6);
  CHECK(m.compared == 4);
  CHECK(m.sqnr_db == Approx(10 * std::log10((1 + 4 + 16 + 1e-6) / (0.25 + 1e-6))));
  CHECK(m.max_abs_error == 0.5);
  CHECK(m.mean_abs_error == Approx(0.501 / 4));
  CHECK(m.max_rel_error == 1.0);
  CHECK(m.flushed_to_zero == 1);
  CHECK(m.nan_in == 1);
  CHECK(m.nan_out == 1);
  CHECK(m.inf_out == 1);
  CHECK(m.inf_in == 0);
  const float a[] = {1, 2}, b[] = {1, 2};
  CHECK(std::isinf(error_metrics(a, b, 2).sqnr_db));
  CHECK(to_text(m).find("dB") != std::string::npos);
}
