// results.csv of a sweep: one row per point. Columns, in this order:
//   point, id                      index and stable id of the point
//   <axis columns>                 one per swept config key (and a label column per group axis)
//   sqnr_db ... dram_write_bytes   the TOTAL row of the point's report.json (kCoreColumns, always present)
//   images ... logits_noise        task figures of data-set runs (kTaskColumns), when a report has them
//   area_mm2 ... energy_per_mac_pj cost figures (kCostColumns), when at least one report has them
//   energy_* area_* power_*        component breakdowns, when present, in first-seen order
//   <other>                        any other column found in merged inputs, in first-seen order
//   warnings                       the run's warnings (report.json "warnings", joined by " | "), when a point has one
//   wall_s, status, error          seconds the point took, ok | failed, and the failure message
// The axis columns of an existing file are the ones between `id` and the first core column.
#pragma once
#include <string>
#include <vector>

#include "sweep/csv_table.h"

namespace lpsim::sweep {

extern const std::vector<std::string> kCoreColumns;  // sqnr_db, ..., total_cycles, ..., dram_write_bytes
extern const std::vector<std::string> kCostColumns;  // area_mm2, energy_uj, power_mw, tops_per_w, ...
extern const std::vector<std::string> kBreakdownPrefixes;  // energy_, area_, power_
extern const std::vector<std::string> kTaskColumns;  // images, top1_pct, ..., raw counts (data-set runs)
extern const char* const kWarningsColumn;            // "warnings": a run's report.json warnings, joined

// point, id, wall_s, status, error and every core/cost column: names an axis label column may not take.
bool is_reserved_column(const std::string& name);

// The metric cells of a point from its report.json text: every kCoreColumns entry (empty when absent or null)
// and every cost/breakdown entry present in the "total" object (or, for cost figures a report keeps outside
// the TOTAL row, at the top level). Cost/breakdown keys are appended to *order (when given) in report.json's
// order if not there yet. Throws std::runtime_error if the text has no "total" object.
Row metrics_from_report_json(const std::string& json_text, std::vector<std::string>* order = nullptr);

// results.csv column order (see above) for these axis columns and rows. Breakdown and other columns follow
// `order` (keys in the order first seen in reports or input files), then the rest alphabetically.
std::vector<std::string> result_columns(const std::vector<std::string>& axis_columns, const std::vector<Row>& rows,
                                        const std::vector<std::string>& order = {});

// The axis columns of a results table: the columns between `id` and the first core column.
std::vector<std::string> axis_columns_of(const Table& t);

// A sweep over workload.dataset.shard evaluates one configuration on parts of a data set: the ok rows that
// differ only in the shard are merged (counts summed, percentages, SQNR and per-image figures recomputed from
// them), one row per configuration with `shards` (merged/of) and `complete`. Empty without a shard axis.
Table merge_shards(const std::vector<std::string>& axis_columns, const std::vector<Row>& rows);

// Sorts rows by their numeric `point` cell, then by id.
void sort_rows(std::vector<Row>& rows);

}  // namespace lpsim::sweep
