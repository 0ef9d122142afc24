// Test-local readers for the SCALE-Sim oracle in tests/data/scalesim (results.csv, configs/*.cfg,
// topologies/*.csv). Deliberately tiny: the production readers live in sim/ and are tested there.
#pragma once
#include <cmath>
#include <cstdint>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "array/timing.h"

namespace oracle {

inline std::string trim(const std::string& s) {
  const size_t a = s.find_first_not_of(" \t\r\n");
  if (a == std::string::npos) return "";
  const size_t b = s.find_last_not_of(" \t\r\n");
  return s.substr(a, b - a + 1);
}

inline std::vector<std::string> split(const std::string& line, char sep = ',') {
  std::vector<std::string> out;
  std::string cur;
  std::istringstream is(line);
  while (std::getline(is, cur, sep)) out.push_back(trim(cur));
  if (!line.empty() && line.back() == sep) out.push_back("");
  return out;
}

inline std::string data_dir() { return std::string(LPSIM_TEST_DATA) + "/scalesim"; }

struct Config {
  std::string name;
  lpsim::model::ArrayParams array;
  lpsim::model::MemoryParams mem;
};

// SCALE-Sim .cfg: "Key: value" / "Key = value" lines; 1-byte words, kB of 1024 words, Bandwidth in words/cycle.
inline Config read_cfg(const std::string& name) {
  const std::string path = data_dir() + "/configs/" + name + ".cfg";
  std::ifstream f(path);
  if (!f) throw std::runtime_error("cannot open " + path);
  std::map<std::string, std::string> kv;
  std::string line;
  while (std::getline(f, line)) {
    const size_t p = line.find_first_of(":=");
    if (p == std::string::npos || trim(line).empty() || trim(line)[0] == '[') continue;
    kv[trim(line.substr(0, p))] = trim(line.substr(p + 1));
  }
  Config c;
  c.name = name;
  c.array.rows = std::stoll(kv.at("ArrayHeight"));
  c.array.cols = std::stoll(kv.at("ArrayWidth"));
  const std::string df = kv.at("Dataflow");
  c.array.dataflow = df == "os" ? lpsim::model::Dataflow::kOS
                                : df == "ws" ? lpsim::model::Dataflow::kWS : lpsim::model::Dataflow::kIS;
  c.mem.sram_kib[0] = std::stod(kv.at("IfmapSramSzkB"));
  c.mem.sram_kib[1] = std::stod(kv.at("FilterSramSzkB"));
  c.mem.sram_kib[2] = std::stod(kv.at("OfmapSramSzkB"));
  c.mem.dram_bw_bytes_per_cycle = std::stod(split(kv.at("Bandwidth"))[0]);
  return c;
}

// Topology CSV (header skipped, trailing comma: the last field is dropped). GEMM rows M,N,K become the conv
// form ifmap M x K, filter 1 x K, 1 channel, N filters, stride 1; "DP" layers expand to one layer per channel;
// ofmap = ceil((H - F + S) / S).
inline std::vector<lpsim::model::LayerShape> read_topology(const std::string& name, bool gemm) {
  const std::string path = data_dir() + "/topologies/" + name + ".csv";
  std::ifstream f(path);
  if (!f) throw std::runtime_error("cannot open " + path);
  std::vector<lpsim::model::LayerShape> out;
  std::string line;
  std::getline(f, line);
  while (std::getline(f, line)) {
    if (trim(line).empty()) continue;
    std::vector<std::string> v = split(line);
    v.pop_back();
    lpsim::model::LayerShape s;
    s.name = v.at(0);
    if (gemm) {
      const int64_t M = std::stoll(v.at(1)), N = std::stoll(v.at(2)), K = std::stoll(v.at(3));
      s.ifmap_h = M, s.ifmap_w = K, s.filter_h = 1, s.filter_w = K, s.channels = 1, s.num_filters = N;
    } else {
      s.ifmap_h = std::stoll(v.at(1)), s.ifmap_w = std::stoll(v.at(2));
      s.filter_h = std::stoll(v.at(3)), s.filter_w = std::stoll(v.at(4));
      s.channels = std::stoll(v.at(5)), s.num_filters = std::stoll(v.at(6));
      s.stride_h = s.stride_w = std::stoll(v.at(7));
      if (v.size() > 8) s.stride_w = std::stoll(v.at(8));
    }
    auto ceil_out = [](int64_t x, int64_t k, int64_t st) { return (x - k + st + st - 1) / st; };
    s.ofmap_h = ceil_out(s.ifmap_h, s.filter_h, s.stride_h);
    s.ofmap_w = ceil_out(s.ifmap_w, s.filter_w, s.stride_w);
    if (s.name.find("DP") != std::string::npos) {
      const int64_t ch = s.channels;
      for (int64_t i = 0; i < ch; ++i) {
        lpsim::model::LayerShape d = s;
        d.channels = 1;
        d.name = s.name + "Channel_" + std::to_string(i);
        out.push_back(d);
      }
    } else {
      out.push_back(s);
    }
  }
  return out;
}

// One row of results.csv with typed accessors by column name.
struct Row {
  const std::map<std::string, size_t>* col = nullptr;
  std::vector<std::string> v;
  const std::string& s(const std::string& k) const { return v.at(col->at(k)); }
  int64_t i(const std::string& k) const { return std::stoll(s(k)); }
  double d(const std::string& k) const { return std::stod(s(k)); }
};

struct Results {
  std::map<std::string, size_t> col;
  std::vector<Row> rows;
};

inline const Results& results() {
  static Results r = [] {
    Results res;
    const std::string path = data_dir() + "/results.csv";
    std::ifstream f(path);
    if (!f) throw std::runtime_error("cannot open " + path);
    std::string line;
    std::getline(f, line);
    std::vector<std::string> h = split(line);
    for (size_t i = 0; i < h.size(); ++i) res.col[h[i]] = i;
    while (std::getline(f, line)) {
      if (trim(line).empty()) continue;
      Row row;
      row.v = split(line);
      res.rows.push_back(row);
    }
    for (Row& row : res.rows) row.col = &res.col;
    return res;
  }();
  return r;
}

// The layer a results.csv row describes, built from its topology file (cached per topology).
inline const lpsim::model::LayerShape& layer_of(const Row& r) {
  static std::map<std::string, std::vector<lpsim::model::LayerShape>> cache;
  const std::string topo = r.s("topology");
  auto it = cache.find(topo);
  if (it == cache.end()) it = cache.emplace(topo, read_topology(topo, r.s("input_format") == "gemm")).first;
  return it->second.at(static_cast<size_t>(r.i("layer_id")));
}

inline const Config& config_of(const Row& r) {
  static std::map<std::string, Config> cache;
  const std::string name = r.s("config_name");
  auto it = cache.find(name);
  if (it == cache.end()) it = cache.emplace(name, read_cfg(name)).first;
  return it->second;
}

}  // namespace oracle
