#include "sweep/results.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <cstdlib>
#include <set>
#include <stdexcept>

namespace lpsim::sweep {

const std::vector<std::string> kCoreColumns = {"sqnr_db",   "accuracy_scope", "total_cycles", "stall_cycles", "time_us",
                                               "macs",      "compute_util_pct", "dram_read_bytes",
                                               "dram_write_bytes"};
const std::vector<std::string> kCostColumns = {"area_mm2",   "energy_uj",    "power_mw",
                                               "tops_per_w", "tops_per_mm2", "energy_per_mac_pj"};
const std::vector<std::string> kBreakdownPrefixes = {"energy_", "area_", "power_"};
// Task figures of a data-set run (report.json "task"), with the raw counts shards are merged from.
const std::vector<std::string> kTaskColumns = {"images",         "top1_pct",     "top5_pct",     "top1_agreement_pct",
                                               "logits_sqnr_db", "energy_per_image_uj", "cycles_per_image", "batch",
                                               "correct_top1",   "correct_top5", "agree_top1",   "logits_signal",
                                               "logits_noise"};
const char* const kShardAxis = "workload.dataset.shard";
extern const char* const kWarningsColumn = "warnings";

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
  return contains(kLeading, name) || contains(kTrailing, name) || contains(kCoreColumns, name) || is_cost(name) ||
         contains(kTaskColumns, name) || name == kWarningsColumn;
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
  // The run's warnings (report.json "warnings", e.g. wrapped INT32 accumulators), joined: results.csv then shows
  // which points' figures are misleading. The column exists only when some point has one.
  if (root["warnings"] && root["warnings"].IsSequence() && root["warnings"].size() > 0) {
    std::string w;
    for (const auto& x : root["warnings"])
      if (x.IsScalar()) w += (w.empty() ? "" : " | ") + x.Scalar();
    row[kWarningsColumn] = w;
  }
  if (root["task"] && root["task"].IsMap())
    for (const auto& key : kTaskColumns) {
      YAML::Node v = root["task"][key];
      row[key] = v && v.IsScalar() && v.Scalar() != "null" ? v.Scalar() : std::string();
    }
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
  for (const auto& c : kTaskColumns)
    if (present(c)) cols.push_back(c);
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
    if (!present(k) || contains(cols, k) || contains(kTrailing, k) || k == kWarningsColumn) continue;
    if (is_breakdown(k)) {
      if (!contains(breakdown, k)) breakdown.push_back(k);
    } else if (!contains(other, k)) {
      other.push_back(k);
    }
  }
  cols.insert(cols.end(), breakdown.begin(), breakdown.end());
  cols.insert(cols.end(), other.begin(), other.end());
  if (present(kWarningsColumn)) cols.push_back(kWarningsColumn);
  cols.insert(cols.end(), kTrailing.begin(), kTrailing.end());
  return cols;
}

std::vector<std::string> axis_columns_of(const Table& t) {
  std::vector<std::string> axes;
  bool after_id = false;
  for (const auto& c : t.columns) {
    if (contains(kCoreColumns, c) || contains(kTrailing, c) || is_cost(c) || contains(kTaskColumns, c)) break;
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

Table merge_shards(const std::vector<std::string>& axes, const std::vector<Row>& rows) {
  Table t;
  if (!contains(axes, kShardAxis)) return t;
  std::vector<std::string> keep;
  for (const auto& a : axes)
    if (a != kShardAxis) keep.push_back(a);
  auto num = [](const Row& r, const std::string& k) {
    auto it = r.find(k);
    return it == r.end() || it->second.empty() ? 0.0 : std::strtod(it->second.c_str(), nullptr);
  };
  struct Sum {
    Row axes;
    double images = 0, top1 = 0, top5 = 0, agree = 0, signal = 0, noise = 0, energy = 0, cycles = 0;
    long shards = 0, of = 0;
    bool labels = true;
  };
  std::vector<std::string> order;
  std::map<std::string, Sum> groups;
  for (const auto& r : rows) {
    auto st = r.find("status");
    if (st == r.end() || st->second != "ok") continue;
    std::string key;
    for (const auto& a : keep) key += (r.count(a) ? r.at(a) : "") + "\x1f";
    auto [it, fresh] = groups.try_emplace(key);
    Sum& g = it->second;
    if (fresh) {
      order.push_back(key);
      for (const auto& a : keep) g.axes[a] = r.count(a) ? r.at(a) : "";
    }
    g.images += num(r, "images"), g.top1 += num(r, "correct_top1"), g.top5 += num(r, "correct_top5");
    g.agree += num(r, "agree_top1"), g.signal += num(r, "logits_signal"), g.noise += num(r, "logits_noise");
    g.energy += num(r, "energy_uj"), g.cycles += num(r, "total_cycles");
    g.labels = g.labels && r.count("top1_pct") && !r.at("top1_pct").empty();
    ++g.shards;
    const std::string shard = r.count(kShardAxis) ? r.at(kShardAxis) : "";
    g.of = std::strtol(shard.substr(shard.find('/') + 1).c_str(), nullptr, 10);
  }
  auto fmt = [](double v) {
    char b[40];
    std::snprintf(b, sizeof b, "%.10g", v);
    return std::string(b);
  };
  t.columns = keep;
  for (const char* c : {"shards", "complete", "images", "top1_pct", "top5_pct", "top1_agreement_pct", "logits_sqnr_db",
                        "energy_per_image_uj", "cycles_per_image", "energy_uj", "total_cycles", "correct_top1",
                        "correct_top5", "agree_top1", "logits_signal", "logits_noise"})
    t.columns.push_back(c);
  for (const auto& key : order) {
    const Sum& g = groups[key];
    Row r = g.axes;
    auto pct = [&](double k) { return g.images > 0 ? fmt(100.0 * k / g.images) : std::string(); };
    r["shards"] = std::to_string(g.shards) + "/" + std::to_string(g.of);
    r["complete"] = g.shards == g.of ? "yes" : "no";
    r["images"] = fmt(g.images);
    r["top1_pct"] = g.labels ? pct(g.top1) : "";
    r["top5_pct"] = g.labels ? pct(g.top5) : "";
    r["top1_agreement_pct"] = pct(g.agree);
    r["logits_sqnr_db"] = g.noise > 0 ? fmt(10.0 * std::log10(g.signal / g.noise)) : "inf";
    r["energy_per_image_uj"] = g.images > 0 ? fmt(g.energy / g.images) : "";
    r["cycles_per_image"] = g.images > 0 ? fmt(g.cycles / g.images) : "";
    r["energy_uj"] = fmt(g.energy), r["total_cycles"] = fmt(g.cycles);
    r["correct_top1"] = fmt(g.top1), r["correct_top5"] = fmt(g.top5), r["agree_top1"] = fmt(g.agree);
    r["logits_signal"] = fmt(g.signal), r["logits_noise"] = fmt(g.noise);
    t.rows.push_back(r);
  }
  return t;
}

}  // namespace lpsim::sweep
