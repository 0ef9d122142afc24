// The SCALE-Sim compatible engine against every row of the SCALE-Sim v2 oracle (tests/data/scalesim).
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <random>
#include <string>

#include "array/scalesim_engine.h"
#include "array/scalesim_layer.h"
#include "oracle_data.h"

using lpsim::model::estimate_layer;
using lpsim::model::LayerTiming;
using lpsim::model::replay_layer;

namespace {

bool is_big(const oracle::Row& r) { return r.s("sram_setting") == "big"; }
bool is_stall_row(const oracle::Row& r) { return r.s("sram_setting") == "small" && r.i("stall_cycles") > 0; }
std::string id(const oracle::Row& r) { return r.s("config_name") + "/" + r.s("layer"); }

// Relative closeness for the percentage columns (SCALE-Sim averages per-fold ratios; we use closed forms).
bool close_rel(double a, double b, double tol = 1e-6) {
  return std::fabs(a - b) <= tol * std::max(std::fabs(a), std::fabs(b));
}

}  // namespace

TEST_CASE("scalesim oracle: topology files parse to the layers SCALE-Sim reported", "[array][oracle]") {
  REQUIRE(oracle::results().rows.size() == 375);
  for (const oracle::Row& r : oracle::results().rows) {
    INFO(id(r));
    const auto& s = oracle::layer_of(r);
    CHECK(s.name == r.s("layer"));
    CHECK(s.ifmap_h == r.i("ifmap_h"));
    CHECK(s.ifmap_w == r.i("ifmap_w"));
    CHECK(s.filter_h == r.i("filter_h"));
    CHECK(s.filter_w == r.i("filter_w"));
    CHECK(s.channels == r.i("channels"));
    CHECK(s.num_filters == r.i("num_filters"));
    CHECK(s.ofmap_h == r.i("ofmap_h"));
    CHECK(s.ofmap_w == r.i("ofmap_w"));
    CHECK(s.M() == r.i("M"));
    CHECK(s.N() == r.i("N"));
    CHECK(s.K() == r.i("K"));
  }
}

TEST_CASE("array engine: compute cycles equal SCALE-Sim's on every oracle row", "[array][oracle]") {
  for (const oracle::Row& r : oracle::results().rows) {
    INFO(id(r));
    const oracle::Config& c = oracle::config_of(r);
    const LayerTiming t = estimate_layer(c.array, c.mem, oracle::layer_of(r));
    CHECK(static_cast<int64_t>(t.compute_cycles) == r.i("total_cycles") - r.i("stall_cycles"));
    CHECK(t.total_cycles == t.compute_cycles + t.stall_cycles);
    CHECK(t.folds == t.row_folds * t.col_folds);
    CHECK(t.macs == static_cast<uint64_t>(r.i("M") * r.i("N") * r.i("K")));
  }
}

TEST_CASE("array engine: utilisation and mapping efficiency match SCALE-Sim to 1e-6", "[array][oracle]") {
  for (const oracle::Row& r : oracle::results().rows) {
    INFO(id(r));
    const oracle::Config& c = oracle::config_of(r);
    const LayerTiming t = estimate_layer(c.array, c.mem, oracle::layer_of(r));
    CHECK(close_rel(100.0 * t.compute_util, r.d("compute_util")));
    CHECK(close_rel(100.0 * t.mapping_eff, r.d("mapping_eff")));
    // overall_util depends on total cycles (stalls included): exact where the total is exact.
    if (is_big(r)) CHECK(close_rel(100.0 * t.overall_util, r.d("overall_util")));
  }
}

