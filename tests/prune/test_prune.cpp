// Pruning functions and the AutoSparse FLOP model (models/sparsity/prune.h), library level.
#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <random>
#include <stdexcept>
#include <vector>

#include "sparsity/prune.h"

using namespace lpsim::model;

namespace {

int64_t zeros(const std::vector<float>& v) {
  int64_t z = 0;
  for (float x : v) z += x == 0.0f;
  return z;
}

}  // namespace

TEST_CASE("prune: magnitude zeroes exactly round(s * n) values, half up", "[prune][magnitude]") {
  struct Case { int64_t n; double s; int64_t want; };
  // 0.25 * 10 = 2.5 -> 3 (half up); 0.5 * 7 = 3.5 -> 4; 0.8 * 96 = 76.8 -> 77; 0.3 * 10 -> 3.
  for (const Case c : {Case{10, 0.25, 3}, Case{7, 0.5, 4}, Case{96, 0.8, 77}, Case{10, 0.3, 3}, Case{5, 0.0, 0},
                       Case{1000, 0.999, 999}, Case{3, 0.1, 0}}) {
    CAPTURE(c.n, c.s);
    CHECK(magnitude_prune_count(c.n, c.s) == c.want);
    std::vector<float> w(static_cast<size_t>(c.n));
    for (int64_t i = 0; i < c.n; ++i) w[static_cast<size_t>(i)] = 1.0f + static_cast<float>(i);  // no zeros, no ties
    PruneStats st = prune_magnitude(w.data(), c.n, c.s);
    CHECK(st.values == c.n);
    CHECK(st.zeros_before == 0);
    CHECK(st.zeros_after == c.want);
    CHECK(zeros(w) == c.want);
    // The survivors are the largest: 1..want are zeroed.
    for (int64_t i = 0; i < c.n; ++i) CHECK((w[static_cast<size_t>(i)] == 0.0f) == (i < c.want));
  }
}

TEST_CASE("prune: magnitude ties keep the lower index, signs tie, zeros go first", "[prune][magnitude]") {
  std::vector<float> w;
  for (int i = 0; i < 20; ++i) w.push_back(i % 2 ? -1.0f : 1.0f);
  prune_magnitude(w.data(), 20, 0.25);  // 5 of 20 equal |w|: the 5 highest indices
  for (int i = 0; i < 20; ++i) CHECK((w[static_cast<size_t>(i)] == 0.0f) == (i >= 15));

  std::vector<float> v = {3, -2, 2, 0.5f, -0.0f, 2, 7};
  prune_magnitude(v.data(), 7, 0.5);  // round(3.5) = 4: -0.0, 0.5, then two of the three |2| -> indices 5 and 2
  CHECK(v == std::vector<float>{3, -2, 0, 0, 0, 0, 7});

  // More zeros than asked for: nothing else is pruned, the existing zeros stay.
  std::vector<float> z = {0, 1, 0, 2, 0, 3};
  PruneStats st = prune_magnitude(z.data(), 6, 0.34);  // round(2.04) = 2 < 3 zeros
  CHECK(st.zeros_before == 3);
  CHECK(st.zeros_after == 3);
  CHECK(z == std::vector<float>{0, 1, 0, 2, 0, 3});
}

TEST_CASE("prune: magnitude never prunes NaN before a number, Inf is the largest number", "[prune][magnitude]") {
  const float nan = std::numeric_limits<float>::quiet_NaN(), inf = std::numeric_limits<float>::infinity();
  std::vector<float> w = {nan, 1, -inf, 2, 5};
  prune_magnitude(w.data(), 5, 0.6);  // 3 values: 1, 2, 5
  CHECK(std::isnan(w[0]));
  CHECK(w[1] == 0.0f);
  CHECK(w[2] == -inf);
  CHECK(w[3] == 0.0f);
  CHECK(w[4] == 0.0f);
  std::vector<float> all_nan = {nan, nan, 1};
  prune_magnitude(all_nan.data(), 3, 0.67);  // round(2.01) = 2: 1, then the higher-index NaN
  CHECK(std::isnan(all_nan[0]));
  CHECK(all_nan[1] == 0.0f);
  CHECK(all_nan[2] == 0.0f);
}

TEST_CASE("prune: magnitude rejects a sparsity outside 0 <= s < 1", "[prune][magnitude]") {
  std::vector<float> w = {1, 2};
  for (double s : {1.0, -0.1, 1.5, std::nan("")}) {
    CAPTURE(s);
    CHECK_THROWS_AS(prune_magnitude(w.data(), 2, s), std::invalid_argument);
    CHECK_FALSE(check_sparsity(s).empty());
  }
  CHECK(check_sparsity(0.0).empty());
  CHECK(check_sparsity(0.999).empty());
}

