// Random GEMMs cross-checked bit for bit against deliberately simple implementations written here: operands via
// the numerics library's scalar API, exact block sums in __int128, accumulation in long double (64-bit
// significand) with every sum checked to be exact before its one rounding, INT32 chains in int64.
#include <catch2/catch.hpp>
#include <cmath>
#include <limits>

#include "numerics/convert.h"
#include "numerics/mx.h"
#include "numerics/scaled.h"
#include "pe/tensor_gen.h"
#include "pe_test_util.h"

using namespace pe_test;
namespace num = lpsim::num;

namespace {

__extension__ typedef __int128 i128;

// x = m * 2^e with m odd: e (x finite, nonzero).
int lsb_exp(long double x) {
  int e;
  const long double fr = std::frexp(std::fabs(x), &e);  // fr in [0.5, 1): fr * 2^64 is an integer
  const uint64_t m = static_cast<uint64_t>(std::ldexp(fr, 64));
  return e - 64 + __builtin_ctzll(m);
}

// True when a + b is exactly representable with `bits` significant bits.
bool exact_sum(long double a, long double b, int bits) {
  if (a == 0 || b == 0 || !std::isfinite(a) || !std::isfinite(b)) return true;
  const int hi = std::max(std::ilogb(a), std::ilogb(b)) + 1;  // +1: a carry
  const int lo = std::min(lsb_exp(a), lsb_exp(b));
  return hi - lo + 1 <= bits;
}

// RNE of an exact long double into a float format with man_bits fraction bits (IEEE: overflow -> Inf):
// scale to units of the quantum, round with nearbyint (ties to even in the default mode), scale back.
long double simple_round(long double x, const num::FloatFormat& f) {
  if (x == 0 || !std::isfinite(x)) return x;
  const int e = std::max(std::ilogb(x), f.emin);
  const long double y = std::nearbyint(std::ldexp(x, f.man_bits - e)) * std::ldexp(1.0L, e - f.man_bits);
  const long double max = num::decode(f, f.max_mag);
  return std::fabs(y) > max ? std::copysign(std::numeric_limits<long double>::infinity(), y) : y;
}

// RNE into the accumulator format of acc + v, which must be exact in long double (checked).
struct SimpleAcc {
  num::FloatFormat f;
  bool fp32;
  long double add(long double acc, long double v) const {
    if (std::isnan(acc) || std::isnan(v)) return std::numeric_limits<long double>::quiet_NaN();
    if (std::isinf(acc)) return acc;
    REQUIRE(exact_sum(acc, v, 64));
    if (fp32) return static_cast<float>(acc + v);  // one rounding: long double -> float
    return simple_round(acc + v, f);
  }
};

SimpleAcc simple_acc(const std::string& name) {
  if (name.empty() || name == "fp32") return {num::kFP32, true};
  return {num::format_by_name(name).flt, false};
}

float out_fp32(long double total) { return static_cast<float>(total); }

int elem_lsb(const num::NumberFormat& e) {
  return e.is_float() ? e.flt.emin - e.flt.man_bits : -e.integer.frac_bits;
}
double elem_value(const num::NumberFormat& e, uint8_t code) {
  return e.is_float() ? num::decode(e.flt, code) : num::decode(e.integer, code);
}

// Fold bookkeeping shared by the simple models: os = one chain; ws/is = folds of R steps from zero.
struct Chain {
  SimpleAcc acc;
  int64_t fold_len;  // 0 = os
  long double fold = 0, total = 0;
  int64_t n = 0;
  void add(long double v) {
    fold = acc.add(fold, v);
    if (fold_len > 0 && ++n == fold_len) close();
  }
  void close() {
    total = acc.add(total, fold);
    fold = 0;
    n = 0;
  }
  long double finish() {
    close();
    return total;
  }
};

std::vector<float> simple_mx(const std::string& fa, const std::string& fb, const std::string& acc_name,
                             const GemmOrder& o, const std::vector<float>& a, const std::vector<float>& b,
                             int64_t m, int64_t n, int64_t k) {
  const num::NumberFormat ea = resolve(params(fa, fb)).a.element, eb = resolve(params(fa, fb)).b.element;
  num::MxOptions oa, ob;
  oa.element = ea;
  ob.element = eb;
  ob.axis = 0;
  const num::MxTensor ta = num::mx_quantize(oa, a.data(), m, k), tb = num::mx_quantize(ob, b.data(), k, n);
  const int nb = static_cast<int>((k + 31) / 32);
  const int lsb = elem_lsb(ea) + elem_lsb(eb);
  std::vector<float> c(static_cast<size_t>(m * n));
  for (int64_t i = 0; i < m; ++i) {
    for (int64_t j = 0; j < n; ++j) {
      Chain ch{simple_acc(acc_name), o.dataflow == Dataflow::kOS ? 0 : o.array_rows};
      for (int blk = 0; blk < nb; ++blk) {
        const uint8_t sa = ta.scales[i * nb + blk], sb = tb.scales[blk * n + j];
        if (sa == 0xff || sb == 0xff) {
          ch.add(std::numeric_limits<long double>::quiet_NaN());
          continue;
        }
        i128 s = 0;  // exact block sum in units of 2^lsb
        for (int64_t kk = blk * 32; kk < std::min<int64_t>(k, blk * 32 + 32); ++kk) {
          const double prod = elem_value(ea, ta.codes[i * k + kk]) * elem_value(eb, tb.codes[kk * n + j]);
          s += static_cast<i128>(std::ldexp(prod, -lsb));
        }
        // Exact as long double when the significant bits span at most 63 (checked).
        int tz = 0;
        while (s != 0 && (s & 1) == 0) {
          s >>= 1;
          ++tz;
        }
        REQUIRE(s < (i128(1) << 63));
        REQUIRE(s > -(i128(1) << 63));
        ch.add(std::ldexp(static_cast<long double>(static_cast<int64_t>(s)), lsb + tz + sa + sb - 254));
      }
      c[i * n + j] = out_fp32(ch.finish());
    }
  }
  return c;
}

std::vector<float> simple_float(const std::string& fa, const std::string& fb, const std::string& acc_name,
                                const GemmOrder& o, const std::vector<float>& a, const std::vector<float>& b,
                                int64_t m, int64_t n, int64_t k) {
  const num::FloatFormat ea = resolve(params(fa, fb)).a.element.flt, eb = resolve(params(fa, fb)).b.element.flt;
  const num::RoundOptions sat{num::Rounding::kNearestEven, num::Overflow::kSaturate, num::Subnormals::kKeep, 16};
  std::vector<double> qa(a.size()), qb(b.size());
  for (size_t i = 0; i < a.size(); ++i) qa[i] = num::round_to(ea, static_cast<double>(a[i]), sat);
  for (size_t i = 0; i < b.size(); ++i) qb[i] = num::round_to(eb, static_cast<double>(b[i]), sat);
  std::vector<float> c(static_cast<size_t>(m * n));
  for (int64_t i = 0; i < m; ++i) {
    for (int64_t j = 0; j < n; ++j) {
      Chain ch{simple_acc(acc_name), o.dataflow == Dataflow::kOS ? 0 : o.array_rows};
      for (int64_t kk = 0; kk < k; ++kk) {
        ch.add(static_cast<long double>(qa[i * k + kk]) * static_cast<long double>(qb[kk * n + j]));  // exact
      }
      c[i * n + j] = out_fp32(ch.finish());
    }
  }
  return c;
}

struct IntOut {
  std::vector<float> c;
  uint64_t overflows = 0;
};

IntOut simple_int(const std::string& fa, const std::string& fb, Int32Policy policy, int spill_n,
                  const GemmOrder& o, const std::vector<float>& a, const std::vector<float>& b, int64_t m,
                  int64_t n, int64_t k) {
  const ResolvedPe r = resolve(params(fa, fb));
  const num::DfpTensor ta = num::quantize_dfp(a.data(), a.size(), r.a.element.integer.bits);
  const num::DfpTensor tb = num::quantize_dfp(b.data(), b.size(), r.b.element.integer.bits);
  const int e = ta.exponent + tb.exponent;
  const int64_t steps = (k + 1) / 2;
  const int64_t fold_len = o.dataflow == Dataflow::kOS ? steps : o.array_rows;
  IntOut res;
  res.c.resize(static_cast<size_t>(m * n));
  auto add = [&](int64_t acc, int64_t d, Int32Policy pol) {
    int64_t x = acc + d;
    if (x < INT32_MIN || x > INT32_MAX) {
      ++res.overflows;
      if (pol == Int32Policy::kSaturate) x = x < 0 ? INT32_MIN : INT32_MAX;
      else x = static_cast<int32_t>(static_cast<uint32_t>(x));  // wrap
    }
    return x;
  };
  for (int64_t i = 0; i < m; ++i) {
    for (int64_t j = 0; j < n; ++j) {
      int64_t total = 0;
      float total_fp = 0;
      for (int64_t f0 = 0; f0 < steps; f0 += fold_len) {
        int64_t w = 0;
        float fold_fp = 0;
        int64_t in_partial = 0;
        for (int64_t s = f0; s < std::min(steps, f0 + fold_len); ++s) {
          int64_t d = 0;
          for (int64_t kk = 2 * s; kk < std::min(k, 2 * s + 2); ++kk)
            d += int64_t{ta.k[i * k + kk]} * int64_t{tb.k[kk * n + j]};
          w = add(w, d, policy == Int32Policy::kSpill ? Int32Policy::kWrap : policy);
          if (policy == Int32Policy::kSpill && ++in_partial == spill_n) {
            fold_fp += static_cast<float>(std::ldexp(static_cast<double>(w), e));
            w = 0;
            in_partial = 0;
          }
        }
        if (policy == Int32Policy::kSpill) {
          if (in_partial > 0) fold_fp += static_cast<float>(std::ldexp(static_cast<double>(w), e));
          total_fp += fold_fp;
        } else {
          total = add(total, w, policy);
        }
      }
      res.c[i * n + j] = policy == Int32Policy::kSpill
                             ? total_fp
                             : static_cast<float>(std::ldexp(static_cast<double>(total), e));
    }
  }
  return res;
}

void check_same(const std::vector<float>& got, const std::vector<float>& want) {
  REQUIRE(got.size() == want.size());
  size_t bad = 0;
  for (size_t i = 0; i < got.size(); ++i) {
    if (!same(got[i], want[i])) {
      if (bad++ < 5) {
        INFO("output " << i << ": got 0x" << std::hex << bits(got[i]) << ", want 0x" << bits(want[i]));
        CHECK(same(got[i], want[i]));
      }
    }
  }
  CHECK(bad == 0);
}

std::vector<float> randn(uint64_t seed, uint64_t stream, size_t n, double scale,
                         Distribution d = Distribution::kNormal) {
  TensorGenSpec g;
  g.dist = d;
  g.seed = seed;
  g.scale = scale;
  return generate_tensor(g, stream, n);
}

struct Shape {
  int64_t m, n, k;
};
const Shape kShapes[] = {{5, 7, 33}, {13, 30, 100}, {9, 49, 64}};

GemmOrder any_order() {
  const int which = GENERATE(0, 1, 2, 3);
  switch (which) {
    case 0: return order(Dataflow::kOS);
    case 1: return order(Dataflow::kWS, 1);
    case 2: return order(Dataflow::kWS, 3);
    default: return order(Dataflow::kIS, 2);
  }
}

}  // namespace

