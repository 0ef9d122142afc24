// Sparsity analysis and timing (sparsity/sparsity.h): hand-worked layers with exact cycle, MAC and traffic
// figures, load imbalance, N:M metadata and pattern checks, zero/full densities against the dense SCALE-Sim
// engine, and random layers against a literal cycle-by-cycle lane simulation written here.
#include <catch2/catch.hpp>
#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include "pe/pe.h"
#include "sparsity/sparsity.h"
#include "sparsity_test_util.h"

using namespace sparsity_test;

namespace {

SparsityParams skip(SkipOperand o, int window = 8) {
  SparsityParams p;
  p.scheme = SparsityScheme::kSkip;
  p.skip_operand = o;
  p.window = window;
  return p;
}

SparsityParams nm(int n, int m) {
  SparsityParams p;
  p.scheme = SparsityScheme::kNM;
  p.nm_n = n;
  p.nm_m = m;
  return p;
}

SparsityStats analyze(const SparsityParams& p, const ArrayParams& arr, const LayerShape& layer,
                      const std::vector<double>& qa, const std::vector<double>& qb, int threads = 1) {
  const MemoryParams mem;
  const LayerTiming dense = estimate_layer(arr, mem, layer);
  return analyze_sparsity(p, arr, mem, layer, dense, qa.data(), qb.data(), threads);
}

}  // namespace

TEST_CASE("sparsity: greedy look-ahead lane length", "[sparsity][lane]") {
  // Nonzeros at 0 and 5 (K >= 6): the 4 zeros between cost floor(4 / w) padding entries; trailing zeros are free.
  const std::vector<int64_t> pos = {0, 5};
  CHECK(skip_lane_length(pos.data(), 2, 1) == 6);  // w = 1: every position up to the last nonzero
  CHECK(skip_lane_length(pos.data(), 2, 2) == 4);
  CHECK(skip_lane_length(pos.data(), 2, 4) == 3);
  CHECK(skip_lane_length(pos.data(), 2, 5) == 2);
  CHECK(skip_lane_length(pos.data(), 0, 4) == 0);
  const std::vector<int64_t> late = {17};  // 17 leading zeros, w = 8: two padding entries
  CHECK(skip_lane_length(late.data(), 1, 8) == 3);
}

TEST_CASE("sparsity: skip os, activations, half of the second row fold zero", "[sparsity][skip][os]") {
  // 4x4 array, M = 8, N = 4, K = 16, w = 8. Rows 0..3 dense (fold 0). Fold 1: row 4 nonzero at even k (8 entries),
  // row 5 at k = 0 and 15 (1 + (1 + floor(14/8)) = 3 entries), row 6 all zero, row 7 at k < 8 (8 entries).
  const int64_t M = 8, N = 4, K = 16;
  std::vector<double> qa = filled(M, K, 1.0), qb = filled(K, N, 1.0);
  for (int64_t k = 0; k < K; ++k) {
    qa[static_cast<size_t>(4 * K + k)] = (k % 2 == 0) ? 1.0 : 0.0;
    qa[static_cast<size_t>(5 * K + k)] = (k == 0 || k == 15) ? 1.0 : -0.0;
    qa[static_cast<size_t>(6 * K + k)] = 0.0;
    qa[static_cast<size_t>(7 * K + k)] = k < 8 ? 1.0 : 0.0;
  }
  const SparsityStats s = analyze(skip(SkipOperand::kA), array(4, 4, Dataflow::kOS), gemm_layer(M, N, K), qa, qb);
  // Dense: 2 folds * (16 + 4 + 4 - 2) - 1 = 43. Sparse: (22 - 16 + 16) + (22 - 16 + 8) - 1 = 35.
  CHECK(s.compute_cycles_dense == 43);
  CHECK(s.compute_cycles == 35);
  CHECK(s.total_cycles == 35);  // no stalls with the default 8 MiB SRAMs
  CHECK(s.speedup == Approx(43.0 / 35.0));
  CHECK(s.macs_dense == 512);
  CHECK(s.operand[kIfmap].stored == 64 + 8 + 3 + 0 + 8);
  CHECK(s.macs_issued == 4 * 83);
  CHECK(s.macs_effectual == 4 * (64 + 8 + 2 + 8));
  CHECK(s.macs_gated == 4);  // row 5's padding entry, in each of the 4 columns
  CHECK(s.macs_skipped == 512 - 332);
  CHECK(s.density_a == Approx(82.0 / 128.0));
  CHECK(s.density_b == 1.0);
  CHECK(s.operand[kIfmap].compressed);
  CHECK(s.operand[kIfmap].index_bits == 3);
  CHECK_FALSE(s.operand[kFilter].compressed);
  CHECK(s.operand[kFilter].sram_read_words == s.operand[kFilter].sram_read_words_dense);
}

