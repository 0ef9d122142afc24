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
      "title", po::value<std::string>(), "page title (default: the results file's folder name)");
  po::positional_options_description pos;
  pos.add("results", 1);
  po::variables_map vm;
  CommandHelp help{
      "lpsim report RESULTS.csv [--out DIR] [--x COLUMN --y COLUMN] [--title TEXT]",
      "Draws the trade-offs of a sweep into DIR: SQNR vs energy per MAC and cycles vs area (when the results\n"
      "have cost columns), SQNR vs cycles, an energy breakdown per point (energy_* columns), each scatter with\n"
      "its Pareto front, points labelled by their axis values; and DIR/index.html with every plot embedded and\n"
      "the results table. Needs /usr/bin/python3 with matplotlib (sudo apt-get install python3-matplotlib);\n"
      "LPSIM_PYTHON and LPSIM_SCRIPTS_DIR override the interpreter and the scripts folder.",
      "  lpsim report out/format_by_array/results.csv\n"
      "      plots and index.html in out/format_by_array/report/\n"
      "  lpsim report results.csv --out plots --x dram_read_bytes --y sqnr_db\n"
      "      also plot SQNR against DRAM reads, with its Pareto front\n"};
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
  for (const char* k : {"x", "y", "title"})
    if (vm.count(k)) {
      argv_s.push_back(std::string("--") + k);
      argv_s.push_back(vm[k].as<std::string>());
    }
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
