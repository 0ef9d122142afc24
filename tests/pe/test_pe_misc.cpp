// Order and size invariance, parameter errors, accuracy metrics, synthetic tensors.
#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <cstring>

#include "pe/tensor_gen.h"
#include "pe_test_util.h"

using namespace pe_test;

namespace {

std::vector<float> gen(uint64_t stream, size_t n, Distribution d = Distribution::kNormal, uint64_t seed = 1) {
  TensorGenSpec g;
  g.dist = d;
  g.seed = seed;
  return generate_tensor(g, stream, n);
}

bool all_same(const std::vector<float>& x, const std::vector<float>& y) {
  if (x.size() != y.size()) return false;
  for (size_t i = 0; i < x.size(); ++i)
    if (!same(x[i], y[i])) return false;
  return true;
}

}  // namespace

TEST_CASE("pe: output bits do not depend on array size within a dataflow, threads or kernels",
          "[pe][invariance]") {
  // bf16 accumulators make every reordering visible, so these comparisons can fail.
  const int64_t m = 37, n = 45, k = 300;
  const auto a = gen(0, m * k), b = gen(1, k * n);
  const std::string fmt = GENERATE(as<std::string>{}, "mxfp8_e4m3", "bf16", "int16");
  PeParams p = params(fmt, fmt, fmt == "int16" ? "" : "bf16");
  p.int32_policy = Int32Policy::kSaturate;
  INFO(fmt);
  // os: the array size is not an input at all (R = 4, 32, 256 give one result).
  const auto os = gemm(p, order(Dataflow::kOS, 4), a, b, m, n, k).c;
  CHECK(all_same(os, gemm(p, order(Dataflow::kOS, 32), a, b, m, n, k, GemmKernel::kAuto, 2).c));
  CHECK(all_same(os, gemm(p, order(Dataflow::kOS, 256), a, b, m, n, k, GemmKernel::kPortable, 1).c));
  // ws / is: only R matters; ws and is with the same R share the order; threads/kernels never matter.
  const auto ws8 = gemm(p, order(Dataflow::kWS, 8), a, b, m, n, k).c;
  CHECK(all_same(ws8, gemm(p, order(Dataflow::kIS, 8), a, b, m, n, k, GemmKernel::kAuto, 2).c));
  CHECK(all_same(ws8, gemm(p, order(Dataflow::kWS, 8), a, b, m, n, k, GemmKernel::kPortable, 2).c));
  // ... and R does matter (otherwise the checks above could not fail).
  if (fmt != "int16") {
    CHECK_FALSE(all_same(ws8, gemm(p, order(Dataflow::kWS, 2), a, b, m, n, k).c));
    CHECK_FALSE(all_same(ws8, os));
  }
}

TEST_CASE("pe: a progress callback changes no output bit or counter and reports up to 1", "[pe][progress]") {
  // Progress slices each thread's tiles; bf16 accumulators and saturation make any change of order or count show.
  const int64_t m = 70, n = 90, k = 300;
  const auto a = gen(0, m * k), b = gen(1, k * n);
  const std::string fmt = GENERATE(as<std::string>{}, "mxfp8_e4m3", "bf16", "int16");
  const bool skip = GENERATE(false, true);
  PeParams p = params(fmt, fmt, fmt == "int16" ? "" : "bf16");
  p.int32_policy = Int32Policy::kSaturate;
  INFO(fmt << (skip ? " skip" : ""));
  GemmRunOptions plain;
  plain.threads = 2;
  plain.skip_zero_products = skip;
  GemmRunOptions reported = plain;
  std::vector<double> seen;
  reported.progress = [&](double f) { seen.push_back(f); };
  const GemmResult x = run_gemm(p, order(Dataflow::kWS, 8), a.data(), b.data(), m, n, k, plain);
  const GemmResult y = run_gemm(p, order(Dataflow::kWS, 8), a.data(), b.data(), m, n, k, reported);
  CHECK(all_same(x.c, y.c));
  CHECK(x.counters.acc_overflows == y.counters.acc_overflows);
  CHECK(x.counters.zero_products == y.counters.zero_products);
  CHECK(x.counters.macs_skipped == y.counters.macs_skipped);
  REQUIRE(!seen.empty());
  CHECK(std::is_sorted(seen.begin(), seen.end()));
  CHECK(seen.back() <= 1.0);
  CHECK(seen.back() > 0.4);  // the caller's thread runs the first half of the tiles (2 threads)
  // The accuracy references report their progress too, ending at 1, with the same figures.
  std::vector<double> acc_seen;
  const GemmAccuracy ax = gemm_accuracy(p, a.data(), b.data(), m, n, k, x, 2);
  const GemmAccuracy ay = gemm_accuracy(p, a.data(), b.data(), m, n, k, x, 2, [&](double f) { acc_seen.push_back(f); });
  CHECK(ax.vs_fp64.metrics.sqnr_db == ay.vs_fp64.metrics.sqnr_db);
  CHECK(ax.bit_identical_to_ideal == ay.bit_identical_to_ideal);
  REQUIRE(!acc_seen.empty());
  CHECK(std::is_sorted(acc_seen.begin(), acc_seen.end()));
  CHECK(acc_seen.back() > 0.7);
}

