// Area and energy model: prices the activity counts of a run (MACs by kind, SRAM/DRAM bits, SFU operations,
// cycles) with a technology table (tech_table.h), Accelergy-style: timing models count, this library prices.
// Pure C++17: no SystemC, no YAML. README.md in this directory gives every rule and its source.
//
//   cost::TechTable t = cfg::default_tech_table();           // or cfg::load_tech_table(path)  (sim/config/tech.h)
//   cost::ArchDesc a = cost::make_arch(cfg.array, cfg.memory, model::resolve(cfg.pe), cfg.sfu.lanes);
//   cost::CostModel m(t, a);
//   cost::Activity act = cost::layer_activity(a, shape, timing);  // + gated/skipped MACs, SFU ops, metadata
//   cost::Breakdown e = m.energy_pj(act);  cost::Breakdown area = m.area_um2();  double mw = m.average_power_mw(act);
#pragma once
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "array/timing.h"
#include "cost/tech_table.h"
#include "pe/pe.h"

namespace lpsim::cost {

// What the cost model needs to know about the design.
struct ArchDesc {
  int64_t rows = 32;
  int64_t cols = 32;
  model::ResolvedPe pe = model::resolve(model::PeParams{});  // formats, accumulator, MX block, INT32 policy
  double sram_kib[3] = {256, 256, 128};  // per operand (model::Operand), total of the double buffer
  model::ElementBits word_bits[3];  // bits per element in SRAM/DRAM (design level; layers may pass their own)
  int64_t dot_width = 1;            // elements of K per PE per cycle (accelerator.pe.dot_width)
  bool sfu_present = true;
  int sfu_lanes = 32;
  double clock_mhz = 1000;
  double node_nm = 45;
  std::string dram_type;     // "" = the table's default (ddr3 in the built-in table)
  bool zero_gating = false;  // PEs carry zero-detect gating logic (area; gated MACs are priced either way)
  // Vector unit beside the array (models/vector): present when the workload has ops for it (models, graph traces).
  bool vector_present = false;
  int vector_lanes = 32;
  int vector_bits = 32;      // 32 (fp32) or 16 (bf16)
  // Synthesized PE area (accelerator.cost.pe_area: synth): NAND2 equivalents of one PE (one MAC per cycle) at the
  // table's node, from yosys synthesis of the co-verified RTL (rtl/pe_area.json); 0 = area from the table's
  // components (the default). Energy is priced from the table either way.
  double pe_synth_nand2_eq = 0;
  std::string pe_synth_source;  // e.g. "rtl/pe_area.json fp8_mac: 2163 cells, ... NAND2-eq / 1 MAC per cycle"
  // Which operands enter the array skewed and whether the ofmap buffer accumulates partial sums (ws, is).
  model::Dataflow dataflow = model::Dataflow::kOS;
  double voltage_v = 0;      // supply voltage; 0 = the table's (dynamic energy x (V / V_table)^2, CV^2)
  // Implementation terms (README.md "Implementation"): placement whitespace around logic cells, skew registers at
  // the array edges, every stored flip-flop bit clocked every cycle, a second SRAM port on an accumulating ofmap
  // buffer. false = datapath-only pricing (lpsim before issue 18; `lpsim validate-cost` prints both).
  bool overheads = true;
  // PE-local storage (Eyeriss-style scratchpads): capacity per PE and traffic per MAC (bits read + written).
  double pe_scratchpad_bytes = 0;
  double pe_scratchpad_bits_per_mac = 0;
};

ArchDesc make_arch(const model::ArrayParams& array, const model::MemoryParams& memory, const model::ResolvedPe& pe,
                   int sfu_lanes, double node_nm = 45);

// Counts of actions, for one layer or a whole run (add them with +=).
struct Activity {
  uint64_t macs_full = 0;     // element products through the datapath
  uint64_t macs_gated = 0;    // issued with a zero operand: datapath clock-gated, operand registers still load
  uint64_t macs_skipped = 0;  // never issued (zero skipping): no PE energy; their index metadata is counted below
  uint64_t mx_blocks = 0;     // MX block steps (outputs x blocks along K); 0 with an MX PE = (MACs / block) rounded up
  uint64_t int32_spills = 0;  // INT32 -> FP32 spills (spill policy); 0 with that policy = MACs / (2 x interval)
  uint64_t sram_read_bits[3] = {0, 0, 0};   // per operand (model::Operand)
  uint64_t sram_write_bits[3] = {0, 0, 0};
  uint64_t dram_read_bits = 0;
  uint64_t dram_write_bits = 0;
  uint64_t sfu_ops = 0;             // activation evaluations
  uint64_t vector_ops = 0;          // vector-unit operations (elementwise, pooling, normalisation, bias adds)
  uint64_t metadata_sram_bits = 0;  // sparsity metadata read from SRAM (priced as filter-SRAM reads)
  uint64_t metadata_dram_bits = 0;  // sparsity metadata moved to/from DRAM
  uint64_t cycles = 0;              // wall-clock cycles (leakage time)
  // The array's compute cycles (fill, stream, drain; stalls excluded) per dense MAC: a property of the layer's
  // mapping, so it survives scaling the counts by a repeat. The registers are clocked for that many cycles per
  // issued MAC (skipped MACs shorten the schedule; capped by `cycles`); a stalled array holds its registers
  // (enable low, clock gated). 0 = unknown: `cycles`.
  double compute_cycles_per_mac = 0;
  Activity& operator+=(const Activity& o);
};

// One layer's counts from the timing model: MACs, MX blocks (M*N*ceil(K/block)), INT32 spills
// (M*N*ceil(ceil(K/2)/interval), one accumulation chain per output), SRAM/DRAM words x word bits, total cycles.
Activity layer_activity(const ArchDesc& a, const model::LayerShape& s, const model::LayerTiming& t);
// The same with the layer's own bits per element (its formats may differ from the design's: workload.overrides,
// per-tensor DFP exponents); SRAM/DRAM bits = ElementBits::bits(words).
Activity layer_activity(const ArchDesc& a, const model::LayerShape& s, const model::LayerTiming& t,
                        const model::ElementBits (&word_bits)[3]);

// Component name -> value, in a fixed order (area in um^2 or energy in pJ).
struct Breakdown {
  std::vector<std::pair<std::string, double>> parts;
  double total() const;
  double get(const std::string& name) const;  // 0 when absent
  void add(const std::string& name, double v);  // adds into an existing part of that name, else appends
  Breakdown& operator+=(const Breakdown& o);
};

// Energy of one element product (MAC) of a PE at the node, pJ. Block and spill terms are amortised per MAC at
// their nominal rate (1 / block size, 1 / (2 x spill interval)).
struct MacCost {
  double multiplier_pj = 0;  // element multiplier (exact product; exponent add included for floats)
  double adder_pj = 0;       // per-MAC add: INT32 (VNNI: two adds per two products), FP accumulate, MX block sum
  double block_pj = 0;       // MX: (block logic + accumulator add + scale/accumulator registers) / block size
  double spill_pj = 0;       // INT32 spill policy: (FP32 accumulate + 32 register bits) / (2 x interval)
  double register_pj = 0;    // operand + accumulator register bits loaded per MAC (their data switching only when
                             // the clock is priced separately, clock_pj)
  double clock_pj = 0;       // per PE and clocked cycle: every stored register bit x its clock energy
  double scratchpad_pj = 0;  // PE-local scratchpad traffic per MAC (ArchDesc::pe_scratchpad_bits_per_mac)
  double gated_pj = 0;       // a MAC with a zero operand: operand registers + gating fraction of the datapath
  double macs_per_cycle = 1; // a w-wide dot-product PE does w MACs per cycle (ArchDesc::dot_width)
  double datapath_pj() const { return multiplier_pj + adder_pj; }
  // One MAC at full utilization (macs_per_cycle MACs per PE per cycle share one cycle of clock).
  double total_pj() const {
    return multiplier_pj + adder_pj + block_pj + spill_pj + register_pj + clock_pj / macs_per_cycle + scratchpad_pj;
  }
};

// Area of one PE at the node, um^2.
struct PeArea {
  double multiplier_um2 = 0;
  double adders_um2 = 0;
  double mx_logic_um2 = 0;
  double spill_um2 = 0;
  double registers_um2 = 0;
  double zero_gating_um2 = 0;
  double synth_um2 = 0;  // pe_area: synth: the whole synthesized PE (datapath and registers; the parts above are 0
                         // except spill and zero gating, which the RTL does not have)
  double scratchpad_um2 = 0;  // PE-local storage (SRAM area per bit; not placed logic)
  // Cell area of the PE's logic (what placement spreads out) and the whole PE.
  double logic_um2() const {
    return multiplier_um2 + adders_um2 + mx_logic_um2 + spill_um2 + registers_um2 + zero_gating_um2 + synth_um2;
  }
  double total_um2() const { return logic_um2() + scratchpad_um2; }
};

// One per-action cost with how it was obtained (for `--explain`-style listings).
struct CostItem {
  std::string name;      // e.g. "mac.multiplier"
  double value = 0;
  std::string unit;      // e.g. "pJ/MAC", "um^2/PE", "pJ/bit"
  std::string formula;   // the arithmetic, naming the table entries used
  std::vector<std::string> entries;  // table entries used (their sources are listed by describe())
};

class CostModel {
 public:
  // Precomputes every per-action cost at a.node_nm. Throws std::invalid_argument on a bad ArchDesc (sizes < 1,
  // word bits outside 1..64, node outside the table's scaling range, unknown DRAM type).
  CostModel(const TechTable& t, const ArchDesc& a);

