#include "config/scalesim_cfg.h"

#include "util/text.h"

#include <algorithm>
#include <fstream>
#include <vector>

namespace lpsim::cfg {

namespace {

struct Mapping {
  const char* section;
  const char* key;
  const char* path;  // lpsim key path, or nullptr when accepted and ignored
};

const Mapping kMappings[] = {
    {"general", "run_name", "run.name"},
    {"architecture_presets", "ArrayHeight", "accelerator.array.rows"},
    {"architecture_presets", "ArrayWidth", "accelerator.array.cols"},
    {"architecture_presets", "IfmapSramSzkB", "accelerator.memory.ifmap.sram_kib"},
    {"architecture_presets", "FilterSramSzkB", "accelerator.memory.filter.sram_kib"},
    {"architecture_presets", "OfmapSramSzkB", "accelerator.memory.ofmap.sram_kib"},
    {"architecture_presets", "IfmapOffset", nullptr},
    {"architecture_presets", "FilterOffset", nullptr},
    {"architecture_presets", "OfmapOffset", nullptr},
    {"architecture_presets", "Bandwidth", "accelerator.memory.dram.bandwidth_bytes_per_cycle"},
    {"architecture_presets", "Dataflow", "accelerator.array.dataflow"},
    {"architecture_presets", "MemoryBanks", nullptr},
    {"run_presets", "InterfaceBandwidth", nullptr},
};

}  // namespace

YAML::Node scalesim_cfg_to_yaml(const std::string& path, std::map<std::string, Location>& where) {
  std::ifstream is(path);
  if (!is) throw InputError(path + ": cannot read SCALE-Sim config file");
  YAML::Node root(YAML::NodeType::Map);
  std::string section;
  std::string line;
  int lineno = 0;
  bool saw_section = false;
  while (std::getline(is, line)) {
    ++lineno;
    std::string t = trim(line.substr(0, line.find_first_of("#;")));
    if (t.empty()) continue;
    if (t.front() == '[') {
      if (t.back() != ']') throw_input_error(Location{path, lineno, ""}, "malformed section header \"" + t + "\"");
      section = trim(t.substr(1, t.size() - 2));
      std::vector<std::string> known = {"general", "architecture_presets", "run_presets"};
      if (std::find(known.begin(), known.end(), section) == known.end())
        throw_input_error(Location{path, lineno, "[" + section + "]"},
                          "unknown section" + did_you_mean(section, known) + "; SCALE-Sim v2 sections: " + join(known));
      saw_section = true;
      continue;
    }
    size_t sep = t.find_first_of(":=");
    if (sep == std::string::npos || !saw_section)
      throw_input_error(Location{path, lineno, ""}, "expected 'Key: value' inside a [section], got \"" + t + "\"");
    std::string key = trim(t.substr(0, sep));
    std::string value = trim(t.substr(sep + 1));
    const Mapping* m = nullptr;
    std::vector<std::string> names;
    for (const auto& cand : kMappings) {
      if (section != cand.section) continue;
      names.push_back(cand.key);
      if (key == cand.key) m = &cand;
    }
    Location at{path, lineno, section + "." + key};
    if (!m) throw_input_error(at, "unknown SCALE-Sim key '" + key + "'" + did_you_mean(key, names) +
                                      "; known in [" + section + "]: " + join(names));
    if (key == "InterfaceBandwidth" && value != "USER")
      throw_input_error(at, "only USER is supported (lpsim needs the Bandwidth value; SCALE-Sim's CALC mode "
                            "estimates bandwidth instead of modelling stalls), got \"" + value + "\"");
    if (!m->path) continue;
    if (key == "Bandwidth") value = trim(value.substr(0, value.find(',')));  // SCALE-Sim uses the first value
    // Walk/create the nested maps for the mapped key path.
    YAML::Node cur;
    cur.reset(root);
    std::string p = m->path;
    size_t start = 0;
    for (size_t dot = p.find('.'); dot != std::string::npos; start = dot + 1, dot = p.find('.', start)) {
      std::string part = p.substr(start, dot - start);
      if (!cur[part].IsDefined()) cur[part] = YAML::Node(YAML::NodeType::Map);
      YAML::Node next = cur[part];
      cur.reset(next);
    }
    cur[p.substr(start)] = value;
    where[m->path] = Location{path, lineno, section + "." + key + " (" + m->path + ")"};
  }
  // SCALE-Sim counts 1-byte words whatever the data (its Bandwidth is in words per cycle): a .cfg keeps them, so
  // its runs stay SCALE-Sim-exact (lpsim's own default, word_bits: auto, follows the number formats).
  for (const char* op : {"ifmap", "filter", "ofmap"}) {
    root["accelerator"]["memory"][op]["word_bits"] = "8";
    where[std::string("accelerator.memory.") + op + ".word_bits"] =
        Location{path, 1, std::string("accelerator.memory.") + op + ".word_bits (8 for a SCALE-Sim .cfg)"};
  }
  // A .cfg asks for SCALE-Sim's numbers: its memory model (per-operand DRAM streams, prefetch windows), exactly.
  root["accelerator"]["memory"]["model"] = "scalesim";
  where["accelerator.memory.model"] = Location{path, 1, "accelerator.memory.model (scalesim for a SCALE-Sim .cfg)"};
  // A SCALE-Sim user's scripts read SCALE-Sim's own report files: write them unless --set says otherwise.
  root["run"]["scalesim_reports"] = "true";
  where["run.scalesim_reports"] = Location{path, 1, "run.scalesim_reports (default for a SCALE-Sim .cfg)"};
  return root;
}

}  // namespace lpsim::cfg
