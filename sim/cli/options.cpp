#include "cli/options.h"

#include <cctype>
#include <filesystem>
#include <iostream>

#include "util/error.h"
#include "util/progress.h"

namespace lpsim::cli {

bool parse_command_line(const std::string& name, const Args& args, po::options_description& opts,
                        const po::positional_options_description& positional, po::variables_map& vm,
                        const CommandHelp& help) {
  opts.add_options()("help,h", "show this help with examples");
  // Every command may show a progress bar on a terminal; --quiet keeps stderr to errors only.
  if (!opts.find_nothrow("quiet", false))
    opts.add_options()("quiet,q", "no progress bar on stderr (it is shown only when stderr is a terminal)");
  try {
    // No abbreviated options: '--lane 4' must not silently mean '--lanes 4'.
    auto style = po::command_line_style::default_style & ~po::command_line_style::allow_guessing;
    po::store(po::command_line_parser(args).options(opts).positional(positional).style(style).run(), vm);
    if (vm.count("help")) {
      std::cout << "usage: " << help.usage << "\n\n" << help.about << "\n\n" << opts << "\n";
      if (!help.examples.empty()) std::cout << "examples:\n" << help.examples << "\n";
      return false;
    }
    po::notify(vm);
    if (vm.count("quiet")) ProgressBar::silence();
  } catch (const po::error& e) {
    throw InputError("lpsim " + name + ": " + e.what() + " (see 'lpsim " + name + " --help')");
  }
  return true;
}

void bad_option(const std::string& option, const std::string& what) {
  throw_input_error(Location{"<command line>", 0, option}, what);
}

std::string lower_ext(const std::string& path) {
  std::string e = std::filesystem::path(path).extension().string();
  for (auto& c : e) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return e;
}

}  // namespace lpsim::cli
