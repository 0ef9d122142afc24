// Subcommand table. Adding a subcommand = one cmd_<name>.cpp defining `int cmd_<name>(const Args&)`
// plus one declaration and one row in commands.cpp.
#pragma once
#include <string>
#include <vector>

namespace lpsim::cli {

using Args = std::vector<std::string>;  // arguments after the subcommand name

struct Command {
  const char* name;
  const char* summary;  // one line for `lpsim --help`
  int (*run)(const Args& args);
};

const std::vector<Command>& commands();

int cmd_run(const Args& args);
int cmd_validate(const Args& args);
int cmd_validate_cost(const Args& args);
int cmd_import(const Args& args);
int cmd_cosim(const Args& args);
int cmd_quantize(const Args& args);
int cmd_gemm(const Args& args);
int cmd_sweep(const Args& args);
int cmd_sweep_merge(const Args& args);
int cmd_report(const Args& args);
int cmd_prune(const Args& args);
int cmd_flops(const Args& args);

}  // namespace lpsim::cli
