// Not a test: prints, for every row of the SCALE-Sim oracle, lpsim's cycles/stalls/DRAM counts next to
// SCALE-Sim's, and the stall error distribution (used for the accuracy figures in models/array/README.md).
//   array_oracle_report [--replay] [--stall-only] [--filter SUBSTR]
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <string>

#include "array/scalesim_engine.h"
#include "oracle_data.h"

int main(int argc, char** argv) {
  bool replay = false, stall_only = false;
  std::string filter;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--replay")) replay = true;
    else if (!std::strcmp(argv[i], "--stall-only")) stall_only = true;
    else if (!std::strcmp(argv[i], "--filter") && i + 1 < argc) filter = argv[++i];
  }
  int n = 0, n_stall = 0, exact_stall = 0, n_bad_dram = 0;
  double max_err = 0, sum_err = 0;
  for (const oracle::Row& r : oracle::results().rows) {
    const bool stall_row = r.s("sram_setting") == "small" && r.i("stall_cycles") > 0;
    if (stall_only && !stall_row) continue;
    const std::string id = r.s("config_name") + "/" + r.s("layer");
    if (!filter.empty() && id.find(filter) == std::string::npos) continue;
    const oracle::Config& c = oracle::config_of(r);
    const auto& layer = oracle::layer_of(r);
    auto t0 = std::chrono::steady_clock::now();
    const lpsim::model::LayerTiming t = replay ? lpsim::model::replay_layer(c.array, c.mem, layer)
                                               : lpsim::model::estimate_layer(c.array, c.mem, layer);
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    const int64_t ref_stall = r.i("stall_cycles");
    const int64_t st = static_cast<int64_t>(t.stall_cycles);
    const bool dram_ok = static_cast<int64_t>(t.traffic[0].dram_reads) == r.i("dram_ifmap_reads") &&
                         static_cast<int64_t>(t.traffic[1].dram_reads) == r.i("dram_filter_reads") &&
                         static_cast<int64_t>(t.traffic[2].dram_writes) == r.i("dram_ofmap_writes");
    ++n;
    if (!dram_ok) ++n_bad_dram;
    double err = 0;
    if (stall_row) {
      ++n_stall;
      err = 100.0 * std::fabs(static_cast<double>(st - ref_stall)) / static_cast<double>(ref_stall);
      max_err = std::max(max_err, err);
      sum_err += err;
      if (st == ref_stall) ++exact_stall;
    }
    std::printf("%-40s total %9lld/%9lld stall %9lld/%9lld (%6.2f%%) dram %s if %lld/%lld fl %lld/%lld of %lld/%lld %.3fs\n",
                id.c_str(), (long long)t.total_cycles, (long long)r.i("total_cycles"), (long long)st,
                (long long)ref_stall, err, dram_ok ? "ok " : "BAD", (long long)t.traffic[0].dram_reads,
                (long long)r.i("dram_ifmap_reads"), (long long)t.traffic[1].dram_reads,
                (long long)r.i("dram_filter_reads"), (long long)t.traffic[2].dram_writes,
                (long long)r.i("dram_ofmap_writes"), secs);
  }
  std::printf("rows %d, dram mismatches %d; stall rows %d: exact %d, max err %.3f%%, mean err %.3f%%\n", n,
              n_bad_dram, n_stall, exact_stall, max_err, n_stall ? sum_err / n_stall : 0.0);
  return 0;
}
