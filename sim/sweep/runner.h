// Runs sweep points as child processes. SystemC elaborates once per process, so every point is its own
// `lpsim run BASE --set ... --out OUT/points/<id>` (the same binary); the sweep process only schedules, reads
// each point's report.json back and writes the tables. Files of a point, all in OUT/points/<id>/:
//   report.txt, report.json, layers.csv   written by `lpsim run` (all or none)
//   stderr.txt                            the child's stderr (the failure message of a failed point)
//   row.csv                               the point's results.csv row (header + one line), ok or failed
#pragma once
#include <sys/types.h>

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "sweep/csv_table.h"
#include "sweep/spec.h"

namespace lpsim::sweep {

struct RunOptions {
  std::string exe;      // the lpsim binary to run (self_exe())
  std::string out_dir;  // OUT
  unsigned jobs = 1;    // child processes at a time
};

// The absolute path of the running executable (/proc/self/exe).
std::string self_exe();

// Starts `exe args...` with stdin and stdout on /dev/null and stderr to stderr_path (created or truncated);
// returns posix_spawn's result (0 = started, *pid set).
int spawn_quiet(const std::string& exe, const std::vector<std::string>& args, const std::string& stderr_path,
                pid_t* pid);

std::string point_dir(const std::string& out_dir, const Point& p);  // OUT/points/<id>

// point, id and the axis cells of a point (the left part of its results.csv row).
Row base_row(const Point& p);

// The point's row from OUT/points/<id>/row.csv, if that file exists and names this id.
std::optional<Row> read_point_row(const std::string& out_dir, const Point& p);

// Runs the points `todo` (indices into s.points), at most o.jobs at a time. For each finished point: builds its
// row (metrics from report.json when the child exited 0 and the report reads back; otherwise status failed and
// the child's last stderr line as error), writes OUT/points/<id>/row.csv atomically and calls on_done in
// completion order. `order` collects cost/breakdown column names in report.json order (for result_columns).
void run_points(const Spec& s, const std::vector<size_t>& todo, const RunOptions& o, std::vector<std::string>& order,
                const std::function<void(const Point&, const Row&)>& on_done);

// results.csv text for these rows (sorted by point), columns from result_columns().
std::string render_results(const std::vector<std::string>& axis_columns, std::vector<Row> rows,
                           const std::vector<std::string>& order);

}  // namespace lpsim::sweep