TEST_CASE("sparsity: unstructured skip saves no cycles when every fold has a dense lane", "[sparsity][skip][os]") {
  // Same array and layer; only rows 0 and 4 (one per row fold) are nonzero: each fold still streams 16.
  const int64_t M = 8, N = 4, K = 16;
  std::vector<double> qa = filled(M, K, 0.0), qb = filled(K, N, 1.0);
  for (int64_t k = 0; k < K; ++k) qa[static_cast<size_t>(k)] = qa[static_cast<size_t>(4 * K + k)] = 2.0;
  const SparsityStats s = analyze(skip(SkipOperand::kA), array(4, 4, Dataflow::kOS), gemm_layer(M, N, K), qa, qb);
  CHECK(s.compute_cycles == 43);
  CHECK(s.compute_cycles == s.compute_cycles_dense);
  CHECK(s.speedup == 1.0);
  CHECK(s.density_a == 0.25);
  CHECK(s.macs_issued == 4 * 32);  // 3/4 of the MACs are skipped, the cycles are not
  CHECK(s.macs_skipped == 512 - 128);
  CHECK(s.macs_gated == 0);
}

TEST_CASE("sparsity: skip os per operand and per PE (both)", "[sparsity][skip][os]") {
  // One 4x4 fold, K = 16, w = 4. A rows nonzero at even k (8 entries), B columns at k < 8 (8 entries).
  // Per PE the intersection is {0, 2, 4, 6}: 4 entries. Fold cycles = 4 + 4 - 2 + S.
  const int64_t M = 4, N = 4, K = 16;
  std::vector<double> qa = filled(M, K, 0.0), qb = filled(K, N, 0.0);
  for (int64_t i = 0; i < M; ++i)
    for (int64_t k = 0; k < K; k += 2) qa[static_cast<size_t>(i * K + k)] = -1.5;
  for (int64_t k = 0; k < 8; ++k)
    for (int64_t j = 0; j < N; ++j) qb[static_cast<size_t>(k * N + j)] = 0.5;
  const ArrayParams arr = array(4, 4, Dataflow::kOS);
  const LayerShape layer = gemm_layer(M, N, K);
  const SparsityStats sa = analyze(skip(SkipOperand::kA, 4), arr, layer, qa, qb);
  const SparsityStats sb = analyze(skip(SkipOperand::kB, 4), arr, layer, qa, qb);
  const SparsityStats s2 = analyze(skip(SkipOperand::kBoth, 4), arr, layer, qa, qb, 2);
  CHECK(sa.compute_cycles_dense == 21);
  CHECK(sa.compute_cycles == 13);
  CHECK(sb.compute_cycles == 13);
  CHECK(s2.compute_cycles == 9);
  CHECK(sa.macs_issued == 128);
  CHECK(sa.macs_gated == 64);
  CHECK(sb.macs_issued == 128);
  CHECK(s2.macs_issued == 64);
  CHECK(s2.macs_gated == 0);
  CHECK(s2.macs_effectual == 64);
  CHECK(s2.operand[kIfmap].stored == 32);  // both operands stored compressed, each on its own lanes
  CHECK(s2.operand[kFilter].stored == 32);
  CHECK(s2.operand[kIfmap].index_bits == 2);
  // A gate scheme issues everything and gates the zero-operand MACs.
  SparsityParams g;
  g.scheme = SparsityScheme::kGate;
  const SparsityStats sg = analyze(g, arr, layer, qa, qb);
  CHECK(sg.compute_cycles == 21);
  CHECK(sg.macs_issued == 256);
  CHECK(sg.macs_gated == 256 - 64);
  CHECK(sg.macs_skipped == 0);
  SparsityParams none;
  const SparsityStats sn = analyze(none, arr, layer, qa, qb);
  CHECK(sn.macs_gated == 0);
  CHECK(sn.macs_issued == 256);
}

