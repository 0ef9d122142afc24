// SCALE-Sim v2 .cfg compatibility: maps [architecture_presets]/[run_presets] onto lpsim's config keys so
// SCALE-Sim users can run their files unchanged (`lpsim run x.cfg --trace topology.csv`).
#pragma once
#include <yaml-cpp/yaml.h>

#include <map>
#include <string>

#include "util/error.h"

namespace lpsim::cfg {

// Returns the equivalent lpsim config tree; `where` receives the .cfg line of every mapped key path.
// SCALE-Sim semantics carried over: 1-byte words, SRAM sizes in kB of 1024 words, Bandwidth in words/cycle
// (only its first value is used, for all operands), DRAM latency 1 cycle. Offsets and MemoryBanks do not
// affect SCALE-Sim v2's timing and are accepted and ignored.
YAML::Node scalesim_cfg_to_yaml(const std::string& path, std::map<std::string, Location>& where);

}  // namespace lpsim::cfg
