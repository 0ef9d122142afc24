// lpsim sweep-merge: combine the per-point rows of a sweep run elsewhere (cluster array tasks, GNU parallel) and
// any results CSVs into one results.csv, and say which points are missing or failed.
#include <algorithm>
#include <filesystem>
#include <iostream>
#include <map>
#include <set>

#include "cli/options.h"
#include "sweep/results.h"
#include "sweep/runner.h"
#include "util/error.h"
#include "util/output_files.h"

namespace fs = std::filesystem;

namespace lpsim::cli {

namespace {

using sweep::Row;

std::string cell(const Row& r, const std::string& key) {
  auto it = r.find(key);
  return it == r.end() ? std::string() : it->second;
}

// "0-3,7,9-10": Slurm's --array syntax for sorted, distinct indices.
std::string ranges(const std::vector<long>& v) {
  std::string s;
  for (size_t i = 0; i < v.size();) {
    size_t j = i;
    while (j + 1 < v.size() && v[j + 1] == v[j] + 1) ++j;
    if (!s.empty()) s += ",";
    s += std::to_string(v[i]) + (j > i ? "-" + std::to_string(v[j]) : std::string());
    i = j + 1;
  }
  return s;
}

std::string short_key(const std::string& key) {
  auto dot = key.rfind('.');
  return dot == std::string::npos ? key : key.substr(dot + 1);
}

// The axis columns of a manifest that tell its points apart: a column whose cell follows from an earlier kept
// column's (a group's keys after its label, the second of two tied keys) adds nothing to a point's name.
std::vector<std::string> distinguishing_columns(const sweep::Table& m) {
  std::vector<std::string> kept;
  for (const auto& c : m.columns) {
    if (c == "point" || c == "id") continue;
    bool determined = false;
    for (const auto& k : kept) {
      std::map<std::string, std::string> seen;
      bool function = true;
      for (const auto& r : m.rows) {
        auto ins = seen.emplace(cell(r, k), cell(r, c));
        if (!ins.second && ins.first->second != cell(r, c)) function = false;
      }
      if (function) {
        determined = true;
        break;
      }
    }
    if (!determined) kept.push_back(c);
  }
  return kept;
}

}  // namespace

int cmd_sweep_merge(const Args& args) {
  po::options_description opts("options");
  opts.add_options()("input", po::value<std::vector<std::string>>()->required(),
                     "sweep output directories (their points/*/row.csv and results.csv) and/or results CSV files")(
      "out,o", po::value<std::string>(), "merged file (default: DIR/results.csv of the first directory given)");
  po::positional_options_description pos;
  pos.add("input", -1);
  po::variables_map vm;
  CommandHelp help{
      "lpsim sweep-merge DIR|RESULTS.csv... [--out results.csv]",
      "Combines the rows of a sweep whose points ran separately (`lpsim sweep --point I`, e.g. from\n"
      "`--emit slurm` or `--emit parallel`) into one results.csv: a directory contributes its results.csv and\n"
      "every points/<id>/row.csv, a file its rows. Rows are matched by point id (an ok row wins over a failed\n"
      "one, later inputs over earlier ones), columns are the union, rows are sorted by point. Points listed in\n"
      "DIR/points.csv (written by --emit) without a row are reported missing. Exit code 0 when every point is\n"
      "there and ok, 1 when some are missing or failed (the file is written anyway), 2 for bad input.",
      "  lpsim sweep-merge /scratch/a\n"
      "      after `lpsim sweep s.yaml --emit slurm --out /scratch/a` and the array job: writes /scratch/a/results.csv\n"
      "  lpsim sweep-merge run1/results.csv run2/results.csv --out all.csv\n"
      "      one table from two runs of a sweep\n"};
  if (!parse_command_line("sweep-merge", args, opts, pos, vm, help)) return kExitOk;

  std::vector<std::string> inputs = vm["input"].as<std::vector<std::string>>();
  std::string out;
  if (vm.count("out")) out = vm["out"].as<std::string>();

  std::vector<sweep::Table> tables;
  std::vector<std::string> files;
  std::set<std::string> manifest_ids;
  std::map<std::string, std::string> manifest_point;  // id -> point index
  std::map<std::string, std::string> manifest_label;  // id -> "format=bf16 rows=16" from the axis cells
  std::vector<std::string> manifest_axes;
  bool have_manifest = false;
  std::string slurm_script, commands;
  std::error_code ec;
  auto add = [&](const std::string& path) {
    sweep::Table t = sweep::read_table(path);
    for (const char* need : {"id", "status"})
      if (std::find(t.columns.begin(), t.columns.end(), need) == t.columns.end())
        throw InputError(path + ":1: column \"" + need + "\" is missing: not a results table of lpsim sweep "
                         "(expected point, id, <axes>, <figures>, status, error)");
    tables.push_back(std::move(t));
    files.push_back(path);
  };
  for (const auto& in : inputs) {
    if (fs::is_directory(in, ec)) {
      if (out.empty()) out = (fs::path(in) / "results.csv").string();
      size_t before = tables.size();
      fs::path results = fs::path(in) / "results.csv";
      if (fs::is_regular_file(results, ec)) add(results.string());
      std::vector<std::string> rows;
      if (fs::is_directory(fs::path(in) / "points", ec))
        for (const auto& e : fs::directory_iterator(fs::path(in) / "points"))
          if (fs::is_regular_file(e.path() / "row.csv", ec)) rows.push_back((e.path() / "row.csv").string());
      std::sort(rows.begin(), rows.end());
      for (const auto& r : rows) add(r);
      fs::path manifest = fs::path(in) / "points.csv";
      if (fs::is_regular_file(manifest, ec)) {
        have_manifest = true;
        sweep::Table m = sweep::read_table(manifest.string());
        for (const auto& c : m.columns)
          if (c != "point" && c != "id" && std::find(manifest_axes.begin(), manifest_axes.end(), c) == manifest_axes.end())
            manifest_axes.push_back(c);
        std::vector<std::string> label_cols = distinguishing_columns(m);
        for (const auto& r : m.rows) {
          manifest_ids.insert(cell(r, "id"));
          manifest_point[cell(r, "id")] = cell(r, "point");
          std::vector<std::string> parts;
          for (const auto& c : label_cols) parts.push_back(short_key(c) + "=" + cell(r, c));
          manifest_label[cell(r, "id")] = join(parts, " ");
        }
      }
      // A folder the emitter created (points.csv) may hold no row yet: every point is then missing, which is
      // what the user needs to hear. Without a manifest and rows it is not a sweep folder.
      if (tables.size() == before && !fs::is_regular_file(manifest, ec))
        throw InputError(in + ": no results.csv, no points/*/row.csv and no points.csv in this directory (is it "
                              "the --out of a sweep?)");
      if (fs::is_regular_file(fs::path(in) / "sweep.slurm", ec)) slurm_script = (fs::path(in) / "sweep.slurm").string();
      if (fs::is_regular_file(fs::path(in) / "commands.txt", ec)) commands = (fs::path(in) / "commands.txt").string();
    } else if (fs::is_regular_file(in, ec)) {
      add(in);
    } else {
      throw InputError(in + ": no such file or directory");
    }
  }
  if (out.empty()) throw InputError("lpsim sweep-merge: --out is required when only CSV files are given");

  std::map<std::string, Row> merged;
  std::vector<std::string> axes, order;
  for (const auto& t : tables) {
    for (const auto& a : sweep::axis_columns_of(t))
      if (std::find(axes.begin(), axes.end(), a) == axes.end()) axes.push_back(a);
    for (const auto& c : t.columns)
      if (std::find(order.begin(), order.end(), c) == order.end()) order.push_back(c);
    for (const auto& r : t.rows) {
      std::string id = cell(r, "id");
      if (id.empty()) continue;
      auto it = merged.find(id);
      if (it != merged.end() && cell(it->second, "status") == "ok" && cell(r, "status") != "ok") continue;
      merged[id] = r;
    }
  }

  for (const auto& a : manifest_axes)
    if (std::find(axes.begin(), axes.end(), a) == axes.end()) axes.push_back(a);
  std::vector<Row> rows;
  std::vector<std::string> failed, missing, extra;
  std::vector<long> rerun;  // point indices to run again (missing or failed)
  for (const auto& kv : merged) {
    rows.push_back(kv.second);
    if (cell(kv.second, "status") != "ok") rerun.push_back(std::strtol(cell(kv.second, "point").c_str(), nullptr, 10));
    if (cell(kv.second, "status") != "ok")
      failed.push_back(cell(kv.second, "point") + " (" + kv.first + ": " + cell(kv.second, "error") + ")");
    if (have_manifest && !manifest_ids.count(kv.first)) extra.push_back(kv.first);
  }
  if (have_manifest) {
    for (const auto& id : manifest_ids)
      if (!merged.count(id))
        missing.push_back(manifest_point[id] + " (" + id + (manifest_label[id].empty() ? "" : ": " + manifest_label[id]) +
                          ")");
  } else {
    // Without a manifest, a gap in the point numbers is the only sign of a missing point.
    std::set<long> seen;
    long top = -1;
    for (const auto& r : rows) {
      long i = std::strtol(cell(r, "point").c_str(), nullptr, 10);
      seen.insert(i);
      top = std::max(top, i);
    }
    for (long i = 0; i < top; ++i)
      if (!seen.count(i)) missing.push_back(std::to_string(i));
  }
  std::sort(missing.begin(), missing.end(), [](const std::string& a, const std::string& b) {
    return std::strtol(a.c_str(), nullptr, 10) < std::strtol(b.c_str(), nullptr, 10);
  });
  for (const auto& m : missing) rerun.push_back(std::strtol(m.c_str(), nullptr, 10));
  std::sort(rerun.begin(), rerun.end());
  rerun.erase(std::unique(rerun.begin(), rerun.end()), rerun.end());

  write_file_atomic(out, sweep::render_results(axes, rows, order));
  const sweep::Table shards = sweep::merge_shards(axes, rows);
  if (!shards.columns.empty()) {
    const std::string task_path = (fs::path(out).parent_path() / "task.csv").string();
    write_file_atomic(task_path, sweep::render_table(shards));
    std::cout << "wrote " << task_path << " (task figures merged over workload.dataset.shard)\n";
  }
  std::cout << "merged " << rows.size() << " points from " << files.size() << " files: "
            << rows.size() - failed.size() << " ok, " << failed.size() << " failed, " << missing.size()
            << " missing\n";
  auto list = [](const char* what, const std::vector<std::string>& items) {
    const size_t limit = 20;
    std::cout << what << " (" << items.size() << "):\n";
    for (size_t i = 0; i < std::min(limit, items.size()); ++i) std::cout << "  point " << items[i] << "\n";
    if (items.size() > limit) std::cout << "  ... and " << items.size() - limit << " more\n";
  };
  if (!failed.empty()) list("failed", failed);
  if (!missing.empty()) list("missing", missing);
  if (!rerun.empty() && !slurm_script.empty())
    std::cout << "re-run them: bash " << (fs::path(slurm_script).parent_path() / "submit.sh").string()
              << " --array=" << ranges(rerun) << "    (task logs in "
              << (fs::path(slurm_script).parent_path() / "logs").string() << "/)\n";
  else if (!rerun.empty() && !commands.empty())
    std::cout << "re-run them: parallel --jobs N --joblog "
              << (fs::path(commands).parent_path() / "logs" / "parallel.log").string() << " --resume-failed < "
              << commands << "\n";
  if (!extra.empty())
    std::cout << "note: " << extra.size() << " rows have ids not in points.csv (an older version of the sweep?)\n";
  std::cout << "wrote " << out << "\n";
  return failed.empty() && missing.empty() ? kExitOk : kExitFailure;
}

}  // namespace lpsim::cli