TEST_CASE("sparsity: skip ws compacts weight columns into fewer row folds", "[sparsity][skip][ws]") {
  // 4x2 array, M = 5, N = 4, K = 16, w = 8. Column 0 dense (16), column 1 nonzero at k < 4 (4), column 2 at even
  // k (8), column 3 zero (0). Column folds {0,1}: ceil(16/4) = 4 row folds; {2,3}: ceil(8/4) = 2.
  // L = 2R + C + M - 2 = 13. Dense: 4 * 2 folds * 13 - 1 = 103; sparse: 6 * 13 - 1 = 77.
  const int64_t M = 5, N = 4, K = 16;
  std::vector<double> qa = filled(M, K, 1.0), qb = filled(K, N, 0.0);
  for (int64_t k = 0; k < K; ++k) {
    qb[static_cast<size_t>(k * N + 0)] = 1.0;
    qb[static_cast<size_t>(k * N + 1)] = k < 4 ? 1.0 : 0.0;
    qb[static_cast<size_t>(k * N + 2)] = k % 2 == 0 ? 1.0 : 0.0;
  }
  const ArrayParams arr = array(4, 2, Dataflow::kWS);
  const LayerShape layer = gemm_layer(M, N, K);
  const SparsityStats s = analyze(skip(SkipOperand::kB), arr, layer, qa, qb);
  CHECK(s.compute_cycles_dense == 103);
  CHECK(s.folds_dense == 8);
  CHECK(s.folds == 6);
  CHECK(s.compute_cycles == 77);
  CHECK(s.macs_issued == 5 * 28);
  CHECK(s.macs_gated == 0);
  CHECK(s.macs_skipped == 320 - 140);
  CHECK(s.operand[kFilter].stored == 28);
  // ws cannot compact the streamed activations: their zeros are gated, the cycles stay dense.
  std::vector<double> qa0 = qa;
  for (int64_t k = 0; k < K; ++k) qa0[static_cast<size_t>(k)] = 0.0;  // row 0 zero
  const SparsityStats sa = analyze(skip(SkipOperand::kA), arr, layer, qa0, qb);
  CHECK(sa.compute_cycles == 103);
  CHECK(sa.macs_issued == 320);
  CHECK(sa.macs_gated == 320 - 4 * 28);
  CHECK_FALSE(sa.operand[kIfmap].compressed);
  // both: the weights are compacted, activation zeros gated.
  const SparsityStats s2 = analyze(skip(SkipOperand::kBoth), arr, layer, qa0, qb);
  CHECK(s2.compute_cycles == 77);
  CHECK(s2.macs_issued == 140);
  CHECK(s2.macs_gated == 140 - 4 * 28);
}

TEST_CASE("sparsity: skip is compacts activation rows, an empty column fold keeps one row fold",
          "[sparsity][skip][is]") {
  // 4x2 array, M = 4, K = 16, N = 3: row 0 dense (16), row 1 at k < 4 (4), rows 2, 3 zero.
  // Column folds over M: {0,1} -> 4 row folds, {2,3} -> max(1, 0) = 1. L = 2R + C + N - 2 = 11.
  const int64_t M = 4, N = 3, K = 16;
  std::vector<double> qa = filled(M, K, 0.0), qb = filled(K, N, 1.0);
  for (int64_t k = 0; k < K; ++k) {
    qa[static_cast<size_t>(k)] = 1.0;
    qa[static_cast<size_t>(K + k)] = k < 4 ? 1.0 : 0.0;
  }
  const SparsityStats s = analyze(skip(SkipOperand::kA), array(4, 2, Dataflow::kIS), gemm_layer(M, N, K), qa, qb);
  CHECK(s.compute_cycles_dense == 87);
  CHECK(s.folds == 5);
  CHECK(s.compute_cycles == 54);
  CHECK(s.macs_issued == 3 * 20);
}

