// Input errors: every message names file, line and key path (or column) so an architect can fix the input
// without reading code. InputError maps to exit code 2 in main(); anything else is an internal error.
#pragma once
#include <stdexcept>
#include <string>
#include <vector>

#include "util/text.h"

namespace lpsim {

// Where a value came from. line == 0 means "no line" (e.g. a --set override on the command line).
struct Location {
  std::string file;
  int line = 0;
  std::string key;  // dotted YAML key path, CSV column name or CLI option
  std::string str() const;  // "file:line: key" (parts omitted when empty)
};

class InputError : public std::runtime_error {
 public:
  // Messages quote untrusted input (names inside model files, .npy headers, YAML values): the message is made one
  // printable line here, so that no throw site can break the one-line rule (control characters escaped).
  explicit InputError(const std::string& what) : std::runtime_error(one_line(what, 4000)) {}
};

constexpr int kExitOk = 0;
constexpr int kExitFailure = 1;  // the run worked but found a problem (e.g. co-simulation mismatch)
constexpr int kExitInputError = 2;

[[noreturn]] void throw_input_error(const Location& where, const std::string& what);

// Closest candidate by edit distance, or "" when nothing is reasonably close; used for "did you mean" hints.
std::string closest_match(const std::string& word, const std::vector<std::string>& candidates);

// " (did you mean 'x'?)" or "" — appended to unknown-name messages.
std::string did_you_mean(const std::string& word, const std::vector<std::string>& candidates);

// "a, b, c" — for listing valid choices in messages.
std::string join(const std::vector<std::string>& items, const std::string& sep = ", ");

}  // namespace lpsim
