// Sparse PE datapath (GemmRunOptions::skip_zero_products): outputs bit-identical to the dense run for every
// operand family, dataflow and accumulator, the sign-of-zero rule shown to be necessary (a naive skip differs),
// and the skip counters tied to the effectual-MAC count of the sparsity model.
#include <catch2/catch.hpp>
#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "numerics/convert.h"
#include "numerics/format.h"
#include "pe/engine.h"  // pe_detail::add_zero_product (internal)
#include "pe/pe.h"
#include "sparsity/sparsity.h"
#include "sparsity_test_util.h"

using namespace lpsim::model;
namespace num = lpsim::num;

namespace {

uint32_t fbits(float x) {
  uint32_t u;
  std::memcpy(&u, &x, 4);
  return u;
}

GemmResult run(const PeParams& p, Dataflow df, int64_t rows, const std::vector<float>& a,
               const std::vector<float>& b, int64_t m, int64_t n, int64_t k, bool skip) {
  GemmRunOptions o;
  o.threads = 2;
  o.kernel = GemmKernel::kAuto;
  o.skip_zero_products = skip;
  return run_gemm(p, GemmOrder{df, rows}, a.data(), b.data(), m, n, k, o);
}

// ~50% exact zeros (a quarter of them -0), the rest normal(0, 1) or |normal| (positive: drives INT32 overflow).
std::vector<float> sparse_tensor(std::mt19937_64& rng, int64_t count, bool positive) {
  std::vector<float> v(static_cast<size_t>(count));
  std::normal_distribution<float> nd(0.0f, 1.0f);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  for (float& x : v) {
    const double r = u(rng);
    if (r < 0.375) x = 0.0f;
    else if (r < 0.5) x = -0.0f;
    else x = positive ? std::fabs(nd(rng)) + 0.25f : nd(rng);
  }
  return v;
}

uint64_t effectual(const QuantizedOperands& q, int64_t m, int64_t n, int64_t k) {
  uint64_t e = 0;
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < n; ++j)
      for (int64_t kk = 0; kk < k; ++kk)
        e += (q.a[static_cast<size_t>(i * k + kk)] != 0 && q.b[static_cast<size_t>(kk * n + j)] != 0) ? 1 : 0;
  return e;
}

}  // namespace