TEST_CASE("sparsity: N:M metadata, storage and cycles", "[sparsity][nm]") {
  // K = 64, N = 8; weights with exactly n nonzeros at the start of every group. ws 8x8 array, M = 16:
  // filter SRAM reads = K*N = 512 dense; L = 2*8 + 8 + 16 - 2 = 38, dense 8 row folds: 8*38 - 1 = 303.
  const int64_t M = 16, N = 8, K = 64;
  struct Case {
    int n, m;
    uint64_t stored, meta_bits, cycles;
  };
  const std::vector<Case> cases = {
      {2, 4, 256, 512, 4 * 38 - 1},  // 2 bits per stored nonzero (2:4 sparse tensor cores)
      {1, 4, 128, 256, 2 * 38 - 1},
      {4, 8, 256, 768, 4 * 38 - 1},  // 3 bits each
  };
  for (const Case& c : cases) {
    INFO(c.n << ":" << c.m);
    std::vector<double> qa = filled(M, K, 1.0), qb = filled(K, N, 0.0);
    for (int64_t k = 0; k < K; ++k)
      for (int64_t j = 0; j < N; ++j)
        if (k % c.m < c.n) qb[static_cast<size_t>(k * N + j)] = 1.0 + static_cast<double>(j);
    const SparsityStats s = analyze(nm(c.n, c.m), array(8, 8, Dataflow::kWS), gemm_layer(M, N, K), qa, qb);
    const SparsityOperandStats& o = s.operand[kFilter];
    CHECK(s.compute_cycles_dense == 303);
    CHECK(s.compute_cycles == c.cycles);
    CHECK(o.compressed);
    CHECK(o.stored == c.stored);
    CHECK(o.sram_read_words_dense == 512);
    CHECK(o.sram_meta_bits == c.meta_bits);
    CHECK(o.sram_read_words == c.stored + c.meta_bits / 8);
    CHECK(s.macs_issued == M * c.stored);
    CHECK(s.macs_gated == 0);
    CHECK_FALSE(s.operand[kIfmap].compressed);
    // os: temporal K' = 64 n / m per fold; 2 row folds of (K' + 8 + 8 - 2).
    const SparsityStats so = analyze(nm(c.n, c.m), array(8, 8, Dataflow::kOS), gemm_layer(M, N, K), qa, qb);
    CHECK(so.compute_cycles_dense == 2 * (64 + 14) - 1);
    CHECK(so.compute_cycles == 2 * (c.stored / N + 14) - 1);
  }
  // Ragged K: the last group of K % m keeps min(n, K % m): 2:4 with K = 10 -> 2+2+2 = 6, K = 9 -> 5.
  for (int64_t k : {9, 10}) {
    const std::vector<double> qa = filled(1, k, 1.0), qb = filled(k, 1, 0.0);
    const SparsityStats s = analyze(nm(2, 4), array(4, 4, Dataflow::kOS), gemm_layer(1, 1, k), qa, qb);
    CHECK(s.operand[kFilter].stored == (k == 9 ? 5u : 6u));
    CHECK(s.compute_cycles == static_cast<uint64_t>((k == 9 ? 5 : 6) + 6 - 1));
    CHECK(s.macs_gated == s.operand[kFilter].stored);  // kept slots hold zeros: gated
  }
}

TEST_CASE("sparsity: compressed traffic includes the metadata", "[sparsity][traffic]") {
  // The os case above (A stored 83 of 128, 3 index bits, 8-bit words) against a dense timing with 128 SRAM
  // words and 200 DRAM words of A (one fill of two 100-word lines):
  //   SRAM: 83 values + ceil(83*3 / 8) = 32 words of metadata = 115; DRAM: round(200 * 83/128) = 130 values,
  //   390 metadata bits, (130*8 + 390) / 8 = 178.75 -> 179 bytes.
  const int64_t M = 8, N = 4, K = 16;
  std::vector<double> qa = filled(M, K, 1.0), qb = filled(K, N, 1.0);
  for (int64_t k = 0; k < K; ++k) {
    qa[static_cast<size_t>(4 * K + k)] = (k % 2 == 0) ? 1.0 : 0.0;
    qa[static_cast<size_t>(5 * K + k)] = (k == 0 || k == 15) ? 1.0 : 0.0;
    qa[static_cast<size_t>(6 * K + k)] = 0.0;
    qa[static_cast<size_t>(7 * K + k)] = k < 8 ? 1.0 : 0.0;
  }
  const ArrayParams arr = array(4, 4, Dataflow::kOS);
  const LayerShape layer = gemm_layer(M, N, K);
  const MemoryParams mem;
  LayerTiming dense = estimate_layer(arr, mem, layer);
  REQUIRE(dense.traffic[kIfmap].sram_reads == 128);
  dense.traffic[kIfmap].dram_reads = 200;
  dense.stall_cycles = 10;
  dense.total_cycles = dense.compute_cycles + 10;
  const SparsityStats s = analyze_sparsity(skip(SkipOperand::kA), arr, mem, layer, dense, qa.data(), qb.data());
  const SparsityOperandStats& o = s.operand[kIfmap];
  CHECK(o.sram_meta_bits == 249);
  CHECK(o.sram_read_words == 115);
  CHECK(o.dram_meta_bits == 390);
  CHECK(o.dram_read_bytes == 179);
  CHECK(o.dram_read_bytes_dense == 200);
  // Stalls are kept from the dense run.
  CHECK(s.stall_cycles == 10);
  CHECK(s.total_cycles == 45);
  CHECK(s.total_cycles_dense == 53);
  CHECK(s.speedup == Approx(53.0 / 45.0));
  // An explicit index width (e.g. absolute 4-bit indices for K = 16).
  SparsityParams p = skip(SkipOperand::kA);
  p.index_bits = 4;
  const SparsityStats s4 = analyze_sparsity(p, arr, mem, layer, dense, qa.data(), qb.data());
  CHECK(s4.operand[kIfmap].sram_meta_bits == 83 * 4);
  CHECK(s4.operand[kIfmap].dram_read_bytes == (130 * 8 + 130 * 4) / 8);
}

