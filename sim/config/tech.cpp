#include "config/tech.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>

#include "util/error.h"
#include "util/yaml_input.h"

namespace lpsim::cfg {

namespace {

enum class Range { kPositive, kNonNegative, kFraction };

class TechReader {
 public:
  explicit TechReader(std::string file) : file_(std::move(file)) {}

  Location at(const YAML::Node& n, const std::string& path) const {
    const int line = n.Mark().line >= 0 ? n.Mark().line + 1 : 0;
    return Location{file_, line, path};
  }

  // Requires a mapping whose keys are all in `allowed` (and, when `required` is true, all present).
  void expect_map(const YAML::Node& n, const std::string& path, const std::vector<std::string>& allowed,
                  bool required = true) const {
    if (!n.IsMap())
      throw_input_error(at(n, path), "expected a mapping with keys " + join(allowed) + ", got " + describe(n));
    for (const auto& kv : n) {
      const std::string k = kv.first.IsScalar() ? kv.first.Scalar() : std::string("?");
      if (std::find(allowed.begin(), allowed.end(), k) == allowed.end())
        throw_input_error(at(kv.first, join_path(path, k)),
                          "unknown key '" + k + "'" + did_you_mean(k, allowed) + "; valid keys here: " + join(allowed));
    }
    if (!required) return;
    for (const auto& k : allowed) {
      if (!n[k].IsDefined()) {
        throw_input_error(at(n, path), k == "source"
                                           ? "missing 'source': every entry must say where its numbers come from"
                                           : "missing key '" + k + "'");
      }
    }
  }

  double number(const YAML::Node& n, const std::string& path, Range r, const std::string& unit) const {
    const std::string want = r == Range::kPositive      ? "a positive number"
                             : r == Range::kNonNegative ? "a non-negative number"
                                                        : "a number from 0 to 1";
    const std::string what = want + (unit.empty() ? "" : " (" + unit + ")");
    if (!n.IsScalar()) throw_input_error(at(n, path), "expected " + what + ", got " + describe(n));
    const std::string& s = n.Scalar();
    char* end = nullptr;
    const double v = s.empty() ? 0.0 : std::strtod(s.c_str(), &end);
    const bool ok = !s.empty() && end == s.c_str() + s.size() && std::isfinite(v) &&
                    (r == Range::kPositive ? v > 0 : r == Range::kNonNegative ? v >= 0 : (v >= 0 && v <= 1));
    if (!ok) throw_input_error(at(n, path), "expected " + what + ", got " + describe(n));
    return v;
  }

  int positive_int(const YAML::Node& n, const std::string& path) const {
    int v = 0;
    const std::string s = n.IsScalar() ? n.Scalar() : std::string();
    const auto res = std::from_chars(s.data(), s.data() + s.size(), v);
    if (!n.IsScalar() || s.empty() || res.ec != std::errc() || res.ptr != s.data() + s.size() || v <= 0)
      throw_input_error(at(n, path), "expected a positive integer, got " + describe(n));
    return v;
  }

  std::string text(const YAML::Node& n, const std::string& path) const {
    if (!n.IsScalar() || n.Scalar().empty())
      throw_input_error(at(n, path), "expected a non-empty string, got " + describe(n));
    return n.Scalar();
  }

  // {value: X, source: S}
  cost::Value value(const YAML::Node& n, const std::string& path, Range r, const std::string& unit) const {
    expect_map(n, path, {"value", "source"});
    return cost::Value{number(n["value"], path + ".value", r, unit), text(n["source"], path + ".source")};
  }

  static std::string join_path(const std::string& a, const std::string& b) { return a.empty() ? b : a + "." + b; }