TEST_CASE("prune: N:M keeps the N largest |w| of each group of M along K, ties to the lower k", "[prune][nm]") {
  // K = 8, N = 2 columns, row-major.
  std::vector<float> w = {
      1, 5,     // k0
      -4, 5,    // k1
      3, -5,    // k2
      -2, 1,    // k3
      0.5f, 9,  // k4
      -0.5f, 0, // k5
      0.5f, 0,  // k6
      0.25f, 0, // k7
  };
  PruneStats st = prune_nm(w.data(), 8, 2, 2, 4);
  const std::vector<float> want = {
      0, 5,     // col 0 group 0: keep -4, 3; col 1 group 0: |5| x3 -> keep k0, k1
      -4, 5,
      3, 0,
      0, 0,
      0.5f, 9,  // col 0 group 1: |0.5| x3 -> keep k4, k5; col 1: 9 and the first 0 (k5)
      -0.5f, 0,
      0, 0,
      0, 0,
  };
  CHECK(w == want);
  CHECK(st.values == 16);
  CHECK(st.zeros_before == 3);
  CHECK(st.zeros_after == 9);
  CHECK(st.ragged_groups == 0);
  CHECK_FALSE(check_nm(w.data(), 8, 2, 2, 4).has_value());
}

TEST_CASE("prune: N:M with K not a multiple of M treats the last group as zero-padded", "[prune][nm]") {
  // K = 6, one column, 2:4: groups k0..3 and k4..5 (2 values <= N: both kept).
  std::vector<float> w = {1, 2, 3, 4, 5, 6};
  PruneStats st = prune_nm(w.data(), 6, 1, 2, 4);
  CHECK(w == std::vector<float>{0, 0, 3, 4, 5, 6});
  CHECK(st.ragged_groups == 1);
  // 1:4: the ragged group keeps only its largest.
  std::vector<float> v = {1, 2, 3, 4, -6, 5};
  prune_nm(v.data(), 6, 1, 1, 4);
  CHECK(v == std::vector<float>{0, 0, 0, 4, -6, 0});
  // K < M: a single ragged group.
  std::vector<float> u = {1, -3, 2};
  prune_nm(u.data(), 3, 1, 1, 8);
  CHECK(u == std::vector<float>{0, -3, 0});
}

TEST_CASE("prune: N:M on random matrices: exactly N survivors per full group, each >= every pruned one",
          "[prune][nm]") {
  std::mt19937 rng(7);
  std::normal_distribution<float> dist(0.0f, 1.0f);
  for (auto [n, m] : {std::pair{2, 4}, std::pair{1, 4}, std::pair{4, 8}, std::pair{3, 16}}) {
    const int64_t K = 64, N = 5;
    std::vector<float> w(K * N), orig;
    for (auto& x : w) x = dist(rng);
    orig = w;
    prune_nm(w.data(), K, N, n, m);
    CHECK_FALSE(check_nm(w.data(), K, N, n, m).has_value());
    for (int64_t c = 0; c < N; ++c)
      for (int64_t k0 = 0; k0 < K; k0 += m) {
        int kept = 0;
        float min_kept = INFINITY, max_pruned = 0;
        for (int64_t k = k0; k < k0 + m; ++k) {
          const float a = std::fabs(orig[k * N + c]);
          if (w[k * N + c] != 0.0f) {
            ++kept;
            CHECK(w[k * N + c] == orig[k * N + c]);  // survivors are unchanged
            min_kept = std::min(min_kept, a);
          } else {
            max_pruned = std::max(max_pruned, a);
          }
        }
        CHECK(kept == n);
        CHECK(min_kept >= max_pruned);
      }
    CHECK(zeros(w) == K * N * (m - n) / m);
  }
}

TEST_CASE("prune: check_nm reports the first violating group (lowest k, then column)", "[prune][nm]") {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  // K = 8, N = 3, 2:4. Violations: col 2 rows 4..7 (3 nonzeros) and col 0 rows 4..7 (NaN counts): the first
  // found is col 0 (same group row, lower column); col 1 rows 0..3 holds exactly 2 (fine).
  std::vector<float> w = {
      1, 1, 0,
      0, 0, 0,
      0, 1, 0,
      0, 0, 1,
      nan, 0, 1,
      1, 0, 1,
      1, 0, 0,
      0, 0, 1,
  };
  auto v = check_nm(w.data(), 8, 3, 2, 4);
  REQUIRE(v.has_value());
  CHECK(v->column == 0);
  CHECK(v->k_begin == 4);
  CHECK(v->k_end == 8);
  CHECK(v->nonzeros == 3);
  w[4 * 3 + 0] = 0;  // fix col 0 -> col 2 is next
  v = check_nm(w.data(), 8, 3, 2, 4);
  REQUIRE(v.has_value());
  CHECK(v->column == 2);
  CHECK(v->nonzeros == 3);
  w[5 * 3 + 2] = 0;
  CHECK_FALSE(check_nm(w.data(), 8, 3, 2, 4).has_value());
  // Ragged last group (K = 6): rows 4..5 may hold 2 nonzeros, so 1:4 is broken there, 2:4 is not.
  std::vector<float> r = {1, 0, 0, 0, 1, 1};
  CHECK_FALSE(check_nm(r.data(), 6, 1, 2, 4).has_value());
  auto rv = check_nm(r.data(), 6, 1, 1, 4);
  REQUIRE(rv.has_value());
  CHECK(rv->k_begin == 4);
  CHECK(rv->k_end == 6);
}

