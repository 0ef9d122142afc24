// Technology table: the shipped 45 nm figures, SRAM and node interpolation, the K-TanH synthesis link, and the
// reader's error messages (file:line: key.path: message).
#include <catch2/catch.hpp>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "config/tech.h"
#include "cost/tech_table.h"
#include "util/error.h"

using namespace lpsim;

namespace {

std::string src(const std::string& rel) { return std::string(LPSIM_SOURCE_DIR) + "/" + rel; }
std::string data(const std::string& rel) { return std::string(LPSIM_TEST_DATA) + "/" + rel; }

std::string read_text(const std::string& path) {
  std::ifstream is(path);
  std::stringstream ss;
  ss << is.rdbuf();
  return ss.str();
}

const std::string& shipped_text() {
  static const std::string t = read_text(src("configs/tech/horowitz_45nm.yaml"));
  return t;
}

// 1-based line of the first occurrence of `needle` in `text`.
int line_of(const std::string& text, const std::string& needle) {
  const size_t pos = text.find(needle);
  REQUIRE(pos != std::string::npos);
  return 1 + static_cast<int>(std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(pos), '\n'));
}

// The shipped table with `from` replaced by `to`, written to a file; returns its path.
std::string mutated(const std::string& name, const std::string& from, const std::string& to) {
  std::string t = shipped_text();
  const size_t pos = t.find(from);
  REQUIRE(pos != std::string::npos);
  t.replace(pos, from.size(), to);
  const std::string path = (std::filesystem::temp_directory_path() / ("lpsim_tech_" + name + ".yaml")).string();
  std::ofstream(path) << t;
  return path;
}