TEST_CASE("array engine: SRAM reads and writes per operand equal SCALE-Sim's", "[array][oracle]") {
  for (const oracle::Row& r : oracle::results().rows) {
    INFO(id(r));
    const oracle::Config& c = oracle::config_of(r);
    const LayerTiming t = estimate_layer(c.array, c.mem, oracle::layer_of(r));
    CHECK(static_cast<int64_t>(t.traffic[0].sram_reads) == r.i("sram_ifmap_reads"));
    CHECK(static_cast<int64_t>(t.traffic[1].sram_reads) == r.i("sram_filter_reads"));
    CHECK(static_cast<int64_t>(t.traffic[2].sram_writes) == r.i("sram_ofmap_writes"));
  }
}

TEST_CASE("array engine: no-stall rows have exact total cycles and DRAM counts", "[array][oracle]") {
  int n = 0;
  for (const oracle::Row& r : oracle::results().rows) {
    if (r.i("stall_cycles") != 0) continue;
    INFO(id(r));
    ++n;
    const oracle::Config& c = oracle::config_of(r);
    const LayerTiming t = estimate_layer(c.array, c.mem, oracle::layer_of(r));
    CHECK(t.stall_cycles == 0);
    CHECK(static_cast<int64_t>(t.total_cycles) == r.i("total_cycles"));
    CHECK(static_cast<int64_t>(t.traffic[0].dram_reads) == r.i("dram_ifmap_reads"));
    CHECK(static_cast<int64_t>(t.traffic[1].dram_reads) == r.i("dram_filter_reads"));
    CHECK(static_cast<int64_t>(t.traffic[2].dram_writes) == r.i("dram_ofmap_writes"));
  }
  CHECK(n == 375 - 58);
}

TEST_CASE("array engine: stall cycles, totals and DRAM counts equal SCALE-Sim's on every small-SRAM row",
          "[array][oracle][stall]") {
  // SCALE-Sim's read/write buffer mechanics are reproduced exactly (event per prefetch / drain), so the
  // 58 stall rows are asserted exact rather than within the 5% target of the issue.
  int n = 0, stall_rows = 0;
  for (const oracle::Row& r : oracle::results().rows) {
    if (is_big(r)) continue;
    INFO(id(r));
    ++n;
    if (is_stall_row(r)) ++stall_rows;
    const oracle::Config& c = oracle::config_of(r);
    const LayerTiming t = estimate_layer(c.array, c.mem, oracle::layer_of(r));
    CHECK(static_cast<int64_t>(t.stall_cycles) == r.i("stall_cycles"));
    CHECK(static_cast<int64_t>(t.total_cycles) == r.i("total_cycles"));
    CHECK(close_rel(100.0 * t.overall_util, r.d("overall_util")));
    CHECK(static_cast<int64_t>(t.traffic[0].dram_reads) == r.i("dram_ifmap_reads"));
    CHECK(static_cast<int64_t>(t.traffic[1].dram_reads) == r.i("dram_filter_reads"));
    CHECK(static_cast<int64_t>(t.traffic[2].dram_writes) == r.i("dram_ofmap_writes"));
  }
  CHECK(n == 152);
  CHECK(stall_rows == 58);
}

TEST_CASE("array replay: the line-level replay reproduces every small-SRAM oracle row", "[array][oracle][replay]") {
  for (const oracle::Row& r : oracle::results().rows) {
    if (is_big(r)) continue;
    INFO(id(r));
    const oracle::Config& c = oracle::config_of(r);
    const LayerTiming t = replay_layer(c.array, c.mem, oracle::layer_of(r));
    CHECK(static_cast<int64_t>(t.stall_cycles) == r.i("stall_cycles"));
    CHECK(static_cast<int64_t>(t.total_cycles) == r.i("total_cycles"));
    CHECK(static_cast<int64_t>(t.traffic[0].dram_reads) == r.i("dram_ifmap_reads"));
    CHECK(static_cast<int64_t>(t.traffic[1].dram_reads) == r.i("dram_filter_reads"));
    CHECK(static_cast<int64_t>(t.traffic[2].dram_writes) == r.i("dram_ofmap_writes"));
  }
}

