// Bit-exact C++ model of the K-TanH block (rtl/ktanh.sv) and the BF16 helpers around it. Pure C++17: no
// SystemC, so the numerics, cost and CLI code can use it (library lpsim_ktanh_ref).
//
// K-TanH: Kundu et al., arXiv 1909.07729; algorithm and table as transcribed in shared notes/papers.md sec. 5.
// Special inputs (same as the RTL, see rtl/README.md): +-0 and subnormals pass through (|x| < 0.25), +-Inf gives
// +-1.0 (|x| > 3.75), every NaN gives the canonical quiet NaN 0x7fc0.
#pragma once
#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace lpsim::model {

// ---- BF16 bit patterns (1 sign, 8 exponent, 7 mantissa bits; the top half of an FP32) ----
constexpr uint16_t kBf16One = 0x3f80;        // +1.0
constexpr uint16_t kBf16QuietNan = 0x7fc0;   // canonical quiet NaN (the project's BF16 encoder gives this too)

inline bool bf16_is_nan(uint16_t b) { return (b & 0x7f80) == 0x7f80 && (b & 0x007f) != 0; }
inline bool bf16_is_finite(uint16_t b) { return (b & 0x7f80) != 0x7f80; }
float bf16_to_float(uint16_t b);  // exact: appends 16 zero bits
// float -> BF16, round to nearest even (libxsmm rule, notes sec. 3); overflow gives +-Inf, NaN gives 0x7fc0.
uint16_t bf16_from_float(float f);
// double -> BF16 with a single RNE rounding (no double rounding through float); same specials as above.
uint16_t bf16_from_double(double d);
// Integer that is monotone in the BF16 value, with +0 and -0 both 0: |ord(a) - ord(b)| is the number of BF16 ulps
// (representable steps) between two finite values.
int32_t bf16_ordinal(uint16_t b);

// ---- K-TanH ----
struct KtanhEntry {
  uint8_t e;  // output biased exponent E_t
  uint8_t r;  // right shift r_t applied to the input mantissa
  int16_t b;  // signed bias b_t added to the shifted mantissa
};
using KtanhTable = std::array<KtanhEntry, 32>;

// The paper's 32-entry table (notes sec. 5), indexed by t = {exponent[1:0], mantissa[6:4]}.
const KtanhTable& ktanh_paper_table();

// K-TanH of one BF16 pattern. The table is a parameter only so that tests can build a deliberately corrupted
// reference and prove the co-verification catches it; everything else uses the paper table.
uint16_t ktanh_bf16(uint16_t x, const KtanhTable& table = ktanh_paper_table());

// Hard TanH baseline: clip to [-1, 1] (exact in BF16); NaN gives 0x7fc0.
uint16_t hard_tanh_bf16(uint16_t x);

// ---- Activations computed through a tanh unit (notes sec. 5, "Derived functions") ----
enum class Activation { kTanh, kSigmoid, kGelu, kSwish };
const char* to_string(Activation a);  // "tanh" | "sigmoid" | "gelu" | "swish"

// The special-function unit evaluates f(x) as post(x, tanh_unit(pre(x))), each step rounded to BF16 (RNE):
//   tanh:    pre = x,                               post = t
//   sigmoid: pre = x/2,                             post = 0.5 + 0.5 t
//   swish:   pre = x/2,                             post = x * bf16(0.5 + 0.5 t)
//   gelu:    pre = sqrt(2/pi) (x + 0.044715 x^3),  post = 0.5 x (1 + t)
// pre/post are computed in FP32 from BF16 operands and rounded once to BF16.
uint16_t activation_pre(Activation a, uint16_t x);
uint16_t activation_post(Activation a, uint16_t x, uint16_t t);
// The same function with the K-TanH model as the tanh unit.
uint16_t activation_ktanh(Activation a, uint16_t x, const KtanhTable& table = ktanh_paper_table());
// The exact function in double precision (libm), rounded once to BF16: tanh; sigmoid 1/(1+e^-x);
// swish x/(1+e^-x); GELU 0.5 x (1 + erf(x/sqrt 2)) (the erf definition, not the tanh approximation).
uint16_t activation_exact(Activation a, uint16_t x);

// ---- Accuracy of a tanh approximation against std::tanh over finite BF16 inputs ----
struct UlpBin {
  int32_t max_ulps;  // bin holds errors in (previous bin's max_ulps, max_ulps]; INT32_MAX for the last bin
  uint64_t count;
};
struct TanhAccuracy {
  uint64_t finite_inputs = 0;   // inputs evaluated (non-finite inputs are skipped)
  double max_abs_err = 0;       // max |f(x) - tanh(x)|, tanh in double precision
  uint16_t max_err_input = 0;   // first input (in the given order) where the max occurs
  double mean_abs_err = 0;
  int32_t max_ulp_err = 0;      // max BF16 ulp distance to bf16(tanh(x)) (see bf16_ordinal)
  std::vector<UlpBin> ulp_hist; // bins 0, 1, 2, 3-4, 5-8, 9-16, 17-64, 65-256, >256 ulps
};
// outputs[i] is the approximation's result for inputs[i].
TanhAccuracy tanh_accuracy(const std::vector<uint16_t>& inputs, const std::vector<uint16_t>& outputs);

}  // namespace lpsim::model
