// One Report value per run, rendered by several writers: an aligned terminal table, report.json (nested,
// with units) and layers.csv (one row per layer, plus a TOTAL row). Column keys carry their unit as a suffix
// (total_cycles, time_us, dram_ifmap_reads_bytes) so every consumer sees the unit.
#pragma once
#include <cstdint>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace lpsim::report {

using Value = std::variant<std::monostate, int64_t, double, std::string>;

struct Column {
  std::string key;       // snake_case with unit suffix, e.g. "stall_cycles"
  std::string header;    // terminal header, e.g. "stall"
  std::string unit;      // shown in table/JSON: "cycles", "us", "%", "B", "words", "B/cycle", ""
  std::string help;      // one line for README/JSON
  bool terminal = false; // shown in the terminal table
  int precision = 0;     // digits after the point for doubles
};

struct Report {
  std::vector<std::pair<std::string, std::string>> meta;  // ordered key/value (version, config, trace, ...)
  std::string config_yaml;                                 // fully resolved config (echoed into report.json)
  std::vector<Column> columns;
  std::vector<std::vector<Value>> rows;  // one per layer, same order as columns
  std::vector<Value> total;              // the TOTAL row
  // Task accuracy of a run over a labelled data set (one row): report.json "task", task.csv, the terminal.
  std::vector<Column> task_columns;
  std::vector<Value> task;
  // Conditions that make figures of this run misleading (e.g. INT32 accumulators that wrapped): one sentence
  // each, shown under the terminal table, in report.json "warnings" (when any) and on stderr otherwise.
  std::vector<std::string> warnings;

  size_t add_column(Column c);
  size_t index(const std::string& key) const;  // throws std::out_of_range for an unknown key
};

std::string render_table(const Report& r);
std::string render_csv(const Report& r);
std::string render_json(const Report& r);
std::string render_task_csv(const Report& r);    // header + one row ("" without a task section)
std::string render_task_table(const Report& r);  // "task: top-1 91.20 % ..." lines for the terminal

// Markdown table of the columns (key, unit, meaning) for README and `lpsim run --columns`.
std::string columns_markdown(const Report& r);

}  // namespace lpsim::report
