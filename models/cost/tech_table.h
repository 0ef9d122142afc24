// Technology table: the cited per-action energies and per-unit areas the cost model prices activity with
// (Accelergy's ERT/ART idea: models count, tables price). Pure data plus the lookups that interpolate it: SRAM
// energy by capacity, node scaling by feature size. No YAML here: sim/config/tech.h reads a table file into this
// struct; the default table (configs/tech/horowitz_45nm.yaml) is compiled into the library as text.
#pragma once
#include <map>
#include <string>
#include <vector>

namespace lpsim::cost {

// One priced component at the table's node: energy per action and area per unit, with where they come from.
struct Entry {
  double energy_pj = 0;
  double area_um2 = 0;
  std::string source;
};

// A single cited number.
struct Value {
  double value = 0;
  std::string source;
};

struct SramPoint {
  double kib = 0;        // capacity
  double energy_pj = 0;  // one access of TechTable::sram_access_bits bits
  std::string source;
};

struct DramType {
  std::string name;
  double energy_pj_per_bit = 0;
  std::string source;
};

// Factors relative to the table's node (1 at node_nm itself).
struct NodePoint {
  double node_nm = 0;
  double logic_area = 1;
  double logic_energy = 1;
  std::string source;
};

struct TechTable {
  std::string name;
  std::string origin;  // file it was read from, or "<built-in>"
  std::string source;
  double node_nm = 45;
  double voltage_v = 0;
  std::map<std::string, Entry> components;  // exactly the names of component_specs()
  int sram_access_bits = 64;
  std::vector<SramPoint> sram_read;  // strictly increasing kib
  Value sram_write_read_ratio;
  Value sram_area_um2_per_bit;
  std::string dram_default;
  std::vector<DramType> dram;
  Value leakage_mw_per_mm2;
  Value gated_datapath_fraction;
  Value sfu_nand2_eq_per_lane;
  Value sfu_nand2_area_um2;
  Value sfu_energy_pj_per_op;
  // Implementation (what placing, clocking and porting an array adds to its cells; cost_model.h ArchDesc::overheads).
  Value placement_utilization;      // placed logic area = cell area / this (0 < u <= 1)
  Value register_clock_pj_per_bit;  // clock energy of one stored flip-flop bit per cycle
  Value sram_two_port_area;         // area of a 1R+1W-port SRAM over a 1RW-port one
  std::vector<NodePoint> node_scaling;  // strictly decreasing node_nm; contains node_nm with factors 1

  // Throws std::out_of_range naming the component when it is not in the table.
  const Entry& component(const std::string& name) const;
  const DramType& dram_type(const std::string& name) const;  // "" = dram_default; throws std::invalid_argument
};

struct ComponentSpec {
  const char* name;
  const char* meaning;
};
// Every component a table must define (the reader rejects others and requires all of these).
const std::vector<ComponentSpec>& component_specs();

struct ScaleFactors {
  double area = 1;
  double energy = 1;
};
// Logic scaling from the table's node to node_nm: exact at the table's points, log-log interpolation in between
// (ln f linear in ln node, so the factor moves monotonically from one point to the next). Throws
// std::invalid_argument outside the table's node range.
ScaleFactors node_scaling(const TechTable& t, double node_nm);

// Energy of one sram_access_bits-bit read / write of an SRAM of `kib` KiB, at the table's node: exact at the
// table's sizes, log-log interpolation between them, and beyond the ends the nearest segment's slope extended
// (one point only: constant). Throws std::invalid_argument for kib <= 0.
double sram_read_pj(const TechTable& t, double kib);
double sram_write_pj(const TechTable& t, double kib);

// The default table (configs/tech/horowitz_45nm.yaml as of the build) as YAML text, and its file name.
const char* default_tech_yaml();
const char* default_tech_name();  // "configs/tech/horowitz_45nm.yaml"

}  // namespace lpsim::cost