namespace {

// Random layer/array/memory combinations well outside the oracle: tiny and odd arrays, SRAMs from 64 words,
// 1..12 words/cycle, DRAM latency 1..3, 16-bit words (fractional words/cycle), conv layers with overlapping
// windows, strides, ceil overhang, and plain GEMMs.
struct RandomCase {
  lpsim::model::ArrayParams a;
  lpsim::model::MemoryParams m;
  lpsim::model::LayerShape s;
};

// An array of 1..max_side PEs per side with a random dataflow; SRAMs of 1/16 .. max16/16 KiB (from 64 words),
// 8- or 16-bit words, 0.5..12 B/cycle, DRAM latency 1..3.
template <class Uniform>
void random_array_memory(RandomCase& rc, int max_side, int max16, Uniform&& U) {
  rc.a.rows = U(1, max_side);
  rc.a.cols = U(1, max_side);
  rc.a.dataflow = static_cast<lpsim::model::Dataflow>(U(0, 2));
  lpsim::model::MemoryParams& m = rc.m;
  for (int o = 0; o < 3; ++o) {
    m.sram_kib[o] = static_cast<double>(U(1, max16)) / 16.0;
    m.word_bits[o] = U(0, 3) == 0 ? 16 : 8;
  }
  m.dram_bw_bytes_per_cycle = static_cast<double>(U(1, 24)) / 2.0;
  m.dram_latency_cycles = U(1, 3);
}

RandomCase random_case(std::mt19937_64& rng) {
  auto U = [&](int lo, int hi) { return static_cast<int64_t>(std::uniform_int_distribution<int>(lo, hi)(rng)); };
  RandomCase rc;
  random_array_memory(rc, 16, 48, U);
  lpsim::model::LayerShape& s = rc.s;
  if (U(0, 3) == 0) {
    s.ifmap_h = U(1, 60), s.ifmap_w = U(1, 80), s.filter_h = 1, s.filter_w = s.ifmap_w, s.channels = 1;
    s.num_filters = U(1, 50);
  } else {
    s.filter_h = U(1, 5), s.filter_w = U(1, 5), s.ifmap_h = s.filter_h + U(0, 14), s.ifmap_w = s.filter_w + U(0, 14);
    s.channels = U(1, 12), s.num_filters = U(1, 30), s.stride_h = U(1, 3), s.stride_w = U(1, 3);
  }
  s.ofmap_h = (s.ifmap_h - s.filter_h + 2 * s.stride_h - 1) / s.stride_h;
  s.ofmap_w = (s.ifmap_w - s.filter_w + 2 * s.stride_w - 1) / s.stride_w;
  return rc;
}

}  // namespace

// Runs `cases` layers from `gen` through the engine and the line-level replay and requires identical stalls,
// totals and DRAM counts; returns how many had stalls.
template <class Gen>
int same_as_replay(std::mt19937_64& rng, Gen&& gen, int cases) {
  int with_stalls = 0;
  for (int it = 0; it < cases; ++it) {
    const RandomCase rc = gen(rng);
    INFO("case " << it << ": " << to_string(rc.a.dataflow) << " " << rc.a.rows << "x" << rc.a.cols << " layer "
                 << rc.s.ifmap_h << "x" << rc.s.ifmap_w << " f" << rc.s.filter_h << "x" << rc.s.filter_w << " c"
                 << rc.s.channels << " n" << rc.s.num_filters << " s" << rc.s.stride_h << "," << rc.s.stride_w);
    const LayerTiming e = estimate_layer(rc.a, rc.m, rc.s), r = replay_layer(rc.a, rc.m, rc.s);
    if (r.stall_cycles > 0) ++with_stalls;
    REQUIRE(e.stall_cycles == r.stall_cycles);
    REQUIRE(e.total_cycles == r.total_cycles);
    REQUIRE(e.compute_cycles == r.compute_cycles);
    for (int op = 0; op < 2; ++op) REQUIRE(e.traffic[op].dram_reads == r.traffic[op].dram_reads);
    REQUIRE(e.traffic[2].dram_writes == r.traffic[2].dram_writes);
  }
  return with_stalls;
}