TEST_CASE("pe params: bad names and combinations are rejected with the valid choices", "[pe][params]") {
  auto message = [](const PeParams& p) -> std::string {
    try {
      resolve(p);
    } catch (const PeParamError& e) {
      return e.key() + "|" + e.what();
    }
    return "";
  };
  CHECK_THAT(message(params("mxfp9", "mxfp8_e4m3")),
             Catch::Contains("format_a|") && Catch::Contains("unknown operand format 'mxfp9'") &&
                 Catch::Contains("mxfp8_e4m3, mxfp8_e5m2"));
  CHECK_THAT(message(params("mxfp8_e4m3", "bf16")), Catch::Contains("format_b|") && Catch::Contains("both"));
  CHECK_THAT(message(params("int16", "int16", "fp32")), Catch::Contains("acc|") && Catch::Contains("int32"));
  CHECK_THAT(message(params("bf16", "bf16", "int32")), Catch::Contains("acc|"));
  CHECK_THAT(message(params("bf16", "bf16", "e9m99")), Catch::Contains("acc|") && Catch::Contains("eXmY"));
  PeParams p = params("bf16", "bf16");
  p.out = "int8";
  CHECK_THAT(message(p), Catch::Contains("out|"));
  p = params("int16", "int16");
  p.spill_interval = 0;
  CHECK_THAT(message(p), Catch::Contains("spill_interval|"));
  p = params("mxfp8_e4m3", "mxfp8_e4m3");
  p.mx_block = 0;
  CHECK_THAT(message(p), Catch::Contains("mx_block|"));
  // Aliases and custom formats resolve to canonical names.
  const ResolvedPe r = resolve(params("fp8_e4m3", "float8_e5m2", "e6m9"));
  CHECK(r.a.name == "fp8_e4m3");
  CHECK(r.b.name == "fp8_e5m2");
  CHECK(r.mode == PeMode::kFloat);
  CHECK(r.acc.exp_bits == 6);
  CHECK(r.acc.man_bits == 9);
  CHECK(resolve(params("dfp16", "int8")).acc_name == "int32");
  CHECK(parse_float_format("e8m23")->flt == lpsim::num::kFP32);  // IEEE-style custom == fp32
}

TEST_CASE("pe accuracy: error summary on a worked example", "[pe][accuracy]") {
  // ref = [1, 2, 0], result = [1, 2.5, 0]: noise 0.25, signal 5 -> SQNR 10 log10(20) = 13.0103 dB;
  // abs errors 0, 0.5, 0 -> max 0.5, mean 1/6; rel errors (ref != 0) 0, 0.25 -> max 0.25, mean 0.125;
  // cosine (1 + 5) / (sqrt(5) sqrt(7.25)) = 0.996546.
  const double ref[] = {1, 2, 0};
  const float res[] = {1, 2.5f, 0};
  const ErrorSummary s = error_summary(ref, res, 3);
  CHECK(s.metrics.sqnr_db == Approx(13.0103).epsilon(1e-5));
  CHECK(s.metrics.max_abs_error == Approx(0.5));
  CHECK(s.metrics.mean_abs_error == Approx(1.0 / 6));
  CHECK(s.metrics.max_rel_error == Approx(0.25));
  CHECK(s.mean_rel_error == Approx(0.125));
  CHECK(s.cosine_similarity == Approx(6.0 / std::sqrt(5.0 * 7.25)));
}

