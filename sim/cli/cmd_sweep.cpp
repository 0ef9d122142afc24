// lpsim sweep: expand a sweep file into points, run each as its own `lpsim run` process (N at a time), and
// collect the TOTAL row of every point into results.csv; or emit a Slurm array / GNU parallel command list.
#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <map>
#include <regex>
#include <sstream>
#include <thread>

#include "cli/options.h"
#include "sweep/results.h"
#include "sweep/runner.h"
#include "sweep/spec.h"
#include "util/error.h"
#include "util/output_files.h"
#include "util/progress.h"

namespace fs = std::filesystem;

namespace lpsim::cli {

namespace {

using sweep::Row;

// Single-quoted for sh unless the text is plainly safe.
std::string sh_quote(const std::string& s) {
  bool safe = !s.empty() && s.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
                                                "_-./:=,+@%") == std::string::npos;
  if (safe) return s;
  std::string o = "'";
  for (char c : s) o += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return o + "'";
}

std::string cell(const Row& r, const std::string& key) {
  auto it = r.find(key);
  return it == r.end() ? std::string() : it->second;
}

// An aligned text table (first two columns left-aligned, numbers right-aligned).
std::string aligned(const std::vector<std::vector<std::string>>& lines) {
  std::vector<size_t> w;
  for (const auto& l : lines)
    for (size_t i = 0; i < l.size(); ++i) {
      if (w.size() <= i) w.push_back(0);
      w[i] = std::max(w[i], l[i].size());
    }
  std::ostringstream os;
  for (const auto& l : lines) {
    for (size_t i = 0; i < l.size(); ++i) {
      bool last = i + 1 == l.size();
      if (i < 2 || last)
        os << std::left << std::setw(last ? 0 : static_cast<int>(w[i])) << l[i];
      else
        os << std::right << std::setw(static_cast<int>(w[i])) << l[i];
      os << (last ? "\n" : "  ");
    }
  }
  return os.str();
}

// point, label, the key figures and the status of every row, for the terminal.
std::string summary_table(const sweep::Spec& s, const std::map<std::string, Row>& rows) {
  std::vector<std::string> keys = {"sqnr_db", "total_cycles", "time_us"};
  for (const char* k : {"energy_per_mac_pj", "area_mm2", "power_mw"})
    for (const auto& kv : rows)
      if (!cell(kv.second, k).empty()) {
        keys.push_back(k);
        break;
      }
  std::vector<std::vector<std::string>> lines;
  std::vector<std::string> head = {"point", "label"};
  head.insert(head.end(), keys.begin(), keys.end());
  head.push_back("status");
  lines.push_back(head);
  for (const auto& p : s.points) {
    auto it = rows.find(p.id);
    if (it == rows.end()) continue;
    std::vector<std::string> l = {std::to_string(p.index), p.label};
    for (const auto& k : keys) {
      std::string v = cell(it->second, k);
      // Two decimals are enough to read a trade-off; results.csv keeps every digit.
      if (!v.empty() && v.find_first_not_of("-0123456789") != std::string::npos) {
        std::ostringstream os;
        os << std::fixed << std::setprecision(2) << std::strtod(v.c_str(), nullptr);
        v = os.str();
      }
      l.push_back(v);
    }
    std::string st = cell(it->second, "status");
    if (st != "ok") st += ": " + cell(it->second, "error");
    else if (!cell(it->second, sweep::kWarningsColumn).empty()) st += " (warning)";
    l.push_back(st);
    lines.push_back(l);
  }
  return aligned(lines);
}

std::string manifest(const sweep::Spec& s) {
  sweep::Table t;
  t.columns = {"point", "id"};
  t.columns.insert(t.columns.end(), s.axis_columns.begin(), s.axis_columns.end());
  for (const auto& p : s.points) t.rows.push_back(sweep::base_row(p));
  return sweep::render_table(t);
}

// Slurm resources of every array task (--slurm-*), checked before anything is written.
struct SlurmOptions {
  std::string time = "01:00:00";  // --time: wall-time limit per point
  std::string mem = "4G";         // --mem: memory per point
  unsigned cpus = 1;              // --cpus-per-task
  std::string partition, account;
};

// Slurm's time formats (sbatch(1), --time): M, M:S, H:M:S, D-H, D-H:M, D-H:M:S.
bool valid_slurm_time(const std::string& t) {
  static const std::regex re("^([0-9]+-[0-9]+(:[0-9]+){0,2}|[0-9]+(:[0-9]+){0,2})$");
  return std::regex_match(t, re);
}

// Slurm's --mem: a positive integer with an optional K, M, G or T suffix (default unit MB).
bool valid_slurm_mem(const std::string& m) {
  static const std::regex re("^[1-9][0-9]*[KMGTkmgt]?$");
  return std::regex_match(m, re);
}

SlurmOptions slurm_options(const po::variables_map& vm, bool emitting_slurm) {
  SlurmOptions o;
  for (const char* k : {"slurm-time", "slurm-mem", "slurm-cpus", "slurm-partition", "slurm-account"})
    if (vm.count(k) && !emitting_slurm) bad_option(std::string("--") + k, "applies to --emit slurm only");
  if (vm.count("slurm-time")) o.time = vm["slurm-time"].as<std::string>();
  if (vm.count("slurm-mem")) o.mem = vm["slurm-mem"].as<std::string>();
  if (vm.count("slurm-cpus")) o.cpus = vm["slurm-cpus"].as<unsigned>();
  if (vm.count("slurm-partition")) o.partition = vm["slurm-partition"].as<std::string>();
  if (vm.count("slurm-account")) o.account = vm["slurm-account"].as<std::string>();
  if (!valid_slurm_time(o.time))
    bad_option("--slurm-time", "expected a Slurm time limit (minutes, H:MM:SS or D-HH:MM:SS), got \"" + o.time + "\"");
  if (!valid_slurm_mem(o.mem))
    bad_option("--slurm-mem", "expected a Slurm memory size (e.g. 4G, 500M, 2000), got \"" + o.mem + "\"");
  if (o.cpus < 1 || o.cpus > 1024) bad_option("--slurm-cpus", "expected 1..1024, got " + std::to_string(o.cpus));
  static const std::regex name("^[A-Za-z0-9_.,-]+$");
  if (vm.count("slurm-partition") && !std::regex_match(o.partition, name))
    bad_option("--slurm-partition", "expected a partition name (letters, digits, _ . , -), got \"" + o.partition + "\"");
  if (vm.count("slurm-account") && !std::regex_match(o.account, name))
    bad_option("--slurm-account", "expected an account name (letters, digits, _ . , -), got \"" + o.account + "\"");
  return o;
}

// The folders the cluster tasks write into (task logs, per-point results) exist before any task starts:
// Slurm opens --output before the job script runs and fails the launch if its folder is missing.
void make_task_dirs(const std::string& out_dir) {
  for (const char* sub : {"points", "logs"}) {
    std::error_code ec;
    fs::create_directories(fs::path(out_dir) / sub, ec);
    if (ec) throw std::runtime_error("cannot create " + (fs::path(out_dir) / sub).string() + ": " + ec.message());
  }
}

int emit(const sweep::Spec& s, const std::string& what, const std::string& out_dir, const SlurmOptions& so) {
  std::string exe = sweep::self_exe();
  std::string file = fs::absolute(s.file).lexically_normal().string();
  std::string out = fs::absolute(out_dir).lexically_normal().string();
  size_t n = s.points.size();
  OutputFiles files(out_dir);
  files.add("points.csv", manifest(s));
  std::ostringstream os;
  if (what == "slurm") {
    os << "#!/bin/bash\n"
       << "# Slurm job array for the lpsim sweep " << file << ": one task per point (" << n << " points).\n"
       << "# Generated by `lpsim sweep --emit slurm`. Submit with `bash " << out << "/submit.sh` (creates the log\n"
       << "# and result folders, then sbatch), and merge with `lpsim sweep-merge " << out << "`.\n"
       << "# Task logs: " << out << "/logs/slurm-<job>_<task>.out; each point's own messages: " << out
       << "/points/<id>/stderr.txt.\n"
       << "# Arrays larger than the cluster's MaxArraySize must be split (sbatch --array=0-999 ..., 1000-...).\n"
       << "#SBATCH --job-name=" << sh_quote("lpsim-" + s.name) << "\n"
       << "#SBATCH --array=0-" << n - 1 << "\n"
       << "#SBATCH --ntasks=1\n"
       << "#SBATCH --cpus-per-task=" << so.cpus << "\n"
       << "#SBATCH --time=" << so.time << "\n"
       << "#SBATCH --mem=" << so.mem << "\n";
    if (!so.partition.empty()) os << "#SBATCH --partition=" << so.partition << "\n";
    if (!so.account.empty()) os << "#SBATCH --account=" << so.account << "\n";
    os << "#SBATCH --output=" << out << "/logs/slurm-%A_%a.out\n"
       << "set -euo pipefail\n"
       << "mkdir -p " << sh_quote(out + "/points") << "\n"
       << "exec " << sh_quote(exe) << " sweep " << sh_quote(file) << " --point \"$SLURM_ARRAY_TASK_ID\" --out "
       << sh_quote(out) << "\n";
    files.add("sweep.slurm", os.str());
    std::ostringstream sub;
    sub << "#!/bin/sh\n"
        << "# Submits " << out << "/sweep.slurm after creating the folders its tasks write into (Slurm fails a\n"
        << "# task's launch when the folder of its --output log is missing). Extra arguments go to sbatch,\n"
        << "# e.g. --array=3,7 to re-run two points.\n"
        << "set -eu\n"
        << "mkdir -p " << sh_quote(out + "/logs") << " " << sh_quote(out + "/points") << "\n"
        << "exec sbatch \"$@\" " << sh_quote(out + "/sweep.slurm") << "\n";
    files.add("submit.sh", sub.str());
    files.commit();
    make_task_dirs(out_dir);
    std::cout << "wrote " << out_dir << "/sweep.slurm (a job array of " << n << " tasks, --array=0-" << n - 1
              << "; per task: --time=" << so.time << " --mem=" << so.mem << " --cpus-per-task=" << so.cpus
              << (so.partition.empty() ? std::string() : " --partition=" + so.partition)
              << (so.account.empty() ? std::string() : " --account=" + so.account) << "), " << out_dir
              << "/submit.sh and " << out_dir << "/points.csv\n"
              << "submit:     bash " << sh_quote(out + "/submit.sh") << "    (or: sbatch "
              << sh_quote(out + "/sweep.slurm") << ")\n"
              << "task logs:  " << out << "/logs/slurm-<job>_<task>.out\n"
              << "then merge: " << sh_quote(exe) << " sweep-merge " << sh_quote(out) << "\n";
  } else {
    for (const auto& p : s.points)
      os << sh_quote(exe) << " sweep " << sh_quote(file) << " --point " << p.index << " --out " << sh_quote(out)
         << "\n";
    files.add("commands.txt", os.str());
    files.commit();
    make_task_dirs(out_dir);
    std::cout << "wrote " << out_dir << "/commands.txt (" << n << " commands, one per point) and " << out_dir
              << "/points.csv\n"
              << "run:        parallel --jobs N --joblog " << sh_quote(out + "/logs/parallel.log") << " < "
              << sh_quote(out + "/commands.txt") << "\n"
              << "            (again with --resume to run only what did not finish; on several hosts add "
                 "--sshloginfile HOSTS)\n"
              << "then merge: " << sh_quote(exe) << " sweep-merge " << sh_quote(out) << "\n";
  }
  return kExitOk;
}

int run_one(const sweep::Spec& s, size_t index, const std::string& out_dir, bool force) {
  const sweep::Point& p = s.points.at(index);
  std::string row_path = (fs::path(sweep::point_dir(out_dir, p)) / "row.csv").string();
  if (!force) {
    auto done = sweep::read_point_row(out_dir, p);
    if (done && cell(*done, "status") == "ok") {
      std::cout << "point " << p.index << " (" << p.id << ", " << p.label << "): already done, " << row_path
                << " (--force runs it again)\n";
      return kExitOk;
    }
  }
  std::vector<std::string> order;
  Row result;
  sweep::run_points(s, {index}, sweep::RunOptions{sweep::self_exe(), out_dir, 1}, order,
                    [&](const sweep::Point&, const Row& r) { result = r; });
  bool ok = cell(result, "status") == "ok";
  std::cout << "point " << p.index << " (" << p.id << ", " << p.label << "): "
            << (ok ? std::string("ok") : "failed: " + cell(result, "error")) << "\nwrote " << row_path << "\n";
  return ok ? kExitOk : kExitFailure;
}

const char* kExamples =
    "  lpsim sweep configs/sweeps/format_by_array.yaml\n"
    "      12 points (4 formats x 3 array sizes) on all cores; results in out/format_by_array/results.csv\n"
    "  lpsim sweep configs/sweeps/format_by_array.yaml --dry-run\n"
    "      list the points, their ids and the `lpsim run` command of each; run nothing\n"
    "  lpsim sweep my_sweep.yaml --out runs/a --jobs 4\n"
    "      run again later with the same --out: finished points are skipped, failed ones re-run\n"
    "  lpsim sweep my_sweep.yaml --emit slurm --out /scratch/a --slurm-time 2:00:00 --slurm-mem 8G\n"
    "  bash /scratch/a/submit.sh && lpsim sweep-merge /scratch/a\n"
    "      one Slurm array task per point (each runs `lpsim sweep my_sweep.yaml --point I`), logs in\n"
    "      /scratch/a/logs/; sweep-merge lists the points still missing or failed\n"
    "  lpsim sweep my_sweep.yaml --emit parallel --out runs/b && parallel --jobs 8 < runs/b/commands.txt\n"
    "      the same with GNU parallel; lpsim sweep-merge runs/b\n"
    "  lpsim report out/format_by_array/results.csv --out out/format_by_array/report\n"
    "      trade-off plots and an HTML page from the results\n";

}  // namespace