TEST_CASE("array engine: equals the line-level replay on random layers, arrays and memories", "[array][replay]") {
  std::mt19937_64 rng(20250225);
  CHECK(same_as_replay(rng, random_case, 1500) > 300);  // the generator must exercise the stall paths
}

TEST_CASE("array engine: an SRAM holding every operand never stalls", "[array]") {
  lpsim::model::ArrayParams a;
  lpsim::model::MemoryParams m;  // 8 MiB per operand
  lpsim::model::LayerShape s;
  s.ifmap_h = s.ifmap_w = 30, s.filter_h = s.filter_w = 3, s.channels = 32, s.num_filters = 64;
  s.ofmap_h = s.ofmap_w = 28;
  for (auto df : {lpsim::model::Dataflow::kOS, lpsim::model::Dataflow::kWS, lpsim::model::Dataflow::kIS}) {
    a.dataflow = df;
    const LayerTiming t = estimate_layer(a, m, s);
    CHECK(t.stall_cycles == 0);
    CHECK(t.total_cycles == t.compute_cycles);
  }
}

TEST_CASE("array timing: dataflow and operand names", "[array]") {
  CHECK(std::string(to_string(lpsim::model::Dataflow::kOS)) == "os");
  CHECK(std::string(to_string(lpsim::model::Dataflow::kWS)) == "ws");
  CHECK(std::string(to_string(lpsim::model::Dataflow::kIS)) == "is");
  CHECK(std::string(lpsim::model::operand_name(lpsim::model::kIfmap)) == "ifmap");
  CHECK(std::string(lpsim::model::operand_name(lpsim::model::kFilter)) == "filter");
  CHECK(std::string(lpsim::model::operand_name(lpsim::model::kOfmap)) == "ofmap");
}

TEST_CASE("array engine: closed-form stream positions equal the prefix table on conv-overhang layers",
          "[array][replay]") {
  // Irregular streams (ceil output sizes) normally use a prefix table up to 2^20 diagonals; force the closed form
  // and compare every result with the table-based run.
  std::mt19937_64 rng(77);
  int irregular = 0;
  for (int it = 0; it < 600; ++it) {
    const RandomCase rc = random_case(rng);
    const bool overhang = (rc.s.ofmap_h - 1) * rc.s.stride_h + rc.s.filter_h > rc.s.ifmap_h ||
                          (rc.s.ofmap_w - 1) * rc.s.stride_w + rc.s.filter_w > rc.s.ifmap_w;
    if (!overhang) continue;
    ++irregular;
    const LayerTiming table = estimate_layer(rc.a, rc.m, rc.s);
    lpsim::model::detail::stream_table_limit() = 0;
    const LayerTiming closed = estimate_layer(rc.a, rc.m, rc.s);
    lpsim::model::detail::stream_table_limit() = int64_t{1} << 20;
    INFO("case " << it);
    REQUIRE(closed.stall_cycles == table.stall_cycles);
    REQUIRE(closed.total_cycles == table.total_cycles);
    for (int op = 0; op < 2; ++op) REQUIRE(closed.traffic[op].dram_reads == table.traffic[op].dram_reads);
    REQUIRE(closed.traffic[2].dram_writes == table.traffic[2].dram_writes);
  }
  CHECK(irregular > 150);
}


