// lpsim report: trade-off plots and an HTML page from a sweep's results.csv, drawn by scripts/lpsim-report.py
// (matplotlib) run with /usr/bin/python3 (the python3 that Debian's python3-matplotlib belongs to).
#include <spawn.h>
#include <sys/wait.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <iostream>

#include "cli/options.h"
#include "util/error.h"

// The source tree's scripts/ folder, compiled in by sim/CMakeLists.txt; LPSIM_SCRIPTS_DIR in the environment
// overrides it (an installed or relocated lpsim).
#ifndef LPSIM_SCRIPTS_DIR
#define LPSIM_SCRIPTS_DIR ""
#endif

extern char** environ;

namespace fs = std::filesystem;

namespace lpsim::cli {

int cmd_report(const Args& args) {
  po::options_description opts("options");
  opts.add_options()("results", po::value<std::string>()->required(), "results.csv of lpsim sweep (or sweep-merge)")(
      "out,o", po::value<std::string>(), "output directory for the PNGs and index.html (default: next to RESULTS, report/)")(
      "x", po::value<std::string>(), "an extra plot: column on the x axis (needs --y), e.g. dram_read_bytes")(
      "y", po::value<std::string>(), "an extra plot: column on the y axis, e.g. sqnr_db")(
      "title", po::value<std::string>(), "page title (default: the results file's folder name)")(
      "group-by", po::value<std::string>(),
      "one Pareto front per value of this column (default: the workload, when the sweep varies it)")(
      "filter", po::value<std::vector<std::string>>()->composing(),
      "only rows with COLUMN=VALUE (repeatable; VALUE may be a file's stem; several values of one column: any)");
  po::positional_options_description pos;
  pos.add("results", 1);
  po::variables_map vm;
  CommandHelp help{
      "lpsim report RESULTS.csv [--out DIR] [--group-by COLUMN] [--filter COLUMN=VALUE]... [--x COLUMN --y COLUMN]\n"
      "             [--title TEXT]",
      "Draws the trade-offs of a sweep into DIR: SQNR vs energy per MAC and cycles vs area (when the results\n"
      "have cost columns), SQNR vs cycles, each scatter with one Pareto front per workload (or per --group-by\n"
      "column) so that like is compared with like; energy and area breakdowns per point as shares and on a log\n"
      "scale; and DIR/index.html with every plot embedded and the results table. Points are named by the axes\n"
      "that vary, each value by its short name (a trace's file stem). Needs /usr/bin/python3 with matplotlib\n"
      "(sudo apt-get install python3-matplotlib); LPSIM_PYTHON and LPSIM_SCRIPTS_DIR override the interpreter\n"
      "and the scripts folder. Bad input: one line naming the file (and line), exit 2.",
      "  lpsim report out/format_by_array/results.csv\n"
      "      plots and index.html in out/format_by_array/report/\n"
      "  lpsim report results.csv --out plots --x dram_read_bytes --y sqnr_db\n"
      "      also plot SQNR against DRAM reads, with its Pareto front\n"
      "  lpsim report results.csv --filter workload.trace=resnet50 --group-by accelerator.array.dataflow\n"
      "      only the ResNet-50 points, one front per dataflow\n"};
  if (!parse_command_line("report", args, opts, pos, vm, help)) return kExitOk;
  if (vm.count("x") != vm.count("y")) throw InputError("lpsim report: --x and --y go together");

  std::string results = vm["results"].as<std::string>();
  std::error_code ec;
  if (!fs::is_regular_file(results, ec)) throw InputError(results + ": no such file (expected a results.csv)");
  std::string out = vm.count("out") ? vm["out"].as<std::string>()
                                    : (fs::path(results).parent_path() / "report").string();

  const char* py_env = std::getenv("LPSIM_PYTHON");
  std::string python = py_env && *py_env ? py_env : "/usr/bin/python3";
  if (!fs::exists(python, ec))
    throw InputError(python + " not found: lpsim report draws with Python 3 and matplotlib; install "
                     "python3-matplotlib: sudo apt-get install python3-matplotlib");
  const char* dir_env = std::getenv("LPSIM_SCRIPTS_DIR");
  std::string dir = dir_env && *dir_env ? dir_env : LPSIM_SCRIPTS_DIR;
  fs::path script = fs::path(dir) / "lpsim-report.py";
  if (dir.empty() || !fs::is_regular_file(script, ec))
    throw InputError("cannot find lpsim-report.py" + (dir.empty() ? std::string() : " in " + dir) +
                     "; set LPSIM_SCRIPTS_DIR to the scripts/ folder of the lpsim source tree");

  std::vector<std::string> argv_s = {python, script.string(), results, "--out", out};
  for (const char* k : {"x", "y", "title", "group-by"})
    if (vm.count(k)) {
      argv_s.push_back(std::string("--") + k);
      argv_s.push_back(vm[k].as<std::string>());
    }
  if (vm.count("filter"))
    for (const auto& f : vm["filter"].as<std::vector<std::string>>()) argv_s.push_back("--filter=" + f);
  std::vector<char*> argv;
  for (auto& a : argv_s) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = 0;
  int rc = posix_spawn(&pid, python.c_str(), nullptr, nullptr, argv.data(), environ);
  if (rc != 0) throw InputError("cannot run " + python + ": " + std::strerror(rc));
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0)
    if (errno != EINTR) throw std::runtime_error(std::string("waitpid failed: ") + std::strerror(errno));
  // The script exits 2 for bad input (an unreadable CSV, a missing column, no matplotlib) like every command.
  if (WIFEXITED(status)) return WEXITSTATUS(status) <= kExitInputError ? WEXITSTATUS(status) : kExitFailure;
  std::cerr << "error: " << script.string() << " was killed by signal " << WTERMSIG(status) << "\n";
  return kExitFailure;
}

}  // namespace lpsim::cli