TEST_CASE("sparsity: N:M pattern violations and pruning to the pattern", "[sparsity][nm]") {
  const int64_t K = 24, N = 5;
  std::vector<double> qb = filled(K, N, 0.0);
  for (int64_t k = 0; k < K; ++k)
    for (int64_t j = 0; j < N; ++j)
      if (k % 4 < 2) qb[static_cast<size_t>(k * N + j)] = 1.0;
  CHECK_FALSE(check_nm_quantized(qb.data(), K, N, 2, 4).has_value());
  qb[static_cast<size_t>(22 * N + 0)] = -3.0;  // group 5 (k 20..23), column 0: 3 nonzeros
  qb[static_cast<size_t>(10 * N + 3)] = 0.5;   // group 2 (k 8..11), column 3: the first violation in k order
  const auto v = check_nm_quantized(qb.data(), K, N, 2, 4);
  REQUIRE(v.has_value());
  CHECK(v->column == 3);
  CHECK(v->k_begin == 8);
  CHECK(v->k_end == 12);
  CHECK(v->nonzeros == 3);
  CHECK(nm_violation_message(*v, 2, 4) == "weights break 2:4 sparsity: column 3, k 8..11 holds 3 nonzeros (at most 2)");
  // analyze_sparsity refuses the nm scheme on such weights, with the violation attached.
  const std::vector<double> qa = filled(6, K, 1.0);
  try {
    analyze(nm(2, 4), array(4, 4, Dataflow::kWS), gemm_layer(6, N, K), qa, qb);
    FAIL("no NmPatternError");
  } catch (const NmPatternError& e) {
    CHECK(e.violation().column == 3);
    CHECK(e.violation().k_begin == 8);
    CHECK(std::string(e.what()) == nm_violation_message(*v, 2, 4));
  }
  // A NaN counts as a nonzero.
  std::vector<double> qn = filled(4, 1, 0.0);
  qn[0] = qn[1] = 1.0;
  qn[3] = std::nan("");
  CHECK(check_nm_quantized(qn.data(), 4, 1, 2, 4)->nonzeros == 3);

  // Pruning the raw weights (prune.h) then quantizing gives weights that pass; the nm analysis then runs.
  std::mt19937_64 rng(3);
  std::normal_distribution<float> nd;
  std::vector<float> raw(static_cast<size_t>(K * N)), a(static_cast<size_t>(6 * K));
  for (float& x : raw) x = nd(rng);
  for (float& x : a) x = nd(rng);
  PeParams pe;
  pe.format_a = pe.format_b = "fp8_e4m3";
  const QuantizedOperands q0 = quantize_operands(pe, a.data(), raw.data(), 6, N, K, 1);
  CHECK(check_nm_quantized(q0.b.data(), K, N, 2, 4).has_value());
  const PruneStats ps = prune_nm(raw.data(), K, N, 2, 4);
  CHECK(ps.zeros_after - ps.zeros_before == K * N / 2);
  const QuantizedOperands q = quantize_operands(pe, a.data(), raw.data(), 6, N, K, 1);
  CHECK_FALSE(check_nm_quantized(q.b.data(), K, N, 2, 4).has_value());
  const SparsityStats s = analyze(nm(2, 4), array(4, 4, Dataflow::kWS), gemm_layer(6, N, K), q.a, q.b);
  CHECK(s.operand[kFilter].stored == static_cast<uint64_t>(N * K / 2));
  CHECK(s.density_b == Approx(0.5));
}