TEST_CASE("pe mx: random GEMMs match a simple exact model bit for bit", "[pe][mx][random]") {
  const auto fmts = GENERATE(std::make_pair("mxfp8_e4m3", "mxfp8_e4m3"), std::make_pair("mxfp8_e5m2", "mxfp8_e4m3"),
                             std::make_pair("mxfp8_e5m2", "mxfp8_e5m2"), std::make_pair("mxfp4_e2m1", "mxfp6_e3m2"),
                             std::make_pair("mxfp6_e2m3", "mxfp8_e4m3"), std::make_pair("mxint8", "mxint8"));
  const std::string acc = GENERATE(as<std::string>{}, "fp32", "bf16");
  const GemmOrder o = any_order();
  // 2^-70 scales push block values into float32's subnormal range (the AVX-512 kernel's rare path).
  const double scale = GENERATE(1.0, 0x1p-70);
  for (const Shape& s : kShapes) {
    const auto a = randn(7, 0, static_cast<size_t>(s.m * s.k), scale);
    const auto b = randn(7, 1, static_cast<size_t>(s.k * s.n), 1.0);
    INFO(fmts.first << " x " << fmts.second << " acc " << acc << " " << to_string(o.dataflow) << " R "
                    << o.array_rows << " scale " << scale << " shape " << s.m << "x" << s.n << "x" << s.k);
    const auto want = simple_mx(fmts.first, fmts.second, acc, o, a, b, s.m, s.n, s.k);
    const PeParams p = params(fmts.first, fmts.second, acc);
    const GemmResult r = gemm(p, o, a, b, s.m, s.n, s.k, GemmKernel::kAuto, 2);
    check_same(r.c, want);
    check_same(gemm(p, o, a, b, s.m, s.n, s.k, GemmKernel::kPortable, 1).c, want);
    CHECK(same_result(gemm_prepared(p, o, a, b, s.m, s.n, s.k, GemmKernel::kAuto, 2), r));
    CHECK(same_result(gemm_prepared(p, o, a, b, s.m, s.n, s.k, GemmKernel::kPortable, 1), r));
  }
}

