// Weight pruning (magnitude and N:M structured) and the AutoSparse training-FLOP model. Pure C++17.
//
// Weights follow the simulator's GEMM convention: B is K x N, row-major, K = reduction (for a conv2d, the
// im2col window kernel_h * kernel_w * in_c), N = output features / filters.
//
// Ordering rule shared by every function here (documented because it decides which weights survive):
//   * magnitude key = |w|, so -0.0 == +0.0 and -3 ties with 3; NaN ranks above every number (never pruned
//     before a number; a NaN counts as a nonzero);
//   * among equal keys the LOWER index is kept: magnitude pruning zeroes equal-|w| values from the highest
//     flat (row-major) index down, N:M keeps the lower k of a tie.
// So results are deterministic and independent of the sort algorithm's stability.
#pragma once
#include <cstdint>
#include <optional>
#include <string>

namespace lpsim::model {

enum class PruneMethod { kNone, kMagnitude, kNm };
const char* to_string(PruneMethod m);  // "none", "magnitude", "nm"

struct PruneSpec {
  PruneMethod method = PruneMethod::kNone;
  double sparsity = 0;  // magnitude: target fraction of zeros, 0 <= s < 1
  int n = 0, m = 0;     // N:M: keep n of every m consecutive k (1 <= n < m)
  // Nominal weight density (fraction of weights kept): 1 - s, n / m, or 1 for none. Used by the FLOP model;
  // the exact count after pruning also depends on rounding and on a ragged last N:M group.
  double density() const;
  std::string str() const;  // "none", "magnitude 0.8", "2:4"
};

// "N:M" -> {n, m} with 1 <= n < m <= kMaxNmM; nullopt with *why set otherwise.
constexpr int kMaxNmM = 1024;
std::optional<PruneSpec> parse_nm(const std::string& text, std::string* why);
// Empty string if s is a valid magnitude sparsity (finite, 0 <= s < 1), else the reason.
std::string check_sparsity(double s);

struct PruneStats {
  int64_t values = 0;        // weights looked at
  int64_t zeros_before = 0;  // exact zeros (either sign) on input
  int64_t zeros_after = 0;
  int64_t ragged_groups = 0;  // N:M only: groups shorter than m (K % m != 0), pruned as if zero-padded
  double sparsity_after() const { return values ? static_cast<double>(zeros_after) / values : 0.0; }
};

// Number of weights magnitude pruning selects: round(sparsity * count) (half up, computed in double).
int64_t magnitude_prune_count(int64_t count, double sparsity);

// Global magnitude pruning over the whole tensor: zeroes the round(sparsity * count) smallest-|w| values
// (ties: higher index first, see the ordering rule). Existing zeros have the smallest key and are selected
// first, so zeros_after = max(round(sparsity * count), zeros_before). Throws std::invalid_argument for a
// sparsity outside [0, 1).
PruneStats prune_magnitude(float* w, int64_t count, double sparsity);

// N:M pruning of a K x N row-major matrix along K: in each column, each group of m consecutive k
// (k = g*m .. g*m+m-1) keeps its n largest |w| (ties: lower k) and zeroes the rest (NVIDIA's 2:4 sparse
// tensor-core rule, grouping along the reduction dimension). When K % m != 0 the last group of each column is
// treated as zero-padded to m (it keeps its min(n, K % m) largest values). Throws std::invalid_argument for
// n, m outside 1 <= n < m or negative sizes.
PruneStats prune_nm(float* w, int64_t K, int64_t N, int n, int m);

// The first group breaking N:M (more than n nonzeros, NaN counting as nonzero), scanning groups by their first
// row k_begin, then by column; nullopt when the matrix satisfies N:M. A ragged last group may hold n nonzeros.
struct NmViolation {
  int64_t column = 0;
  int64_t k_begin = 0, k_end = 0;  // rows [k_begin, k_end)
  int64_t nonzeros = 0;
};
std::optional<NmViolation> check_nm(const float* w, int64_t K, int64_t N, int n, int m);

// Applies a spec to one K x N weight operand in place (magnitude: global over the K*N values). Used by the
// run driver before the datapath sees the weights.
PruneStats apply_prune(const PruneSpec& spec, float* b, int64_t K, int64_t N);

// ---- AutoSparse training FLOPs (Kundu et al., arXiv 2304.06941; notes papers.md §6) ----
// Per training step of one layer with `macs` multiply-accumulates per forward pass (2 FLOP per MAC):
//   forward GEMM           2 * macs * density
//   backward-data GEMM     2 * macs * density      (input gradient through the pruned weights)
//   backward-weight GEMM   2 * macs * (a + (1 - a) * density)
// where a = fraction of the run with gradient annealing on (alpha > 0): masked weights still receive
// gradients then, so the weight-gradient GEMM is dense; once alpha reaches 0 it runs at the layer's density.
struct TrainingFlops {
  double forward = 0, backward_data = 0, backward_weight = 0;
  double dense_forward = 0;  // 2 * macs: one dense GEMM pass
  double training() const { return forward + backward_data + backward_weight; }
  double dense_training() const { return 3 * dense_forward; }
  double inference() const { return forward; }
};
// annealing_fraction = ga_stop_epoch / epochs in [0, 1]; density in [0, 1]. Throws std::invalid_argument.
TrainingFlops autosparse_flops(uint64_t macs, double density, double annealing_fraction);

}  // namespace lpsim::model
