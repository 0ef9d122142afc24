// Shared by the CLI tests: spawn the built lpsim binary like a user would (in a per-process scratch directory)
// and capture its exit code, stdout and stderr. Needs LPSIM_BIN defined by the test target.
#pragma once
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace cli_test {

namespace fs = std::filesystem;

struct Result {
  int code;
  std::string out;  // stdout
  std::string err;  // stderr
};

inline std::string slurp(const fs::path& path) {
  std::ifstream is(path);
  std::stringstream ss;
  ss << is.rdbuf();
  return ss.str();
}

// A scratch directory unique to this test process, e.g. /tmp/lpsim_cli_1234.
inline fs::path scratch(const std::string& tag = "cli") {
  fs::path d = fs::temp_directory_path() / ("lpsim_" + tag + "_" + std::to_string(::getpid()));
  fs::create_directories(d);
  return d;
}

// Runs `lpsim ARGS` with the scratch directory as the working directory.
inline Result run_lpsim(const std::string& args, const std::string& tag = "cli") {
  fs::path d = scratch(tag);
  std::string out = (d / "stdout").string(), err = (d / "stderr").string();
  std::string cmd = "cd " + d.string() + " && " + std::string(LPSIM_BIN) + " " + args + " >" + out + " 2>" + err;
  int status = std::system(cmd.c_str());
  return Result{WIFEXITED(status) ? WEXITSTATUS(status) : -1, slurp(out), slurp(err)};
}

inline bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

}  // namespace cli_test
