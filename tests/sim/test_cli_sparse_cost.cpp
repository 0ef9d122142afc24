// `lpsim run` with accelerator.sparsity and the cost columns, end to end: the schemes change cycles, MAC
// accounting and energy but never an accuracy figure; energy / time is the reported power; bad sparsity and cost
// settings are clear errors.
#include <catch2/catch.hpp>

#include <cmath>
#include <string>
#include <vector>

#include "../cli_run.h"
#include "csv_rows.h"

namespace {

using cli_test::has;
using cli_test::Result;
namespace fs = std::filesystem;

std::string data(const std::string& rel) { return std::string(LPSIM_TEST_DATA) + "/" + rel; }
std::string src(const std::string& rel) { return std::string(LPSIM_SOURCE_DIR) + "/" + rel; }

// Runs the small pruned trace on a 16x16 os array with synthetic values; returns layers.csv rows (TOTAL last).
std::vector<csv_test::Row> run_rows(const std::string& name, const std::string& trace, const std::string& sets) {
  fs::path out = cli_test::scratch("sparse") / name;
  fs::remove_all(out);
  Result r = cli_test::run_lpsim("run " + src("configs/default.yaml") + " --trace " + data("traces/" + trace) +
                                     " --set accelerator.array.rows=16 --set accelerator.array.cols=16"
                                     " --set workload.synthetic=normal --format none --out " + out.string() + " " +
                                     sets,
                                 "sparse");
  INFO(r.err);
  REQUIRE(r.code == 0);
  return csv_test::read_csv((out / "layers.csv").string());
}

using csv_test::num;

}  // namespace

TEST_CASE("run sparsity: every scheme leaves every accuracy figure of the dense run unchanged", "[sim][sparsity]") {
  const std::vector<std::string> acc_cols = {"sqnr_db", "sqnr_vs_ideal_db", "max_abs_err", "mean_abs_err",
                                             "cosine_sim", "bit_identical_outputs", "saturations", "underflows"};
  for (const char* trace : {"sparse_small.yaml", "sparse_nm.yaml"}) {
    for (const char* pe : {"mxfp8_e4m3", "bf16", "int16"}) {
      std::string fmt = std::string(" --set accelerator.pe.activations=") + pe +
                        " --set accelerator.pe.weights=" + pe;
      auto dense = run_rows("dense", trace, fmt);
      std::vector<std::string> schemes = {"gate", "skip"};
      if (std::string(trace) == "sparse_nm.yaml") schemes.push_back("nm");
      for (const auto& scheme : schemes) {
        auto sparse = run_rows(scheme, trace, fmt + " --set accelerator.sparsity.scheme=" + scheme);
        REQUIRE(sparse.size() == dense.size());
        for (size_t i = 0; i < dense.size(); ++i) {
          for (const auto& col : acc_cols) {
            INFO(trace << " " << pe << " " << scheme << " row " << i << " " << col);
            CHECK(sparse[i][col] == dense[i][col]);
          }
        }
      }
    }
  }
}

TEST_CASE("run sparsity: gate saves energy not cycles, skip and 2:4 save cycles", "[sim][sparsity]") {
  auto none = run_rows("none", "sparse_nm.yaml", "");
  auto gate = run_rows("gate", "sparse_nm.yaml", "--set accelerator.sparsity.scheme=gate");
  auto nm = run_rows("nm", "sparse_nm.yaml", "--set accelerator.sparsity.scheme=nm");
  auto skip = run_rows("skip", "sparse_nm.yaml",
                       "--set accelerator.sparsity.scheme=skip --set accelerator.sparsity.skip_operand=weights");
  const auto &tn = none.back(), &tg = gate.back(), &tm = nm.back(), &ts = skip.back();
  CHECK(num(tg, "total_cycles") == num(tn, "total_cycles"));
  CHECK(num(tg, "macs_gated") > 0);
  CHECK(num(tg, "macs_skipped") == 0);
  CHECK(num(tg, "energy_mac_uj") < num(tn, "energy_mac_uj"));
  // 2:4 weights: half the weights are zero (n2's ragged last group of 2 keeps both: 48*24 + 66*33 of 96*24 +
  // 130*33 weights), about half the MACs never issue and each K pass is about half as long.
  CHECK(num(tm, "density_b_pct") == Approx(100.0 * 3330 / 6594).epsilon(1e-9));
  CHECK(num(tm, "macs_skipped") == Approx(num(tm, "macs") / 2).epsilon(0.02));
  CHECK(num(tm, "compute_cycles") < num(tn, "compute_cycles"));
  CHECK(num(tm, "sparse_speedup") > 1.2);
  CHECK(num(tm, "metadata_sram_bytes") > 0);
  CHECK(num(tm, "dense_total_cycles") == num(tn, "total_cycles"));
  CHECK(num(ts, "macs_skipped") > 0);
  CHECK(num(ts, "total_cycles") < num(tn, "total_cycles"));
  CHECK(num(ts, "energy_uj") < num(tn, "energy_uj"));
}

