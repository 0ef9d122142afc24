// Reading YAML input safely: every YAML reader of lpsim (config, --set values, native traces, sweep files,
// technology tables, and new ones) loads its text through load_yaml_file()/load_yaml_text(), which first
// checks what yaml-cpp would silently accept or turn into an "internal error":
//   * a duplicate key in a mapping (yaml-cpp keeps one value) -> error naming both lines;
//   * a key that is not a plain scalar (a list, a mapping, an alias or nothing as a key);
//   * nesting deeper than max_depth levels, more than max_nodes nodes, more than one document ('---');
//   * syntax errors, reported with their line and a sanitized excerpt of yaml-cpp's reason.
// Errors are InputError "file:line: key.path: message" (key paths as a.b[3].c).
// The node-kind helpers below replace yaml-cpp calls that throw on the wrong kind of node.
#pragma once
#include <yaml-cpp/yaml.h>

#include <cstddef>
#include <string>

#include "util/error.h"

namespace lpsim {

struct YamlLimits {
  int max_depth = 64;              // nested mappings/lists (lpsim's own inputs need fewer than 8)
  size_t max_nodes = 2'000'000;    // scalars + collections + aliases in the document
  size_t max_bytes = 64u << 20;    // 64 MiB of text
};

// Checks and parses one YAML document; `file` names the input in messages. An empty document gives a Null node.
YAML::Node load_yaml_text(const std::string& text, const std::string& file, const YamlLimits& limits = {});
// Reads `path` (which must be a regular, readable file) and loads it with load_yaml_text.
YAML::Node load_yaml_file(const std::string& path, const YamlLimits& limits = {});

// 1-based line of a node from a loaded document, 0 when it has none (e.g. a node built in code).
int yaml_line(const YAML::Node& n);

// How a value is named in messages: "\"-4\"" (sanitized, at most 48 characters), "a list", "a mapping",
// "nothing".
std::string describe(const YAML::Node& n);

// map[key] without yaml-cpp's exceptions: an undefined node when `map` is not a mapping or lacks the key.
YAML::Node yaml_child(const YAML::Node& map, const std::string& key);

// Throw "file:line: key: expected <expected>, got <describe(n)>" unless n is of the wanted kind.
void expect_map(const YAML::Node& n, const Location& at, const std::string& expected = "a mapping of keys");
void expect_list(const YAML::Node& n, const Location& at, const std::string& expected = "a list");
void expect_scalar(const YAML::Node& n, const Location& at, const std::string& expected = "a value");

}  // namespace lpsim
