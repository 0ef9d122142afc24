#include "sweep/results.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cstdlib>
#include <set>
#include <stdexcept>

namespace lpsim::sweep {

const std::vector<std::string> kCoreColumns = {"sqnr_db",   "total_cycles", "stall_cycles",    "time_us",
                                               "macs",      "compute_util_pct", "dram_read_bytes",
                                               "dram_write_bytes"};
const std::vector<std::string> kCostColumns = {"area_mm2",   "energy_uj",    "power_mw",
                                               "tops_per_w", "tops_per_mm2", "energy_per_mac_pj"};
const std::vector<std::string> kBreakdownPrefixes = {"energy_", "area_", "power_"};

namespace {

const std::vector<std::string> kLeading = {"point", "id"};
const std::vector<std::string> kTrailing = {"wall_s", "status", "error"};

bool contains(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

bool is_breakdown(const std::string& key) {
  for (const auto& p : kBreakdownPrefixes)
    if (key.size() > p.size() && key.compare(0, p.size(), p) == 0) return true;
  return false;
}

bool is_cost(const std::string& key) { return contains(kCostColumns, key) || is_breakdown(key); }

}  // namespace

bool is_reserved_column(const std::string& name) {
  return contains(kLeading, name) || contains(kTrailing, name) || contains(kCoreColumns, name) || is_cost(name);
}

Row metrics_from_report_json(const std::string& json_text, std::vector<std::string>* order) {
  // report.json is plain JSON, which yaml-cpp reads as YAML flow style; it keeps the key order.
  YAML::Node root;
  try {
    root = YAML::Load(json_text);
  } catch (const YAML::Exception& e) {
    throw std::runtime_error("report.json is not valid JSON: " + e.msg);
  }
  if (!root.IsMap() || !root["total"] || !root["total"].IsMap())
    throw std::runtime_error("report.json has no \"total\" object");
  Row row;
  for (const auto& key : kCoreColumns) {
    YAML::Node v = root["total"][key];
    row[key] = v && v.IsScalar() ? v.Scalar() : std::string();
  }
  auto take_costs = [&](const YAML::Node& obj) {
    for (const auto& kv : obj) {
      std::string key = kv.first.Scalar();
      if (!is_cost(key) || !kv.second.IsScalar() || row.count(key)) continue;
      row[key] = kv.second.Scalar();
      if (order && !contains(*order, key)) order->push_back(key);
    }
  };
  take_costs(root["total"]);
  take_costs(root);
  return row;
}

std::vector<std::string> result_columns(const std::vector<std::string>& axis_columns, const std::vector<Row>& rows,
                                        const std::vector<std::string>& order) {
  std::vector<std::string> cols = kLeading;
  for (const auto& a : axis_columns)
    if (!contains(cols, a)) cols.push_back(a);
  for (const auto& c : kCoreColumns) cols.push_back(c);
  auto present = [&](const std::string& key) {
    for (const auto& r : rows)
      if (r.count(key)) return true;
    return false;
  };
  for (const auto& c : kCostColumns)
    if (present(c)) cols.push_back(c);
  // Rows are maps (sorted by key): the order hint (report.json's order, an input file's columns) comes first,
  // then the remaining keys alphabetically, so the column order is the same for the same inputs.
  std::vector<std::string> keys = order, breakdown, other;
  std::set<std::string> rest;
  for (const auto& r : rows)
    for (const auto& kv : r)
      if (!contains(keys, kv.first)) rest.insert(kv.first);
  keys.insert(keys.end(), rest.begin(), rest.end());
  for (const auto& k : keys) {
    if (!present(k) || contains(cols, k) || contains(kTrailing, k)) continue;
    if (is_breakdown(k)) {
      if (!contains(breakdown, k)) breakdown.push_back(k);
    } else if (!contains(other, k)) {
      other.push_back(k);
    }
  }
  cols.insert(cols.end(), breakdown.begin(), breakdown.end());
  cols.insert(cols.end(), other.begin(), other.end());
  cols.insert(cols.end(), kTrailing.begin(), kTrailing.end());
  return cols;
}

std::vector<std::string> axis_columns_of(const Table& t) {
  std::vector<std::string> axes;
  bool after_id = false;
  for (const auto& c : t.columns) {
    if (contains(kCoreColumns, c) || contains(kTrailing, c) || is_cost(c)) break;
    if (after_id) axes.push_back(c);
    if (c == "id") after_id = true;
  }
  return axes;
}

void sort_rows(std::vector<Row>& rows) {
  auto index = [](const Row& r) {
    auto it = r.find("point");
    if (it == r.end() || it->second.empty()) return static_cast<long long>(-1);
    char* end = nullptr;
    long long v = std::strtoll(it->second.c_str(), &end, 10);
    return *end ? -1 : v;
  };
  std::stable_sort(rows.begin(), rows.end(), [&](const Row& a, const Row& b) {
    long long ia = index(a), ib = index(b);
    if (ia != ib) return ia < ib;
    auto ida = a.count("id") ? a.at("id") : std::string(), idb = b.count("id") ? b.at("id") : std::string();
    return ida < idb;
  });
}

}  // namespace lpsim::sweep