TEST_CASE("pe float: random GEMMs match a simple exact model bit for bit", "[pe][float][random]") {
  const auto fmts = GENERATE(std::make_pair("e4m3", "e5m2"), std::make_pair("bf16", "bf16"),
                             std::make_pair("fp16", "e4m3"), std::make_pair("fp32", "fp32"));
  const std::string acc = GENERATE(as<std::string>{}, "fp32", "bf16", "fp16");
  const GemmOrder o = any_order();
  for (const Shape& s : kShapes) {
    // Magnitudes in [0.5, 2) keep every long double sum of the simple model exact (checked there).
    auto a = randn(11, 0, static_cast<size_t>(s.m * s.k), 1.0, Distribution::kUniform);
    auto b = randn(11, 1, static_cast<size_t>(s.k * s.n), 1.0, Distribution::kUniform);
    for (auto* v : {&a, &b})
      for (float& x : *v) x = std::copysign(0.5f + 1.5f * std::fabs(x), x);
    INFO(fmts.first << " x " << fmts.second << " acc " << acc << " " << to_string(o.dataflow) << " R "
                    << o.array_rows << " shape " << s.m << "x" << s.n << "x" << s.k);
    const auto want = simple_float(fmts.first, fmts.second, acc, o, a, b, s.m, s.n, s.k);
    const PeParams p = params(fmts.first, fmts.second, acc);
    const GemmResult r = gemm(p, o, a, b, s.m, s.n, s.k, GemmKernel::kAuto, 2);
    check_same(r.c, want);
    check_same(gemm(p, o, a, b, s.m, s.n, s.k, GemmKernel::kPortable, 1).c, want);
    CHECK(same_result(gemm_prepared(p, o, a, b, s.m, s.n, s.k, GemmKernel::kAuto, 2), r));
    CHECK(same_result(gemm_prepared(p, o, a, b, s.m, s.n, s.k, GemmKernel::kPortable, 1), r));
  }
}