namespace {

// Layers with many folds (tiny arrays, long GEMMs and convs): long runs of folds that read nothing new (skipped
// whole by the engine), memoised fold reads, prefetches that cannot delay their lines.
RandomCase long_case(std::mt19937_64& rng) {
  auto U = [&](int64_t lo, int64_t hi) { return std::uniform_int_distribution<int64_t>(lo, hi)(rng); };
  RandomCase rc;
  random_array_memory(rc, 6, 64, U);
  lpsim::model::LayerShape& s = rc.s;
  if (U(0, 2) > 0) {
    s.ifmap_h = U(50, 1500), s.ifmap_w = U(1, 30), s.filter_h = 1, s.filter_w = s.ifmap_w, s.channels = 1;
    s.num_filters = U(1, 30);
    s.ofmap_h = s.ifmap_h, s.ofmap_w = 1;
  } else {
    s.filter_h = U(1, 3), s.filter_w = U(1, 3), s.ifmap_h = s.filter_h + U(20, 120), s.ifmap_w = s.filter_w + U(0, 20);
    s.channels = U(1, 4), s.num_filters = U(1, 10), s.stride_h = U(1, 2), s.stride_w = U(1, 2);
    s.ofmap_h = (s.ifmap_h - s.filter_h) / s.stride_h + 1;
    s.ofmap_w = (s.ifmap_w - s.filter_w) / s.stride_w + 1;
  }
  return rc;
}

}  // namespace

TEST_CASE("array engine: equals the line-level replay on layers with many folds", "[array][replay]") {
  std::mt19937_64 rng(4242);
  CHECK(same_as_replay(rng, long_case, 600) > 120);
}

// accelerator.pe.dot_width (issue 15 item 3): a w-wide PE streams K in vectors of w.
TEST_CASE("engine: dot-product PEs stream K in ceil(K/w) vectors, words and counts convert back to elements",
          "[array][dot]") {
  using namespace lpsim::model;
  LayerShape g;  // GEMM 64 x 48 x 100 in SCALE-Sim's conv form
  g.ifmap_h = g.ofmap_h = 64;
  g.ifmap_w = g.filter_w = 100;
  g.num_filters = 48;
  const LayerShape gv = dot_shape(g, 32);
  CHECK(gv.K() == 4);  // ceil(100 / 32)
  CHECK(gv.M() == 64);
  CHECK(gv.N() == 48);
  CHECK(dot_shape(g, 1).K() == 100);
  LayerShape cv;  // 3x3 conv, 40 channels: vectors of channels of one tap
  cv.ifmap_h = cv.ifmap_w = 10;
  cv.filter_h = cv.filter_w = 3;
  cv.channels = 40;
  cv.num_filters = 16;
  cv.ofmap_h = cv.ofmap_w = 8;
  CHECK(dot_shape(cv, 16).K() == 9 * 3);  // Fh Fw ceil(C / w)
  CHECK(dot_shape(cv, 16).M() == 64);
  MemoryParams m;
  m.word_bits[kIfmap] = ElementBits(264, 32);  // MXFP8: 8.25 bits
  const MemoryParams mv = dot_memory(m, 32);
  CHECK(mv.word_bits[kIfmap].value() == 8.25 * 32);  // one word = a 32-element vector
  CHECK(mv.word_bits[kOfmap].value() == 8);          // outputs stay elements
  CHECK(mv.sram_words(kIfmap) == m.sram_words(kIfmap) / 32);
  ArrayParams a;
  LayerTiming t = estimate_layer(a, mv, gv);
  const LayerTiming w1 = estimate_layer(a, mv, gv);
  dot_result(t, g, 32);
  CHECK(t.macs == 64u * 48 * 100);
  CHECK(t.compute_cycles == w1.compute_cycles);
  CHECK(t.traffic[kIfmap].sram_reads == 32 * w1.traffic[kIfmap].sram_reads);
  CHECK(t.traffic[kOfmap].sram_writes == w1.traffic[kOfmap].sram_writes);
  // Exact byte counts of fractional bits: 33 MXFP8 elements are 272.25 bits -> 273 bits, 35 bytes.
  CHECK(ElementBits(264, 32).bits(33) == 273);
  CHECK(ElementBits(264, 32).bytes(33) == 35);
  CHECK(ElementBits(264, 32).bytes(32) == 33);
  CHECK(ElementBits(8, 1).bytes(3) == 3);
}
