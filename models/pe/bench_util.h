// Timing helpers shared by the benchmarks (bench_gemm, bench_sparsity): wall-clock seconds, best of N runs.
#pragma once
#include <chrono>

namespace lpsim::bench {

inline double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// Best (smallest) wall time of `reps` calls of f, seconds.
template <class F>
double best_of(int reps, F&& f) {
  double best = 1e30;
  for (int r = 0; r < reps; ++r) {
    const auto t0 = std::chrono::steady_clock::now();
    f();
    const double s = seconds_since(t0);
    best = s < best ? s : best;
  }
  return best;
}

}  // namespace lpsim::bench
