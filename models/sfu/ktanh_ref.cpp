#include "sfu/ktanh_ref.h"

#include "numerics/convert.h"
#include "numerics/format.h"

#include <algorithm>
#include <climits>
#include <cmath>
#include <cstring>
#include <limits>
#include <stdexcept>

namespace lpsim::model {

namespace {

float bits_float(uint32_t u) {
  float f;
  std::memcpy(&f, &u, sizeof f);
  return f;
}

}  // namespace

float bf16_to_float(uint16_t b) { return bits_float(static_cast<uint32_t>(b) << 16); }

// BF16 conversions use the numerics library's codec (RNE, overflow to Inf, NaN -> quiet 0x7fc0), the same
// encoder that is proven bit-exact against every row of the BF16 oracle (tests/numerics).
uint16_t bf16_from_float(float f) { return static_cast<uint16_t>(num::encode(num::kBF16, f, num::kIeeeRne)); }

uint16_t bf16_from_double(double d) { return static_cast<uint16_t>(num::encode(num::kBF16, d, num::kIeeeRne)); }

int32_t bf16_ordinal(uint16_t b) {
  const int32_t mag = b & 0x7fff;
  return (b & 0x8000) ? -mag : mag;
}

const KtanhTable& ktanh_paper_table() {
  // Rows t = 0..31, (E_t, r_t, b_t), transcribed from notes sec. 5. t[4:3] = 00: [2,4), 01: [0.25,0.5),
  // 10: [0.5,1), 11: [1,2); t[2:0] selects the eighth of the binade.
  static const KtanhTable table = {{
      {126, 2, 119}, {126, 4, 122}, {126, 4, 123}, {126, 4, 123},  // t = 0-3
      {126, 6, 126}, {126, 6, 126}, {126, 6, 126}, {126, 6, 126},  // t = 4-7
      {125, 1, 1},   {125, 0, -4},  {125, 0, -6},  {125, 0, -7},   // t = 8-11
      {125, 0, -10}, {125, 0, -12}, {125, 0, -15}, {125, 0, -18},  // t = 12-15
      {125, 0, 112}, {126, 1, -4},  {126, 1, -1},  {126, 1, 2},    // t = 16-19
      {126, 1, 3},   {126, 1, 4},   {126, 1, 4},   {126, 1, 4},    // t = 20-23
      {126, 0, 65},  {126, 1, 72},  {126, 1, 73},  {126, 1, 73},   // t = 24-27
      {126, 2, 88},  {126, 2, 89},  {126, 2, 89},  {126, 4, 110},  // t = 28-31
  }};
  return table;
}

uint16_t ktanh_bf16(uint16_t x, const KtanhTable& table) {
  const uint16_t sign = x & 0x8000;
  const unsigned e = (x >> 7) & 0xff;  // biased exponent
  const unsigned m = x & 0x7f;         // 7-bit mantissa Mi
  if (bf16_is_nan(x)) return kBf16QuietNan;
  // Step 1: |x| < 0.25 = 2^-2, i.e. biased exponent < 125; covers +-0 and subnormals: return x.
  if (e < 125) return x;
  // Step 2: |x| > 3.75 = 1.875 * 2^1 (BF16 0x4070), i.e. e > 128 or (e == 128 and Mi > 0x70); covers +-Inf.
  if (e > 128 || (e == 128 && m > 0x70)) return sign | kBf16One;
  // Step 3: t = bits [24:20] of the FP32 pattern = {e[1:0], Mi[6:4]}.
  const KtanhEntry& p = table[((e & 3u) << 3) | (m >> 4)];
  // Steps 4-5: mantissa (Mi >> r) + b, exponent E, input sign. With the paper table the sum stays in
  // [0, 127] for every Mi of its interval (tested); the 7-bit mask mirrors the RTL's 7-bit adder.
  const unsigned man = static_cast<unsigned>(static_cast<int>(m >> p.r) + p.b) & 0x7fu;
  return static_cast<uint16_t>(sign | (static_cast<unsigned>(p.e) << 7) | man);
}

uint16_t hard_tanh_bf16(uint16_t x) {
  if (bf16_is_nan(x)) return kBf16QuietNan;
  // |x| > 1 <=> magnitude bits above those of 1.0 (BF16 magnitudes order like unsigned integers).
  if ((x & 0x7fff) > kBf16One) return (x & 0x8000) | kBf16One;
  return x;
}

const char* to_string(Activation a) {
  switch (a) {
    case Activation::kTanh: return "tanh";
    case Activation::kSigmoid: return "sigmoid";
    case Activation::kGelu: return "gelu";
    case Activation::kSwish: return "swish";
  }
  return "?";
}

uint16_t activation_pre(Activation a, uint16_t x) {
  const float xf = bf16_to_float(x);
  switch (a) {
    case Activation::kTanh: return x;
    case Activation::kSigmoid:
    case Activation::kSwish: return bf16_from_float(0.5f * xf);  // sigmoid(x) = 0.5 + 0.5 tanh(x/2)
    case Activation::kGelu: {
      // GELU tanh form: sqrt(2/pi) = 0.7978845608...; the cubic is evaluated in FP32.
      const float k = 0.7978845608028654f;
      return bf16_from_float(k * (xf + 0.044715f * xf * xf * xf));
    }
  }
  throw std::logic_error("activation_pre: bad activation");
}

uint16_t activation_post(Activation a, uint16_t x, uint16_t t) {
  const float xf = bf16_to_float(x);
  const float tf = bf16_to_float(t);
  switch (a) {
    case Activation::kTanh: return t;
    case Activation::kSigmoid: return bf16_from_float(0.5f + 0.5f * tf);
    case Activation::kSwish: {
      const float s = bf16_to_float(bf16_from_float(0.5f + 0.5f * tf));  // sigmoid(x), rounded to BF16
      return bf16_from_float(xf * s);
    }
    case Activation::kGelu: return bf16_from_float(0.5f * xf * (1.0f + tf));
  }
  throw std::logic_error("activation_post: bad activation");
}

uint16_t activation_ktanh(Activation a, uint16_t x, const KtanhTable& table) {
  return activation_post(a, x, ktanh_bf16(activation_pre(a, x), table));
}

uint16_t activation_exact(Activation a, uint16_t x) {
  const double xd = bf16_to_float(x);
  switch (a) {
    case Activation::kTanh: return bf16_from_double(std::tanh(xd));
    case Activation::kSigmoid: return bf16_from_double(1.0 / (1.0 + std::exp(-xd)));
    case Activation::kSwish: return bf16_from_double(xd / (1.0 + std::exp(-xd)));
    case Activation::kGelu: return bf16_from_double(0.5 * xd * (1.0 + std::erf(xd / std::sqrt(2.0))));
  }
  throw std::logic_error("activation_exact: bad activation");
}

TanhAccuracy tanh_accuracy(const std::vector<uint16_t>& inputs, const std::vector<uint16_t>& outputs) {
  if (inputs.size() != outputs.size()) throw std::invalid_argument("tanh_accuracy: size mismatch");
  TanhAccuracy acc;
  for (int32_t edge : {0, 1, 2, 4, 8, 16, 64, 256, INT32_MAX}) acc.ulp_hist.push_back({edge, 0});
  double sum = 0;
  for (size_t i = 0; i < inputs.size(); ++i) {
    const uint16_t x = inputs[i];
    if (!bf16_is_finite(x)) continue;
    const double ref = std::tanh(static_cast<double>(bf16_to_float(x)));
    const uint16_t y = outputs[i];
    // A NaN output for a finite input is an infinitely bad answer; report it as such rather than skip it.
    const double err = bf16_is_nan(y) ? std::numeric_limits<double>::infinity()
                                      : std::fabs(static_cast<double>(bf16_to_float(y)) - ref);
    ++acc.finite_inputs;
    sum += err;
    if (acc.finite_inputs == 1 || err > acc.max_abs_err) {
      acc.max_abs_err = err;
      acc.max_err_input = x;
    }
    const int32_t ulps = bf16_is_nan(y) ? INT32_MAX
                                        : std::abs(bf16_ordinal(y) - bf16_ordinal(bf16_from_double(ref)));
    acc.max_ulp_err = std::max(acc.max_ulp_err, ulps);
    for (auto& bin : acc.ulp_hist) {
      if (ulps <= bin.max_ulps) {
        ++bin.count;
        break;
      }
    }
  }
  acc.mean_abs_err = acc.finite_inputs ? sum / static_cast<double>(acc.finite_inputs) : 0.0;
  return acc;
}

}  // namespace lpsim::model
