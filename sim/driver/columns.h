// Report columns of `lpsim run` and how a row's values are filled (the driver's stages call these).
#pragma once
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "cost/cost_model.h"
#include "exec/executor.h"
#include "report/report.h"

namespace lpsim::driver {

// Column indices of the run report.
struct Cols {
  size_t layer, mem_model, tiling, kept, type, unit, formats, shape, repeat, m, n, k, folds, compute, stall, total, time, cutil, meff, outil,
      macs;
  size_t sram_words[3], sram_bytes[3], dram_bytes[3], dram_rd, dram_wr, bw_avg, bw_peak, sfu_ops, vec_ops,
      vec_cycles;
  size_t sqnr, sqnr_local, scope, sqnr_ideal, max_abs, mean_abs, max_rel, mean_rel, cosine, outputs, bit_id, bit_id_pct,
      sat, unf, acc_ovf, spills;
  size_t dens_a, dens_b, macs_issued, macs_skipped, macs_gated, dense_total, speedup, meta_sram, meta_dram;
  size_t area, energy, power, tops_w, tops_mm2, pj_per_mac;
  std::vector<std::pair<std::string, size_t>> energy_parts, area_parts;  // group name -> column
};

Cols add_columns(report::Report& r);

inline report::Value i64(uint64_t v) { return report::Value(static_cast<int64_t>(v)); }

// Accuracy columns of one op from its executor statistics (nothing when it computed no values).
void fill_accuracy(std::vector<report::Value>& row, const Cols& k, const exec::NodeStats& s);

// TOTAL accuracy: worst layer for SQNR and cosine, max of maxima, output-weighted means, sums of counts. Hides the
// accuracy columns from the terminal when no op computed values.
void accuracy_totals(report::Report& r, const Cols& k);

// The cost columns of one op (or the run) from its priced energy and time; area from the design's cost model.
// `macs` are the workload's dense MACs (efficiency columns stay empty without MACs).
void fill_cost(std::vector<report::Value>& row, const Cols& k, const cost::Breakdown& energy_pj, double time_us,
               const cost::CostModel& area_model, uint64_t macs);

}  // namespace lpsim::driver