TEST_CASE("sparse PE: zero skipping is bit-identical to the dense datapath", "[sparsity][pe][skip]") {
  struct Fmt {
    const char* name;
    std::vector<std::string> accs;  // accumulators (float/MX) or INT32 policies (int)
  };
  const std::vector<Fmt> fmts = {
      {"mxfp8_e4m3", {"", "bf16", "fp16"}}, {"mxfp8_e5m2", {"", "bf16"}},  // e5m2: the int128 block-sum path
      {"mxfp6_e3m2", {"", "bf16"}},         {"mxfp4_e2m1", {"", "bf16"}},
      {"mxint8", {"", "bf16"}},             {"fp8_e4m3", {"", "bf16", "fp16"}},
      {"fp8_e5m2", {"", "bf16", "fp16"}},   {"bf16", {"", "bf16"}},
      {"fp16", {"", "fp16"}},               {"fp32", {""}},
      {"int8", {"wrap", "saturate", "spill"}}, {"int16", {"wrap", "saturate", "spill"}}};
  struct Order {
    Dataflow df;
    int64_t rows;
  };
  const std::vector<Order> orders = {{Dataflow::kOS, 32}, {Dataflow::kWS, 4}, {Dataflow::kIS, 3}};
  const int64_t m = 13, n = 37, k = 69;  // ragged register tiles, a ragged MX block, odd K (VNNI padding)
  std::mt19937_64 rng(20240607);
  int cases = 0;
  for (const Fmt& f : fmts) {
    for (const std::string& acc : f.accs) {
      for (int mx_block : {32, 8}) {
        const bool is_mx = std::string(f.name).rfind("mx", 0) == 0;
        if (!is_mx && mx_block != 32) continue;
        for (bool positive : {false, true}) {
          std::vector<float> a = sparse_tensor(rng, m * k, positive), b = sparse_tensor(rng, k * n, positive);
          // Whole zero blocks / steps: A row 0 has K 8..47 zero, B column 1 is all zero.
          for (int64_t kk = 8; kk < 48; ++kk) a[static_cast<size_t>(kk)] = (kk % 3) ? 0.0f : -0.0f;
          for (int64_t kk = 0; kk < k; ++kk) b[static_cast<size_t>(kk * n + 1)] = 0.0f;
          PeParams p;
          p.format_a = p.format_b = f.name;
          p.mx_block = mx_block;
          if (std::string(f.name).rfind("int", 0) == 0) {
            p.int32_policy = *parse_int32_policy(acc);
            p.spill_interval = 3;
          } else {
            p.acc = acc;
          }
          const QuantizedOperands q = quantize_operands(p, a.data(), b.data(), m, n, k, 1);
          const uint64_t zero_products = static_cast<uint64_t>(m * n * k) - effectual(q, m, n, k);
          for (const Order& o : orders) {
            INFO(f.name << " acc/policy '" << acc << "' mx_block " << mx_block << (positive ? " positive" : "")
                        << " " << to_string(o.df) << " R=" << o.rows);
            const GemmResult d = run(p, o.df, o.rows, a, b, m, n, k, false);
            const GemmResult s = run(p, o.df, o.rows, a, b, m, n, k, true);
            REQUIRE(d.c.size() == s.c.size());
            CHECK(std::memcmp(d.c.data(), s.c.data(), d.c.size() * sizeof(float)) == 0);
            CHECK(s.counters.acc_overflows == d.counters.acc_overflows);
            CHECK(s.counters.spills == d.counters.spills);
            CHECK(s.counters.nan_outputs == d.counters.nan_outputs);
            CHECK(s.counters.saturations() == d.counters.saturations());
            CHECK(s.counters.underflows() == d.counters.underflows());
            // Every zero product has a finite partner here, so all are skipped; the dense run counts none.
            CHECK(s.counters.zero_products == zero_products);
            CHECK(s.counters.macs_skipped == zero_products);
            CHECK(s.counters.macs_skipped > 0);
            CHECK(s.counters.steps_skipped > 0);
            CHECK(d.counters.macs_skipped == 0);
            {  // the weights prepared once (a network's constant weights): the same sparse run
              GemmRunOptions po;
              po.threads = 2;
              po.skip_zero_products = true;
              const GemmResult sp = run_gemm(GemmOrder{o.df, o.rows}, a.data(), *prepare_weights(p, b.data(), k, n), m, po);
              CHECK(std::memcmp(sp.c.data(), s.c.data(), s.c.size() * sizeof(float)) == 0);
              CHECK(sp.counters.macs_skipped == s.counters.macs_skipped);
              CHECK(sp.counters.steps_skipped == s.counters.steps_skipped);
            }
            ++cases;
          }
        }
      }
    }
  }
  CHECK(cases == 3 * 2 * (2 * (3 + 2 + 2 + 2 + 2) + 3 + 3 + 2 + 2 + 1 + 3 + 3));  // orders x signs x configs
}

