// Technology-table files (configs/tech/*.yaml) -> cost::TechTable. Every entry must carry a `source`; unknown
// keys, missing entries and out-of-range numbers are InputErrors as "file:line: key.path: message".
#pragma once
#include <string>

#include "cost/tech_table.h"

namespace lpsim::cfg {

// Reads a table file. Throws InputError (file:line: key.path: message) on any problem.
cost::TechTable load_tech_table(const std::string& path);

// Reads table text; `origin` names it in messages and in TechTable::origin.
cost::TechTable parse_tech_table(const std::string& yaml_text, const std::string& origin);

// The table compiled into the binary (configs/tech/horowitz_45nm.yaml as of the build), parsed once.
const cost::TechTable& default_tech_table();

}  // namespace lpsim::cfg
