// Quantization throughput against memcpy of the same bytes, measured in the same run (scripts/bench-numerics.sh).
// usage: bench_numerics [N_MIB_ELEMENTS=64] [REPEATS=3]
// For each format and thread count it prints the best-of-REPEATS time, elements/s and the ratio
// t(memcpy of the 4N input bytes, same thread count) / t(quantize). "codes" runs write only codes (+ scales);
// "dequant" runs write dequantized float32 as well (fake quantization).
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "numerics/convert_array.h"
#include "numerics/mx.h"
#include "numerics/parallel.h"
#include "numerics/scaled.h"

using namespace lpsim::num;
using Clock = std::chrono::steady_clock;

namespace {

double best_of(int repeats, const std::function<void()>& f) {
  double best = 1e30;
  for (int r = 0; r < repeats; ++r) {
    const auto t0 = Clock::now();
    f();
    const auto t1 = Clock::now();
    best = std::min(best, std::chrono::duration<double>(t1 - t0).count());
  }
  return best;
}

}  // namespace

int main(int argc, char** argv) {
  const size_t n = (argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 64) << 20;
  const int repeats = argc > 2 ? std::atoi(argv[2]) : 3;
  std::printf("bench_numerics: %zu float32 elements (%.0f MiB), best of %d, N(0,1) data\n", n,
              static_cast<double>(n) * 4 / (1 << 20), repeats);

  std::vector<float> x(n), y(n), dq(n);
  std::vector<uint8_t> c8(n), scales(n / 16 + 1);
  std::vector<uint16_t> c16(n);
  {
    std::mt19937 rng(1);
    std::normal_distribution<float> nd;
    std::vector<float> pool(1 << 20);
    for (auto& v : pool) v = nd(rng);
    for (size_t i = 0; i < n; ++i) x[i] = pool[(i * 7919) & (pool.size() - 1)] * (1.0f + static_cast<float>(i >> 20));
  }
  // Touch every output page once so page faults are not timed.
  std::fill(y.begin(), y.end(), 0.0f);
  std::fill(dq.begin(), dq.end(), 0.0f);
  std::fill(c8.begin(), c8.end(), 0);
  std::fill(c16.begin(), c16.end(), 0);

  for (int threads : {1, 2}) {
    const double t_copy = best_of(repeats, [&] {
      parallel_for(n, threads, [&](size_t b, size_t e) { std::memcpy(y.data() + b, x.data() + b, (e - b) * 4); });
    });
    std::printf("\nthreads %d: memcpy %.1f ms = %.2f GB/s (read+write of %.0f MiB)\n", threads, t_copy * 1e3,
                static_cast<double>(n) * 4 / t_copy / 1e9, static_cast<double>(n) * 4 / (1 << 20));
    std::printf("  %-28s %9s %12s %10s\n", "format", "ms", "Melem/s", "x memcpy");
    const auto report = [&](const char* name, double t) {
      std::printf("  %-28s %9.1f %12.1f %10.2f\n", name, t * 1e3, static_cast<double>(n) / t / 1e6, t_copy / t);
    };

    MxOptions mx8;
    mx8.element = format_by_name("e4m3");
    mx8.threads = threads;
    report("mxfp8_e4m3 codes+scales", best_of(repeats, [&] {
             mx_quantize_into(mx8, x.data(), 1, n, c8.data(), scales.data(), nullptr);
           }));
    report("mxfp8_e4m3 dequant", best_of(repeats, [&] {
             mx_quantize_into(mx8, x.data(), 1, n, c8.data(), scales.data(), dq.data());
           }));
    MxOptions mx4 = mx8;
    mx4.element = format_by_name("e2m1");
    report("mxfp4_e2m1 codes+scales", best_of(repeats, [&] {
             mx_quantize_into(mx4, x.data(), 1, n, c8.data(), scales.data(), nullptr);
           }));
    ArrayOptions ao;
    ao.threads = threads;
    report("fp8_e4m3 amax+scale+codes", best_of(repeats, [&] {
             // Per-tensor scaling: one amax pass, then x * (448 / amax) encoded (FP8 paper, per-tensor scale).
             uint32_t amax = 0;
             std::vector<uint32_t> part(static_cast<size_t>(threads), 0);
             parallel_for(n, threads, [&](size_t b, size_t e) {
               part[b * static_cast<size_t>(threads) / n] = finite_amax_bits(x.data() + b, e - b);
             });
             for (uint32_t p : part) amax = std::max(amax, p);
             ArrayOptions o = ao;
             o.scale = tensor_scale(format_by_name("e4m3"), amax, TensorScale::kExact);
             encode_array(kE4M3, x.data(), n, c8.data(), o);
           }));
    report("bf16 codes", best_of(repeats, [&] { encode_array(kBF16, x.data(), n, c16.data(), ao); }));
    report("bf16 dequant", best_of(repeats, [&] { round_array(kBF16, x.data(), n, dq.data(), nullptr, ao); }));
  }
  // Keep the results observable.
  unsigned sum = 0;
  for (size_t i = 0; i < n; i += 4099) sum += c8[i] + c16[i] + scales[i / 32];
  std::printf("\n(checksum %u)\n", sum);
  return 0;
}