TEST_CASE("run cost: energy / time is the average power, parts add up, node scaling lowers energy", "[sim][cost]") {
  auto rows = run_rows("cost45", "sparse_small.yaml", "--set accelerator.sparsity.scheme=skip");
  const char* parts[] = {"mac", "registers", "clock", "scratchpad", "gated", "sram_ifmap", "sram_filter",
                         "sram_ofmap", "metadata", "dram", "sfu", "leakage"};
  const char* areas[] = {"pe_array", "sram_ifmap", "sram_filter", "sram_ofmap", "sfu"};
  for (const auto& r : rows) {
    INFO(r.at("layer"));
    const double e = num(r, "energy_uj"), t = num(r, "time_us");
    REQUIRE(t > 0);
    CHECK(num(r, "power_mw") == Approx(e / t * 1e3).epsilon(1e-6));  // uJ / us = W
    double sum = 0;
    for (const char* p : parts) sum += num(r, std::string("energy_") + p + "_uj");
    CHECK(sum == Approx(e).epsilon(1e-6));
    double area = 0;
    for (const char* a : areas) area += num(r, std::string("area_") + a + "_mm2");
    CHECK(area == Approx(num(r, "area_mm2")).epsilon(1e-6));
  }
  CHECK(num(rows[2], "energy_sfu_uj") > 0);  // the tanh op runs on the SFU
  auto at7 = run_rows("cost7", "sparse_small.yaml", "--set accelerator.sparsity.scheme=skip "
                                                    "--set accelerator.cost.node_nm=7");
  CHECK(num(at7.back(), "energy_mac_uj") < 0.2 * num(rows.back(), "energy_mac_uj"));
  CHECK(num(at7.back(), "area_pe_array_mm2") < 0.1 * num(rows.back(), "area_pe_array_mm2"));
  CHECK(num(at7.back(), "energy_dram_uj") == Approx(num(rows.back(), "energy_dram_uj")));  // DRAM: not the node
}

TEST_CASE("run sparsity/cost: bad settings are errors naming the key", "[sim][sparsity][cost]") {
  fs::path out = cli_test::scratch("sparse") / "bad";
  auto run = [&](const std::string& trace, const std::string& sets) {
    fs::remove_all(out);
    Result r = cli_test::run_lpsim("run " + src("configs/default.yaml") + " --trace " + trace + " --out " +
                                       out.string() + " " + sets,
                                   "sparse");
    CHECK(r.code == 2);
    CHECK(!fs::exists(out / "layers.csv"));
    return r.err;
  };
  // Weights that break 2:4: the layer, the first offending group and the ways out.
  std::string e = run(data("traces/sparse_small.yaml"),
                      "--set workload.synthetic=normal --set accelerator.sparsity.scheme=nm");
  CHECK(has(e, "layer 'g_mag'"));
  CHECK(has(e, "break 2:4 sparsity: column "));
  CHECK(has(e, "prune_to_pattern"));
  // Zeros are measured on values: a timing-only run cannot use a sparsity scheme.
  e = run(src("traces/tiny_gemm.yaml"), "--set accelerator.sparsity.scheme=skip");
  CHECK(has(e, "accelerator.sparsity.scheme: skip measures the zeros"));
  e = run(src("traces/tiny_gemm.yaml"), "--set accelerator.sparsity.nm=5:4");
  CHECK(has(e, "--set: accelerator.sparsity.nm:"));
  e = run(src("traces/tiny_gemm.yaml"), "--set accelerator.sparsity.window=0");
  CHECK(has(e, "accelerator.sparsity.window: expected a positive integer"));
  e = run(src("traces/tiny_gemm.yaml"), "--set accelerator.cost.node_nm=3");
  CHECK(has(e, "accelerator.cost.node_nm"));
  e = run(src("traces/tiny_gemm.yaml"), "--set accelerator.cost.tech_table=nope.yaml");
  CHECK(has(e, "accelerator.cost.tech_table: cannot read technology table"));
  e = run(src("traces/tiny_gemm.yaml"), "--set accelerator.cost.dram_type=sdram9");
  CHECK(has(e, "accelerator.cost.dram_type"));
}