TEST_CASE("sparse PE: INT32 overflow and VNNI steps are counted exactly", "[sparsity][pe][skip]") {
  // int16 K = 3 (odd): steps {k0, k1}, {k2, pad}. A = [1, 0, 1] -> quantized [16383, 0, 16383] (DFP16 keeps
  // amax at 2^14 - 1 units); B column 0 = [1, 1, 0], column 1 = [0, 0, 0].
  PeParams p;
  p.format_a = p.format_b = "int16";
  const std::vector<float> a = {1, 0, 1}, b = {1, 0, 1, 0, 0, 0};
  const GemmResult s = run(p, Dataflow::kOS, 32, a, b, 1, 2, 3, true);
  const GemmResult d = run(p, Dataflow::kOS, 32, a, b, 1, 2, 3, false);
  CHECK(std::memcmp(d.c.data(), s.c.data(), 2 * sizeof(float)) == 0);
  // Products: col 0: 1*1, 0*1, 1*0 -> 2 zero; col 1: all 3 zero. The pad element is not counted.
  CHECK(s.counters.zero_products == 5);
  CHECK(s.counters.macs_skipped == 5);
  // Steps skipped whole: col 0 step 1 ({1*0, pad}); col 1 both steps.
  CHECK(s.counters.steps_skipped == 3);
  CHECK(d.c[0] == 1.0f);
  CHECK(fbits(d.c[1]) == 0u);
}

TEST_CASE("sparse PE: a zero times NaN is not skipped", "[sparsity][pe][skip]") {
  // fp32 operands (Inf saturates on quantization, NaN stays NaN): 0 * NaN = NaN must reach the accumulator.
  PeParams p;
  p.format_a = p.format_b = "fp32";
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const std::vector<float> a = {0.0f, 2.0f, -0.0f}, b = {nan, 0.0f, 3.0f};
  const GemmResult s = run(p, Dataflow::kOS, 32, a, b, 1, 1, 3, true);
  const GemmResult d = run(p, Dataflow::kOS, 32, a, b, 1, 1, 3, false);
  CHECK(std::isnan(d.c[0]));
  CHECK(fbits(s.c[0]) == fbits(d.c[0]));
  CHECK(s.counters.zero_products == 3);
  CHECK(s.counters.macs_skipped == 2);  // 0 * NaN computed
  CHECK(s.counters.nan_outputs == 1);
}

TEST_CASE("sparse PE: the skip rule is IEEE addition of the zero product", "[sparsity][pe][skip][signed-zero]") {
  // add_zero_product(acc, sign) must equal RNE(acc + (+-0)) as the FPU computes it (IEEE 754-2019 §6.3), and
  // fma(0, y, acc) for the float MAC. Leaving the accumulator unchanged (a naive skip) differs for -0 + (+0).
  using lpsim::model::pe_detail::add_zero_product;
  const double inf = std::numeric_limits<double>::infinity();
  const std::vector<double> accs = {0.0, -0.0, 1.0, -1.0, 0x1p-1074, -0x1p-1074, 0x1p-149, -0x1p-149, inf, -inf};
  int naive_differs = 0;
  for (double acc : accs) {
    for (bool neg : {false, true}) {
      const double hw = acc + (neg ? -0.0 : 0.0);
      uint64_t x, y;
      const double r = add_zero_product(acc, neg);
      std::memcpy(&x, &hw, 8);
      std::memcpy(&y, &r, 8);
      CHECK(x == y);
      const float accf = static_cast<float>(acc);
      const float fm = std::fma(neg ? -0.0f : 0.0f, 3.0f, accf);
      CHECK(fbits(fm) == fbits(static_cast<float>(add_zero_product(accf, neg))));
      uint64_t z;
      std::memcpy(&z, &acc, 8);
      naive_differs += z != x ? 1 : 0;
    }
  }
  CHECK(naive_differs == 1);  // only (-0) + (+0)
  CHECK(std::isnan(add_zero_product(std::nan(""), false)));
}

