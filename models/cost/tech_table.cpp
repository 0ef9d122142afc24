#include "cost/tech_table.h"

#include <cmath>
#include <cstdio>
#include <stdexcept>

namespace lpsim::cost {

const std::vector<ComponentSpec>& component_specs() {
  static const std::vector<ComponentSpec> specs = {
      {"int8_mult", "8x8 integer multiplier"},
      {"int16_mult", "16x16 integer multiplier"},
      {"int32_mult", "32x32 integer multiplier"},
      {"fp8_e5m2_mult", "FP8 E5M2 exact-product multiplier (3x3 significand + exponent add)"},
      {"fp8_e4m3_mult", "FP8 E4M3 exact-product multiplier (4x4 significand + exponent add)"},
      {"bf16_mult", "BF16 exact-product multiplier (8x8 significand + exponent add)"},
      {"fp16_mult", "FP16 exact-product multiplier (11x11 significand + exponent add)"},
      {"fp32_mult_exact", "FP32 exact-product multiplier (24x24 significand + exponent add)"},
      {"fp32_mult", "IEEE FP32 multiplier (rounds every product; reference only)"},
      {"int32_add", "32-bit integer adder (other widths scale linearly)"},
      {"fp32_add", "IEEE FP32 adder (reference only)"},
      {"fp32_acc_add", "FP32 accumulate stage of a fused MAC: align, add, normalise, round once"},
      {"aligned_add_48b", "48-bit fixed-point accumulate of float products incl. alignment shifter"},
      {"mx_block", "MX block logic per block step: E8M0 scale add, exponent compare, alignment shift"},
      {"register_bit", "flip-flop, per bit accessed / per bit of storage"},
  };
  return specs;
}

const Entry& TechTable::component(const std::string& n) const {
  auto it = components.find(n);
  if (it == components.end()) throw std::out_of_range("technology table " + name + " has no component '" + n + "'");
  return it->second;
}

const DramType& TechTable::dram_type(const std::string& n) const {
  const std::string want = n.empty() ? dram_default : n;
  std::string names;
  for (const auto& d : dram) {
    if (d.name == want) return d;
    names += (names.empty() ? "" : ", ") + d.name;
  }
  throw std::invalid_argument("unknown DRAM type '" + want + "'; the technology table " + name + " has: " + names);
}

namespace {
// ln y linear in ln x between (x0, y0) and (x1, y1), evaluated at x (also used to extend a segment).
// A number for a message (%g: "1e+300", not 300 digits).
std::string num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

double loglog(double x, double x0, double y0, double x1, double y1) {
  const double t = std::log(x / x0) / std::log(x1 / x0);
  return std::exp(std::log(y0) + t * (std::log(y1) - std::log(y0)));
}
}  // namespace

ScaleFactors node_scaling(const TechTable& t, double node_nm) {
  const auto& p = t.node_scaling;  // decreasing node_nm
  if (p.empty()) throw std::invalid_argument("technology table " + t.name + " has no node_scaling points");
  if (!(node_nm <= p.front().node_nm && node_nm >= p.back().node_nm)) {
    throw std::invalid_argument("node " + num(node_nm) + " nm is outside the technology table's scaling range (" +
                                num(p.back().node_nm) + " to " + num(p.front().node_nm) + " nm)");
  }
  for (size_t i = 0; i < p.size(); ++i) {
    if (node_nm == p[i].node_nm) return {p[i].logic_area, p[i].logic_energy};
    if (i + 1 < p.size() && node_nm < p[i].node_nm && node_nm > p[i + 1].node_nm) {
      // Stillmaker & Baas give factors at fixed nodes; between them the factor follows a power law in the node
      // size from the larger node's factor to the smaller node's (Accelergy interpolates the other way round).
      return {loglog(node_nm, p[i].node_nm, p[i].logic_area, p[i + 1].node_nm, p[i + 1].logic_area),
              loglog(node_nm, p[i].node_nm, p[i].logic_energy, p[i + 1].node_nm, p[i + 1].logic_energy)};
    }
  }
  return {p.back().logic_area, p.back().logic_energy};  // unreachable: range checked above
}

double sram_read_pj(const TechTable& t, double kib) {
  const auto& p = t.sram_read;  // increasing kib
  if (!(kib > 0)) throw std::invalid_argument("SRAM capacity must be positive, got " + num(kib));
  if (p.empty()) throw std::invalid_argument("technology table " + t.name + " has no SRAM points");
  if (p.size() == 1) return p[0].energy_pj;
  size_t i = 0;  // segment [i, i+1] that contains kib, or the end segment to extend
  while (i + 2 < p.size() && kib > p[i + 1].kib) ++i;
  for (const auto& q : p)
    if (q.kib == kib) return q.energy_pj;  // table sizes exactly, not through exp(log())
  return loglog(kib, p[i].kib, p[i].energy_pj, p[i + 1].kib, p[i + 1].energy_pj);
}

double sram_write_pj(const TechTable& t, double kib) { return sram_read_pj(t, kib) * t.sram_write_read_ratio.value; }

}  // namespace lpsim::cost