TEST_CASE("pe int: random GEMMs match a simple int64 model, overflow counts included", "[pe][int][random]") {
  const auto fmts = GENERATE(std::make_pair("int16", "int16"), std::make_pair("int8", "int16"),
                             std::make_pair("int8", "int8"));
  const Int32Policy policy = GENERATE(Int32Policy::kWrap, Int32Policy::kSaturate, Int32Policy::kSpill);
  const GemmOrder o = any_order();
  const bool positive = GENERATE(false, true);  // all-positive data overflows INT32 for sure with int16
  for (const Shape& s : kShapes) {
    auto a = randn(5, 0, static_cast<size_t>(s.m * s.k), 1.0);
    auto b = randn(5, 1, static_cast<size_t>(s.k * s.n), 1.0);
    if (positive)
      for (auto* v : {&a, &b})
        for (float& x : *v) x = std::fabs(x);
    PeParams p = params(fmts.first, fmts.second);
    p.int32_policy = policy;
    p.spill_interval = 5;
    INFO(fmts.first << " x " << fmts.second << " " << to_string(policy) << " " << to_string(o.dataflow) << " R "
                    << o.array_rows << " positive " << positive << " shape " << s.m << "x" << s.n << "x" << s.k);
    const IntOut want = simple_int(fmts.first, fmts.second, policy, 5, o, a, b, s.m, s.n, s.k);
    for (GemmKernel kern : {GemmKernel::kAuto, GemmKernel::kPortable}) {
      const GemmResult r = gemm(p, o, a, b, s.m, s.n, s.k, kern, 2);
      check_same(r.c, want.c);
      CHECK(r.counters.acc_overflows == want.overflows);
      CHECK(same_result(gemm_prepared(p, o, a, b, s.m, s.n, s.k, kern, 2), r));
    }
    if (positive && std::string(fmts.first) == "int16" && std::string(fmts.second) == "int16" &&
        policy != Int32Policy::kSpill && s.k >= 64 && o.dataflow == Dataflow::kOS) {
      CHECK(want.overflows > 0);  // the case really exercises the policy
    }
  }
}

TEST_CASE("pe: saturation and underflow counters match element-wise recounts", "[pe][counters]") {
  // Outliers saturate FP8 E4M3 (max 448); tiny values flush to zero.
  std::vector<float> a = randn(3, 0, 64, 10.0), b = randn(3, 1, 64, 1.0);
  a[0] = 1000.0f;
  a[1] = -600.0f;
  a[2] = 1e-4f;  // below E4M3's min subnormal 2^-9 / 2 -> 0
  a[3] = -5e-4f;  // 5e-4 < 2^-10 (half the min subnormal): also 0
  const GemmResult r = gemm(params("e4m3", "e4m3"), order(Dataflow::kOS), a, b, 8, 8, 8);
  uint64_t sat = 0, under = 0;
  for (float x : a) {
    const double q = num::round_to(num::kE4M3, static_cast<double>(x),
                                   {num::Rounding::kNearestEven, num::Overflow::kSaturate});
    sat += std::fabs(x) > 464.0f ? 1 : 0;  // 464 = midpoint of 448 and 480: above rounds past max
    under += (x != 0 && q == 0) ? 1 : 0;
  }
  CHECK(r.counters.saturations_a == sat);
  CHECK(r.counters.underflows_a == under);
  CHECK(sat == 2);
  CHECK(under >= 2);
}