TEST_CASE("sparsity: all-zero operands", "[sparsity][zero]") {
  const int64_t M = 10, N = 7, K = 20;
  const LayerShape layer = gemm_layer(M, N, K);
  const std::vector<double> zeros_a = filled(M, K, 0.0), ones_a = filled(M, K, 1.0);
  const std::vector<double> zeros_b = filled(K, N, -0.0), ones_b = filled(K, N, 1.0);
  // os 4x4: rf = 3, cf = 2. Empty lanes: each fold streams one position: 6 * (4 + 4 - 2 + 1) - 1 = 41.
  const SparsityStats so = analyze(skip(SkipOperand::kA), array(4, 4, Dataflow::kOS), layer, zeros_a, ones_b);
  CHECK(so.density_a == 0.0);
  CHECK(so.compute_cycles_dense == 6 * (20 + 6) - 1);
  CHECK(so.compute_cycles == 41);
  CHECK(so.macs_issued == 0);
  CHECK(so.macs_skipped == 1400);
  CHECK(so.macs_effectual == 0);
  CHECK(so.operand[kIfmap].stored == 0);
  CHECK(so.operand[kIfmap].sram_read_words == 0);
  // ws 4x4, zero weights: one row fold per column fold: cf = 2, L = 8 + 4 + 10 - 2 = 20 -> 2 * 20 - 1 = 39.
  const SparsityStats sw = analyze(skip(SkipOperand::kB), array(4, 4, Dataflow::kWS), layer, ones_a, zeros_b);
  CHECK(sw.density_b == 0.0);
  CHECK(sw.compute_cycles_dense == 5 * 2 * 20 - 1);
  CHECK(sw.compute_cycles == 39);
  CHECK(sw.macs_skipped == 1400);
  // os, both, zero weights.
  const SparsityStats sb = analyze(skip(SkipOperand::kBoth), array(4, 4, Dataflow::kOS), layer, ones_a, zeros_b, 2);
  CHECK(sb.compute_cycles == 41);
  CHECK(sb.macs_issued == 0);
  // gate: everything gated, no cycles saved.
  SparsityParams g;
  g.scheme = SparsityScheme::kGate;
  const SparsityStats sg = analyze(g, array(4, 4, Dataflow::kOS), layer, zeros_a, zeros_b);
  CHECK(sg.compute_cycles == sg.compute_cycles_dense);
  CHECK(sg.macs_gated == 1400);
}

namespace {

// Literal simulation of one greedy lane, cycle by cycle: each cycle looks at [p, p+w); a nonzero there is
// processed (p moves past it), otherwise the lane idles over the window (p += w). It stops when no nonzero is
// left at or after p.
int64_t sim_lane(const std::vector<bool>& nz, int w) {
  int64_t last = -1;
  for (size_t k = 0; k < nz.size(); ++k)
    if (nz[k]) last = static_cast<int64_t>(k);
  int64_t p = 0, cycles = 0;
  while (p <= last) {
    ++cycles;
    int64_t q = p;
    while (q < p + w && q <= last && !nz[static_cast<size_t>(q)]) ++q;
    p = (q < p + w && q <= last) ? q + 1 : p + w;
  }
  return cycles;
}

struct RefResult {
  uint64_t compute = 0, issued = 0;
  int64_t folds = 0;
};

RefResult reference(const SparsityParams& p, const ArrayParams& arr, int64_t M, int64_t N, int64_t K,
                    const std::vector<double>& qa, const std::vector<double>& qb) {
  const int64_t R = arr.rows, C = arr.cols;
  auto a_lane = [&](int64_t i) {
    std::vector<bool> nz(static_cast<size_t>(K));
    for (int64_t k = 0; k < K; ++k) nz[static_cast<size_t>(k)] = qa[static_cast<size_t>(i * K + k)] != 0;
    return sim_lane(nz, p.window);
  };
  auto b_lane = [&](int64_t j) {
    std::vector<bool> nz(static_cast<size_t>(K));
    for (int64_t k = 0; k < K; ++k) nz[static_cast<size_t>(k)] = qb[static_cast<size_t>(k * N + j)] != 0;
    return sim_lane(nz, p.window);
  };
  auto pe_lane = [&](int64_t i, int64_t j) {
    std::vector<bool> nz(static_cast<size_t>(K));
    for (int64_t k = 0; k < K; ++k)
      nz[static_cast<size_t>(k)] = qa[static_cast<size_t>(i * K + k)] != 0 && qb[static_cast<size_t>(k * N + j)] != 0;
    return sim_lane(nz, p.window);
  };
  auto lane = [&](int64_t i, int64_t j) {
    switch (p.skip_operand) {
      case SkipOperand::kA: return a_lane(i);
      case SkipOperand::kB: return b_lane(j);
      default: return pe_lane(i, j);
    }
  };
  RefResult r;
  if (arr.dataflow == Dataflow::kOS) {
    int64_t total = 0;
    for (int64_t i0 = 0; i0 < M; i0 += R)
      for (int64_t j0 = 0; j0 < N; j0 += C) {
        int64_t s = 0;
        for (int64_t i = i0; i < std::min(M, i0 + R); ++i)
          for (int64_t j = j0; j < std::min(N, j0 + C); ++j) {
            const int64_t l = lane(i, j);
            s = std::max(s, l);
            r.issued += static_cast<uint64_t>(l);
          }
        total += R + C - 2 + std::max<int64_t>(1, s);
        ++r.folds;
      }
    r.compute = static_cast<uint64_t>(total - 1);
    return r;
  }
  const bool ws = arr.dataflow == Dataflow::kWS;
  const int64_t T = ws ? M : N, cols = ws ? N : M;
  const int64_t L = 2 * R + C + T - 2;
  const bool compacts = ws ? p.skip_operand != SkipOperand::kA : p.skip_operand != SkipOperand::kB;
  for (int64_t c0 = 0; c0 < cols; c0 += C) {
    int64_t s = 0;
    for (int64_t c = c0; c < std::min(cols, c0 + C); ++c) {
      const int64_t l = compacts ? (ws ? b_lane(c) : a_lane(c)) : K;
      s = std::max(s, l);
      r.issued += static_cast<uint64_t>(l * T);
    }
    r.folds += std::max<int64_t>(1, (s + R - 1) / R);
  }
  r.compute = static_cast<uint64_t>(r.folds * L - 1);
  return r;
}

}  // namespace