namespace {

// Tiny naive model of one output-stationary chain on the quantized values: step values (exact in double here)
// rounded into the accumulator format one by one. naive_skip leaves the accumulator untouched for a step whose
// products are all zero, i.e. ignores the sign-of-zero rule. output() is the datapath's output stage for os:
// total = RNE(+0 + acc) (pe/README.md "Accumulation order"), then float32.
struct ChainModel {
  bool fp32 = true;
  num::FloatFormat acc{};
  double round(double x) const {
    return fp32 ? static_cast<double>(static_cast<float>(x)) : num::round_to(acc, x, num::kIeeeRne);
  }
  double accumulate(const std::vector<std::vector<double>>& steps, bool naive_skip) const {
    double f = 0.0;
    for (const auto& prods : steps) {
      bool all_zero = true;
      double v = 0.0;  // exact sums in these cases; a sum of zeros from +0 is +0
      for (double x : prods) {
        all_zero = all_zero && x == 0;
        v += x;
      }
      if (naive_skip && all_zero) continue;
      if (prods.size() == 1) v = prods[0];  // a single product keeps its sign of zero
      f = round(f + v);
    }
    return f;
  }
  float output(double f) const { return static_cast<float>(round(0.0 + f)); }
};

uint64_t dbits(double x) {
  uint64_t u;
  std::memcpy(&u, &x, 8);
  return u;
}
constexpr uint64_t kMinusZero = uint64_t{1} << 63;

std::vector<std::vector<double>> float_steps(const QuantizedOperands& q, int64_t k) {
  std::vector<std::vector<double>> s;
  for (int64_t i = 0; i < k; ++i) s.push_back({q.a[static_cast<size_t>(i)] * q.b[static_cast<size_t>(i)]});
  return s;
}

}  // namespace

TEST_CASE("sparse PE: a -0 accumulator, float MAC", "[sparsity][pe][skip][signed-zero]") {
  // E5M2 x E5M2 into an FP16 accumulator: (-2^-16) * 2^-16 = -2^-32 underflows FP16 (min subnormal 2^-24) to
  // -0; then 0 * (+-1): (-0) + (+0) = +0 but (-0) + (-0) = -0 (IEEE 754 §6.3). A naive skip keeps -0 in both.
  // The os output stage adds the accumulator to +0, so the datapath's outputs are +0 either way: the sign rule
  // keeps the accumulator state exact, the outputs cannot show a -0 (pe/README.md "Zero skipping").
  struct Case {
    const char* fmt;
    const char* acc;
    float a0, b0, b1;
    uint64_t acc_bits;  // the accumulator after both steps, IEEE rule
  };
  const float t16 = std::ldexp(1.0f, -16), t30 = 1e-30f;
  const std::vector<Case> cases = {
      {"fp8_e5m2", "fp16", -t16, t16, 1.0f, 0},  // a naive skip keeps -0
      {"fp8_e5m2", "fp16", -t16, t16, -1.0f, kMinusZero},
      {"fp32", "", -t30, t30, 1.0f, 0},  // FP32 FMA underflow to -0
      {"fp32", "", -t30, t30, -1.0f, kMinusZero},
  };
  for (const Case& c : cases) {
    INFO(c.fmt << " acc " << (*c.acc ? c.acc : "fp32") << " b1 " << c.b1);
    PeParams p;
    p.format_a = p.format_b = c.fmt;
    p.acc = c.acc;
    p.tensor_scale = lpsim::num::TensorScale::kNone;  // the operands reach the MAC as written (underflow to -0)
    const std::vector<float> a = {c.a0, 0.0f}, b = {c.b0, c.b1};
    ChainModel model;
    model.fp32 = *c.acc == 0;
    if (!model.fp32) model.acc = num::kFP16;
    const QuantizedOperands q = quantize_operands(p, a.data(), b.data(), 1, 1, 2, 1);
    const auto steps = float_steps(q, 2);
    CHECK(dbits(model.accumulate({steps[0]}, false)) == kMinusZero);  // the first product leaves -0
    CHECK(dbits(model.accumulate(steps, false)) == c.acc_bits);
    CHECK(dbits(model.accumulate(steps, true)) == kMinusZero);
    for (Dataflow df : {Dataflow::kOS, Dataflow::kWS}) {
      const GemmResult d = run(p, df, 4, a, b, 1, 1, 2, false);
      const GemmResult s = run(p, df, 4, a, b, 1, 1, 2, true);
      CHECK(fbits(d.c[0]) == fbits(model.output(model.accumulate(steps, false))));
      CHECK(fbits(d.c[0]) == 0u);
      CHECK(fbits(s.c[0]) == fbits(d.c[0]));
      CHECK(s.counters.macs_skipped == 1);
    }
  }
}