  const TechTable& tech() const { return tech_; }
  const ArchDesc& arch() const { return arch_; }
  ScaleFactors scale() const { return scale_; }

  const MacCost& mac() const { return mac_; }
  double mac_energy_pj() const { return mac_.total_pj(); }  // one full MAC, registers included
  double mx_block_pj() const { return block_pj_; }          // one MX block step (0 for other PEs)
  double int32_spill_pj() const { return spill_pj_; }       // one spill (0 unless the spill policy)
  const PeArea& pe_area() const { return pe_area_; }
  double sram_read_pj_per_bit(int op) const { return sram_read_bit_[op]; }
  double sram_write_pj_per_bit(int op) const { return sram_write_bit_[op]; }
  double dram_pj_per_bit() const { return dram_bit_; }
  double sfu_op_pj() const { return sfu_op_; }
  double vector_op_pj() const { return vector_op_; }

  Breakdown area_um2() const;   // PE array parts (cells, skew registers, placement whitespace), SRAM per operand, SFU
  double area_mm2() const { return area_um2().total() * 1e-6; }
  double cell_area_mm2() const; // area without placement whitespace (what synthesis reports)
  double leakage_mw() const;    // leakage power density x cell area
  double voltage_factor() const { return vf_; }  // (V / V_table)^2 applied to every dynamic energy but DRAM's
  double skew_register_bits() const { return skew_bits_; }
  double time_us(const Activity& a) const { return static_cast<double>(a.cycles) / arch_.clock_mhz; }
  Breakdown energy_pj(const Activity& a) const;   // dynamic parts + "leakage" (leakage_mw x time)
  double average_power_mw(const Activity& a) const;  // energy / time (0 when cycles == 0)