 private:
  std::string file_;
};

void read_components(const TechReader& rd, const YAML::Node& n, cost::TechTable& t) {
  std::vector<std::string> names;
  for (const auto& s : cost::component_specs()) names.push_back(s.name);
  if (!n.IsMap()) throw_input_error(rd.at(n, "components"), "expected a mapping of components, got " + describe(n));
  for (const auto& kv : n) {
    const std::string name = kv.first.IsScalar() ? kv.first.Scalar() : std::string("?");
    const std::string path = "components." + name;
    if (std::find(names.begin(), names.end(), name) == names.end())
      throw_input_error(rd.at(kv.first, path), "unknown component '" + name + "'" + did_you_mean(name, names) +
                                                   "; components: " + join(names));
    const YAML::Node& e = kv.second;
    rd.expect_map(e, path, {"energy_pj", "area_um2", "source"});
    t.components[name] = cost::Entry{rd.number(e["energy_pj"], path + ".energy_pj", Range::kPositive, "pJ"),
                                     rd.number(e["area_um2"], path + ".area_um2", Range::kPositive, "um^2"),
                                     rd.text(e["source"], path + ".source")};
  }
  for (const auto& s : cost::component_specs()) {
    if (!t.components.count(s.name))
      throw_input_error(rd.at(n, "components"),
                        std::string("missing component '") + s.name + "' (" + s.meaning + ")");
  }
}

void read_sram(const TechReader& rd, const YAML::Node& n, cost::TechTable& t) {
  rd.expect_map(n, "sram", {"access_bits", "read", "write_read_ratio", "area_um2_per_bit"});
  t.sram_access_bits = rd.positive_int(n["access_bits"], "sram.access_bits");
  const YAML::Node& pts = n["read"];
  if (!pts.IsSequence() || pts.size() == 0)
    throw_input_error(rd.at(pts, "sram.read"),
                      "expected a list of {kib, energy_pj, source} points, got " + describe(pts));
  for (size_t i = 0; i < pts.size(); ++i) {
    const std::string path = "sram.read[" + std::to_string(i) + "]";
    const YAML::Node& p = pts[i];
    rd.expect_map(p, path, {"kib", "energy_pj", "source"});
    cost::SramPoint sp{rd.number(p["kib"], path + ".kib", Range::kPositive, "KiB"),
                       rd.number(p["energy_pj"], path + ".energy_pj", Range::kPositive, "pJ"),
                       rd.text(p["source"], path + ".source")};
    if (!t.sram_read.empty() && sp.kib <= t.sram_read.back().kib) {
      std::ostringstream os;
      os << "capacities must increase down the list (" << sp.kib << " KiB after " << t.sram_read.back().kib
         << " KiB)";
      throw_input_error(rd.at(p["kib"], path + ".kib"), os.str());
    }
    t.sram_read.push_back(sp);
  }
  t.sram_write_read_ratio = rd.value(n["write_read_ratio"], "sram.write_read_ratio", Range::kPositive, "");
  t.sram_area_um2_per_bit = rd.value(n["area_um2_per_bit"], "sram.area_um2_per_bit", Range::kPositive, "um^2");
}

void read_dram(const TechReader& rd, const YAML::Node& n, cost::TechTable& t) {
  rd.expect_map(n, "dram", {"default", "types"});
  const YAML::Node& types = n["types"];
  if (!types.IsMap() || types.size() == 0)
    throw_input_error(rd.at(types, "dram.types"),
                      "expected a mapping of DRAM types {name: {energy_pj_per_bit, source}}, got " + describe(types));
  std::vector<std::string> names;
  for (const auto& kv : types) {
    const std::string name = kv.first.Scalar();
    const std::string path = "dram.types." + name;
    rd.expect_map(kv.second, path, {"energy_pj_per_bit", "source"});
    t.dram.push_back(cost::DramType{
        name, rd.number(kv.second["energy_pj_per_bit"], path + ".energy_pj_per_bit", Range::kPositive, "pJ/bit"),
        rd.text(kv.second["source"], path + ".source")});
    names.push_back(name);
  }
  t.dram_default = rd.text(n["default"], "dram.default");
  if (std::find(names.begin(), names.end(), t.dram_default) == names.end())
    throw_input_error(rd.at(n["default"], "dram.default"), "'" + t.dram_default + "' is not one of the types " +
                                                               join(names) + did_you_mean(t.dram_default, names));
}

void read_scaling(const TechReader& rd, const YAML::Node& n, cost::TechTable& t) {
  if (!n.IsSequence() || n.size() == 0)
    throw_input_error(rd.at(n, "node_scaling"),
                      "expected a list of {node_nm, logic_area, logic_energy, source} points, got " + describe(n));
  bool has_own = false;
  for (size_t i = 0; i < n.size(); ++i) {
    const std::string path = "node_scaling[" + std::to_string(i) + "]";
    const YAML::Node& p = n[i];
    rd.expect_map(p, path, {"node_nm", "logic_area", "logic_energy", "source"});
    cost::NodePoint np{rd.number(p["node_nm"], path + ".node_nm", Range::kPositive, "nm"),
                       rd.number(p["logic_area"], path + ".logic_area", Range::kPositive, "factor"),
                       rd.number(p["logic_energy"], path + ".logic_energy", Range::kPositive, "factor"),
                       rd.text(p["source"], path + ".source")};
    for (const auto& q : t.node_scaling)
      if (q.node_nm == np.node_nm)
        throw_input_error(rd.at(p["node_nm"], path + ".node_nm"), "node listed twice");
    if (np.node_nm == t.node_nm) {
      if (np.logic_area != 1 || np.logic_energy != 1)
        throw_input_error(rd.at(p, path), "the table's own node (" + p["node_nm"].Scalar() +
                                              " nm) must have logic_area 1 and logic_energy 1");
      has_own = true;
    }
    t.node_scaling.push_back(np);
  }
  if (!has_own)
    throw_input_error(rd.at(n, "node_scaling"), "must list the table's own node_nm with factors 1");
  std::sort(t.node_scaling.begin(), t.node_scaling.end(),
            [](const cost::NodePoint& a, const cost::NodePoint& b) { return a.node_nm > b.node_nm; });
}

cost::TechTable read_root(const TechReader& rd, const YAML::Node& root, const std::string& origin) {
  cost::TechTable t;
  t.origin = origin;
  rd.expect_map(root, "",
                {"name", "node_nm", "voltage_v", "source", "components", "sram", "dram", "leakage", "gating",
                 "sfu_ktanh", "implementation", "node_scaling"});
  t.name = rd.text(root["name"], "name");
  t.node_nm = rd.number(root["node_nm"], "node_nm", Range::kPositive, "nm");
  t.voltage_v = rd.number(root["voltage_v"], "voltage_v", Range::kPositive, "V");
  t.source = rd.text(root["source"], "source");
  read_components(rd, root["components"], t);
  read_sram(rd, root["sram"], t);
  read_dram(rd, root["dram"], t);
  const YAML::Node& leak = root["leakage"];
  rd.expect_map(leak, "leakage", {"mw_per_mm2"});
  t.leakage_mw_per_mm2 = rd.value(leak["mw_per_mm2"], "leakage.mw_per_mm2", Range::kNonNegative, "mW/mm^2");
  const YAML::Node& gate = root["gating"];
  rd.expect_map(gate, "gating", {"datapath_fraction"});
  t.gated_datapath_fraction = rd.value(gate["datapath_fraction"], "gating.datapath_fraction", Range::kFraction, "");
  const YAML::Node& sfu = root["sfu_ktanh"];
  rd.expect_map(sfu, "sfu_ktanh", {"nand2_eq_per_lane", "nand2_area_um2", "energy_pj_per_op"});
  t.sfu_nand2_eq_per_lane = rd.value(sfu["nand2_eq_per_lane"], "sfu_ktanh.nand2_eq_per_lane", Range::kPositive, "");
  t.sfu_nand2_area_um2 = rd.value(sfu["nand2_area_um2"], "sfu_ktanh.nand2_area_um2", Range::kPositive, "um^2");
  t.sfu_energy_pj_per_op = rd.value(sfu["energy_pj_per_op"], "sfu_ktanh.energy_pj_per_op", Range::kPositive, "pJ");
  const YAML::Node& impl = root["implementation"];
  rd.expect_map(impl, "implementation", {"placement_utilization", "register_clock_pj_per_bit", "sram_two_port_area"});
  t.placement_utilization =
      rd.value(impl["placement_utilization"], "implementation.placement_utilization", Range::kFraction, "");
  if (!(t.placement_utilization.value > 0))
    throw_input_error(rd.at(impl["placement_utilization"]["value"], "implementation.placement_utilization.value"),
                      "expected a fraction above 0 (placed logic area = cell area / utilization), got 0");
  t.register_clock_pj_per_bit = rd.value(impl["register_clock_pj_per_bit"], "implementation.register_clock_pj_per_bit",
                                         Range::kNonNegative, "pJ");
  t.sram_two_port_area =
      rd.value(impl["sram_two_port_area"], "implementation.sram_two_port_area", Range::kPositive, "factor");
  read_scaling(rd, root["node_scaling"], t);
  return t;
}

}  // namespace

cost::TechTable parse_tech_table(const std::string& yaml_text, const std::string& origin) {
  YAML::Node root = load_yaml_text(yaml_text, origin);
  TechReader rd(origin);
  if (!root.IsMap()) throw InputError(origin + ":1: expected a technology table (a mapping with name, node_nm, ...)");
  return read_root(rd, root, origin);
}

cost::TechTable load_tech_table(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec))
    throw InputError(path + ": cannot read technology table: " +
                     (std::filesystem::exists(path, ec) ? "not a regular file" : "no such file"));
  std::ifstream is(path);
  std::stringstream ss;
  ss << is.rdbuf();
  if (!is) throw InputError(path + ": cannot read technology table");
  return parse_tech_table(ss.str(), path);
}

const cost::TechTable& default_tech_table() {
  static const cost::TechTable t =
      parse_tech_table(cost::default_tech_yaml(), std::string(cost::default_tech_name()) + " (built in)");
  return t;
}

}  // namespace lpsim::cfg