TEST_CASE("sparsity: random layers against a cycle-by-cycle lane simulation", "[sparsity][skip][random]") {
  std::mt19937_64 rng(11);
  auto uni = [&](int64_t lo, int64_t hi) { return std::uniform_int_distribution<int64_t>(lo, hi)(rng); };
  const double densities[] = {0.0, 0.1, 0.5, 0.9, 1.0};
  for (int it = 0; it < 400; ++it) {
    const int64_t M = uni(1, 20), N = uni(1, 20), K = uni(1, 40);
    const ArrayParams arr = array(uni(1, 6), uni(1, 6), static_cast<Dataflow>(uni(0, 2)));
    SparsityParams p = skip(static_cast<SkipOperand>(uni(0, 2)), static_cast<int>(uni(1, 9)));
    const double da = densities[uni(0, 4)], db = densities[uni(0, 4)];
    std::uniform_real_distribution<double> u(0, 1);
    std::vector<double> qa(static_cast<size_t>(M * K)), qb(static_cast<size_t>(K * N));
    for (double& x : qa) x = u(rng) < da ? 1.0 : 0.0;
    for (double& x : qb) x = u(rng) < db ? -2.0 : 0.0;
    INFO("it " << it << " M " << M << " N " << N << " K " << K << " array " << arr.rows << "x" << arr.cols << " "
               << to_string(arr.dataflow) << " " << to_string(p.skip_operand) << " w " << p.window);
    const SparsityStats s = analyze(p, arr, gemm_layer(M, N, K), qa, qb, 1 + it % 2);
    const RefResult r = reference(p, arr, M, N, K, qa, qb);
    CHECK(s.compute_cycles == r.compute);
    CHECK(s.macs_issued == r.issued);
    if (arr.dataflow != Dataflow::kOS) CHECK(s.folds == r.folds);
    CHECK(s.macs_issued >= s.macs_effectual);
    CHECK(s.macs_gated == s.macs_issued - s.macs_effectual);
    CHECK(s.macs_skipped + s.macs_issued == s.macs_dense);
  }
}