  std::vector<CostItem> items() const;  // every per-action cost with its formula
  std::string describe() const;         // items() as text plus the source of every table entry used

 private:
  TechTable tech_;
  ArchDesc arch_;
  ScaleFactors scale_;
  MacCost mac_;
  PeArea pe_area_;
  double block_pj_ = 0, spill_pj_ = 0;
  double vf_ = 1, skew_bits_ = 0, skew_area_ = 0, skew_clock_pj_ = 0;
  double sram_read_bit_[3] = {0, 0, 0}, sram_write_bit_[3] = {0, 0, 0};
  double sram_area_[3] = {0, 0, 0};
  double dram_bit_ = 0, sfu_op_ = 0, sfu_area_ = 0, vector_op_ = 0, vector_area_ = 0;
  std::vector<CostItem> items_;
};

// Per-MAC energy and per-PE area of a PE configuration at a node (what CostModel precomputes), with the items
// that explain them appended to `why` when given. `overheads` as ArchDesc::overheads (clocked registers).
MacCost mac_cost(const TechTable& t, const model::ResolvedPe& pe, double node_nm,
                 std::vector<CostItem>* why = nullptr, bool overheads = true);
PeArea pe_area(const TechTable& t, const model::ResolvedPe& pe, double node_nm, bool zero_gating = false);

}  // namespace lpsim::cost