TEST_CASE("pe accuracy: FP32 reference mode equals the ideal emulation up to summation order",
          "[pe][accuracy]") {
  const int64_t m = 16, n = 16, k = 64;
  const auto a = gen(0, m * k), b = gen(1, k * n);
  const PeParams p = params("fp32", "fp32");
  const GemmResult r = run_gemm(p, order(Dataflow::kOS), a.data(), b.data(), m, n, k);
  const GemmAccuracy acc = gemm_accuracy(p, a.data(), b.data(), m, n, k, r);
  CHECK(acc.outputs == 256);
  CHECK(acc.vs_fp64.metrics.sqnr_db > 120);  // FP32 accumulation of 64 terms
  CHECK(acc.vs_fp64.cosine_similarity == Approx(1.0).epsilon(1e-12));
  // Sequential FP32 rounding vs one rounding of the FP64 sum: a few ulps apart, sometimes equal.
  CHECK(acc.bit_identical_to_ideal > 0);
  CHECK(acc.bit_identical_to_ideal < 256);
  CHECK(acc.vs_ideal.metrics.sqnr_db > 120);
  // MXFP4 loses far more.
  const PeParams p4 = params("mxfp4_e2m1", "mxfp4_e2m1");
  const GemmResult r4 = run_gemm(p4, order(Dataflow::kOS), a.data(), b.data(), m, n, k);
  const GemmAccuracy acc4 = gemm_accuracy(p4, a.data(), b.data(), m, n, k, r4);
  CHECK(acc4.vs_fp64.metrics.sqnr_db < 25);
  CHECK(acc4.vs_ideal.metrics.sqnr_db > 100);  // the datapath is close to the ideal emulation of the same format
}

TEST_CASE("tensor_gen: seeded, reproducible, with the requested statistics", "[pe][tensor_gen]") {
  const size_t n = 200000;
  for (Distribution d : {Distribution::kNormal, Distribution::kUniform, Distribution::kLaplace}) {
    TensorGenSpec g;
    g.dist = d;
    g.seed = 42;
    g.scale = 2.0;
    const auto x = generate_tensor(g, 0, n);
    CHECK(all_same(x, generate_tensor(g, 0, n)));           // same seed and stream: same values
    CHECK_FALSE(all_same(x, generate_tensor(g, 1, n)));     // another stream differs
    const auto head = generate_tensor(g, 0, 1000);           // a prefix is the same prefix
    CHECK(all_same(head, std::vector<float>(x.begin(), x.begin() + 1000)));
    double mean = 0, var = 0;
    for (float v : x) mean += v;
    mean /= n;
    for (float v : x) var += (v - mean) * (v - mean);
    var /= n;
    // Variances: normal scale^2 = 4; uniform (2 scale)^2 / 12 = 4/3; laplace 2 b^2 = 8.
    const double want = d == Distribution::kNormal ? 4.0 : d == Distribution::kUniform ? 4.0 / 3 : 8.0;
    INFO(to_string(d));
    CHECK(std::fabs(mean) < 0.03);
    CHECK(var == Approx(want).epsilon(0.03));
  }
  TensorGenSpec g;
  g.outlier_fraction = 0.01;
  g.outlier_size = 100;
  const auto x = generate_tensor(g, 0, n);
  size_t outliers = 0;
  for (float v : x) outliers += std::fabs(v) >= 100.0f ? 1 : 0;
  CHECK(outliers == Approx(0.01 * n).epsilon(0.1));
  double frac = 0, size = 0;
  parse_outliers("0.001:50", frac, size);
  CHECK(frac == 0.001);
  CHECK(size == 50);
  CHECK_THROWS_WITH(parse_outliers("0.5", frac, size), Catch::Contains("FRAC:SIZE"));
  CHECK_THROWS_WITH(parse_outliers("2:5", frac, size), Catch::Contains("[0, 1]"));
  CHECK_THROWS_WITH(parse_outliers("0.1:-5", frac, size), Catch::Contains("positive"));
  CHECK(parse_distribution("laplace") == Distribution::kLaplace);
  CHECK_FALSE(parse_distribution("cauchy").has_value());
}

