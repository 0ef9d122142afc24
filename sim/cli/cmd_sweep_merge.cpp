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

std::string list_some(const std::vector<std::string>& items, size_t limit = 20) {
  std::vector<std::string> head(items.begin(), items.begin() + std::min(limit, items.size()));
  std::string s = join(head);
  if (items.size() > limit) s += ", ... (" + std::to_string(items.size() - limit) + " more)";
  return s;
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
  bool have_manifest = false;
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
        for (const auto& r : sweep::read_table(manifest.string()).rows) {
          manifest_ids.insert(cell(r, "id"));
          manifest_point[cell(r, "id")] = cell(r, "point");
        }
      }
      if (tables.size() == before)
        throw InputError(in + ": no results.csv and no points/*/row.csv in this directory (is it the --out of a "
                              "sweep?)");
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

  std::vector<Row> rows;
  std::vector<std::string> failed, missing, extra;
  for (const auto& kv : merged) {
    rows.push_back(kv.second);
    if (cell(kv.second, "status") != "ok")
      failed.push_back(cell(kv.second, "point") + " (" + kv.first + ": " + cell(kv.second, "error") + ")");
    if (have_manifest && !manifest_ids.count(kv.first)) extra.push_back(kv.first);
  }
  if (have_manifest) {
    for (const auto& id : manifest_ids)
      if (!merged.count(id)) missing.push_back(manifest_point[id] + " (" + id + ")");
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

  write_file_atomic(out, sweep::render_results(axes, rows, order));
  std::cout << "merged " << rows.size() << " points from " << files.size() << " files: "
            << rows.size() - failed.size() << " ok, " << failed.size() << " failed, " << missing.size()
            << " missing\n";
  if (!failed.empty()) std::cout << "failed:  " << list_some(failed, 10) << "\n";
  if (!missing.empty()) std::cout << "missing: points " << list_some(missing) << "\n";
  if (!extra.empty())
    std::cout << "note: " << extra.size() << " rows have ids not in points.csv (an older version of the sweep?)\n";
  std::cout << "wrote " << out << "\n";
  return failed.empty() && missing.empty() ? kExitOk : kExitFailure;
}

}  // namespace lpsim::cli
