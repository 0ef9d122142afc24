// A design-space sweep: one base config, fixed overrides and a set of points, each point a list of --set
// overrides. Read from a sweep YAML file (README "Design-space sweeps"):
//
//   base: ../tiny_gemm_accuracy.yaml          # config, relative to this file
//   set: {workload.synthetic: normal}          # optional, applied to every point
//   axes:                                      # cartesian product, first axis outermost
//     accelerator.array.rows,accelerator.array.cols: [16, 32, 64]     # tied keys: same value for each
//     format:                                  # a group: each value sets several keys (label -> keys)
//       bf16:  {accelerator.pe.activations: bf16, accelerator.pe.weights: bf16}
//       int16: {accelerator.pe.activations: int16, accelerator.pe.weights: int16}
//   # or points: [{accelerator.array.rows: 16, label: small}, ...]   (an explicit list)
//   mode: product | zip                       # zip pairs the axes' values by position
//   trace: ../../traces/tiny_gemm.yaml        # optional, replaces workload.trace (relative to this file)
//   out: out/format_by_array                  # default results directory (relative to the current directory)
#pragma once
#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include "config/config.h"
#include "util/error.h"

namespace lpsim::sweep {

// One key=value of the sweep file.
struct Setting {
  std::string key;    // config key path
  std::string value;  // YAML text for --set (paths of workload.trace resolved against the sweep file)
  std::string text;   // the value as written (results.csv cell, point id)
  Location where;     // sweep file, line of the value, key path in the sweep file ("axes.format.bf16.accelerator...")
};

struct AxisValue {
  std::string label;  // group axes: the label column's cell; plain axes: the value text
  std::vector<Setting> settings;
};

struct Axis {
  std::string name;               // as written: a key path, "k1,k2" (tied keys) or a group's label column
  bool group = false;             // values are mappings of several keys
  std::vector<std::string> keys;  // config keys the axis sets (first-appearance order)
  std::vector<AxisValue> values;
  Location where;
};

struct Point {
  size_t index = 0;
  std::string id;                  // "0003-1a2b3c4d": index and a hash of base, trace and settings
  std::vector<Setting> settings;   // set: first, then the point's own (later ones win)
  std::vector<std::pair<std::string, std::string>> columns;  // axis column -> cell of results.csv
  std::string label;               // "rows,cols=16 format=bf16" for messages and tables
};

struct Spec {
  std::string file;         // the sweep file as given
  std::string name;         // name: or the file's stem
  std::string description;  // description: (free text, shown in reports)
  std::string base;         // config path resolved against the sweep file's directory
  std::string base_as_written;
  std::string trace;        // "" or the trace path resolved against the sweep file's directory
  std::string trace_as_written;
  std::string out;          // out: as written ("" when absent)
  std::string mode;         // product | zip | list (points:)
  int body_line = 0;        // line of axes: or points:
  std::vector<Setting> set;
  std::vector<Axis> axes;
  std::vector<std::string> axis_columns;  // results.csv columns of the axes, in order
  std::vector<Point> points;
};

// Reads and expands a sweep file. Throws InputError "sweep.yaml:LINE: key.path: message" on a malformed file
// (unknown top-level key with a did-you-mean, empty axes, an axis without values, base/trace not found, ...).
// Config keys and values are checked by validate(), which needs the config loader.
Spec read_spec(const std::string& path);

// Loads the base config with every point's overrides (only the points in `which`, all when empty) and reads
// each distinct trace once. Errors are re-reported at the sweep file's line of the offending value:
//   sweeps/x.yaml:9: axes.accelerator.array.rowz: unknown key (did you mean 'accelerator.array.rows'?) ...
// Throws one InputError listing up to 20 distinct problems.
void validate(const Spec& s, const std::vector<size_t>& which = {});

// The extra overrides every point gets: the point writes all three report files (report.json is read back).
std::vector<cfg::Override> fixed_overrides();

// All --set overrides of a point (settings, then fixed_overrides()).
std::vector<cfg::Override> overrides(const Point& p);

// Arguments of `lpsim run` for one point, after the executable: run BASE --set k=v ... [--trace T] --out DIR
// --format none.
std::vector<std::string> run_args(const Spec& s, const Point& p, const std::string& point_dir);

// "0003-1a2b3c4d" (see Point::id).
std::string point_id(size_t index, const std::string& canonical);

}  // namespace lpsim::sweep
