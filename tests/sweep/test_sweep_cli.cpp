// lpsim sweep / sweep-merge end to end: spawn the built binary, check results.csv against direct `lpsim run`s
// and the output-stationary closed form, resume, failed points, --point, --emit and merging.
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>

#include "sweep/csv_table.h"

namespace fs = std::filesystem;
using lpsim::sweep::Row;

namespace {

struct Result {
  int code;
  std::string out, err;
};

std::string slurp(const fs::path& p) {
  std::ifstream is(p);
  std::stringstream ss;
  ss << is.rdbuf();
  return ss.str();
}

fs::path scratch(const std::string& name) {
  fs::path d = fs::temp_directory_path() / ("lpsim_sweep_cli_" + std::to_string(::getpid())) / name;
  fs::remove_all(d);
  fs::create_directories(d);
  return d;
}

Result run(const std::string& args, const fs::path& dir) {
  std::string out = (dir / "stdout.txt").string(), err = (dir / "stderr.txt").string();
  std::string cmd = "cd " + dir.string() + " && " + LPSIM_BIN + " " + args + " >" + out + " 2>" + err;
  int status = std::system(cmd.c_str());
  return Result{WIFEXITED(status) ? WEXITSTATUS(status) : -1, slurp(out), slurp(err)};
}

std::string data(const std::string& rel) { return std::string(LPSIM_TEST_DATA) + "/sweep/" + rel; }

// 2 formats x 2 square arrays on the 16x16x32 GEMM of tests/data/sweep.
std::string four_points(const fs::path& dir) {
  fs::path f = dir / "four.yaml";
  std::ofstream(f) << "base: " << data("base.yaml") << "\n"
                   << "axes:\n"
                   << "  format:\n"
                   << "    fp8: {accelerator.pe.activations: fp8_e4m3, accelerator.pe.weights: fp8_e4m3}\n"
                   << "    bf16: {accelerator.pe.activations: bf16, accelerator.pe.weights: bf16}\n"
                   << "  accelerator.array.rows,accelerator.array.cols: [8, 16]\n";
  return f.string();
}

std::map<std::string, Row> by_id(const fs::path& csv) {
  std::map<std::string, Row> m;
  for (const auto& r : lpsim::sweep::read_table(csv.string()).rows) m[r.at("id")] = r;
  return m;
}

// The TOTAL row of a direct `lpsim run`'s layers.csv.
Row direct_total(const std::string& args, const fs::path& dir) {
  Result r = run("run " + data("base.yaml") + " " + args + " --out direct --format none", dir);
  REQUIRE(r.code == 0);
  for (const auto& row : lpsim::sweep::read_table((dir / "direct" / "layers.csv").string()).rows)
    if (row.at("layer") == "TOTAL") return row;
  FAIL("no TOTAL row");
  return {};
}

fs::file_time_type mtime(const fs::path& p) { return fs::last_write_time(p); }

}  // namespace

