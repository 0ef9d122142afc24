#include "report/scalesim_reports.h"

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <sstream>
#include <stdexcept>

namespace lpsim::report {

std::string python_float(double v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  if (v == 0) return std::signbit(v) ? "-0.0" : "0.0";
  // Shortest round-trip digits d.ddd and exponent e (CPython float_repr_style 'short': repr(x) uses them).
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::scientific);
  std::string sci(buf, res.ptr);
  bool neg = sci[0] == '-';
  if (neg) sci.erase(0, 1);
  size_t epos = sci.find('e');
  int exp10 = std::atoi(sci.c_str() + epos + 1);
  std::string digits;
  for (size_t i = 0; i < epos; ++i)
    if (sci[i] != '.') digits += sci[i];
  std::string out;
  // CPython: fixed notation when -4 <= exp10 < 16, else d.ddde+XX with at least two exponent digits.
  if (exp10 >= -4 && exp10 < 16) {
    int point = exp10 + 1;  // digits before the decimal point
    if (point <= 0) {
      out = "0." + std::string(static_cast<size_t>(-point), '0') + digits;
    } else if (static_cast<size_t>(point) >= digits.size()) {
      out = digits + std::string(static_cast<size_t>(point) - digits.size(), '0') + ".0";
    } else {
      out = digits.substr(0, static_cast<size_t>(point)) + "." + digits.substr(static_cast<size_t>(point));
    }
  } else {
    out = digits.substr(0, 1) + (digits.size() > 1 ? "." + digits.substr(1) : std::string());
    char e[16];
    std::snprintf(e, sizeof e, "e%c%02d", exp10 < 0 ? '-' : '+', std::abs(exp10));
    out += e;
  }
  return neg ? "-" + out : out;
}

namespace {

__extension__ typedef __int128 i128;  // GCC/Clang extension: exact bytes -> words of fractional bit widths

double num(const Value& v) {
  if (auto i = std::get_if<int64_t>(&v)) return static_cast<double>(*i);
  if (auto d = std::get_if<double>(&v)) return *d;
  return 0.0;
}

int64_t whole(const Value& v) {
  if (auto i = std::get_if<int64_t>(&v)) return *i;
  if (auto d = std::get_if<double>(&v)) return static_cast<int64_t>(*d);
  return 0;
}

// SCALE-Sim's average bandwidth: words over the cycles from the first to the last access, both included.
double average_bw(int64_t words, int64_t start, int64_t stop) {
  return words > 0 && stop >= start ? static_cast<double>(words) / static_cast<double>(stop - start + 1) : 0.0;
}

// A start/stop cell: the cycle, or empty when the operand has no access.
std::string cycle_cell(bool known, int64_t v) { return known ? std::to_string(v) : std::string(); }

}  // namespace

