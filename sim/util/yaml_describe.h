// How a YAML value is named in error messages: "\"-4\"", "a list", "a mapping", "nothing".
#pragma once
#include <yaml-cpp/yaml.h>

#include <string>

namespace lpsim {

inline std::string describe(const YAML::Node& n) {
  switch (n.Type()) {
    case YAML::NodeType::Null: return "nothing";
    case YAML::NodeType::Sequence: return "a list";
    case YAML::NodeType::Map: return "a mapping";
    case YAML::NodeType::Scalar: return "\"" + n.Scalar() + "\"";
    default: return "an undefined value";
  }
}

}  // namespace lpsim