TEST_CASE("sweep cli: four points end to end, values equal direct runs, then resume skips them",
          "[sweep][cli][e2e]") {
  fs::path d = scratch("four");
  std::string spec = four_points(d);
  Result r = run("sweep " + spec + " --out res --jobs 2", d);
  INFO(r.out << r.err);
  REQUIRE(r.code == 0);
  CHECK(r.err.find("4 points, 4 to run, 2 at a time") != std::string::npos);
  CHECK(r.out.find("4 points: 4 ok (0 from an earlier run), 0 failed") != std::string::npos);

  lpsim::sweep::Table t = lpsim::sweep::read_table((d / "res" / "results.csv").string());
  REQUIRE(t.rows.size() == 4);
  std::vector<std::string> head(t.columns.begin(), t.columns.begin() + 14);
  CHECK(head == std::vector<std::string>{"point", "id", "format", "accelerator.pe.activations",
                                         "accelerator.pe.weights", "accelerator.array.rows", "accelerator.array.cols",
                                         "sqnr_db", "accuracy_scope", "total_cycles", "stall_cycles", "time_us", "macs",
                                         "compute_util_pct"});
  CHECK(t.columns.back() == "error");
  // Output-stationary closed form (README, "How cycles are counted"): folds x (K + R + C - 2) - 1 with
  // M = N = 16, K = 32: 4 x 46 - 1 = 183 on 8x8, 1 x 62 - 1 = 61 on 16x16; 16 x 16 x 32 = 8192 MACs.
  const char* cycles[4] = {"183", "61", "183", "61"};
  for (size_t i = 0; i < 4; ++i) {
    const Row& row = t.rows[i];
    INFO(i);
    CHECK(row.at("point") == std::to_string(i));
    CHECK(row.at("status") == "ok");
    CHECK(row.at("error").empty());
    CHECK(row.at("total_cycles") == cycles[i]);
    CHECK(row.at("stall_cycles") == "0");
    CHECK(row.at("macs") == "8192");
    CHECK(fs::exists(d / "res" / "points" / row.at("id") / "report.json"));
    CHECK(fs::exists(d / "res" / "points" / row.at("id") / "row.csv"));
  }
  CHECK(t.rows[2].at("format") == "bf16");
  CHECK(t.rows[2].at("accelerator.array.cols") == "8");
  // Every figure equals a direct run with the same overrides (point 3: bf16 on 16x16).
  Row direct = direct_total("--set accelerator.pe.activations=bf16 --set accelerator.pe.weights=bf16 "
                            "--set accelerator.array.rows=16 --set accelerator.array.cols=16",
                            d);
  for (const auto& col : t.columns) {
    if (!direct.count(col)) continue;
    INFO(col);
    CHECK(t.rows[3].at(col) == direct.at(col));
  }
  CHECK(t.rows[0].at("sqnr_db") != t.rows[2].at("sqnr_db"));  // fp8 and bf16 differ
  CHECK(t.rows[0].at("sqnr_db") == t.rows[1].at("sqnr_db"));  // os: values independent of the array size

  // Resume: nothing runs again, no report is rewritten.
  std::map<std::string, fs::file_time_type> before;
  for (const auto& row : t.rows) before[row.at("id")] = mtime(d / "res" / "points" / row.at("id") / "report.json");
  r = run("sweep " + spec + " --out res", d);
  REQUIRE(r.code == 0);
  CHECK(r.err.find("4 points, 0 to run (4 already done in res)\n") != std::string::npos);
  CHECK(r.out.find("4 points: 4 ok (4 from an earlier run)") != std::string::npos);
  for (const auto& kv : before) CHECK(mtime(d / "res" / "points" / kv.first / "report.json") == kv.second);
  CHECK(by_id(d / "res" / "results.csv").size() == 4);

  // Lose point 1 (its row in results.csv and its row.csv): only point 1 runs again.
  std::string lost = t.rows[1].at("id");
  lpsim::sweep::Table kept = t;
  kept.rows.erase(kept.rows.begin() + 1);
  std::ofstream(d / "res" / "results.csv") << lpsim::sweep::render_table(kept);
  fs::remove(d / "res" / "points" / lost / "row.csv");
  r = run("sweep " + spec + " --out res", d);
  REQUIRE(r.code == 0);
  CHECK(r.err.find("4 points, 1 to run (3 already done in res), 1 at a time") != std::string::npos);
  for (const auto& kv : before) {
    INFO(kv.first);
    CHECK((mtime(d / "res" / "points" / kv.first / "report.json") == kv.second) == (kv.first != lost));
  }
  auto after = by_id(d / "res" / "results.csv");
  REQUIRE(after.size() == 4);
  CHECK(after.at(lost).at("total_cycles") == "61");

  // A damaged results.csv is bad input (nothing runs) until --force starts over.
  std::ofstream(d / "res" / "results.csv", std::ios::app) << "9,\"x\n";
  r = run("sweep " + spec + " --out res", d);
  CHECK(r.code == 2);
  CHECK(r.err.find("results.csv:6: unterminated quoted cell (delete it, or run with --force, to start over)") !=
        std::string::npos);
  r = run("sweep " + spec + " --out res --force --jobs 1", d);
  CHECK(r.code == 0);
  CHECK(r.err.find("4 points, 4 to run, 1 at a time") != std::string::npos);
}

TEST_CASE("sweep cli: a failing point is recorded and the sweep goes on (exit 1)", "[sweep][cli][e2e]") {
  fs::path d = scratch("failing");
  fs::path f = d / "fail.yaml";
  std::ofstream(f) << "base: " << data("base.yaml") << "\npoints:\n"
                   << "  - {label: good, accelerator.array.rows: 8}\n"
                   << "  - {label: bad, workload.trace: " << data("wrong_shape_trace.yaml") << "}\n"
                   << "  - {label: good16, accelerator.array.rows: 16}\n";
  Result r = run("sweep " + f.string() + " --out res --jobs 2", d);
  INFO(r.out << r.err);
  CHECK(r.code == 1);
  CHECK(r.err.find("point 1 (bad) failed: ") != std::string::npos);
  lpsim::sweep::Table t = lpsim::sweep::read_table((d / "res" / "results.csv").string());
  REQUIRE(t.rows.size() == 3);
  CHECK(t.columns[2] == "label");
  CHECK(t.rows[0].at("status") == "ok");
  CHECK(t.rows[1].at("status") == "failed");
  CHECK(t.rows[1].at("error").find("a4x4.npy has shape (4, 4), expected (4, 8)") != std::string::npos);
  CHECK(t.rows[1].at("total_cycles").empty());
  CHECK(t.rows[2].at("status") == "ok");
  // rows=16 with the base's 8 columns: 1 x 2 folds of 32 + 16 + 8 - 2 = 54 cycles each, minus 1 (README closed form).
  CHECK(t.rows[2].at("total_cycles") == "107");
}