int cmd_sweep(const Args& args) {
  po::options_description opts("options");
  opts.add_options()("sweep", po::value<std::string>()->required(), "sweep file (YAML)")(
      "out,o", po::value<std::string>(), "results directory (default: out: of the sweep file, else out/<name>)")(
      "jobs,j", po::value<unsigned>(), "points run at a time (default: all cores)")(
      "dry-run", "list the points and the command each would run; run nothing, write nothing")(
      "point", po::value<size_t>(), "run only point I (0-based) and write OUT/points/<id>/row.csv (cluster tasks)")(
      "emit", po::value<std::string>(),
      "slurm: write OUT/sweep.slurm (a job array, one task per point); parallel: write OUT/commands.txt")(
      "force", "run points again even if they already have an ok result")(
      "slurm-time", po::value<std::string>(), "--emit slurm: wall-time limit per point (sbatch --time; default 01:00:00)")(
      "slurm-mem", po::value<std::string>(), "--emit slurm: memory per point (sbatch --mem; default 4G)")(
      "slurm-cpus", po::value<unsigned>(), "--emit slurm: CPUs per point (sbatch --cpus-per-task; default 1)")(
      "slurm-partition", po::value<std::string>(), "--emit slurm: partition to run in (sbatch --partition)")(
      "slurm-account", po::value<std::string>(), "--emit slurm: account to charge (sbatch --account)");
  po::positional_options_description pos;
  pos.add("sweep", 1);
  po::variables_map vm;
  CommandHelp help{
      "lpsim sweep SWEEP.yaml [--out DIR] [--jobs N] [--dry-run] [--point I] [--emit slurm|parallel] [--force]\n"
      "            [--slurm-time T] [--slurm-mem M] [--slurm-cpus N] [--slurm-partition P] [--slurm-account A]",
      "Runs every point of a design-space sweep: the base config with each point's --set overrides, as its own\n"
      "`lpsim run` process (SystemC elaborates once per process), N at a time, with a progress bar on stderr.\n"
      "Writes OUT/results.csv (one row per point: id, axis values, the TOTAL-row figures, status, error) and\n"
      "OUT/points/<id>/ (report.json, layers.csv, report.txt, row.csv, stderr.txt). Every point's config is\n"
      "checked before anything runs; a failed point does not stop the sweep. Re-running skips points with an ok\n"
      "row. Exit code 0 all ok, 1 some point failed, 2 bad input. Sweep file format: README, 'Design-space\n"
      "sweeps'.\n"
      "On a cluster: --emit slurm writes OUT/sweep.slurm (a job array, one task per point, with --time, --mem\n"
      "and --cpus-per-task from --slurm-time/--slurm-mem/--slurm-cpus, defaults 01:00:00, 4G and 1) and\n"
      "OUT/submit.sh (creates OUT/logs and OUT/points, then sbatch); --emit parallel writes OUT/commands.txt\n"
      "for GNU parallel. Each task runs one point (--point I); `lpsim sweep-merge OUT` collects the rows.",
      kExamples};
  if (!parse_command_line("sweep", args, opts, pos, vm, help)) return kExitOk;

  int modes = static_cast<int>(vm.count("dry-run") + vm.count("point") + vm.count("emit"));
  if (modes > 1) throw InputError("lpsim sweep: --dry-run, --point and --emit exclude each other");
  std::string emit_kind = vm.count("emit") ? vm["emit"].as<std::string>() : std::string();
  if (vm.count("emit") && emit_kind != "slurm" && emit_kind != "parallel")
    throw InputError("--emit: expected slurm or parallel, got \"" + emit_kind + "\"" +
                     did_you_mean(emit_kind, {"slurm", "parallel"}));
  unsigned jobs = vm.count("jobs") ? vm["jobs"].as<unsigned>() : std::max(1u, std::thread::hardware_concurrency());
  if (jobs == 0) throw InputError("--jobs: expected at least 1");

  SlurmOptions slurm = slurm_options(vm, emit_kind == "slurm");
  sweep::Spec s = sweep::read_spec(vm["sweep"].as<std::string>());
  std::string out_dir = vm.count("out") ? vm["out"].as<std::string>()
                        : !s.out.empty() ? s.out
                                         : (fs::path("out") / fs::path(s.file).stem()).string();
  bool force = vm.count("force") > 0;

  if (vm.count("point")) {
    size_t i = vm["point"].as<size_t>();
    if (i >= s.points.size())
      throw InputError("--point: expected 0 to " + std::to_string(s.points.size() - 1) + " (" + s.file + " has " +
                       std::to_string(s.points.size()) + " points), got " + std::to_string(i));
    sweep::validate(s, {i});
    return run_one(s, i, out_dir, force);
  }

  sweep::validate(s);
  if (vm.count("emit")) return emit(s, emit_kind, out_dir, slurm);
  if (vm.count("dry-run")) {
    std::vector<std::vector<std::string>> lines = {{"point", "id", "label"}};
    for (const auto& p : s.points) lines.push_back({std::to_string(p.index), p.id, p.label});
    std::cout << aligned(lines) << "\n"
              << s.points.size() << " points (" << s.mode << "), all configs valid; point 0 runs:\n  lpsim";
    for (const auto& a : sweep::run_args(s, s.points.front(), sweep::point_dir(out_dir, s.points.front())))
      std::cout << " " << sh_quote(a);
    std::cout << "\nresults would go to " << out_dir << "/results.csv\n";
    return kExitOk;
  }

  // Resume: keep ok rows of this sweep's points (from results.csv, or a point's row.csv, e.g. from a cluster
  // task); everything else runs.
  std::string results_path = (fs::path(out_dir) / "results.csv").string();
  std::map<std::string, Row> rows;  // id -> row
  std::vector<std::string> order;
  size_t dropped = 0;
  std::error_code ec;
  if (fs::exists(results_path, ec) && !force) {
    sweep::Table old;
    try {
      old = sweep::read_table(results_path);
    } catch (const InputError& e) {
      throw InputError(std::string(e.what()) + " (delete it, or run with --force, to start over)");
    }
    order = old.columns;
    std::map<std::string, bool> wanted;
    for (const auto& p : s.points) wanted[p.id] = true;
    for (const auto& r : old.rows) {
      std::string id = cell(r, "id");
      if (!wanted.count(id)) ++dropped;
      else if (cell(r, "status") == "ok") rows[id] = r;
    }
  }
  std::vector<size_t> todo;
  for (const auto& p : s.points) {
    if (!force && !rows.count(p.id)) {
      auto r = sweep::read_point_row(out_dir, p);
      if (r && cell(*r, "status") == "ok") rows[p.id] = *r;
    }
    if (force || !rows.count(p.id)) todo.push_back(p.index);
  }
  size_t skipped = s.points.size() - todo.size();
  std::cerr << "sweep " << s.name << ": " << s.points.size() << " points, " << todo.size() << " to run"
            << (skipped ? " (" + std::to_string(skipped) + " already done in " + out_dir + ")" : std::string())
            << (todo.empty() ? std::string() : ", " + std::to_string(std::min<size_t>(jobs, todo.size())) + " at a time")
            << "\n";
  if (dropped)
    std::cerr << "note: " << dropped << " rows of " << results_path
              << " belong to points no longer in the sweep and are dropped (their reports stay in "
              << out_dir << "/points/)\n";

  OutputFiles start(out_dir);
  start.add("points.csv", manifest(s));
  start.commit();
  auto write_results = [&] {
    std::vector<Row> all;
    for (const auto& kv : rows) all.push_back(kv.second);
    write_file_atomic(results_path, sweep::render_results(s.axis_columns, all, order));
  };
  using Clock = std::chrono::steady_clock;
  auto t0 = Clock::now(), last_write = t0;
  ProgressBar bar("sweep " + s.name);
  size_t done = 0;
  sweep::run_points(s, todo, sweep::RunOptions{sweep::self_exe(), out_dir, jobs}, order,
                    [&](const sweep::Point& p, const Row& r) {
                      rows[p.id] = r;
                      ++done;
                      if (cell(r, "status") != "ok") {
                        bar.finish();
                        std::cerr << "point " << p.index << " (" << p.label << ") failed: " << cell(r, "error")
                                  << "\n";
                      }
                      // Rewrite results.csv at most once a second (each point's row.csv is written at once,
                      // so an interrupted sweep loses nothing).
                      if (Clock::now() - last_write > std::chrono::seconds(1)) {
                        write_results();
                        last_write = Clock::now();
                      }
                      bar.update(done, todo.size());
                    });
  bar.finish();
  write_results();
  std::string task_note;
  {
    std::vector<Row> all;
    for (const auto& kv : rows) all.push_back(kv.second);
    const sweep::Table shards = sweep::merge_shards(s.axis_columns, all);
    if (!shards.columns.empty()) {
      const std::string task_path = (fs::path(out_dir) / "task.csv").string();
      write_file_atomic(task_path, sweep::render_table(shards));
      task_note = "wrote " + task_path + " (task figures merged over workload.dataset.shard)\n";
    }
  }
  double wall = std::chrono::duration<double>(Clock::now() - t0).count();
  size_t failed = 0;
  for (const auto& kv : rows) failed += cell(kv.second, "status") == "ok" ? 0 : 1;
  std::cout << summary_table(s, rows) << "\n"
            << s.points.size() << " points: " << s.points.size() - failed << " ok (" << skipped
            << " from an earlier run), " << failed << " failed; " << todo.size() << " run in " << std::fixed
            << std::setprecision(1) << wall << " s with " << jobs << " jobs\n"
            << "wrote " << results_path << "\n" << task_note;
  if (failed) std::cout << "failed points keep their message in the error column and in points/<id>/stderr.txt\n";
  size_t warned = 0;
  for (const auto& kv : rows) warned += cell(kv.second, sweep::kWarningsColumn).empty() ? 0 : 1;
  if (warned)
    std::cout << warned << " point" << (warned == 1 ? "" : "s") << " ran with a warning (e.g. wrapped INT32 "
              << "accumulators): see the warnings column of results.csv\n";
  return failed ? kExitFailure : kExitOk;
}

}  // namespace lpsim::cli
