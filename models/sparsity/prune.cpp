#include "sparsity/prune.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <numeric>
#include <stdexcept>
#include <vector>

namespace lpsim::model {

const char* to_string(PruneMethod m) {
  return m == PruneMethod::kMagnitude ? "magnitude" : m == PruneMethod::kNm ? "nm" : "none";
}

double PruneSpec::density() const {
  switch (method) {
    case PruneMethod::kMagnitude: return 1.0 - sparsity;
    case PruneMethod::kNm: return static_cast<double>(n) / m;
    case PruneMethod::kNone: break;
  }
  return 1.0;
}

std::string PruneSpec::str() const {
  if (method == PruneMethod::kNm) return std::to_string(n) + ":" + std::to_string(m);
  if (method == PruneMethod::kNone) return "none";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", sparsity);
  return std::string("magnitude ") + buf;
}

std::optional<PruneSpec> parse_nm(const std::string& text, std::string* why) {
  auto fail = [&](const std::string& w) -> std::optional<PruneSpec> {
    if (why) *why = w;
    return std::nullopt;
  };
  const size_t colon = text.find(':');
  if (colon == std::string::npos) return fail("expected N:M such as 2:4, got \"" + text + "\"");
  int n = 0, m = 0;
  const char* b = text.data();
  const char* e = b + text.size();
  auto rn = std::from_chars(b, b + colon, n);
  auto rm = std::from_chars(b + colon + 1, e, m);
  if (colon == 0 || rn.ec != std::errc() || rn.ptr != b + colon || rm.ec != std::errc() || rm.ptr != e)
    return fail("expected N:M with two integers such as 2:4, got \"" + text + "\"");
  if (n < 1 || m < 2 || m > kMaxNmM || n >= m)
    return fail("N:M needs 1 <= N < M <= " + std::to_string(kMaxNmM) + " (keep N of every M), got \"" + text +
                "\"");
  PruneSpec s;
  s.method = PruneMethod::kNm;
  s.n = n;
  s.m = m;
  return s;
}

std::string check_sparsity(double s) {
  if (!std::isfinite(s) || s < 0.0 || s >= 1.0) return "sparsity must be a fraction in [0, 1) (0.8 = 80% zeros)";
  return "";
}

namespace {

// Magnitude key with NaN above every number; keys compare with operator< only.
struct Key {
  bool nan;
  float mag;
  bool operator<(const Key& o) const { return nan != o.nan ? o.nan : (!nan && mag < o.mag); }
  bool operator==(const Key& o) const { return nan == o.nan && (nan || mag == o.mag); }
};
Key key(float v) { return Key{std::isnan(v), std::fabs(v)}; }

int64_t count_zeros(const float* w, int64_t n) {
  int64_t z = 0;
  for (int64_t i = 0; i < n; ++i) z += w[i] == 0.0f;
  return z;
}

void check_nm_args(int64_t K, int64_t N, int n, int m) {
  if (K < 0 || N < 0) throw std::invalid_argument("prune_nm: negative matrix size");
  if (n < 1 || m < 2 || m > kMaxNmM || n >= m)
    throw std::invalid_argument("N:M needs 1 <= N < M <= " + std::to_string(kMaxNmM));
}

}  // namespace

int64_t magnitude_prune_count(int64_t count, double sparsity) {
  return std::min<int64_t>(count, static_cast<int64_t>(std::floor(sparsity * static_cast<double>(count) + 0.5)));
}

PruneStats prune_magnitude(float* w, int64_t count, double sparsity) {
  const std::string why = check_sparsity(sparsity);
  if (!why.empty()) throw std::invalid_argument(why);
  if (count < 0) throw std::invalid_argument("prune_magnitude: negative count");
  PruneStats st;
  st.values = count;
  st.zeros_before = count_zeros(w, count);
  const int64_t k = magnitude_prune_count(count, sparsity);
  if (k > 0) {
    // Pruning order: smaller key first; equal keys from the higher index down (the lower index survives).
    std::vector<int64_t> idx(static_cast<size_t>(count));
    std::iota(idx.begin(), idx.end(), int64_t{0});
    auto first = [&](int64_t a, int64_t b) {
      const Key ka = key(w[a]), kb = key(w[b]);
      return ka == kb ? a > b : ka < kb;
    };
    std::nth_element(idx.begin(), idx.begin() + (k - 1), idx.end(), first);
    for (int64_t i = 0; i < k; ++i) w[idx[static_cast<size_t>(i)]] = 0.0f;
  }
  st.zeros_after = count_zeros(w, count);
  return st;
}

PruneStats prune_nm(float* w, int64_t K, int64_t N, int n, int m) {
  check_nm_args(K, N, n, m);
  PruneStats st;
  st.values = K * N;
  st.zeros_before = count_zeros(w, K * N);
  std::vector<int64_t> ks;
  for (int64_t k0 = 0; k0 < K; k0 += m) {
    const int64_t len = std::min<int64_t>(m, K - k0);
    if (len < m) st.ragged_groups += N;
    if (len <= n) continue;  // a ragged group no longer than n keeps everything (its padding is the zeros)
    for (int64_t col = 0; col < N; ++col) {
      ks.resize(static_cast<size_t>(len));
      std::iota(ks.begin(), ks.end(), k0);
      // Keep order: larger key first; equal keys lower k first. The first n survive.
      auto keep_first = [&](int64_t a, int64_t b) {
        const Key ka = key(w[a * N + col]), kb = key(w[b * N + col]);
        return ka == kb ? a < b : kb < ka;
      };
      std::nth_element(ks.begin(), ks.begin() + n, ks.end(), keep_first);
      for (size_t i = static_cast<size_t>(n); i < ks.size(); ++i) w[ks[i] * N + col] = 0.0f;
    }
  }
  st.zeros_after = count_zeros(w, K * N);
  return st;
}

std::optional<NmViolation> check_nm(const float* w, int64_t K, int64_t N, int n, int m) {
  check_nm_args(K, N, n, m);
  for (int64_t k0 = 0; k0 < K; k0 += m) {
    const int64_t k1 = std::min<int64_t>(K, k0 + m);
    for (int64_t col = 0; col < N; ++col) {
      int64_t nz = 0;
      for (int64_t k = k0; k < k1; ++k) nz += !(w[k * N + col] == 0.0f);  // NaN != 0 counts
      if (nz > n) return NmViolation{col, k0, k1, nz};
    }
  }
  return std::nullopt;
}

PruneStats apply_prune(const PruneSpec& spec, float* b, int64_t K, int64_t N) {
  switch (spec.method) {
    case PruneMethod::kMagnitude: return prune_magnitude(b, K * N, spec.sparsity);
    case PruneMethod::kNm: return prune_nm(b, K, N, spec.n, spec.m);
    case PruneMethod::kNone: break;
  }
  PruneStats st;
  st.values = K * N;
  st.zeros_before = st.zeros_after = count_zeros(b, K * N);
  return st;
}

TrainingFlops autosparse_flops(uint64_t macs, double density, double annealing_fraction) {
  if (!(density >= 0.0 && density <= 1.0)) throw std::invalid_argument("density must be in [0, 1]");
  if (!(annealing_fraction >= 0.0 && annealing_fraction <= 1.0))
    throw std::invalid_argument("annealing fraction must be in [0, 1]");
  TrainingFlops f;
  f.dense_forward = 2.0 * static_cast<double>(macs);
  f.forward = f.dense_forward * density;
  f.backward_data = f.dense_forward * density;
  // Weight gradient: dense while alpha > 0 (masked weights still get gradients), at density afterwards.
  f.backward_weight = f.dense_forward * (annealing_fraction + (1.0 - annealing_fraction) * density);
  return f;
}

}  // namespace lpsim::model
