// Splits [0, n) into `threads` contiguous chunks run on std::thread (the calling thread takes the first one).
// Used by the array kernels; results never depend on the split (stochastic bits are per element index).
#pragma once
#include <cstddef>
#include <thread>
#include <vector>

namespace lpsim::num {

template <class F>
void parallel_for(size_t n, int threads, F&& fn) {
  size_t t = threads < 1 ? 1 : static_cast<size_t>(threads);
  if (t > n) t = n == 0 ? 1 : n;
  if (t == 1) {
    fn(size_t{0}, n);
    return;
  }
  std::vector<std::thread> pool;
  pool.reserve(t - 1);
  for (size_t i = 1; i < t; ++i) pool.emplace_back([&fn, i, n, t] { fn(n * i / t, n * (i + 1) / t); });
  fn(size_t{0}, n / t);
  for (auto& th : pool) th.join();
}

}  // namespace lpsim::num