std::vector<std::pair<std::string, std::string>> scalesim_reports(const Report& r, const model::MemoryParams& mem,
                                                                  const std::vector<model::AccessSpans>& spans) {
  const size_t c_total = r.index("total_cycles"), c_stall = r.index("stall_cycles"), c_macs = r.index("macs"),
               c_m = r.index("m"), c_n = r.index("n"), c_k = r.index("k"), c_ou = r.index("overall_util_pct"),
               c_me = r.index("mapping_eff_pct"), c_cu = r.index("compute_util_pct"), c_folds = r.index("folds");
  const size_t c_sram[3] = {r.index("sram_ifmap_reads_words"), r.index("sram_filter_reads_words"),
                            r.index("sram_ofmap_writes_words")};
  const size_t c_dram[3] = {r.index("dram_ifmap_reads_bytes"), r.index("dram_filter_reads_bytes"),
                            r.index("dram_ofmap_writes_bytes")};
  std::ostringstream comp, bw, det;
  comp << "LayerID, Total Cycles, Stall Cycles, Overall Util %, Mapping Efficiency %, Compute Util %,\n";
  bw << "LayerID, Avg IFMAP SRAM BW, Avg FILTER SRAM BW, Avg OFMAP SRAM BW, "
     << "Avg IFMAP DRAM BW, Avg FILTER DRAM BW, Avg OFMAP DRAM BW,\n";
  det << "LayerID, "
      << "SRAM IFMAP Start Cycle, SRAM IFMAP Stop Cycle, SRAM IFMAP Reads, "
      << "SRAM Filter Start Cycle, SRAM Filter Stop Cycle, SRAM Filter Reads, "
      << "SRAM OFMAP Start Cycle, SRAM OFMAP Stop Cycle, SRAM OFMAP Writes, "
      << "DRAM IFMAP Start Cycle, DRAM IFMAP Stop Cycle, DRAM IFMAP Reads, "
      << "DRAM Filter Start Cycle, DRAM Filter Stop Cycle, DRAM Filter Reads, "
      << "DRAM OFMAP Start Cycle, DRAM OFMAP Stop Cycle, DRAM OFMAP Writes,\n";
  int64_t id = 0;
  size_t array_row = 0;
  for (const auto& row : r.rows) {
    // Array ops have folds; SFU and vector-unit ops do not run on the array.
    if (std::holds_alternative<std::monostate>(row[c_folds])) continue;
    if (array_row >= spans.size()) throw std::invalid_argument("scalesim_reports: fewer access spans than array rows");
    const model::AccessSpans& sp = spans[array_row++];
    // Report rows sum back-to-back instances (repeat x batches); SCALE-Sim lists each instance as its own layer.
    const int64_t per = whole(row[c_m]) * whole(row[c_n]) * whole(row[c_k]);
    const int64_t rep = std::max<int64_t>(1, per > 0 ? whole(row[c_macs]) / per : 1);
    const int64_t total = whole(row[c_total]) / rep, stall = whole(row[c_stall]) / rep;
    int64_t sram[3], dram_words[3];
    for (int o = 0; o < 3; ++o) {
      sram[o] = whole(row[c_sram[o]]) / rep;
      // Bytes -> words: n words of b bits were counted as ceil(n b / 8) bytes (exact for SCALE-Sim's 8-bit words).
      dram_words[o] = static_cast<int64_t>(static_cast<i128>(whole(row[c_dram[o]])) * 8 *
                                            static_cast<i128>(mem.word_bits[o].den) /
                                            static_cast<i128>(mem.word_bits[o].num)) / rep;
    }
    for (int64_t k = 0; k < rep; ++k, ++id) {
      // SCALE-Sim divides by its last cycle's index (total), lpsim's overall_util_pct by the cycles occupied
      // (total + 1 per instance, README "Report columns"): scale back to SCALE-Sim's figure.
      const double scalesim_util = total > 0 ? num(row[c_ou]) * static_cast<double>(total + 1) / static_cast<double>(total)
                                             : num(row[c_ou]);
      comp << id << ", " << total << ", " << stall << ", " << python_float(scalesim_util) << ", "
           << python_float(num(row[c_me])) << ", " << python_float(num(row[c_cu])) << ",\n";
      bw << id;
      for (int o = 0; o < 3; ++o)
        bw << ", " << python_float(total > 0 ? static_cast<double>(sram[o]) / static_cast<double>(total) : 0.0);
      for (int o = 0; o < 3; ++o)
        bw << ", " << python_float(average_bw(dram_words[o], sp.dram_start[o], sp.dram_stop[o]));
      bw << ",\n";
      det << id;
      for (int o = 0; o < 3; ++o)
        det << ", " << cycle_cell(sp.sram_known[o], sp.sram_start[o]) << ", "
            << cycle_cell(sp.sram_known[o], sp.sram_stop[o]) << ", " << sram[o];
      for (int o = 0; o < 3; ++o)
        det << ", " << sp.dram_start[o] << ", " << sp.dram_stop[o] << ", " << dram_words[o];
      det << ",\n";
    }
  }
  return {{"COMPUTE_REPORT.csv", comp.str()}, {"BANDWIDTH_REPORT.csv", bw.str()},
          {"DETAILED_ACCESS_REPORT.csv", det.str()}};
}

}  // namespace lpsim::report
