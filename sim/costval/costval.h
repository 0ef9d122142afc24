// Cost-model validation against published silicon (lpsim validate-cost): a manifest
// (configs/validation/published.yaml) lists real accelerators, each as an lpsim config set as close to the design
// as lpsim can express, and rows that set a published figure (area of a component, energy or power under a stated
// workload) against what lpsim predicts for it, with the band the ratio must stay in. Every row is evaluated twice:
// with the cost model as it is and with accelerator.cost.overheads=false (datapath-only pricing, lpsim before issue
// 18), so the table shows what the implementation terms changed.
#pragma once
#include <functional>
#include <string>
#include <vector>

#include "util/error.h"

namespace lpsim::costval {

// A workload run of a design (`lpsim run CONFIG --trace TRACE --set ...`), for energy and power rows.
struct Run {
  std::string name;
  std::string trace;              // resolved path ("" = the config's own workload)
  std::vector<std::string> sets;  // key.path=value overrides
  Location where;
};

struct Row {
  std::string component;  // what is compared, e.g. "matrix unit, 256x256 INT8"
  std::string quantity;   // lpsim quantity (grammar in quantity_help())
  double published = 0;
  std::string unit;       // mm^2, pJ, uJ, mW, x
  std::string source;     // paper, table/figure/section; how the figure was derived
  std::string note;       // what lpsim cannot express, why the band differs
  std::vector<std::string> sets;  // key.path=value overrides of the design's config for this row (not for runs)
  double lo = 0.5, hi = 2.0;  // band for predicted / published
  Location where;
  double predicted = 0, before = 0;  // filled by evaluate()
  bool in_band() const;
  double ratio() const { return predicted / published; }
  double ratio_before() const { return before / published; }
};

struct Design {
  std::string name;
  std::string source;            // the paper (or document) the design's figures come from
  std::string config;            // resolved path
  std::string config_as_written;
  std::vector<Run> runs;
  std::vector<Row> rows;
  Location where;
};

struct Manifest {
  std::string file;
  double lo = 0.5, hi = 2.0;  // default band
  std::vector<Design> designs;
};

// Reads a manifest; throws InputError naming file, line and key path. Configs and traces are resolved relative to
// the manifest's directory and must exist.
Manifest load_manifest(const std::string& path);

// The quantity grammar, for --help and error messages.
std::string quantity_help();

struct Options {
  std::string exe;       // the lpsim binary for the runs (self)
  std::string work_dir;  // where runs write their reports (one directory per design, run and model)
  unsigned jobs = 1;     // runs at a time
};

// Evaluates every row (runs as child processes, `jobs` at a time); progress(done, total) after each run.
// Throws InputError when a config or run fails (with the child's message).
void evaluate(Manifest& m, const Options& o, const std::function<void(size_t, size_t)>& progress = {});

// The table per design (text, or Markdown for README), and machine-readable JSON.
std::string render_text(const Manifest& m);
std::string render_markdown(const Manifest& m);
std::string render_json(const Manifest& m);

size_t rows_out_of_band(const Manifest& m);

// README's per-format table: energy per MAC at full utilization (one MAC per PE per cycle) with the implementation
// terms and without, and PE cell area, at 45 and 7 nm, from the built-in technology table (Markdown).
std::string render_pe_table();
// PE area and energy per MAC of one-MAC PEs against `width`-wide dot-product PEs (accelerator.pe.dot_width) at
// 7 nm, with bits per element and area x bits relative to FP8, for README's comparison with the shared-
// microexponents paper (papers.md sec. 1).
std::string render_dot_table(int64_t width);

}  // namespace lpsim::costval
