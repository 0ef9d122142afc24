// Benchmark behind scripts/bench-gemm.sh (not a test): bit-true GEMMs through lpsim_pe against OpenBLAS SGEMM on
// the same shape and data, in one run. Times are wall clock, best of --reps, and include operand quantization.
//   bench_gemm [--size S | --m M --n N --k K] [--reps R] [--threads T]
#include <cblas.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "pe/bench_util.h"
#include "pe/pe.h"
#include "pe/tensor_gen.h"

namespace {

using lpsim::bench::best_of;

}  // namespace

int main(int argc, char** argv) {
  int64_t m = 1024, n = 1024, k = 1024;
  int reps = 3, threads = 0;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string a = argv[i];
    const long v = std::strtol(argv[i + 1], nullptr, 10);
    if (a == "--size") m = n = k = v;
    else if (a == "--m") m = v;
    else if (a == "--n") n = v;
    else if (a == "--k") k = v;
    else if (a == "--reps") reps = static_cast<int>(v);
    else if (a == "--threads") threads = static_cast<int>(v);
    else {
      std::fprintf(stderr, "usage: bench_gemm [--size S | --m M --n N --k K] [--reps R] [--threads T]\n");
      return 2;
    }
  }
  using namespace lpsim::model;
  TensorGenSpec g;
  g.seed = 1;
  const std::vector<float> a = generate_tensor(g, 0, static_cast<size_t>(m * k));
  const std::vector<float> b = generate_tensor(g, 1, static_cast<size_t>(k * n));
  std::vector<float> c(static_cast<size_t>(m * n));
  const double flops = 2.0 * static_cast<double>(m) * static_cast<double>(n) * static_cast<double>(k);
  if (threads > 0) openblas_set_num_threads(threads);

  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, int(m), int(n), int(k), 1.0f, a.data(), int(k), b.data(),
              int(n), 0.0f, c.data(), int(n));  // warm-up
  const double t_sgemm = best_of(reps, [&] {
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, int(m), int(n), int(k), 1.0f, a.data(), int(k),
                b.data(), int(n), 0.0f, c.data(), int(n));
  });
  const double sgemm_gflops = flops / t_sgemm / 1e9;

  struct Case {
    const char* label;
    PeParams p;
  };
  std::vector<Case> cases(3);
  cases[0].label = "MXFP8-E4M3 x MXFP8-E4M3 -> FP32 acc (bit-true)";
  cases[0].p.format_a = cases[0].p.format_b = "mxfp8_e4m3";
  cases[1].label = "BF16 x BF16 -> FP32 acc (bit-true)";
  cases[1].p.format_a = cases[1].p.format_b = "bf16";
  cases[2].label = "INT16 x INT16 -> INT32 wrap (DFP16, bit-true)";
  cases[2].p.format_a = cases[2].p.format_b = "int16";

  std::printf("GEMM %lld x %lld x %lld, best of %d, threads %d (0 = all), avx512 kernels: %s\n",
              static_cast<long long>(m), static_cast<long long>(n), static_cast<long long>(k), reps, threads,
              GemmRunOptions{}.kernel == GemmKernel::kAuto ? "auto" : "off");
  std::printf("%-48s %10s %10s %10s\n", "case", "seconds", "GFLOP/s", "vs SGEMM");
  std::printf("%-48s %10.4f %10.2f %10.3f\n", "OpenBLAS SGEMM (FP32)", t_sgemm, sgemm_gflops, 1.0);
  GemmOrder order;  // output-stationary
  GemmRunOptions run;
  run.threads = threads;
  for (auto& cs : cases) {
    run_gemm(cs.p, order, a.data(), b.data(), m, n, k, run);  // warm-up
    const double t = best_of(reps, [&] { run_gemm(cs.p, order, a.data(), b.data(), m, n, k, run); });
    const double gf = flops / t / 1e9;
    std::printf("%-48s %10.4f %10.2f %10.3f\n", cs.label, t, gf, gf / sgemm_gflops);
  }
  return 0;
}