TEST_CASE("sweep cli: --dry-run, --point, --emit slurm|parallel and sweep-merge", "[sweep][cli][e2e]") {
  fs::path d = scratch("emit");
  std::string spec = four_points(d);

  Result r = run("sweep " + spec + " --dry-run --out res", d);
  REQUIRE(r.code == 0);
  CHECK(r.out.find("4 points (product), all configs valid; point 0 runs:") != std::string::npos);
  CHECK(r.out.find("--set accelerator.pe.activations=fp8_e4m3") != std::string::npos);
  CHECK_FALSE(fs::exists(d / "res"));

  r = run("sweep " + spec + " --emit slurm --out res", d);
  INFO(r.out << r.err);
  REQUIRE(r.code == 0);
  std::string slurm = slurp(d / "res" / "sweep.slurm");
  CHECK(slurm.find("#SBATCH --array=0-3\n") != std::string::npos);
  const Result emitted = r;
  // Documented defaults, and the folders Slurm opens the task logs in exist before anything is submitted.
  CHECK(slurm.find("#SBATCH --time=01:00:00\n#SBATCH --mem=4G\n") != std::string::npos);
  CHECK(slurm.find("#SBATCH --cpus-per-task=1\n") != std::string::npos);
  CHECK(slurm.find("#SBATCH --output=" + (d / "res").string() + "/logs/slurm-%A_%a.out\n") != std::string::npos);
  CHECK(slurm.find("--partition") == std::string::npos);
  CHECK(fs::is_directory(d / "res" / "logs"));
  CHECK(fs::is_directory(d / "res" / "points"));
  CHECK(slurp(d / "res" / "submit.sh").find("mkdir -p " + (d / "res").string() + "/logs ") != std::string::npos);

  // Merging before any task ran lists every point as missing (exit 1), with the command that submits them.
  r = run("sweep-merge res", d);
  CHECK(r.code == 1);
  CHECK(r.out.find("merged 0 points from 0 files: 0 ok, 0 failed, 4 missing") != std::string::npos);
  CHECK(r.out.find("re-run them: bash res/submit.sh --array=0-3") != std::string::npos);
  fs::remove(d / "res" / "results.csv");

  r = run("sweep " + spec + " --emit slurm --out res2 --slurm-time 2-00:00:00 --slurm-mem 16G --slurm-cpus 4 "
          "--slurm-partition gpu --slurm-account proj_1", d);
  REQUIRE(r.code == 0);
  slurm = slurp(d / "res2" / "sweep.slurm");
  for (const char* line : {"#SBATCH --time=2-00:00:00\n", "#SBATCH --mem=16G\n", "#SBATCH --cpus-per-task=4\n",
                           "#SBATCH --partition=gpu\n", "#SBATCH --account=proj_1\n"})
    CHECK(slurm.find(line) != std::string::npos);
  for (const auto& [opt, msg] : std::vector<std::pair<std::string, std::string>>{
           {"--slurm-time 1h", "--slurm-time: expected a Slurm time limit"},
           {"--slurm-mem 4GB", "--slurm-mem: expected a Slurm memory size"},
           {"--slurm-cpus 0", "--slurm-cpus: expected 1..1024, got 0"},
           {"--slurm-partition 'a b'", "--slurm-partition: expected a partition name"}}) {
    r = run("sweep " + spec + " --emit slurm --out res3 " + opt, d);
    INFO(opt);
    CHECK(r.code == 2);
    CHECK(r.err.find(msg) != std::string::npos);
    CHECK_FALSE(fs::exists(d / "res3"));
  }
  r = run("sweep " + spec + " --emit parallel --out res3 --slurm-mem 4G", d);
  CHECK(r.code == 2);
  CHECK(r.err.find("--slurm-mem: applies to --emit slurm only") != std::string::npos);
  CHECK(slurm.find(" sweep " + fs::absolute(spec).string() + " --point \"$SLURM_ARRAY_TASK_ID\" --out " +
                   (d / "res").string()) != std::string::npos);
  CHECK(emitted.out.find("submit:     bash ") != std::string::npos);
  CHECK(emitted.out.find("then merge: ") != std::string::npos);
  CHECK(lpsim::sweep::read_table((d / "res" / "points.csv").string()).rows.size() == 4);

  r = run("sweep " + spec + " --emit parallel --out res", d);
  REQUIRE(r.code == 0);
  std::stringstream cmds(slurp(d / "res" / "commands.txt"));
  std::vector<std::string> lines;
  for (std::string l; std::getline(cmds, l);) lines.push_back(l);
  REQUIRE(lines.size() == 4);
  for (size_t i = 0; i < 4; ++i) CHECK(lines[i].find(" --point " + std::to_string(i) + " --out ") != std::string::npos);
  CHECK(r.out.find("parallel --jobs N --joblog ") != std::string::npos);

  // Run the command lines the way GNU parallel would (one shell each), except point 2.
  for (size_t i = 0; i < 4; ++i) {
    if (i == 2) continue;
    std::string cmd = "cd " + d.string() + " && " + lines[i] + " >/dev/null 2>&1";
    CHECK(std::system(cmd.c_str()) == 0);
  }
  r = run("sweep " + spec + " --point 1 --out res", d);
  CHECK(r.code == 0);
  CHECK(r.out.find("already done") != std::string::npos);
  r = run("sweep " + spec + " --point 4 --out res", d);
  CHECK(r.code == 2);
  CHECK(r.err.find("--point: expected 0 to 3") != std::string::npos);

  r = run("sweep-merge res", d);
  CHECK(r.code == 1);
  CHECK(r.out.find("merged 3 points from 3 files: 3 ok, 0 failed, 1 missing") != std::string::npos);
  CHECK(r.out.find("missing (1):\n  point 2 (0002-") != std::string::npos);
  CHECK(r.out.find("format=bf16 rows=8)\n") != std::string::npos);  // the axes that tell points apart
  CHECK(r.out.find("re-run them: bash res/submit.sh --array=2 ") != std::string::npos);  // both emitters ran here
  REQUIRE(lpsim::sweep::read_table((d / "res" / "results.csv").string()).rows.size() == 3);

  r = run("sweep " + spec + " --point 2 --out res", d);
  CHECK(r.code == 0);
  r = run("sweep-merge res", d);
  CHECK(r.code == 0);
  CHECK(r.out.find("merged 4 points from 5 files: 4 ok, 0 failed, 0 missing") != std::string::npos);

  // The merged table equals a sweep run in one go.
  fs::path whole = scratch("emit_whole");
  std::string spec2 = four_points(whole);
  REQUIRE(run("sweep " + spec2 + " --out res", whole).code == 0);
  auto merged = by_id(d / "res" / "results.csv"), direct = by_id(whole / "res" / "results.csv");
  REQUIRE(merged.size() == 4);
  for (const auto& kv : direct) {
    INFO(kv.first);
    REQUIRE(merged.count(kv.first));
    for (const char* col : {"sqnr_db", "total_cycles", "dram_read_bytes", "format"})
      CHECK(merged.at(kv.first).at(col) == kv.second.at(col));
  }

  // Two result files into one; --out is needed then.
  r = run("sweep-merge res/results.csv " + (whole / "res" / "results.csv").string(), d);
  CHECK(r.code == 2);
  CHECK(r.err.find("--out is required") != std::string::npos);
  r = run("sweep-merge res/results.csv " + (whole / "res" / "results.csv").string() + " --out both.csv", d);
  CHECK(r.code == 0);
  CHECK(lpsim::sweep::read_table((d / "both.csv").string()).rows.size() == 4);
  r = run("sweep-merge " + data("base.yaml") + " --out x.csv", d);
  CHECK(r.code == 2);
  CHECK_FALSE(fs::exists(d / "x.csv"));
}

TEST_CASE("sweep cli: --help of the three commands, bad options", "[sweep][cli]") {
  fs::path d = scratch("help");
  for (const char* c : {"sweep", "sweep-merge", "report"}) {
    Result r = run(std::string(c) + " --help", d);
    INFO(c);
    CHECK(r.code == 0);
    CHECK(r.out.find("examples:") != std::string::npos);
  }
  Result r = run("sweep " + data("base.yaml") + " --emit pbs", d);
  CHECK(r.code == 2);
  CHECK(r.err.find("--emit: expected slurm or parallel, got \"pbs\"") != std::string::npos);
  r = run("sweep x.yaml --dry-run --point 1", d);
  CHECK(r.code == 2);
  r = run("report nothing.csv", d);
  CHECK(r.code == 2);
  CHECK(r.err.find("nothing.csv: no such file") != std::string::npos);
}