TEST_CASE("prune: parse_nm accepts N:M with 1 <= N < M and names what is wrong otherwise", "[prune][nm]") {
  std::string why;
  auto s = parse_nm("2:4", &why);
  REQUIRE(s.has_value());
  CHECK(s->method == PruneMethod::kNm);
  CHECK(s->n == 2);
  CHECK(s->m == 4);
  CHECK(s->density() == 0.5);
  CHECK(s->str() == "2:4");
  for (const char* bad : {"5:4", "0:4", "4:4", "-1:4", "1:2000"}) {
    CAPTURE(bad);
    CHECK_FALSE(parse_nm(bad, &why).has_value());
    CHECK(why.find("1 <= N < M") != std::string::npos);
  }
  for (const char* bad : {"2-4", "2:", ":4", "2:4x", " 2:4", "two:four", ""}) {
    CAPTURE(bad);
    CHECK_FALSE(parse_nm(bad, &why).has_value());
    CHECK(why.find("expected N:M") != std::string::npos);
  }
  CHECK_THROWS_AS(prune_nm(nullptr, 4, 1, 4, 4), std::invalid_argument);
}

TEST_CASE("prune: spec density, text and apply_prune dispatch", "[prune]") {
  PruneSpec none;
  CHECK(none.density() == 1.0);
  CHECK(none.str() == "none");
  PruneSpec mag{PruneMethod::kMagnitude, 0.8, 0, 0};
  CHECK(mag.density() == Approx(0.2).epsilon(1e-15));
  CHECK(mag.str() == "magnitude 0.8");
  std::vector<float> w = {1, 2, 3, 4, 5, 6, 7, 8};  // K = 4, N = 2
  apply_prune(none, w.data(), 4, 2);
  CHECK(zeros(w) == 0);
  PruneStats st = apply_prune(mag, w.data(), 4, 2);  // round(6.4) = 6, global
  CHECK(st.zeros_after == 6);
  CHECK(w == std::vector<float>{0, 0, 0, 0, 0, 0, 7, 8});
  std::vector<float> v = {1, 2, 3, 4, 5, 6, 7, 8};
  apply_prune(PruneSpec{PruneMethod::kNm, 0, 1, 2}, v.data(), 4, 2);  // 1:2 along K per column
  CHECK(v == std::vector<float>{0, 0, 3, 4, 0, 0, 7, 8});
}

TEST_CASE("flops: AutoSparse accounting, ResNet-50-like uniform 80%", "[prune][flops]") {
  const uint64_t macs = 115605504;  // ResNet-50 conv1 (112 x 112 x 64 x 7 x 7 x 3)
  const double d = 1.0 - 0.8;
  // Gradient annealing on for the whole run: weight gradients dense -> (0.2 + 0.2 + 1) / 3.
  TrainingFlops on = autosparse_flops(macs, d, 1.0);
  CHECK(on.dense_forward == 2.0 * macs);
  CHECK(on.dense_training() == 6.0 * macs);
  CHECK(on.forward == Approx(0.2 * 2 * macs).epsilon(1e-15));
  CHECK(on.backward_weight == 2.0 * macs);
  CHECK(on.training() / on.dense_training() == Approx((0.2 + 0.2 + 1.0) / 3.0).epsilon(1e-14));
  CHECK(on.training() / on.dense_training() == Approx(0.4666666666666667).epsilon(1e-14));
  CHECK(on.inference() / on.dense_forward == Approx(0.2).epsilon(1e-14));
  // Annealing stopped at epoch 0: everything at density.
  TrainingFlops off = autosparse_flops(macs, d, 0.0);
  CHECK(off.training() / off.dense_training() == Approx(0.2).epsilon(1e-14));
  // Stopped at epoch 60 of 100: weight gradients 0.6 + 0.4 * 0.2 = 0.68 -> (0.2 + 0.2 + 0.68) / 3 = 0.36.
  TrainingFlops part = autosparse_flops(macs, d, 0.6);
  CHECK(part.training() / part.dense_training() == Approx(0.36).epsilon(1e-14));
  // Dense layer: ratio 1 whatever the schedule.
  CHECK(autosparse_flops(100, 1.0, 0.3).training() == 600.0);
  CHECK_THROWS_AS(autosparse_flops(1, 1.5, 1.0), std::invalid_argument);
  CHECK_THROWS_AS(autosparse_flops(1, 0.5, -0.1), std::invalid_argument);
}
