// Minimal reader for the oracle CSV files (header + comma-separated rows, hex bit patterns).
#pragma once
#include <cstdint>
#include <cstring>
#include <fstream>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include "numerics/convert.h"

#ifndef LPSIM_NUMERICS_DATA
#error "LPSIM_NUMERICS_DATA must point at tests/data/numerics"
#endif

namespace oracle {

struct Table {
  std::string path;
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;
  size_t col(const std::string& name) const {
    for (size_t i = 0; i < header.size(); ++i)
      if (header[i] == name) return i;
    throw std::runtime_error(path + ": no column " + name);
  }
};

inline std::vector<std::string> split(const std::string& line) {
  std::vector<std::string> out;
  size_t start = 0;
  for (;;) {
    size_t p = line.find(',', start);
    out.push_back(line.substr(start, p == std::string::npos ? std::string::npos : p - start));
    if (p == std::string::npos) break;
    start = p + 1;
  }
  if (!out.empty() && !out.back().empty() && out.back().back() == '\r') out.back().pop_back();
  return out;
}

inline Table read(const std::string& name) {
  Table t;
  t.path = std::string(LPSIM_NUMERICS_DATA) + "/" + name;
  std::ifstream in(t.path);
  if (!in) throw std::runtime_error("cannot open " + t.path);
  std::string line;
  std::getline(in, line);
  t.header = split(line);
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    t.rows.push_back(split(line));
    if (t.rows.back().size() != t.header.size()) throw std::runtime_error(t.path + ": bad row " + line);
  }
  return t;
}

inline uint32_t hex(const std::string& s) { return static_cast<uint32_t>(std::stoul(s, nullptr, 16)); }

inline float f32(uint32_t bits) { return lpsim::num::detail::bit_cast<float>(bits); }
inline uint32_t bits(float f) { return lpsim::num::detail::bit_cast<uint32_t>(f); }
inline bool is_nan_bits(uint32_t b) { return (b & 0x7fffffffu) > 0x7f800000u; }

inline std::string hexstr(uint32_t v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%08x", v);
  return buf;
}

}  // namespace oracle
