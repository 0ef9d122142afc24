// Rules (README.md "MAC energy and PE area" has the reasoning and sources):
//  - multiplier: the table's exact-product multiplier of the same significand product p_a*p_b (hidden bit
//    included), else log-log interpolation in p_a*p_b between the neighbouring entries of the family;
//  - int PE (DFP, VNNI step = two products + INT32 add, papers.md §4): one INT32 add per product;
//  - float PE (fused MAC, exact product, one rounding): fp32_acc_add scaled by the adder width;
//  - MX PE (OCP MX v1.0 §6.1 exact block sum): fixed-point block adder of the exact sum's width per product,
//    block logic + one accumulator add per block step;
//  - registers: operand bits + accumulator bits loaded per MAC.
#include "cost/cost_model.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <set>
#include <sstream>
#include <stdexcept>

namespace lpsim::cost {

namespace {

std::string fmt(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.4g", v);
  return buf;
}

// Significand width incl. the hidden bit (floats) or the integer width: the side of the multiplier array.
int significand_bits(const num::NumberFormat& f) { return f.is_float() ? f.flt.man_bits + 1 : f.integer.bits; }

struct Anchor {
  const char* entry;
  int product;  // p_a * p_b of the table entry
};
// Integer anchors: Horowitz 8/32-bit and the derived 16-bit multiplier. Float anchors: exact-product multipliers.
const std::vector<Anchor> kIntAnchors = {{"int8_mult", 8 * 8}, {"int16_mult", 16 * 16}, {"int32_mult", 32 * 32}};
const std::vector<Anchor> kFloatAnchors = {{"fp8_e5m2_mult", 3 * 3},
                                           {"fp8_e4m3_mult", 4 * 4},
                                           {"bf16_mult", 8 * 8},
                                           {"fp16_mult", 11 * 11},
                                           {"fp32_mult_exact", 24 * 24}};

struct Priced {
  double energy_pj = 0;
  double area_um2 = 0;
  std::string formula;
  std::vector<std::string> entries;
};

double loglog(double x, double x0, double y0, double x1, double y1) {
  const double t = std::log(x / x0) / std::log(x1 / x0);
  return std::exp(std::log(y0) + t * (std::log(y1) - std::log(y0)));
}

// Multiplier of a format pair at the table's node.
Priced multiplier(const TechTable& t, const num::NumberFormat& a, const num::NumberFormat& b) {
  const bool is_float = a.is_float() || b.is_float();
  const auto& anchors = is_float ? kFloatAnchors : kIntAnchors;
  const int pa = significand_bits(a), pb = significand_bits(b), s = pa * pb;
  Priced p;
  std::string head = "significand " + std::to_string(pa) + "x" + std::to_string(pb) + " = " + std::to_string(s);
  for (const auto& an : anchors) {
    if (an.product == s) {
      const Entry& e = t.component(an.entry);
      p = {e.energy_pj, e.area_um2, head + ": " + an.entry, {an.entry}};
      return p;
    }
  }
  const Anchor* lo = nullptr;
  const Anchor* hi = nullptr;
  for (const auto& an : anchors) {
    if (an.product < s) lo = &an;
    if (an.product > s && !hi) hi = &an;
  }
  if (lo && hi) {
    const Entry& el = t.component(lo->entry);
    const Entry& eh = t.component(hi->entry);
    p.energy_pj = loglog(s, lo->product, el.energy_pj, hi->product, eh.energy_pj);
    p.area_um2 = loglog(s, lo->product, el.area_um2, hi->product, eh.area_um2);
    p.formula = head + ": log-log between " + lo->entry + " (" + std::to_string(lo->product) + ") and " +
                hi->entry + " (" + std::to_string(hi->product) + ")";
    p.entries = {lo->entry, hi->entry};
    return p;
  }
  // Outside the anchors: a partial-product array grows with p_a * p_b, so scale the nearest anchor in proportion.
  const Anchor* near = lo ? lo : hi;
  const Entry& e = t.component(near->entry);
  const double r = static_cast<double>(s) / near->product;
  p = {e.energy_pj * r, e.area_um2 * r,
       head + ": " + near->entry + " x " + std::to_string(s) + "/" + std::to_string(near->product) +
           " (beyond the table's multipliers: proportional to p_a*p_b)",
       {near->entry}};
  return p;
}

// Bits of the exact fixed-point sum of `block` products (sign included): every element is an integer multiple of
// its format's smallest step, so the block sum is an integer number of lsb_a*lsb_b units below
// block * (max_a/lsb_a) * (max_b/lsb_b) (models/pe/README.md "MX dot unit").
int block_sum_bits(const num::NumberFormat& a, const num::NumberFormat& b, int block) {
  auto steps = [](const num::NumberFormat& f) {
    const double lsb = f.is_float() ? std::ldexp(1.0, f.flt.emin - f.flt.man_bits) : std::ldexp(1.0, -f.integer.frac_bits);
    return f.max_value() / lsb;
  };
  int e = 0;
  std::frexp(static_cast<double>(block) * steps(a) * steps(b), &e);  // magnitude < 2^e
  return e + 1;
}

struct PeDerivation {
  MacCost mac;  // at the table's node
  PeArea area;
  double block_pj = 0, spill_pj = 0;
  std::vector<CostItem> items;
};

// What besides the formats shapes a PE's price (ArchDesc).
struct PeOptions {
  bool zero_gating = false;
  bool overheads = true;            // clock priced per stored bit and cycle (register_pj keeps the data part)
  double scratchpad_bytes = 0;      // PE-local storage
  double scratchpad_bits_per_mac = 0;
  int64_t dot_width = 1;            // w: elements of K per PE per cycle (a w-wide dot-product unit)
};

// A w-wide dot-product PE (w > 1; README "Dot-product PEs"): w multipliers, an adder tree over the w products
// (w - 1 adds) plus the add that folds the tree's sum into the running sum (w product adders in all, as the
// one-MAC PE has one), and the per-dot-product logic ONCE per unit instead of once per element: MX: one set of
// block logic (shared-exponent add, alignment, conversion to the accumulator: mx_block) per block the vector
// covers, ceil(w / block); float: one exponent-max/alignment/normalisation stage (priced as mx_block) and one
// accumulator add; integer (DFP, per-tensor exponent): the INT32 accumulator add only. Register loads: operands
// per MAC, the running sum once per cycle (1/w per MAC). Energy per MAC of the multipliers and product adders is
// that of the one-MAC PE; shared logic spreads over the w MACs of a cycle.
void widen_pe(PeDerivation& d, const TechTable& t, const model::ResolvedPe& pe, const PeOptions& o) {
  const int64_t w = o.dot_width;
  const double wd = static_cast<double>(w);
  const Entry& reg = t.component("register_bit");
  const Entry& facc = t.component("fp32_acc_add");
  const Entry& mx = t.component("mx_block");
  const Entry& al = t.component("aligned_add_48b");
  const int wa = pe.a.element.width(), wb = pe.b.element.width();
  const std::string ws = std::to_string(w);
  d.area.multiplier_um2 *= wd;
  int acc_bits = 32, sum_reg = 0, sets = 0;
  switch (pe.mode) {
    case model::PeMode::kInt:  // int32_add per product (the tree), one INT32 accumulator
      d.area.adders_um2 *= wd;
      break;
    case model::PeMode::kMx: {  // today's one-MAC MX PE already holds one set of block logic and one acc add
      const int block = pe.params.mx_block;
      sets = static_cast<int>((w + block - 1) / block);
      const double lane = d.area.adders_um2 - facc.area_um2 * pe.acc.width / 32.0;  // the block-sum adder
      d.area.adders_um2 = lane * wd + facc.area_um2 * pe.acc.width / 32.0 * sets;
      d.area.mx_logic_um2 = mx.area_um2 * sets;
      acc_bits = pe.acc.width;
      sum_reg = block_sum_bits(pe.a.element, pe.b.element, block);
      d.items.push_back({"pe.dot_unit", d.area.adders_um2, "um^2/PE",
                         ws + "-wide MX dot product: " + ws + " product adders (tree + block sum) + " +
                             std::to_string(sets) + " x (mx_block + accumulator add), ceil(" + ws + "/" +
                             std::to_string(block) + ") blocks per cycle",
                         {"mx_block", "fp32_acc_add"}});
      break;
    }
    case model::PeMode::kFloat: {
      // Products aligned to the largest exponent and summed in fixed point at the fused adder's width (the
      // one-MAC FMA's adder aligns, adds and normalises; a tree lane only adds): aligned_add_48b x width/48 per
      // product, then one alignment/normalisation stage and one accumulator add per dot product.
      const int pprod = significand_bits(pe.a.element) + significand_bits(pe.b.element);
      const int fw = std::max(pe.acc.width, 1 + pe.acc.exp_bits + pprod);
      d.mac.adder_pj = al.energy_pj * fw / 48.0;
      const double acc_add_pj = facc.energy_pj * pe.acc.width / 32.0;
      d.mac.block_pj = (mx.energy_pj + acc_add_pj) / wd;
      d.area.adders_um2 = al.area_um2 * fw / 48.0 * wd + facc.area_um2 * pe.acc.width / 32.0;
      d.area.mx_logic_um2 = mx.area_um2;
      sets = 1;
      acc_bits = pe.acc.width;
      d.items.push_back({"pe.dot_unit", d.area.adders_um2 + d.area.mx_logic_um2, "um^2/PE",
                         ws + "-wide float dot product: " + ws + " x aligned_add_48b x " + std::to_string(fw) +
                             "/48 + one alignment/normalisation stage (mx_block) + one accumulator add (fp32_acc_add x " +
                             std::to_string(pe.acc.width) + "/32)",
                         {"aligned_add_48b", "mx_block", "fp32_acc_add"}});
      break;
    }
  }
  // Registers: w operand pairs, the running sum (MX: block sum + accumulator + 2 x 8-bit scales per block).
  const int stored = static_cast<int>(w) * (wa + wb) + acc_bits + sum_reg + 16 * sets;
  const double clk = o.overheads ? t.register_clock_pj_per_bit.value : 0.0;
  const double data_pj = std::max(reg.energy_pj - clk, 0.0);
  const double per_mac = wa + wb + (acc_bits + sum_reg) / wd;
  d.mac.register_pj = per_mac * data_pj;
  d.area.registers_um2 = stored * reg.area_um2;
  if (o.overheads) d.mac.clock_pj = stored * clk;
  d.mac.macs_per_cycle = wd;
  d.items.push_back({"pe.dot_width", wd, "MACs/PE-cycle",
                     ws + "-wide dot-product PE: " + std::to_string(stored) + " stored register bits, " +
                         fmt(per_mac) + " loaded per MAC; multipliers x " + ws,
                     {"register_bit"}});
}

PeDerivation derive_pe(const TechTable& t, const model::ResolvedPe& pe, const PeOptions& o) {
  const bool zero_gating = o.zero_gating;
  PeDerivation d;
  const Entry& reg = t.component("register_bit");
  const Entry& add32 = t.component("int32_add");
  const Entry& facc = t.component("fp32_acc_add");
  const int wa = pe.a.element.width(), wb = pe.b.element.width();
  const std::string pair = pe.a.name + " x " + pe.b.name;

  const Priced m = multiplier(t, pe.a.element, pe.b.element);
  d.mac.multiplier_pj = m.energy_pj;
  d.area.multiplier_um2 = m.area_um2;
  d.items.push_back({"mac.multiplier", m.energy_pj, "pJ/MAC", pair + ", " + m.formula, m.entries});

  int reg_bits_per_mac = 0, reg_bits_stored = 0;
  switch (pe.mode) {
    case model::PeMode::kInt: {
      // VNNI step (papers.md §4): two products, one add of the pair and one into the INT32 accumulator.
      d.mac.adder_pj = add32.energy_pj;
      d.area.adders_um2 = add32.area_um2;
      d.items.push_back({"mac.adder", d.mac.adder_pj, "pJ/MAC",
                         "VNNI step = 2 products + 2 INT32 adds (pair sum, accumulate): int32_add per product",
                         {"int32_add"}});
      reg_bits_per_mac = wa + wb + 16;  // the 32-bit accumulator loads once per two products
      reg_bits_stored = wa + wb + 32;
      if (pe.params.int32_policy == model::Int32Policy::kSpill) {
        // Each spill converts the INT32 partial and adds it into an FP32 accumulator: one fused align-add-round
        // (fp32_acc_add) and a 32-bit register load; one spill unit per PE.
        d.spill_pj = facc.energy_pj + 32 * reg.energy_pj;
        d.mac.spill_pj = d.spill_pj / (2.0 * pe.params.spill_interval);
        d.area.spill_um2 = facc.area_um2;
        reg_bits_stored += 32;
        d.items.push_back({"mac.int32_spill", d.spill_pj, "pJ/spill",
                           "fp32_acc_add + 32 x register_bit, once per " + std::to_string(pe.params.spill_interval) +
                               " VNNI steps (" + std::to_string(2 * pe.params.spill_interval) + " MACs)",
                           {"fp32_acc_add", "register_bit"}});
      }
      break;
    }
    case model::PeMode::kFloat: {
      // Fused MAC: the adder takes the exact product (p_a + p_b significand bits) and the accumulator, so its
      // datapath is the wider of the two; cost in proportion to the FP32 accumulate stage (32 bits wide).
      const int pprod = significand_bits(pe.a.element) + significand_bits(pe.b.element);
      const int w = std::max(pe.acc.width, 1 + pe.acc.exp_bits + pprod);
      d.mac.adder_pj = facc.energy_pj * w / 32.0;
      d.area.adders_um2 = facc.area_um2 * w / 32.0;
      d.items.push_back({"mac.adder", d.mac.adder_pj, "pJ/MAC",
                         "accumulate into " + pe.acc_name + ": width max(acc " + std::to_string(pe.acc.width) +
                             ", 1 + " + std::to_string(pe.acc.exp_bits) + " + product " + std::to_string(pprod) +
                             ") = " + std::to_string(w) + " bits: fp32_acc_add x " + std::to_string(w) + "/32",
                         {"fp32_acc_add"}});
      reg_bits_per_mac = wa + wb + pe.acc.width;
      reg_bits_stored = reg_bits_per_mac;
      break;
    }
    case model::PeMode::kMx: {
      const int block = pe.params.mx_block;
      const int w = block_sum_bits(pe.a.element, pe.b.element, block);
      const bool aligned = pe.a.element.is_float() || pe.b.element.is_float();
      if (aligned) {  // float elements: each product is shifted by its exponent sum before the add
        const Entry& al = t.component("aligned_add_48b");
        d.mac.adder_pj = al.energy_pj * w / 48.0;
        d.area.adders_um2 = al.area_um2 * w / 48.0;
        d.items.push_back({"mac.adder", d.mac.adder_pj, "pJ/MAC",
                           "exact block sum of " + std::to_string(block) + " products: " + std::to_string(w) +
                               "-bit aligned fixed-point add, aligned_add_48b x " + std::to_string(w) + "/48",
                           {"aligned_add_48b"}});
      } else {  // MX INT8: fixed point with a shared scale, no alignment
        d.mac.adder_pj = add32.energy_pj * w / 32.0;
        d.area.adders_um2 = add32.area_um2 * w / 32.0;
        d.items.push_back({"mac.adder", d.mac.adder_pj, "pJ/MAC",
                           "exact block sum of " + std::to_string(block) + " products: " + std::to_string(w) +
                               "-bit integer add, int32_add x " + std::to_string(w) + "/32",
                           {"int32_add"}});
      }
      // Per block step: block logic, one add of the block sum into the accumulator (the block logic hands it an
      // accumulator-width operand), loads of the accumulator and of both 8-bit E8M0 scales.
      const Entry& mx = t.component("mx_block");
      const double acc_add = facc.energy_pj * pe.acc.width / 32.0;
      d.block_pj = mx.energy_pj + acc_add + (pe.acc.width + 16) * reg.energy_pj;
      d.mac.block_pj = d.block_pj / block;
      d.area.mx_logic_um2 = mx.area_um2;
      d.area.adders_um2 += facc.area_um2 * pe.acc.width / 32.0;
      d.items.push_back({"mac.mx_block", d.block_pj, "pJ/block",
                         "mx_block + fp32_acc_add x " + std::to_string(pe.acc.width) + "/32 (" + pe.acc_name +
                             ") + (" + std::to_string(pe.acc.width) + " + 2 x 8 scale) x register_bit, once per " +
                             std::to_string(block) + " MACs",
                         {"mx_block", "fp32_acc_add", "register_bit"}});
      reg_bits_per_mac = wa + wb + w;
      reg_bits_stored = wa + wb + w + pe.acc.width + 16;
      break;
    }
  }
  // With the clock priced per stored bit and cycle (Aladdin: a register's clock edge costs it even when its data
  // does not change), a loaded bit pays only the rest of register_bit, its data switching.
  const double clk = o.overheads ? t.register_clock_pj_per_bit.value : 0.0;
  const double data_pj = std::max(reg.energy_pj - clk, 0.0);
  d.mac.register_pj = reg_bits_per_mac * data_pj;
  d.area.registers_um2 = reg_bits_stored * reg.area_um2;
  d.items.push_back({"mac.registers", d.mac.register_pj, "pJ/MAC",
                     std::to_string(reg_bits_per_mac) + " register bits loaded per MAC (operands " +
                         std::to_string(wa) + " + " + std::to_string(wb) + ", accumulator) x register_bit" +
                         (o.overheads ? " minus its clock part (implementation.register_clock_pj_per_bit)" : ""),
                     {"register_bit"}});
  if (o.overheads) {
    d.mac.clock_pj = reg_bits_stored * clk;
    d.items.push_back({"pe.clock", d.mac.clock_pj, "pJ/PE-cycle",
                       std::to_string(reg_bits_stored) + " stored register bits x register_clock_pj_per_bit, every "
                           "cycle the array is clocked (idle or not)",
                       {"implementation.register_clock_pj_per_bit"}});
  }
  if (o.scratchpad_bytes > 0) {
    // A PE-local scratchpad is a small SRAM: its area per bit and its access energy at its own capacity
    // (sram.read extended below 8 KiB along the 8-32 KiB slope), one bit at a time.
    const double kib = o.scratchpad_bytes / 1024.0;
    const double pj_bit = 0.5 * (sram_read_pj(t, kib) + sram_write_pj(t, kib)) / t.sram_access_bits;
    d.mac.scratchpad_pj = o.scratchpad_bits_per_mac * pj_bit;
    d.area.scratchpad_um2 = o.scratchpad_bytes * 8 * t.sram_area_um2_per_bit.value;
    d.items.push_back({"pe.scratchpad", d.mac.scratchpad_pj, "pJ/MAC",
                       fmt(o.scratchpad_bits_per_mac) + " bits per MAC x sram.read at " + fmt(kib) + " KiB / " +
                           std::to_string(t.sram_access_bits) + " bits (reads and writes averaged)",
                       {"sram.read", "sram.write_read_ratio"}});
    d.items.push_back({"pe.scratchpad.area", d.area.scratchpad_um2, "um^2/PE",
                       fmt(o.scratchpad_bytes) + " B x 8 x sram.area_um2_per_bit", {"sram.area_um2_per_bit"}});
  }
  if (o.dot_width > 1) widen_pe(d, t, pe, o);  // replaces the one-MAC figures above
  const double frac = t.gated_datapath_fraction.value;
  d.mac.gated_pj = (wa + wb) * data_pj + frac * d.mac.datapath_pj();
  d.items.push_back({"mac.gated", d.mac.gated_pj, "pJ/MAC",
                     "operand registers (" + std::to_string(wa + wb) + " bits x register_bit" +
                         (o.overheads ? ", data part" : "") + ") + " + fmt(frac) +
                         " (gating.datapath_fraction) x (multiplier + adder)",
                     {"register_bit", "gating.datapath_fraction"}});
  if (zero_gating) d.area.zero_gating_um2 = frac * (d.area.multiplier_um2 + d.area.adders_um2);
  d.items.push_back({"mac.total", d.mac.total_pj(), "pJ/MAC",
                     "multiplier + adder + block + spill + registers" + std::string(o.overheads ? " + clock" : "") +
                         (o.scratchpad_bytes > 0 ? " + scratchpad" : "") + " at full utilization (" + pair +
                         ", accumulator " + pe.acc_name + ")",
                     {}});
  d.items.push_back({"pe.area", d.area.total_um2(), "um^2/PE",
                     "cells: multiplier + adders (as above) + MX logic (mx_block) + spill (fp32_acc_add) + " +
                         std::to_string(reg_bits_stored) + " register bits x register_bit" +
                         (zero_gating ? " + gating.datapath_fraction x (multiplier + adders)" : "") +
                         (o.scratchpad_bytes > 0 ? " + scratchpad" : ""),
                     {}});
  return d;
}

void scale_pe(PeDerivation& d, ScaleFactors f) {
  for (double* e : {&d.mac.multiplier_pj, &d.mac.adder_pj, &d.mac.block_pj, &d.mac.spill_pj, &d.mac.register_pj,
                    &d.mac.clock_pj, &d.mac.scratchpad_pj, &d.mac.gated_pj, &d.block_pj, &d.spill_pj})
    *e *= f.energy;
  for (double* a : {&d.area.multiplier_um2, &d.area.adders_um2, &d.area.mx_logic_um2, &d.area.spill_um2,
                    &d.area.registers_um2, &d.area.zero_gating_um2, &d.area.scratchpad_um2})
    *a *= f.area;
  for (auto& it : d.items) it.value *= it.unit.rfind("um^2", 0) == 0 ? f.area : f.energy;
}

const char* kOpNames[3] = {"ifmap", "filter", "ofmap"};

}  // namespace

// ---- Activity, Breakdown ---------------------------------------------------------------------------------------

Activity& Activity::operator+=(const Activity& o) {
  // compute_cycles_per_mac is a ratio: the sum keeps the MAC-weighted mean, so summed compute cycles are exact.
  const double m0 = static_cast<double>(macs_full + macs_gated + macs_skipped);
  const double m1 = static_cast<double>(o.macs_full + o.macs_gated + o.macs_skipped);
  if (m0 + m1 > 0) compute_cycles_per_mac = (compute_cycles_per_mac * m0 + o.compute_cycles_per_mac * m1) / (m0 + m1);
  macs_full += o.macs_full;
  macs_gated += o.macs_gated;
  macs_skipped += o.macs_skipped;
  mx_blocks += o.mx_blocks;
  int32_spills += o.int32_spills;
  for (int op = 0; op < 3; ++op) {
    sram_read_bits[op] += o.sram_read_bits[op];
    sram_write_bits[op] += o.sram_write_bits[op];
  }
  dram_read_bits += o.dram_read_bits;
  dram_write_bits += o.dram_write_bits;
  sfu_ops += o.sfu_ops;
  vector_ops += o.vector_ops;
  metadata_sram_bits += o.metadata_sram_bits;
  metadata_dram_bits += o.metadata_dram_bits;
  cycles += o.cycles;
  return *this;
}

double Breakdown::total() const {
  double s = 0;
  for (const auto& p : parts) s += p.second;
  return s;
}

double Breakdown::get(const std::string& name) const {
  for (const auto& p : parts)
    if (p.first == name) return p.second;
  return 0;
}

void Breakdown::add(const std::string& name, double v) {
  for (auto& p : parts) {
    if (p.first == name) {
      p.second += v;
      return;
    }
  }
  parts.emplace_back(name, v);
}

Breakdown& Breakdown::operator+=(const Breakdown& o) {
  for (const auto& p : o.parts) add(p.first, p.second);
  return *this;
}

// ---- design description ------------------------------------------------------------------------------------------

ArchDesc make_arch(const model::ArrayParams& array, const model::MemoryParams& memory, const model::ResolvedPe& pe,
                   int sfu_lanes, double node_nm) {
  ArchDesc a;
  a.rows = array.rows;
  a.cols = array.cols;
  a.clock_mhz = array.clock_mhz;
  a.pe = pe;
  for (int op = 0; op < 3; ++op) {
    a.sram_kib[op] = memory.sram_kib[op];
    a.word_bits[op] = memory.word_bits[op];
  }
  a.dot_width = array.dot_width;
  a.sfu_present = sfu_lanes > 0;
  a.sfu_lanes = std::max(sfu_lanes, 1);
  a.node_nm = node_nm;
  a.dataflow = array.dataflow;
  return a;
}

Activity layer_activity(const ArchDesc& a, const model::LayerShape& s, const model::LayerTiming& t) {
  return layer_activity(a, s, t, a.word_bits);
}

Activity layer_activity(const ArchDesc& a, const model::LayerShape& s, const model::LayerTiming& t,
                        const model::ElementBits (&word_bits)[3]) {
  Activity act;
  act.macs_full = t.macs;
  const uint64_t outputs = static_cast<uint64_t>(s.M()) * static_cast<uint64_t>(s.N());
  const uint64_t k = static_cast<uint64_t>(s.K());
  if (a.pe.mode == model::PeMode::kMx) {
    const uint64_t block = static_cast<uint64_t>(a.pe.params.mx_block);
    act.mx_blocks = outputs * ((k + block - 1) / block);
  }
  if (a.pe.mode == model::PeMode::kInt && a.pe.params.int32_policy == model::Int32Policy::kSpill) {
    const uint64_t steps = (k + 1) / 2, interval = static_cast<uint64_t>(a.pe.params.spill_interval);
    act.int32_spills = outputs * ((steps + interval - 1) / interval);
  }
  for (int op = 0; op < 3; ++op) {
    const model::ElementBits& wb = word_bits[op];
    act.sram_read_bits[op] = wb.bits(t.traffic[op].sram_reads);
    act.sram_write_bits[op] = wb.bits(t.traffic[op].sram_writes);
    act.dram_read_bits += wb.bits(t.traffic[op].dram_reads);
    act.dram_write_bits += wb.bits(t.traffic[op].dram_writes);
  }
  // ws and is write each output once per K fold (row_folds x M x N writes); every write after the first adds to the
  // partial sum the buffer holds, so it reads it first. SCALE-Sim's counts (and the report's SRAM columns) leave
  // those reads out; the cost model prices them with the implementation terms.
  const uint64_t psum_writes = t.traffic[model::kOfmap].sram_writes;
  if (a.overheads && a.dataflow != model::Dataflow::kOS && psum_writes > outputs)
    act.sram_read_bits[model::kOfmap] += word_bits[model::kOfmap].bits(psum_writes - outputs);
  act.cycles = t.total_cycles;
  if (t.macs > 0) act.compute_cycles_per_mac = static_cast<double>(t.compute_cycles) / static_cast<double>(t.macs);
  return act;
}

// ---- per-PE costs --------------------------------------------------------------------------------------------------

MacCost mac_cost(const TechTable& t, const model::ResolvedPe& pe, double node_nm, std::vector<CostItem>* why,
                 bool overheads) {
  PeOptions o;
  o.overheads = overheads;
  PeDerivation d = derive_pe(t, pe, o);
  scale_pe(d, node_scaling(t, node_nm));
  if (why) why->insert(why->end(), d.items.begin(), d.items.end());
  return d.mac;
}

PeArea pe_area(const TechTable& t, const model::ResolvedPe& pe, double node_nm, bool zero_gating) {
  PeOptions o;
  o.zero_gating = zero_gating;
  PeDerivation d = derive_pe(t, pe, o);
  scale_pe(d, node_scaling(t, node_nm));
  return d.area;
}

// ---- CostModel -----------------------------------------------------------------------------------------------------

CostModel::CostModel(const TechTable& t, const ArchDesc& a) : tech_(t), arch_(a) {
  if (a.rows < 1 || a.cols < 1)
    throw std::invalid_argument("array must have at least one PE row and column, got " + std::to_string(a.rows) +
                                "x" + std::to_string(a.cols));
  if (!(a.clock_mhz > 0)) throw std::invalid_argument("clock must be positive, got " + fmt(a.clock_mhz) + " MHz");
  for (int op = 0; op < 3; ++op) {
    if (!(a.sram_kib[op] > 0))
      throw std::invalid_argument(std::string(kOpNames[op]) + " SRAM must be positive, got " + fmt(a.sram_kib[op]) +
                                  " KiB");
    if (a.word_bits[op].den < 1 || a.word_bits[op].value() < 1 || a.word_bits[op].value() > 64)
      throw std::invalid_argument(std::string(kOpNames[op]) + " word size must be 1..64 bits, got " +
                                  model::to_string(a.word_bits[op]));
  }
  if (a.sfu_present && a.sfu_lanes < 1)
    throw std::invalid_argument("SFU lanes must be >= 1, got " + std::to_string(a.sfu_lanes));
  if (a.voltage_v < 0) throw std::invalid_argument("supply voltage must be positive, got " + fmt(a.voltage_v) + " V");
  if (a.pe_scratchpad_bytes < 0 || a.pe_scratchpad_bits_per_mac < 0)
    throw std::invalid_argument("PE scratchpad size and traffic must be non-negative");
  scale_ = node_scaling(t, a.node_nm);
  const DramType& dram = t.dram_type(a.dram_type);
  // Dynamic energy goes with C V^2: the table's energies hold at its voltage, a design at V pays (V / V_table)^2
  // (the voltage rule of Accelergy's hwcomponents, scaling/techscaling.py). Leakage and DRAM are left alone.
  vf_ = a.voltage_v > 0 ? (a.voltage_v / t.voltage_v) * (a.voltage_v / t.voltage_v) : 1.0;
  const ScaleFactors dyn{scale_.area, scale_.energy * vf_};

  items_.push_back({"node.scaling", scale_.energy, "x energy",
                    fmt(a.node_nm) + " nm from the table's " + fmt(t.node_nm) + " nm: logic energy x" +
                        fmt(scale_.energy) + ", logic area x" + fmt(scale_.area) +
                        " (applied to PE, SRAM and SFU; not to DRAM)",
                    {"node_scaling"}});
  if (a.voltage_v > 0)
    items_.push_back({"voltage", vf_, "x energy",
                      "(" + fmt(a.voltage_v) + " V / the table's " + fmt(t.voltage_v) +
                          " V)^2 on every dynamic energy but DRAM's",
                      {}});
  PeOptions po;
  po.zero_gating = a.zero_gating;
  po.overheads = a.overheads;
  po.scratchpad_bytes = a.pe_scratchpad_bytes;
  po.scratchpad_bits_per_mac = a.pe_scratchpad_bits_per_mac;
  po.dot_width = a.dot_width;
  PeDerivation d = derive_pe(t, a.pe, po);
  scale_pe(d, dyn);
  mac_ = d.mac;
  pe_area_ = d.area;
  if (a.pe_synth_nand2_eq > 0) {
    // pe_area: synth (issue 16): the synthesized PE replaces the table's multiplier, adders, MX logic and
    // registers; an INT32 spill unit (no RTL) keeps its table area, zero gating its fraction of the datapath.
    const double frac = t.gated_datapath_fraction.value;
    pe_area_ = PeArea{};
    pe_area_.spill_um2 = d.area.spill_um2;
    pe_area_.scratchpad_um2 = d.area.scratchpad_um2;  // PE-local storage is not part of the synthesized PE
    // A w-wide PE as w synthesized one-MAC PEs (the RTL has no dot-product unit: no sharing is credited).
    pe_area_.synth_um2 = a.pe_synth_nand2_eq * t.sfu_nand2_area_um2.value * scale_.area * static_cast<double>(a.dot_width);
    if (a.zero_gating) pe_area_.zero_gating_um2 = frac * pe_area_.synth_um2;
    d.items.push_back({"pe.area.synth", pe_area_.total_um2(), "um^2/PE",
                       fmt(a.pe_synth_nand2_eq) + " NAND2-eq (" + a.pe_synth_source + ") x nand2_area_um2" +
                           (pe_area_.spill_um2 > 0 ? " + spill (fp32_acc_add)" : "") +
                           (a.zero_gating ? " + gating.datapath_fraction x that" : "") + "; replaces pe.area",
                       {"sfu_ktanh.nand2_area_um2"}});
  }
  block_pj_ = d.block_pj;
  spill_pj_ = d.spill_pj;
  items_.insert(items_.end(), d.items.begin(), d.items.end());

  if (a.overheads) {
    // A systolic array feeds its edges skewed: the operand entering row r waits r cycles, so each edge carries a
    // triangle of n(n-1)/2 registers; partial sums leaving a ws/is array are de-skewed the same way before they
    // are written as one row (Kung & Leiserson's schedule; models/array's fill and drain cycles).
    const double r = static_cast<double>(a.rows), c = static_cast<double>(a.cols);
    // A w-wide PE takes w-element operand vectors: the operand edges carry w x the element bits.
    const int64_t wa = a.pe.a.element.width() * a.dot_width, wb = a.pe.b.element.width() * a.dot_width;
    const int wacc = a.pe.acc.width;
    const double left = r * (r - 1) / 2, top = c * (c - 1) / 2;
    std::string what;
    switch (a.dataflow) {
      case model::Dataflow::kOS:  // ifmap from the left, filter from the top; outputs shift out after the fold
        skew_bits_ = left * wa + top * wb;
        what = "R(R-1)/2 x " + std::to_string(wa) + " ifmap bits + C(C-1)/2 x " + std::to_string(wb) + " filter bits";
        break;
      case model::Dataflow::kWS:  // ifmap from the left; partial sums de-skewed at the bottom
        skew_bits_ = left * wa + top * wacc;
        what = "R(R-1)/2 x " + std::to_string(wa) + " ifmap bits + C(C-1)/2 x " + std::to_string(wacc) +
               " partial-sum bits";
        break;
      case model::Dataflow::kIS:  // filter from the left; partial sums de-skewed at the bottom
        skew_bits_ = left * wb + top * wacc;
        what = "R(R-1)/2 x " + std::to_string(wb) + " filter bits + C(C-1)/2 x " + std::to_string(wacc) +
               " partial-sum bits";
        break;
    }
    const Entry& reg = t.component("register_bit");
    skew_area_ = skew_bits_ * reg.area_um2 * scale_.area;
    skew_clock_pj_ = skew_bits_ * t.register_clock_pj_per_bit.value * dyn.energy;
    items_.push_back({"array.skew.area", skew_area_, "um^2",
                      fmt(skew_bits_) + " skew register bits (" + what + ") x register_bit", {"register_bit"}});
    items_.push_back({"array.skew.clock", skew_clock_pj_, "pJ/cycle",
                      "skew register bits x register_clock_pj_per_bit", {"implementation.register_clock_pj_per_bit"}});
  }

  // SRAM: the operand buffer is double buffered (models/array/timing.h), so an access reaches one half-size bank;
  // Horowitz's energies are per 64-bit access, charged here per bit moved.
  for (int op = 0; op < 3; ++op) {
    const double bank = a.sram_kib[op] / 2;
    sram_read_bit_[op] = sram_read_pj(t, bank) / t.sram_access_bits * dyn.energy;
    sram_write_bit_[op] = sram_write_pj(t, bank) / t.sram_access_bits * dyn.energy;
    sram_area_[op] = a.sram_kib[op] * 8192.0 * t.sram_area_um2_per_bit.value * scale_.area;
    // ws and is write every output once per K fold (models/array/scalesim_geometry.cpp: row_folds x M x N): the
    // buffer adds each partial sum into what it holds, a read and a write in the same cycle, i.e. two ports.
    const bool accumulating = op == model::kOfmap && a.dataflow != model::Dataflow::kOS;
    if (a.overheads && accumulating) sram_area_[op] *= t.sram_two_port_area.value;
    const std::string n = std::string("sram.") + kOpNames[op];
    items_.push_back({n + ".read", sram_read_bit_[op], "pJ/bit",
                      "bank of " + fmt(bank) + " KiB (half the double buffer): sram.read at that size / " +
                          std::to_string(t.sram_access_bits) + " bits",
                      {"sram.read"}});
    items_.push_back({n + ".write", sram_write_bit_[op], "pJ/bit", "read x sram.write_read_ratio",
                      {"sram.read", "sram.write_read_ratio"}});
    const bool two_port = a.overheads && accumulating;
    items_.push_back({n + ".area", sram_area_[op], "um^2",
                      fmt(a.sram_kib[op]) + " KiB x 8192 bits x sram.area_um2_per_bit" +
                          (two_port ? " x sram_two_port_area (accumulating partial sums: 1 read + 1 write port)" : ""),
                      two_port ? std::vector<std::string>{"sram.area_um2_per_bit", "implementation.sram_two_port_area"}
                               : std::vector<std::string>{"sram.area_um2_per_bit"}});
  }
  dram_bit_ = dram.energy_pj_per_bit;
  items_.push_back({"dram", dram_bit_, "pJ/bit", "dram type " + dram.name + " (memory type, not node scaled)",
                    {"dram.types." + dram.name}});
  if (a.sfu_present) {
    sfu_op_ = t.sfu_energy_pj_per_op.value * dyn.energy;
    sfu_area_ = a.sfu_lanes * t.sfu_nand2_eq_per_lane.value * t.sfu_nand2_area_um2.value * scale_.area;
    items_.push_back({"sfu.op", sfu_op_, "pJ/op", "K-TanH lane, one activation", {"sfu_ktanh.energy_pj_per_op"}});
    items_.push_back({"sfu.area", sfu_area_, "um^2",
                      std::to_string(a.sfu_lanes) + " lanes x nand2_eq_per_lane x nand2_area_um2",
                      {"sfu_ktanh.nand2_eq_per_lane", "sfu_ktanh.nand2_area_um2"}});
  }
  if (a.vector_present) {
    // One vector op is priced as one IEEE multiply plus one IEEE add (a multiply-add lane, first order: a compare
    // or a move costs less). FP32 uses Horowitz's units; a BF16 lane the exact BF16 multiplier and an adder
    // scaled from FP32 by significand width (8 / 24 bits). Area likewise, per lane.
    const Entry &add = t.component("fp32_add"), &mul32 = t.component("fp32_mult"), &mul16 = t.component("bf16_mult");
    const bool bf16 = a.vector_bits == 16;
    const double add_f = bf16 ? 8.0 / 24.0 : 1.0;
    const Entry& mul = bf16 ? mul16 : mul32;
    vector_op_ = (mul.energy_pj + add.energy_pj * add_f) * dyn.energy;
    vector_area_ = a.vector_lanes * (mul.area_um2 + add.area_um2 * add_f) * scale_.area;
    items_.push_back({"vector.op", vector_op_, "pJ/op",
                      std::string(bf16 ? "bf16_mult + fp32_add x 8/24" : "fp32_mult + fp32_add") + " (one lane op)",
                      {bf16 ? "bf16_mult" : "fp32_mult", "fp32_add"}});
    items_.push_back({"vector.area", vector_area_, "um^2",
                      std::to_string(a.vector_lanes) + " lanes x (multiplier + adder area)",
                      {bf16 ? "bf16_mult" : "fp32_mult", "fp32_add"}});
  }
  if (a.overheads)
    items_.push_back({"placement", 1.0 / t.placement_utilization.value, "x logic area",
                      "placed logic area = cells / implementation.placement_utilization (PE array with its skew "
                      "registers, SFU, vector unit; SRAM macros and scratchpads are not spread)",
                      {"implementation.placement_utilization"}});
  items_.push_back({"leakage", leakage_mw(), "mW",
                    "leakage.mw_per_mm2 x cell area " + fmt(cell_area_mm2()) + " mm^2 (whitespace does not leak)",
                    {"leakage.mw_per_mm2"}});
}

Breakdown CostModel::area_um2() const {
  Breakdown b;
  const double pes = static_cast<double>(arch_.rows) * static_cast<double>(arch_.cols);
  if (pe_area_.synth_um2 > 0) {
    b.add("pe_array.synth", pes * pe_area_.synth_um2);
  } else {
    b.add("pe_array.multipliers", pes * pe_area_.multiplier_um2);
    b.add("pe_array.adders", pes * pe_area_.adders_um2);
    if (arch_.pe.mode == model::PeMode::kMx) b.add("pe_array.mx_logic", pes * pe_area_.mx_logic_um2);
    else if (pe_area_.mx_logic_um2 > 0) b.add("pe_array.dot_logic", pes * pe_area_.mx_logic_um2);  // float, w > 1
  }
  if (pe_area_.spill_um2 > 0) b.add("pe_array.int32_spill", pes * pe_area_.spill_um2);
  if (pe_area_.synth_um2 == 0) b.add("pe_array.registers", pes * pe_area_.registers_um2);
  if (arch_.zero_gating) b.add("pe_array.zero_gating", pes * pe_area_.zero_gating_um2);
  if (pe_area_.scratchpad_um2 > 0) b.add("pe_array.scratchpad", pes * pe_area_.scratchpad_um2);
  // Placement spreads logic cells over 1/u of their area (implementation.placement_utilization): the whitespace
  // is a part of its own so that cell area (what synthesis reports) stays visible.
  const double spread = arch_.overheads ? 1.0 / tech_.placement_utilization.value - 1.0 : 0.0;
  if (arch_.overheads) {
    b.add("pe_array.skew", skew_area_);
    b.add("pe_array.placement", spread * (pes * pe_area_.logic_um2() + skew_area_));
  }
  for (int op = 0; op < 3; ++op) b.add(std::string("sram.") + kOpNames[op], sram_area_[op]);
  if (arch_.sfu_present) b.add("sfu", sfu_area_);
  if (arch_.sfu_present && arch_.overheads) b.add("sfu.placement", spread * sfu_area_);
  if (arch_.vector_present) b.add("vector", vector_area_);
  if (arch_.vector_present && arch_.overheads) b.add("vector.placement", spread * vector_area_);
  return b;
}

double CostModel::cell_area_mm2() const {
  double um2 = 0;
  for (const auto& [name, v] : area_um2().parts)
    if (name.size() < 10 || name.compare(name.size() - 10, 10, ".placement") != 0) um2 += v;
  return um2 * 1e-6;
}

// Aladdin's leakage per mm^2 is that of cells (../../configs/tech): placement whitespace (fillers) adds none.
double CostModel::leakage_mw() const { return tech_.leakage_mw_per_mm2.value * cell_area_mm2(); }

Breakdown CostModel::energy_pj(const Activity& a) const {
  Breakdown b;
  const double full = static_cast<double>(a.macs_full);
  b.add("pe.multipliers", full * mac_.multiplier_pj);
  b.add("pe.adders", full * mac_.adder_pj);
  if (arch_.pe.mode == model::PeMode::kMx) {
    uint64_t blocks = a.mx_blocks;
    if (blocks == 0) {
      const uint64_t block = static_cast<uint64_t>(arch_.pe.params.mx_block);
      blocks = (a.macs_full + a.macs_gated + block - 1) / block;
    }
    b.add("pe.mx_blocks", static_cast<double>(blocks) * block_pj_);
  } else if (mac_.block_pj > 0) {  // float dot-product PE: alignment + accumulator add once per dot product
    b.add("pe.dot_logic", full * mac_.block_pj);
  }
  if (spill_pj_ > 0) {
    uint64_t spills = a.int32_spills;
    if (spills == 0) {
      const uint64_t per = 2 * static_cast<uint64_t>(arch_.pe.params.spill_interval);
      spills = (a.macs_full + a.macs_gated + per - 1) / per;
    }
    b.add("pe.int32_spills", static_cast<double>(spills) * spill_pj_);
  }
  b.add("pe.registers", full * mac_.register_pj);
  b.add("pe.gated_macs", static_cast<double>(a.macs_gated) * mac_.gated_pj);
  if (arch_.overheads) {
    // Every register of the array is clocked through every compute cycle of an op (fill and drain included, PEs a
    // partial fold leaves unused included): data flows through them without an enable. A stalled array holds its
    // registers (enable low: synthesis gates their clock), and ops that leave the array idle (SFU, vector unit)
    // find it clock-gated.
    // Skipped MACs shorten the schedule (N:M, zero skipping), gated ones do not: the compute cycles follow the
    // issued MACs.
    const double issued = static_cast<double>(a.macs_full + a.macs_gated);
    const double all = static_cast<double>(a.cycles);
    const double clocked = a.compute_cycles_per_mac > 0 ? std::min(all, a.compute_cycles_per_mac * issued)
                                                        : (issued + static_cast<double>(a.macs_skipped) > 0 ? all : 0.0);
    const double pes = static_cast<double>(arch_.rows) * static_cast<double>(arch_.cols);
    b.add("pe.clock", clocked * (pes * mac_.clock_pj + skew_clock_pj_));
  }
  if (mac_.scratchpad_pj > 0) b.add("pe.scratchpad", full * mac_.scratchpad_pj);
  for (int op = 0; op < 3; ++op) {
    const std::string n = std::string("sram.") + kOpNames[op];
    b.add(n + ".read", static_cast<double>(a.sram_read_bits[op]) * sram_read_bit_[op]);
    b.add(n + ".write", static_cast<double>(a.sram_write_bits[op]) * sram_write_bit_[op]);
  }
  b.add("sram.metadata", static_cast<double>(a.metadata_sram_bits) * sram_read_bit_[model::kFilter]);
  b.add("dram.read", static_cast<double>(a.dram_read_bits) * dram_bit_);
  b.add("dram.write", static_cast<double>(a.dram_write_bits) * dram_bit_);
  b.add("dram.metadata", static_cast<double>(a.metadata_dram_bits) * dram_bit_);
  if (arch_.sfu_present) b.add("sfu", static_cast<double>(a.sfu_ops) * sfu_op_);
  if (arch_.vector_present) b.add("vector", static_cast<double>(a.vector_ops) * vector_op_);
  b.add("leakage", leakage_mw() * time_us(a) * 1e3);  // mW x us = nJ
  return b;
}

double CostModel::average_power_mw(const Activity& a) const {
  const double t = time_us(a);
  return t > 0 ? energy_pj(a).total() / t * 1e-3 : 0.0;  // pJ / us = uW
}

std::vector<CostItem> CostModel::items() const { return items_; }

std::string CostModel::describe() const {
  std::ostringstream os;
  os << "technology table " << tech_.name << " (" << tech_.origin << "), " << fmt(tech_.node_nm) << " nm -> "
     << fmt(arch_.node_nm) << " nm; PE " << arch_.pe.a.name << " x " << arch_.pe.b.name << " -> "
     << arch_.pe.acc_name << ", array " << arch_.rows << "x" << arch_.cols << "\n";
  std::set<std::string> used;
  for (const auto& it : items_) {
    os << "  " << it.name << " = " << fmt(it.value) << " " << it.unit << "  <- " << it.formula << "\n";
    used.insert(it.entries.begin(), it.entries.end());
  }
  os << "sources:\n";
  auto line = [&](const std::string& n, const std::string& vals, const std::string& src) {
    os << "  " << n << " (" << vals << "): " << src << "\n";
  };
  for (const auto& n : used) {
    if (tech_.components.count(n)) {
      const Entry& e = tech_.components.at(n);
      line(n, fmt(e.energy_pj) + " pJ, " + fmt(e.area_um2) + " um^2", e.source);
    } else if (n == "sram.read") {
      for (const auto& p : tech_.sram_read) line(n + " " + fmt(p.kib) + " KiB", fmt(p.energy_pj) + " pJ", p.source);
    } else if (n == "sram.write_read_ratio") {
      line(n, fmt(tech_.sram_write_read_ratio.value), tech_.sram_write_read_ratio.source);
    } else if (n == "sram.area_um2_per_bit") {
      line(n, fmt(tech_.sram_area_um2_per_bit.value), tech_.sram_area_um2_per_bit.source);
    } else if (n.rfind("dram.types.", 0) == 0) {
      const DramType& d = tech_.dram_type(n.substr(11));
      line(n, fmt(d.energy_pj_per_bit) + " pJ/bit", d.source);
    } else if (n == "leakage.mw_per_mm2") {
      line(n, fmt(tech_.leakage_mw_per_mm2.value), tech_.leakage_mw_per_mm2.source);
    } else if (n == "gating.datapath_fraction") {
      line(n, fmt(tech_.gated_datapath_fraction.value), tech_.gated_datapath_fraction.source);
    } else if (n == "sfu_ktanh.energy_pj_per_op") {
      line(n, fmt(tech_.sfu_energy_pj_per_op.value), tech_.sfu_energy_pj_per_op.source);
    } else if (n == "sfu_ktanh.nand2_eq_per_lane") {
      line(n, fmt(tech_.sfu_nand2_eq_per_lane.value), tech_.sfu_nand2_eq_per_lane.source);
    } else if (n == "sfu_ktanh.nand2_area_um2") {
      line(n, fmt(tech_.sfu_nand2_area_um2.value), tech_.sfu_nand2_area_um2.source);
    } else if (n == "implementation.placement_utilization") {
      line(n, fmt(tech_.placement_utilization.value), tech_.placement_utilization.source);
    } else if (n == "implementation.register_clock_pj_per_bit") {
      line(n, fmt(tech_.register_clock_pj_per_bit.value) + " pJ", tech_.register_clock_pj_per_bit.source);
    } else if (n == "implementation.sram_two_port_area") {
      line(n, fmt(tech_.sram_two_port_area.value), tech_.sram_two_port_area.source);
    } else if (n == "node_scaling") {
      for (const auto& p : tech_.node_scaling)
        line(n + " " + fmt(p.node_nm) + " nm", "area x" + fmt(p.logic_area) + ", energy x" + fmt(p.logic_energy),
             p.source);
    }
  }
  return os.str();
}

}  // namespace lpsim::cost