std::string load_error(const std::string& path) {
  try {
    cfg::load_tech_table(path);
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("tech: the built-in table is configs/tech/horowitz_45nm.yaml as shipped", "[cost][tech]") {
  CHECK(std::string(cost::default_tech_yaml()) == shipped_text());
  const cost::TechTable& t = cfg::default_tech_table();
  CHECK(t.name == "horowitz_45nm");
  CHECK(t.node_nm == 45);
  CHECK(t.origin == "configs/tech/horowitz_45nm.yaml (built in)");
  CHECK(t.components.size() == cost::component_specs().size());
}

TEST_CASE("tech: Horowitz's 45 nm figures are reproduced exactly", "[cost][tech]") {
  const cost::TechTable& t = cfg::default_tech_table();
  // Horowitz ISSCC 2014, 45 nm, 0.9 V: energies [S] and the widely quoted areas.
  CHECK(t.component("int8_mult").energy_pj == 0.2);
  CHECK(t.component("int8_mult").area_um2 == 282);
  CHECK(t.component("int32_mult").energy_pj == 3.1);
  CHECK(t.component("int32_add").energy_pj == 0.1);
  CHECK(t.component("int32_add").area_um2 == 137);
  CHECK(t.component("fp32_add").energy_pj == 0.9);
  CHECK(t.component("fp32_add").area_um2 == 4184);
  CHECK(t.component("fp32_mult").energy_pj == 3.7);
  CHECK(t.component("fp32_mult").area_um2 == 7700);
  CHECK(t.sram_access_bits == 64);
  CHECK(cost::sram_read_pj(t, 8) == 10);
  CHECK(cost::sram_read_pj(t, 32) == 20);
  CHECK(cost::sram_read_pj(t, 1024) == 100);
  CHECK(cost::sram_write_pj(t, 32) == 20);  // write = read (no separate source)
  // DRAM 1.3-2.6 nJ per 64-bit access; the table takes the low end, DDR3-era.
  CHECK(t.dram_default == "ddr3");
  CHECK(t.dram_type("").energy_pj_per_bit * 64 == 1300);
  CHECK(t.dram_type("hbm2").energy_pj_per_bit < t.dram_type("lpddr4").energy_pj_per_bit);
}

TEST_CASE("tech: every entry names its source", "[cost][tech]") {
  const cost::TechTable& t = cfg::default_tech_table();
  for (const auto& [name, e] : t.components) {
    INFO(name);
    CHECK(e.source.size() > 10);
  }
  for (const auto& p : t.sram_read) CHECK(p.source.size() > 10);
  for (const auto& d : t.dram) CHECK(d.source.size() > 10);
  for (const auto& p : t.node_scaling) CHECK(!p.source.empty());
  for (const cost::Value* v : {&t.sram_write_read_ratio, &t.sram_area_um2_per_bit, &t.leakage_mw_per_mm2,
                               &t.gated_datapath_fraction, &t.sfu_nand2_eq_per_lane, &t.sfu_nand2_area_um2,
                               &t.sfu_energy_pj_per_op})
    CHECK(v->source.size() > 10);
}

TEST_CASE("tech: SRAM energy is log-log in capacity between the table sizes", "[cost][tech]") {
  const cost::TechTable& t = cfg::default_tech_table();
  // Geometric midpoints of a segment give the geometric mean of its energies.
  CHECK(cost::sram_read_pj(t, 16) == Approx(std::sqrt(10.0 * 20.0)).epsilon(1e-12));
  CHECK(cost::sram_read_pj(t, 512) == Approx(std::sqrt(50.0 * 100.0)).epsilon(1e-12));
  // Beyond the ends the end segments continue: 8->32 KiB doubles per 4x, 256->1024 KiB too.
  CHECK(cost::sram_read_pj(t, 2) == Approx(5.0).epsilon(1e-12));
  CHECK(cost::sram_read_pj(t, 4096) == Approx(200.0).epsilon(1e-12));
  double prev = 0;
  for (double kib = 1; kib <= 8192; kib *= 1.3) {
    const double e = cost::sram_read_pj(t, kib);
    CHECK(e > prev);
    prev = e;
  }
  CHECK_THROWS_AS(cost::sram_read_pj(t, 0), std::invalid_argument);
}

TEST_CASE("tech: node scaling is exact at the table nodes and monotone between them", "[cost][tech]") {
  const cost::TechTable& t = cfg::default_tech_table();
  // Stillmaker & Baas (2017) via Accelergy: 45 -> 65 / 28 / 16 / 7 nm.
  const double nodes[] = {65, 45, 28, 16, 7}, area[] = {1.5, 1, 0.38, 0.19, 0.059},
               energy[] = {1.24, 1, 0.51, 0.17, 0.094};
  for (int i = 0; i < 5; ++i) {
    const cost::ScaleFactors f = cost::node_scaling(t, nodes[i]);
    CHECK(f.area == area[i]);
    CHECK(f.energy == energy[i]);
  }
  // Between table nodes the factor moves from the larger node's value towards the smaller node's.
  cost::ScaleFactors prev = cost::node_scaling(t, 65);
  for (double n = 64.5; n >= 7; n -= 0.5) {
    const cost::ScaleFactors f = cost::node_scaling(t, n);
    CHECK(f.area < prev.area);
    CHECK(f.energy < prev.energy);
    prev = f;
  }
  // Power law within a segment: at the geometric mean of 45 and 28 nm, the geometric mean of the factors.
  const cost::ScaleFactors mid = cost::node_scaling(t, std::sqrt(45.0 * 28.0));
  CHECK(mid.area == Approx(std::sqrt(0.38)).epsilon(1e-12));
  CHECK(mid.energy == Approx(std::sqrt(0.51)).epsilon(1e-12));
  // Close to 45 nm the factor is close to 1 (an inverted interpolation would give ~0.38 there).
  CHECK(cost::node_scaling(t, 44).area > 0.9);
  CHECK_THROWS_AS(cost::node_scaling(t, 5), std::invalid_argument);
  CHECK_THROWS_AS(cost::node_scaling(t, 90), std::invalid_argument);
}

TEST_CASE("tech: the K-TanH entry matches the synthesis report rtl/ktanh_area.json", "[cost][tech]") {
  const cost::TechTable& t = cfg::default_tech_table();
  const YAML::Node j = YAML::LoadFile(src("rtl/ktanh_area.json"));  // JSON is YAML
  CHECK(t.sfu_nand2_eq_per_lane.value == j["per_lane_nand2_eq"].as<double>());
  for (const auto& c : j["configs"]) {
    if (c["lanes"].as<int>() != 1) continue;
    CHECK(t.sfu_nand2_eq_per_lane.value * t.sfu_nand2_area_um2.value ==
          Approx(c["area_um2_nangate45"].as<double>()).margin(0.5));
  }
  CHECK(j["nand2_weight_source"].as<std::string>().find("0.798") != std::string::npos);
}

// ---- reader errors ---------------------------------------------------------------------------------------------

TEST_CASE("tech reader: an entry without a source is an error at its line", "[cost][tech][errors]") {
  const std::string from = "    area_um2: 137\n    source: \"Horowitz ISSCC 2014: 32-bit integer add 0.1 pJ [S]; area 137 "
                           "um^2 [M]; other integer widths scale\n      linearly (Horowitz 8-bit add 0.03 pJ / 36 "
                           "um^2 [M])\"\n";
  const std::string path = mutated("no_source", from, "    area_um2: 137\n");
  const int line = line_of(read_text(path), "  int32_add:\n") + 1;  // the entry's mapping starts below its key
  CHECK(load_error(path) == path + ":" + std::to_string(line) +
                                ": components.int32_add: missing 'source': every entry must say where its numbers "
                                "come from");
}

TEST_CASE("tech reader: a negative energy names file, line and key", "[cost][tech][errors]") {
  const std::string path = mutated("negative", "    energy_pj: 0.05\n", "    energy_pj: -0.05\n");
  const int line = line_of(read_text(path), "energy_pj: -0.05");
  CHECK(load_error(path) == path + ":" + std::to_string(line) +
                                ": components.fp8_e4m3_mult.energy_pj: expected a positive number (pJ), got \"-0.05\"");
}

TEST_CASE("tech reader: unknown keys and components are rejected with a suggestion", "[cost][tech][errors]") {
  std::string path = mutated("unknown_field", "    area_um2: 290\n", "    area_um: 290\n");
  int line = line_of(read_text(path), "area_um: 290");
  CHECK(load_error(path) == path + ":" + std::to_string(line) +
                                ": components.bf16_mult.area_um: unknown key 'area_um' (did you mean 'area_um2'?); "
                                "valid keys here: energy_pj, area_um2, source");
  path = mutated("unknown_component", "  fp16_mult:\n", "  fp16_mul:\n");
  line = line_of(read_text(path), "fp16_mul:");
  CHECK_THAT(load_error(path), Catch::StartsWith(path + ":" + std::to_string(line) +
                                                 ": components.fp16_mul: unknown component 'fp16_mul' (did you mean "
                                                 "'fp16_mult'?)"));
  const std::string small = data("cost/unknown_top_key.yaml");
  CHECK(load_error(small) == small + ":3: nodes_nm: unknown key 'nodes_nm' (did you mean 'node_nm'?); valid keys "
                                     "here: name, node_nm, voltage_v, source, components, sram, dram, leakage, "
                                     "gating, sfu_ktanh, implementation, node_scaling");
}

TEST_CASE("tech reader: structural errors", "[cost][tech][errors]") {
  // A component left out.
  std::string path = mutated("missing_component", "  mx_block:\n", "  mx_blockx:\n");
  CHECK_THAT(load_error(path), Catch::Contains("unknown component 'mx_blockx' (did you mean 'mx_block'?)"));
  std::string t = shipped_text();
  const size_t a = t.find("  mx_block:\n"), b = t.find("  register_bit:\n");
  t.erase(a, b - a);
  path = (std::filesystem::temp_directory_path() / "lpsim_tech_missing.yaml").string();
  std::ofstream(path) << t;
  // A mapping's line is that of its first key (the comment lines above it do not count).
  CHECK(load_error(path) == path + ":" + std::to_string(line_of(t, "  int8_mult:\n")) +
                                ": components: missing component 'mx_block' (MX block logic per block step: E8M0 "
                                "scale add, exponent compare, alignment shift)");
  // SRAM sizes must increase.
  path = mutated("sram_order", "    - kib: 256\n", "    - kib: 16\n");
  CHECK(load_error(path) == path + ":" + std::to_string(line_of(read_text(path), "- kib: 16") ) +
                                ": sram.read[2].kib: capacities must increase down the list (16 KiB after 32 KiB)");
  // The table's own node must have factors 1.
  path = mutated("own_node", "  - node_nm: 45\n    logic_area: 1\n", "  - node_nm: 45\n    logic_area: 0.9\n");
  CHECK_THAT(load_error(path), Catch::Contains(": node_scaling[1]: the table's own node (45 nm) must have "
                                               "logic_area 1 and logic_energy 1"));
  // Implementation terms: a placement utilization of 0 (placed area = cells / utilization) and a missing term.
  path = mutated("utilization", "    value: 0.6\n", "    value: 0\n");
  CHECK(load_error(path) == path + ":" + std::to_string(line_of(read_text(path), "    value: 0\n")) +
                                ": implementation.placement_utilization.value: expected a fraction above 0 (placed "
                                "logic area = cell area / utilization), got 0");
  t = shipped_text();
  const size_t c = t.find("  sram_two_port_area:\n"), d = t.find("\nnode_scaling:");
  t.erase(c, d - c);
  path = (std::filesystem::temp_directory_path() / "lpsim_tech_no_two_port.yaml").string();
  std::ofstream(path) << t;
  CHECK(load_error(path) == path + ":" + std::to_string(line_of(t, "  placement_utilization:\n")) +
                                ": implementation: missing key 'sram_two_port_area'");
  // A gating fraction above 1.
  path = mutated("fraction", "    value: 0.04\n", "    value: 1.5\n");
  CHECK(load_error(path) == path + ":" + std::to_string(line_of(read_text(path), "value: 1.5")) +
                                ": gating.datapath_fraction.value: expected a number from 0 to 1, got \"1.5\"");
  // The default DRAM type must be listed.
  path = mutated("dram_default", "  default: ddr3\n", "  default: ddr4\n");
  CHECK(load_error(path) == path + ":" + std::to_string(line_of(read_text(path), "default: ddr4")) +
                                ": dram.default: 'ddr4' is not one of the types ddr3, lpddr4, hbm2, ddr4_3200, "
                                "lpddr5_6400, hbm2e, hbm3 (did you mean 'ddr3'?)");
  // YAML syntax and missing files.
  const std::string syn = data("cost/syntax_error.yaml");
  CHECK_THAT(load_error(syn), Catch::StartsWith(syn + ":4: YAML syntax error:"));
  CHECK(load_error(data("cost/no_such_table.yaml")) ==
        data("cost/no_such_table.yaml") + ": cannot read technology table: no such file");
}