TEST_CASE("sparse PE: a -0 accumulator, MX all-zero block", "[sparsity][pe][skip][signed-zero]") {
  // K = 64: block 0 holds one product (-2^-120) * 2^-120 = -2^-240 (scales 2^-127, elements -128 and 128), which
  // underflows the FP32 accumulator to -0; block 1 of A is all zero, so its value is +0 and acc = -0 + (+0) = +0.
  // mxfp8_e4m3 takes the double block-sum path, mxfp8_e5m2 the __int128 one (both apply the rule).
  for (const char* fmt : {"mxfp8_e4m3", "mxfp8_e5m2"}) {
    INFO(fmt);
    PeParams p;
    p.format_a = p.format_b = fmt;
    const int64_t k = 64;
    std::vector<float> a(k, 0.0f), b(k, 1.0f);
    a[0] = -std::ldexp(1.0f, -120);
    for (int64_t i = 0; i < 32; ++i) b[static_cast<size_t>(i)] = 0.0f;
    b[0] = std::ldexp(1.0f, -120);
    const GemmResult d = run(p, Dataflow::kOS, 32, a, b, 1, 1, k, false);
    const GemmResult s = run(p, Dataflow::kOS, 32, a, b, 1, 1, k, true);
    CHECK(fbits(d.c[0]) == 0u);
    CHECK(fbits(s.c[0]) == 0u);
    CHECK(s.counters.steps_skipped == 1);  // block 1
    CHECK(s.counters.macs_skipped == 63);  // every product but the first
    const QuantizedOperands q = quantize_operands(p, a.data(), b.data(), 1, 1, k, 1);
    std::vector<std::vector<double>> steps(2);
    for (int64_t i = 0; i < k; ++i)
      steps[static_cast<size_t>(i / 32)].push_back(q.a[static_cast<size_t>(i)] * q.b[static_cast<size_t>(i)]);
    REQUIRE(steps[0][0] == -std::ldexp(1.0, -240));
    ChainModel model;
    CHECK(dbits(model.accumulate({steps[0]}, false)) == kMinusZero);
    CHECK(dbits(model.accumulate(steps, false)) == 0u);
    CHECK(dbits(model.accumulate(steps, true)) == kMinusZero);
    CHECK(fbits(model.output(model.accumulate(steps, false))) == fbits(d.c[0]));
  }
}

TEST_CASE("sparse PE: datapath skip counters equal the sparsity model's zero-operand MACs",
          "[sparsity][pe][skip]") {
  // macs_skipped (datapath: products with a zero operand) = macs_dense - macs_effectual (sparsity model), for
  // the same quantized operands.
  std::mt19937_64 rng(7);
  const int64_t m = 20, n = 9, k = 40;
  const std::vector<float> a = sparse_tensor(rng, m * k, false), b = sparse_tensor(rng, k * n, false);
  PeParams p;
  p.format_a = p.format_b = "mxfp8_e4m3";
  const QuantizedOperands q = quantize_operands(p, a.data(), b.data(), m, n, k, 1);
  const LayerShape layer = sparsity_test::gemm_layer(m, n, k);
  const ArrayParams arr = sparsity_test::array(8, 8, Dataflow::kOS);
  const MemoryParams mem;
  const LayerTiming dense = estimate_layer(arr, mem, layer);
  SparsityParams sp;
  sp.scheme = SparsityScheme::kGate;
  const SparsityStats st = analyze_sparsity(sp, arr, mem, layer, dense, q.a.data(), q.b.data());
  const GemmResult s = run(p, Dataflow::kOS, 8, a, b, m, n, k, true);
  CHECK(s.counters.macs_skipped == st.macs_dense - st.macs_effectual);
  CHECK(st.macs_gated == st.macs_dense - st.macs_effectual);
}
