// Benchmark (not a test): analyze_sparsity on a ResNet-50-sized layer for every scheme and dataflow, and the
// sparse PE datapath (skip_zero_products) against the dense kernels. Usage: bench_sparsity [threads]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <vector>

#include "array/scalesim_engine.h"
#include "pe/pe.h"
#include "sparsity/sparsity.h"
#include "pe/bench_util.h"

using namespace lpsim::model;

namespace {

using lpsim::bench::best_of;

std::vector<float> half_zero(std::mt19937_64& rng, size_t n) {
  std::vector<float> v(n);
  std::normal_distribution<float> nd;
  std::bernoulli_distribution zero(0.5);
  for (float& x : v) x = zero(rng) ? 0.0f : nd(rng);
  return v;
}

}  // namespace

int main(int argc, char** argv) {
  const int threads = argc > 1 ? std::atoi(argv[1]) : 2;
  std::mt19937_64 rng(1);
  // ResNet-50 conv4_x 3x3: 14x14 output, 256 -> 256 channels: M = 196, K = 2304, N = 256 (1.16e8 MACs).
  LayerShape layer;
  layer.name = "res4_3x3";
  layer.ifmap_h = layer.ifmap_w = 16;
  layer.filter_h = layer.filter_w = 3;
  layer.channels = 256;
  layer.num_filters = 256;
  layer.ofmap_h = layer.ofmap_w = 14;
  const int64_t M = layer.M(), N = layer.N(), K = layer.K();
  std::vector<double> qa(static_cast<size_t>(M * K)), qb(static_cast<size_t>(K * N));
  std::bernoulli_distribution keep(0.5);
  for (double& x : qa) x = keep(rng) ? 1.0 : 0.0;
  for (double& x : qb) x = keep(rng) ? 1.0 : 0.0;
  MemoryParams mem;
  std::printf("analyze_sparsity, layer M=%lld N=%lld K=%lld (%.3g MACs), density 0.5/0.5, 128x128, %d threads\n",
              static_cast<long long>(M), static_cast<long long>(N), static_cast<long long>(K),
              static_cast<double>(layer.macs()), threads);
  for (Dataflow df : {Dataflow::kOS, Dataflow::kWS, Dataflow::kIS}) {
    ArrayParams arr;
    arr.rows = arr.cols = 128;
    arr.dataflow = df;
    const LayerTiming dense = estimate_layer(arr, mem, layer);
    for (int s = 0; s < 5; ++s) {
      SparsityParams p;
      p.scheme = s == 0 ? SparsityScheme::kGate : SparsityScheme::kSkip;
      if (s >= 1 && s <= 3) p.skip_operand = static_cast<SkipOperand>(s - 1);
      if (s == 4) p.scheme = SparsityScheme::kNone;
      SparsityStats st;
      const double t =
          best_of(3, [&] { st = analyze_sparsity(p, arr, mem, layer, dense, qa.data(), qb.data(), threads); });
      std::printf("  %-2s %-4s %-11s %8.4f s  cycles %llu -> %llu  speedup %.3f\n", to_string(df), to_string(p.scheme),
                  p.scheme == SparsityScheme::kSkip ? to_string(p.skip_operand) : "", t,
                  static_cast<unsigned long long>(st.compute_cycles_dense),
                  static_cast<unsigned long long>(st.compute_cycles), st.speedup);
    }
  }

  // Datapath: 256 x 256 x 1024 GEMM, half the values zero.
  const int64_t m = 256, n = 256, k = 1024;
  const std::vector<float> a = half_zero(rng, static_cast<size_t>(m * k));
  const std::vector<float> b = half_zero(rng, static_cast<size_t>(k * n));
  std::printf("run_gemm 256x256x1024, half zeros, %d threads (best of 3)\n", threads);
  for (const char* fmt : {"mxfp8_e4m3", "bf16", "int16"}) {
    PeParams p;
    p.format_a = p.format_b = fmt;
    GemmRunOptions o;
    o.threads = threads;
    const double td = best_of(3, [&] { run_gemm(p, GemmOrder{}, a.data(), b.data(), m, n, k, o); });
    o.kernel = GemmKernel::kPortable;
    const double tp = best_of(3, [&] { run_gemm(p, GemmOrder{}, a.data(), b.data(), m, n, k, o); });
    o.skip_zero_products = true;
    const double ts = best_of(3, [&] { run_gemm(p, GemmOrder{}, a.data(), b.data(), m, n, k, o); });
    std::printf("  %-11s dense(auto) %.4f s  dense(portable) %.4f s  skip %.4f s  = %.2fx portable, %.2fx auto\n",
                fmt, td, tp, ts, ts / tp, ts / td);
  }
  return 0;
}
