// Helpers shared by the sparsity tests.
#pragma once
#include <cstdint>
#include <vector>

#include "array/scalesim_engine.h"
#include "array/timing.h"

namespace sparsity_test {

using namespace lpsim::model;

// A GEMM M x N x K in SCALE-Sim's conv form (ifmap M x K, filter 1 x K, N filters).
inline LayerShape gemm_layer(int64_t m, int64_t n, int64_t k) {
  LayerShape s;
  s.name = "gemm";
  s.ifmap_h = m;
  s.ifmap_w = k;
  s.filter_w = k;
  s.num_filters = n;
  s.ofmap_h = m;
  s.ofmap_w = 1;
  return s;
}

inline ArrayParams array(int64_t rows, int64_t cols, Dataflow df) {
  ArrayParams a;
  a.rows = rows;
  a.cols = cols;
  a.dataflow = df;
  return a;
}

// rows x cols matrix filled with `v`
inline std::vector<double> filled(int64_t rows, int64_t cols, double v) {
  return std::vector<double>(static_cast<size_t>(rows * cols), v);
}

}  // namespace sparsity_test