TEST_CASE("sparsity: with no zeros every scheme reduces to the dense SCALE-Sim timing", "[sparsity][dense]") {
  // GEMMs and convolutions, all dataflows, small SRAMs (stalls) and large ones.
  std::mt19937_64 rng(5);
  auto uni = [&](int64_t lo, int64_t hi) { return std::uniform_int_distribution<int64_t>(lo, hi)(rng); };
  for (int it = 0; it < 60; ++it) {
    LayerShape layer;
    if (it % 2 == 0) {
      layer = gemm_layer(uni(1, 40), uni(1, 40), uni(1, 50));
    } else {
      layer.name = "conv";
      layer.filter_h = layer.filter_w = uni(1, 3);
      layer.ifmap_h = layer.ifmap_w = uni(layer.filter_h, 9);
      layer.channels = uni(1, 4);
      layer.num_filters = uni(1, 8);
      layer.ofmap_h = layer.ofmap_w = layer.ifmap_h - layer.filter_h + 1;
    }
    const ArrayParams arr = array(uni(1, 8), uni(1, 8), static_cast<Dataflow>(it % 3));
    MemoryParams mem;
    if (it % 4 < 2) {
      for (double& kib : mem.sram_kib) kib = 0.25;
      mem.dram_bw_bytes_per_cycle = 2;
    }
    const LayerTiming dense = estimate_layer(arr, mem, layer);
    const int64_t M = layer.M(), N = layer.N(), K = layer.K();
    const std::vector<double> qa = filled(M, K, 0.75), qb = filled(K, N, -1.25);
    for (int scheme = 0; scheme < 5; ++scheme) {
      SparsityParams p;
      if (scheme == 1) p.scheme = SparsityScheme::kGate;
      if (scheme >= 2) p = skip(static_cast<SkipOperand>(scheme - 2), 4);
      INFO("it " << it << " " << to_string(arr.dataflow) << " scheme " << to_string(p.scheme) << " "
                 << to_string(p.skip_operand));
      const SparsityStats s = analyze_sparsity(p, arr, mem, layer, dense, qa.data(), qb.data(), 2);
      CHECK(s.compute_cycles == dense.compute_cycles);
      CHECK(s.total_cycles == dense.total_cycles);
      CHECK(s.folds == dense.folds);
      CHECK(s.speedup == 1.0);
      CHECK(s.macs_issued == dense.macs);
      CHECK(s.macs_effectual == dense.macs);
      CHECK(s.macs_gated == 0);
      CHECK(s.macs_skipped == 0);
      CHECK(s.density_a == 1.0);
      CHECK(s.density_b == 1.0);
      for (int op = 0; op < 2; ++op) {
        const SparsityOperandStats& o = s.operand[op];
        CHECK(o.stored == o.elements);
        // Compressed or not, the values read are the dense ones; only metadata is added.
        CHECK(o.sram_read_words - (o.sram_meta_bits + 7) / 8 == dense.traffic[op].sram_reads);
        CHECK(o.sram_meta_bits == (o.compressed ? 2 * dense.traffic[op].sram_reads : 0));
        CHECK(o.dram_read_bytes == dense.traffic[op].dram_reads + o.dram_meta_bits / 8 +
                                       (o.dram_meta_bits % 8 ? 1 : 0));
      }
    }
  }
}

TEST_CASE("sparsity: parameters and parsing", "[sparsity][params]") {
  CHECK(parse_sparsity_scheme("skip") == SparsityScheme::kSkip);
  CHECK(parse_sparsity_scheme("nm") == SparsityScheme::kNM);
  CHECK_FALSE(parse_sparsity_scheme("Skip").has_value());
  CHECK(std::string(to_string(SparsityScheme::kGate)) == "gate");
  CHECK(parse_skip_operand("weights") == SkipOperand::kB);
  CHECK(std::string(to_string(SkipOperand::kA)) == "activations");
  CHECK_FALSE(parse_skip_operand("a").has_value());
  auto key_of = [](const SparsityParams& p) {
    try {
      validate_sparsity(p);
    } catch (const SparsityParamError& e) {
      return e.key() + ": " + e.what();
    }
    return std::string("ok");
  };
  SparsityParams p;
  CHECK(key_of(p) == "ok");
  p.window = 0;
  CHECK(key_of(p) == "window: look-ahead window must be an integer in [1, 65536], got 0");
  p.window = 8;
  p.index_bits = 2;
  CHECK(key_of(p) == "index_bits: 2 index bits cannot encode the offsets 0..7 of window 8; use 0 (auto) or at least 3");
  p.index_bits = 3;
  CHECK(key_of(p) == "ok");
  p.nm_n = 4;
  CHECK(key_of(p) == "nm: N:M needs 1 <= N < M <= 1024, got 4:4");
  p = SparsityParams{};
  p.scheme = SparsityScheme::kSkip;
  CHECK(metadata_bits(p) == 3);
  p.window = 1;
  CHECK(metadata_bits(p) == 0);
  p.window = 9;
  CHECK(metadata_bits(p) == 4);
  p.scheme = SparsityScheme::kNM;
  p.nm_m = 8;
  CHECK(metadata_bits(p) == 3);
  // A dense timing of another layer is refused.
  const LayerShape layer = gemm_layer(4, 4, 4);
  const ArrayParams arr = array(4, 4, Dataflow::kOS);
  const LayerTiming other = estimate_layer(arr, MemoryParams{}, gemm_layer(4, 4, 5));
  const std::vector<double> q = filled(4, 4, 1.0);
  CHECK_THROWS_WITH(analyze_sparsity(SparsityParams{}, arr, MemoryParams{}, layer, other, q.data(), q.data()),
                    "analyze_sparsity: the dense timing has 10 compute cycles, but layer 'gemm' on this array "
                    "needs 9 (timing of another layer or array?)");
}
