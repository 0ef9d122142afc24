// Helpers shared by the PE tests.
#pragma once
#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "pe/pe.h"
#include "numerics/convert.h"

namespace pe_test {

using namespace lpsim::model;

inline uint32_t bits(float x) { return lpsim::num::detail::bit_cast<uint32_t>(x); }
inline float from_bits(uint32_t u) { return lpsim::num::detail::bit_cast<float>(u); }

inline PeParams params(const std::string& fa, const std::string& fb, const std::string& acc = "") {
  PeParams p;
  p.format_a = fa;
  p.format_b = fb;
  p.acc = acc;
  // The datapath tests see float operands unscaled and integers with their DFP exponent; the per-tensor scale
  // rules have their own tests (test_pe_hand "per-tensor FP8 scaling", tests/sim/test_formats.cpp).
  bool integer = false;
  try {
    integer = operand_format("format_a", fa).family == PeMode::kInt;
  } catch (const PeParamError&) {
  }
  p.tensor_scale = integer ? lpsim::num::TensorScale::kPow2 : lpsim::num::TensorScale::kNone;
  return p;
}

inline GemmOrder order(Dataflow d, int64_t rows = 32) {
  GemmOrder o;
  o.dataflow = d;
  o.array_rows = rows;
  return o;
}

inline GemmRunOptions run_options(GemmKernel kernel, int threads) {
  GemmRunOptions run;
  run.kernel = kernel;
  run.threads = threads;
  return run;
}

inline GemmResult gemm(const PeParams& p, const GemmOrder& o, const std::vector<float>& a,
                       const std::vector<float>& b, int64_t m, int64_t n, int64_t k,
                       GemmKernel kernel = GemmKernel::kAuto, int threads = 1) {
  return run_gemm(p, o, a.data(), b.data(), m, n, k, run_options(kernel, threads));
}

// The same GEMM with B quantized and packed beforehand (prepare_weights), as a network's constant weights run.
inline GemmResult gemm_prepared(const PeParams& p, const GemmOrder& o, const std::vector<float>& a,
                                const std::vector<float>& b, int64_t m, int64_t n, int64_t k,
                                GemmKernel kernel = GemmKernel::kAuto, int threads = 1) {
  return run_gemm(o, a.data(), *prepare_weights(p, b.data(), k, n, threads), m, run_options(kernel, threads));
}

// Same bits and the same event counters.
inline bool same_result(const GemmResult& x, const GemmResult& y) {
  if (x.c.size() != y.c.size() || x.descale != y.descale) return false;
  for (size_t i = 0; i < x.c.size(); ++i)
    if (bits(x.c[i]) != bits(y.c[i])) return false;
  const GemmCounters &u = x.counters, &v = y.counters;
  return u.saturations_a == v.saturations_a && u.saturations_b == v.saturations_b && u.underflows_a == v.underflows_a &&
         u.underflows_b == v.underflows_b && u.acc_overflows == v.acc_overflows && u.spills == v.spills &&
         u.nan_outputs == v.nan_outputs;
}

// K x N matrix with B[k][j] = 1 when k == j.
inline std::vector<float> identity(int64_t k, int64_t n) {
  std::vector<float> b(static_cast<size_t>(k * n), 0.0f);
  for (int64_t i = 0; i < k && i < n; ++i) b[static_cast<size_t>(i * n + i)] = 1.0f;
  return b;
}

// Same bits, or both NaN.
inline bool same(float x, float y) { return bits(x) == bits(y) || (std::isnan(x) && std::isnan(y)); }

}  // namespace pe_test