TEST_CASE("pe: degenerate shapes", "[pe][shapes]") {
  // K = 0: every output is the empty sum +0; M = 0: no outputs. One element: 3 * 5 = 15 exactly.
  for (const std::string fmt : {"mxfp8_e4m3", "bf16", "int16"}) {
    INFO(fmt);
    const PeParams p = params(fmt, fmt);
    const std::vector<float> none;
    const GemmResult r0 = run_gemm(p, order(Dataflow::kWS, 4), none.data(), none.data(), 2, 3, 0);
    REQUIRE(r0.c.size() == 6);
    for (float v : r0.c) CHECK(bits(v) == 0u);
    CHECK(run_gemm(p, order(Dataflow::kOS), none.data(), none.data(), 0, 3, 5).c.empty());
    const std::vector<float> a = {3.0f}, b = {5.0f};
    CHECK(run_gemm(p, order(Dataflow::kIS, 1), a.data(), b.data(), 1, 1, 1).c[0] == 15.0f);
  }
  CHECK_THROWS_AS(run_gemm(params("bf16", "bf16"), order(Dataflow::kWS, 0), nullptr, nullptr, 1, 1, 1),
                  std::invalid_argument);
}

TEST_CASE("pe: FP64 reference GEMM is the k-order FMA chain of every output, whatever the tiling", "[pe][fp64]") {
  // Shapes cover full and partial 8 x 16 register tiles and k slices of 256 (the AVX-512 tile where the CPU has
  // it, the generic one otherwise); operand types double x float (a model's reference run), float x float and
  // double x double.
  const int64_t shapes[][3] = {{1, 1, 1}, {7, 15, 3}, {8, 16, 256}, {9, 17, 257}, {19, 40, 600}, {49, 33, 70}};
  for (const auto& s : shapes) {
    const int64_t m = s[0], n = s[1], k = s[2];
    const std::vector<float> af = generate_tensor(TensorGenSpec{}, 0, static_cast<size_t>(m * k));
    const std::vector<float> bf = generate_tensor(TensorGenSpec{}, 1, static_cast<size_t>(k * n));
    std::vector<double> ad(af.size()), bd(bf.size());
    for (size_t i = 0; i < af.size(); ++i) ad[i] = static_cast<double>(af[i]) / 3.0;  // not float-exact
    for (size_t i = 0; i < bf.size(); ++i) bd[i] = bf[i];
    auto want = [&](auto a) {
      std::vector<double> c(static_cast<size_t>(m * n), 0.0);
      for (int64_t i = 0; i < m; ++i)
        for (int64_t j = 0; j < n; ++j) {
          double acc = 0.0;
          for (int64_t kk = 0; kk < k; ++kk) acc = std::fma(static_cast<double>(a[i * k + kk]), bd[kk * n + j], acc);
          c[static_cast<size_t>(i * n + j)] = acc;
        }
      return c;
    };
    INFO(m << "x" << n << "x" << k);
    const std::vector<double> wd = want(ad.data()), wf = want(af.data());
    for (int threads : {1, 2}) {
      CHECK(std::memcmp(reference_gemm_fp64(ad.data(), bf.data(), m, n, k, threads).data(), wd.data(), wd.size() * 8) == 0);
      CHECK(std::memcmp(reference_gemm_fp64(ad.data(), bd.data(), m, n, k, threads).data(), wd.data(), wd.size() * 8) == 0);
      CHECK(std::memcmp(reference_gemm_fp64(af.data(), bf.data(), m, n, k, threads).data(), wf.data(), wf.size() * 8) == 0);
    }
  }
}
