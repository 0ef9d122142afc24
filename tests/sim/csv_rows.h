// Reads a simple CSV (no quoted commas) into rows keyed by the header: layers.csv and the SCALE-Sim oracle.
#pragma once
#include <catch2/catch.hpp>

#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

namespace csv_test {

using Row = std::map<std::string, std::string>;

inline std::vector<Row> read_csv(const std::string& path) {
  std::ifstream is(path);
  std::vector<Row> rows;
  std::string line;
  std::vector<std::string> header;
  while (std::getline(is, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    std::vector<std::string> f;
    std::stringstream ss(line);
    for (std::string x; std::getline(ss, x, ',');) f.push_back(x);
    if (header.empty()) {
      header = f;
      continue;
    }
    Row r;
    for (size_t i = 0; i < header.size() && i < f.size(); ++i) r[header[i]] = f[i];
    rows.push_back(r);
  }
  return rows;
}

// The number in column `col` of row `r` (a Catch test fails when the column is missing or the cell empty).
inline double num(const Row& r, const std::string& col) {
  auto it = r.find(col);
  REQUIRE(it != r.end());
  REQUIRE(!it->second.empty());
  return std::stod(it->second);
}

// Column `key` of every row (cells as text; "<missing>" where a row has no such cell).
inline std::vector<std::string> csv_column(const std::string& path, const std::string& key) {
  std::vector<std::string> out;
  for (const Row& r : read_csv(path)) {
    auto it = r.find(key);
    out.push_back(it == r.end() ? std::string("<missing>") : it->second);
  }
  return out;
}

}  // namespace csv_test
