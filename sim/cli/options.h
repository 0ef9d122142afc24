// Boost.Program_options glue shared by the subcommands: uniform --help output (usage, options, worked
// examples) and uniform error reporting (bad options are input errors, exit code 2).
#pragma once
#include <boost/program_options.hpp>
#include <string>

#include "cli/commands.h"

namespace lpsim::cli {

namespace po = boost::program_options;

struct CommandHelp {
  std::string usage;     // "lpsim run CONFIG.yaml [options]"
  std::string about;     // a paragraph on what the command does
  std::string examples;  // worked examples, one per line, with a short comment
};

// Parses args into vm. Returns false if --help was given (help already printed to stdout).
// Throws InputError ("lpsim <name>: <problem>") on unknown or malformed options.
bool parse_command_line(const std::string& name, const Args& args, po::options_description& opts,
                        const po::positional_options_description& positional, po::variables_map& vm,
                        const CommandHelp& help);

// A bad command-line value: an InputError located at the option ("<command line>: --option: what"), exit 2.
[[noreturn]] void bad_option(const std::string& option, const std::string& what);

// The file name's extension in lower case, with its dot ("W.NPY" -> ".npy"; "" when there is none).
std::string lower_ext(const std::string& path);

}  // namespace lpsim::cli
