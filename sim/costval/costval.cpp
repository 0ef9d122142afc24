#include "costval/costval.h"

#include <sys/wait.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "config/config.h"
#include "config/tech.h"
#include "cost/cost_model.h"
#include "pe/pe.h"
#include "sweep/runner.h"
#include "util/yaml_describe.h"
#include "util/yaml_input.h"

namespace fs = std::filesystem;

namespace lpsim::costval {

namespace {

const char* kBefore = "accelerator.cost.overheads=false";

// ---- quantities --------------------------------------------------------------------------------------------------
// area [GROUP[+GROUP...] | cell]           mm^2  placed area of the design, of area groups, or its cell area
// energy_ratio ACTION / ACTION             x     per-action energies of the cost model, one over the other
// run NAME METRIC                          pJ, uJ, mW: from `lpsim run` of the design's run NAME

const std::vector<std::string> kAreaGroups = {"pe_array", "sram_ifmap", "sram_filter", "sram_ofmap", "sfu", "vector",
                                              "cell"};
const std::vector<std::string> kActions = {"mac_datapath",      "mac",             "sram_ifmap_word",
                                           "sram_filter_word",  "sram_ofmap_word", "dram_ifmap_word",
                                           "dram_filter_word",  "dram_ofmap_word", "scratchpad_word"};
const std::map<std::string, std::string> kRunMetrics = {
    {"onchip_pj_per_mac", "pJ"},  // (energy - DRAM energy) / MACs
    {"onchip_uj", "uJ"},          // energy - DRAM energy, whole run
    {"onchip_mw", "mW"},          // (energy - DRAM energy) / time
    {"pj_per_mac", "pJ"},         // energy / MACs, DRAM included
    {"mw", "mW"}};                // energy / time, DRAM included

std::vector<std::string> words(const std::string& s) {
  std::istringstream is(s);
  std::vector<std::string> w;
  for (std::string t; is >> t;) w.push_back(t);
  return w;
}

std::vector<std::string> keys_of(const std::map<std::string, std::string>& m) {
  std::vector<std::string> k;
  for (const auto& kv : m) k.push_back(kv.first);
  return k;
}

// The unit a quantity is in; throws InputError at `at` when it does not parse.
std::string quantity_unit(const std::string& q, const Design& d, const Location& at) {
  const std::vector<std::string> w = words(q);
  if (w.empty()) throw_input_error(at, "empty quantity; " + quantity_help());
  if (w[0] == "area") {
    if (w.size() > 2) throw_input_error(at, "'area' takes at most one group; " + quantity_help());
    if (w.size() == 2) {
      std::istringstream parts(w[1]);
      for (std::string g; std::getline(parts, g, '+');)
        if (std::find(kAreaGroups.begin(), kAreaGroups.end(), g) == kAreaGroups.end() || (g == "cell" && w[1] != g))
          throw_input_error(at, "unknown area group '" + g + "'" + did_you_mean(g, kAreaGroups) +
                                    "; groups: " + join(kAreaGroups) + " (several joined by +; cell alone)");
    }
    return "mm^2";
  }
  if (w[0] == "energy_ratio") {
    if (w.size() != 4 || w[2] != "/") throw_input_error(at, "expected 'energy_ratio ACTION / ACTION'; " + quantity_help());
    for (const std::string& a : {w[1], w[3]})
      if (std::find(kActions.begin(), kActions.end(), a) == kActions.end())
        throw_input_error(at, "unknown action '" + a + "'" + did_you_mean(a, kActions) + "; actions: " + join(kActions));
    return "x";
  }
  if (w[0] == "run") {
    if (w.size() != 3) throw_input_error(at, "expected 'run NAME METRIC'; " + quantity_help());
    std::vector<std::string> runs;
    for (const auto& r : d.runs) runs.push_back(r.name);
    if (std::find(runs.begin(), runs.end(), w[1]) == runs.end())
      throw_input_error(at, "no run '" + w[1] + "' in this design" + did_you_mean(w[1], runs) +
                                (runs.empty() ? " (it has no runs:)" : "; runs: " + join(runs)));
    auto it = kRunMetrics.find(w[2]);
    if (it == kRunMetrics.end())
      throw_input_error(at, "unknown run metric '" + w[2] + "'" + did_you_mean(w[2], keys_of(kRunMetrics)) +
                                "; metrics: " + join(keys_of(kRunMetrics)));
    return it->second;
  }
  throw_input_error(at, "unknown quantity '" + w[0] + "'" + did_you_mean(w[0], {"area", "energy_ratio", "run"}) +
                            "; " + quantity_help());
}

// ---- manifest reader ----------------------------------------------------------------------------------------------

class Reader {
 public:
  explicit Reader(std::string file) : file_(std::move(file)), dir_(fs::path(file_).parent_path()) {}

  Location at(const YAML::Node& n, const std::string& key) const {
    return Location{file_, n.Mark().line >= 0 ? n.Mark().line + 1 : 0, key};
  }

  void keys(const YAML::Node& n, const std::string& path, const std::vector<std::string>& allowed,
            const std::vector<std::string>& required) const {
    if (!n.IsMap()) throw_input_error(at(n, path), "expected a mapping with keys " + join(allowed) + ", got " + describe(n));
    for (const auto& kv : n) {
      const std::string k = kv.first.IsScalar() ? kv.first.Scalar() : "?";
      if (std::find(allowed.begin(), allowed.end(), k) == allowed.end())
        throw_input_error(at(kv.first, path.empty() ? k : path + "." + k),
                          "unknown key '" + k + "'" + did_you_mean(k, allowed) + "; valid keys here: " + join(allowed));
    }
    for (const auto& k : required)
      if (!n[k]) throw_input_error(at(n, path), "missing key '" + k + "'");
  }

  std::string text(const YAML::Node& n, const std::string& path) const {
    if (!n.IsScalar() || n.Scalar().empty())
      throw_input_error(at(n, path), "expected a non-empty string, got " + describe(n));
    return n.Scalar();
  }

  double positive(const YAML::Node& n, const std::string& path) const {
    const std::string s = n.IsScalar() ? n.Scalar() : "";
    char* end = nullptr;
    const double v = s.empty() ? 0 : std::strtod(s.c_str(), &end);
    if (s.empty() || end != s.c_str() + s.size() || !(v > 0) || !std::isfinite(v))
      throw_input_error(at(n, path), "expected a positive number, got " + describe(n));
    return v;
  }

  void band(const YAML::Node& n, const std::string& path, double& lo, double& hi) const {
    if (!n.IsSequence() || n.size() != 2)
      throw_input_error(at(n, path), "expected [low, high] bounds on predicted / published, got " + describe(n));
    lo = positive(n[0], path + "[0]");
    hi = positive(n[1], path + "[1]");
    if (!(lo < 1 && hi > 1)) throw_input_error(at(n, path), "expected low < 1 < high");
  }

  std::string file_path(const YAML::Node& n, const std::string& path) const {
    const std::string rel = text(n, path);
    fs::path p = fs::path(rel).is_absolute() ? fs::path(rel) : dir_ / rel;
    std::error_code ec;
    if (!fs::is_regular_file(p, ec))
      throw_input_error(at(n, path), "cannot read " + p.lexically_normal().string() + ": no such file");
    return p.lexically_normal().string();
  }

  // {key.path: value, ...} as "key.path=value" overrides.
  std::vector<std::string> sets(const YAML::Node& n, const std::string& path) const {
    if (!n.IsMap()) throw_input_error(at(n, path), "expected a mapping key.path: value, got " + describe(n));
    std::vector<std::string> out;
    for (const auto& kv : n) out.push_back(kv.first.Scalar() + "=" + text(kv.second, path + "." + kv.first.Scalar()));
    return out;
  }

  const std::string& file() const { return file_; }

 private:
  std::string file_;
  fs::path dir_;
};

Design read_design(const Reader& rd, const YAML::Node& n, const std::string& path, double lo, double hi) {
  rd.keys(n, path, {"name", "source", "config", "runs", "rows"}, {"name", "source", "config", "rows"});
  Design d;
  d.where = rd.at(n, path);
  d.name = rd.text(n["name"], path + ".name");
  d.source = rd.text(n["source"], path + ".source");
  d.config_as_written = rd.text(n["config"], path + ".config");
  d.config = rd.file_path(n["config"], path + ".config");
  if (n["runs"]) {
    const YAML::Node& runs = n["runs"];
    if (!runs.IsMap()) throw_input_error(rd.at(runs, path + ".runs"), "expected a mapping NAME: {trace, set}, got " + describe(runs));
    for (const auto& kv : runs) {
      Run r;
      r.name = kv.first.Scalar();
      const std::string rp = path + ".runs." + r.name;
      r.where = rd.at(kv.first, rp);
      rd.keys(kv.second, rp, {"trace", "set"}, {});
      if (kv.second["trace"]) r.trace = rd.file_path(kv.second["trace"], rp + ".trace");
      if (kv.second["set"]) r.sets = rd.sets(kv.second["set"], rp + ".set");
      d.runs.push_back(r);
    }
  }
  const YAML::Node& rows = n["rows"];
  if (!rows.IsSequence() || rows.size() == 0)
    throw_input_error(rd.at(rows, path + ".rows"), "expected a list of rows, got " + describe(rows));
  for (size_t i = 0; i < rows.size(); ++i) {
    const std::string rp = path + ".rows[" + std::to_string(i) + "]";
    const YAML::Node& e = rows[i];
    rd.keys(e, rp, {"component", "predicted", "published", "unit", "source", "note", "band", "set"},
            {"component", "predicted", "published", "unit", "source"});
    Row r;
    r.where = rd.at(e, rp);
    r.component = rd.text(e["component"], rp + ".component");
    r.quantity = rd.text(e["predicted"], rp + ".predicted");
    r.published = rd.positive(e["published"], rp + ".published");
    r.unit = rd.text(e["unit"], rp + ".unit");
    r.source = rd.text(e["source"], rp + ".source");
    if (e["note"]) r.note = rd.text(e["note"], rp + ".note");
    r.lo = lo, r.hi = hi;
    if (e["band"]) rd.band(e["band"], rp + ".band", r.lo, r.hi);
    if (e["set"]) {
      if (words(r.quantity).front() == "run")
        throw_input_error(rd.at(e["set"], rp + ".set"), "a run row takes its overrides from its run (runs.NAME.set)");
      r.sets = rd.sets(e["set"], rp + ".set");
    }
    const std::string unit = quantity_unit(r.quantity, d, rd.at(e["predicted"], rp + ".predicted"));
    if (unit != r.unit)
      throw_input_error(rd.at(e["unit"], rp + ".unit"),
                        "'" + r.quantity + "' is in " + unit + ", but the published figure is given in " + r.unit);
    d.rows.push_back(r);
  }
  return d;
}

// ---- evaluation ---------------------------------------------------------------------------------------------------

std::string area_group(const std::string& part) {
  if (part.rfind("sram.", 0) == 0) return "sram_" + part.substr(5);
  return part.substr(0, part.find('.'));  // pe_array.*, sfu(.placement), vector(.placement)
}

double static_quantity(const cfg::Config& c, const std::vector<std::string>& w, const Location& at) {
  const cost::CostModel m(c.cost.tech, cfg::arch_desc(c));
  if (w[0] == "area") {
    if (w.size() == 1) return m.area_mm2();
    if (w[1] == "cell") return m.cell_area_mm2();
    double um2 = 0;
    std::istringstream groups(w[1]);
    for (std::string g; std::getline(groups, g, '+');)
      for (const auto& [name, v] : m.area_um2().parts)
        if (area_group(name) == g) um2 += v;
    return um2 * 1e-6;
  }
  // energy_ratio A / B
  auto action = [&](const std::string& a) {
    const int ops[3] = {0, 1, 2};
    const char* names[3] = {"ifmap", "filter", "ofmap"};
    if (a == "mac_datapath") return m.mac().datapath_pj();
    if (a == "mac") return m.mac().total_pj();
    for (int op : ops) {
      if (a == std::string("sram_") + names[op] + "_word") return m.sram_read_pj_per_bit(op) * c.memory.word_bits[op].value();
      if (a == std::string("dram_") + names[op] + "_word") return m.dram_pj_per_bit() * c.memory.word_bits[op].value();
    }
    // scratchpad_word: one operand word (the activation format's width) in the PE scratchpad
    if (c.cost.pe_scratchpad_bits_per_mac <= 0)
      throw_input_error(at, "scratchpad_word needs accelerator.cost.pe_scratchpad_bytes and _bits_per_mac in " +
                                c.source_file);
    return m.mac().scratchpad_pj / static_cast<double>(c.cost.pe_scratchpad_bits_per_mac) *
           m.arch().pe.a.element.width();
  };
  return action(w[1]) / action(w[3]);
}

double run_metric(const YAML::Node& total, const std::string& metric) {
  auto get = [&](const char* k) {
    const YAML::Node v = total[k];
    return v && v.IsScalar() ? std::stod(v.Scalar()) : 0.0;
  };
  const double e = get("energy_uj"), dram = get("energy_dram_uj"), macs = get("macs"), t = get("time_us");
  const double onchip = e - dram;
  if (metric == "onchip_pj_per_mac") return macs > 0 ? onchip * 1e6 / macs : 0;
  if (metric == "onchip_uj") return onchip;
  if (metric == "onchip_mw") return t > 0 ? onchip / t * 1e3 : 0;
  if (metric == "pj_per_mac") return macs > 0 ? e * 1e6 / macs : 0;
  return t > 0 ? e / t * 1e3 : 0;  // mw
}

std::string slug(const std::string& s) {
  std::string o;
  for (char ch : s) o += std::isalnum(static_cast<unsigned char>(ch)) ? static_cast<char>(std::tolower(ch)) : '_';
  return o;
}

struct Job {
  size_t design;
  const Run* run;
  bool before;
  std::string dir;
  std::vector<std::string> argv;
};

std::string slurp(const std::string& path) {
  std::ifstream is(path);
  std::stringstream ss;
  ss << is.rdbuf();
  return ss.str();
}

// Runs the jobs as child processes, at most `jobs` at a time; returns each job's report.json TOTAL.
std::vector<YAML::Node> run_jobs(const std::vector<Job>& todo, const Options& o,
                                 const std::function<void(size_t, size_t)>& progress) {
  std::vector<YAML::Node> totals(todo.size());
  std::map<pid_t, size_t> running;
  size_t next = 0, done = 0;
  const unsigned jobs = o.jobs ? o.jobs : 1;
  // A failed run stops new ones; the runs under way finish, and the first failure in manifest order is reported
  // (the same message however the runs were scheduled).
  std::map<size_t, std::string> failed;
  auto fail = [&](size_t i, const std::string& why) { failed.emplace(i, why); };
  while ((next < todo.size() && failed.empty()) || !running.empty()) {
    while (running.size() < jobs && next < todo.size() && failed.empty()) {
      const Job& j = todo[next];
      std::error_code ec;
      fs::create_directories(j.dir, ec);
      fs::remove(fs::path(j.dir) / "report.json", ec);
      pid_t pid = 0;
      const int rc = sweep::spawn_quiet(o.exe, j.argv, (fs::path(j.dir) / "stderr.txt").string(), &pid);
      if (rc != 0) {
        fail(next++, "cannot start " + o.exe + ": " + std::strerror(rc));
        break;
      }
      running[pid] = next++;
    }
    if (running.empty()) continue;
    int status = 0;
    const pid_t pid = ::waitpid(-1, &status, 0);
    if (pid < 0) {
      if (errno == EINTR) continue;
      throw std::runtime_error(std::string("waitpid failed: ") + std::strerror(errno));
    }
    auto it = running.find(pid);
    if (it == running.end()) continue;
    const size_t i = it->second;
    running.erase(it);
    const Job& j = todo[i];
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
      std::string msg = slurp((fs::path(j.dir) / "stderr.txt").string());
      while (!msg.empty() && (msg.back() == '\n' || msg.back() == '\r')) msg.pop_back();
      const size_t nl = msg.rfind('\n');
      std::string last = nl == std::string::npos ? msg : msg.substr(nl + 1);
      if (last.rfind("error: ", 0) == 0) last = last.substr(7);
      fail(i, last.empty() ? "lpsim run exited with an error" : last);
      continue;
    }
    try {
      YAML::Node root = YAML::Load(slurp((fs::path(j.dir) / "report.json").string()));
      totals[i] = root["total"];
    } catch (const YAML::Exception& e) {
      fail(i, "report.json does not read back: " + e.msg);
      continue;
    }
    if (!totals[i] || !totals[i].IsMap()) {
      fail(i, "report.json has no total");
      continue;
    }
    if (progress) progress(++done, todo.size());
  }
  if (!failed.empty()) {
    const Job& j = todo[failed.begin()->first];
    throw_input_error(j.run->where, "run '" + j.run->name + "'" + (j.before ? " (overheads off)" : "") +
                                        " failed: " + failed.begin()->second);
  }
  return totals;
}

std::string num(double v) {
  char b[32];
  const double a = std::fabs(v);
  std::snprintf(b, sizeof b, a >= 1000 ? "%.0f" : a >= 100 ? "%.1f" : a >= 1 ? "%.2f" : "%.3f", v);
  return b;
}

std::string ratio_text(double r) {
  char b[32];
  std::snprintf(b, sizeof b, "%.2f", r);
  return b;
}

std::string band_text(const Row& r) {
  char b[48];
  std::snprintf(b, sizeof b, "%g-%g", r.lo, r.hi);
  return b;
}

// Columns laid out for the terminal: every cell padded to its column's widest entry.
std::string layout(const std::vector<std::vector<std::string>>& rows, const std::vector<bool>& right) {
  std::vector<size_t> w(rows.front().size(), 0);
  for (const auto& r : rows)
    for (size_t i = 0; i < r.size(); ++i) w[i] = std::max(w[i], r[i].size());
  std::ostringstream os;
  for (size_t k = 0; k < rows.size(); ++k) {
    std::string line;
    for (size_t i = 0; i < rows[k].size(); ++i) {
      const std::string& c = rows[k][i];
      const std::string pad(w[i] - c.size(), ' ');
      line += (i ? "  " : "") + (right[i] ? pad + c : c + pad);
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    os << line << "\n";
    if (k == 0) {
      std::string rule;
      for (size_t i = 0; i < w.size(); ++i) rule += (i ? "  " : "") + std::string(w[i], '-');
      os << rule << "\n";
    }
  }
  return os.str();
}

std::string json_escape(const std::string& s) {
  std::string o;
  for (char ch : s) {
    if (ch == '"' || ch == '\\') o += '\\', o += ch;
    else if (ch == '\n') o += "\\n";
    else o += ch;
  }
  return o;
}

}  // namespace

bool Row::in_band() const {
  const double r = ratio();
  return r >= lo && r <= hi;
}

std::string quantity_help() {
  return "quantities: 'area' (placed mm^2), 'area GROUP[+GROUP...]' (" + join(kAreaGroups) +
         "), 'energy_ratio ACTION / ACTION' (" + join(kActions) + "), 'run NAME METRIC' (" +
         join(keys_of(kRunMetrics)) + ")";
}

Manifest load_manifest(const std::string& path) {
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) throw InputError(path + ": cannot read validation manifest: no such file");
  // Duplicate keys, depth and size limits: the same loader as every other YAML input.
  YAML::Node root = load_yaml_file(path);
  Reader rd(path);
  rd.keys(root, "", {"bounds", "designs"}, {"designs"});
  Manifest m;
  m.file = path;
  if (root["bounds"]) rd.band(root["bounds"], "bounds", m.lo, m.hi);
  const YAML::Node& ds = root["designs"];
  if (!ds.IsSequence() || ds.size() == 0)
    throw_input_error(rd.at(ds, "designs"), "expected a list of designs, got " + describe(ds));
  for (size_t i = 0; i < ds.size(); ++i)
    m.designs.push_back(read_design(rd, ds[i], "designs[" + std::to_string(i) + "]", m.lo, m.hi));
  return m;
}

void evaluate(Manifest& m, const Options& o, const std::function<void(size_t, size_t)>& progress) {
  // Static rows: the cost model of the config, in this process (no simulation).
  for (Design& d : m.designs) {
    for (Row& r : d.rows) {
      const std::vector<std::string> w = words(r.quantity);
      if (w[0] == "run") continue;
      std::vector<cfg::Override> sets;
      for (const auto& st : r.sets) sets.push_back(cfg::parse_override(st));
      const cfg::Config now = cfg::load_config(d.config, sets);
      sets.push_back(cfg::parse_override(kBefore));
      const cfg::Config before = cfg::load_config(d.config, sets);
      r.predicted = static_quantity(now, w, r.where);
      r.before = static_quantity(before, w, r.where);
    }
  }
  // Runs: each its own `lpsim run` (SystemC elaborates once per process), with and without the overheads.
  std::vector<Job> todo;
  for (size_t di = 0; di < m.designs.size(); ++di) {
    const Design& d = m.designs[di];
    for (const Run& r : d.runs) {
      for (bool before : {false, true}) {
        Job j{di, &r, before, (fs::path(o.work_dir) / slug(d.name) / (r.name + (before ? "_before" : ""))).string(), {}};
        j.argv = {"run", d.config};
        if (!r.trace.empty()) j.argv.insert(j.argv.end(), {"--trace", r.trace});
        for (const auto& s : r.sets) j.argv.insert(j.argv.end(), {"--set", s});
        if (before) j.argv.insert(j.argv.end(), {"--set", kBefore});
        j.argv.insert(j.argv.end(), {"--out", j.dir, "--format", "none", "--quiet"});
        todo.push_back(j);
      }
    }
  }
  const std::vector<YAML::Node> totals = run_jobs(todo, o, progress);
  for (size_t i = 0; i < todo.size(); ++i) {
    Design& d = m.designs[todo[i].design];
    for (Row& r : d.rows) {
      const std::vector<std::string> w = words(r.quantity);
      if (w[0] != "run" || w[1] != todo[i].run->name) continue;
      (todo[i].before ? r.before : r.predicted) = run_metric(totals[i], w[2]);
    }
  }
}

size_t rows_out_of_band(const Manifest& m) {
  size_t n = 0;
  for (const auto& d : m.designs)
    for (const auto& r : d.rows) n += r.in_band() ? 0 : 1;
  return n;
}

std::string render_text(const Manifest& m) {
  std::ostringstream os;
  size_t rows = 0;
  for (const auto& d : m.designs) rows += d.rows.size();
  os << "lpsim validate-cost: " << m.designs.size() << " designs, " << rows << " rows (" << m.file << ")\n"
     << "lpsim = this cost model; before = datapath only (" << kBefore << "); ratio = lpsim / published\n";
  for (const auto& d : m.designs) {
    os << "\n" << d.name << " - " << d.config_as_written << " (" << d.source << ")\n";
    std::vector<std::vector<std::string>> t = {
        {"component", "published", "unit", "lpsim", "ratio", "before", "ratio", "band", ""}};
    for (const auto& r : d.rows)
      t.push_back({r.component, num(r.published), r.unit, num(r.predicted), ratio_text(r.ratio()), num(r.before),
                   ratio_text(r.ratio_before()), band_text(r), r.in_band() ? "ok" : "OUT"});
    os << layout(t, {false, true, false, true, true, true, true, true, false});
    for (size_t i = 0; i < d.rows.size(); ++i) {
      os << "  [" << i + 1 << "] " << d.rows[i].component << ": " << d.rows[i].source;
      if (!d.rows[i].note.empty()) os << " -- " << d.rows[i].note;
      os << "\n";
    }
  }
  const size_t out = rows_out_of_band(m);
  os << "\n" << (rows - out) << " of " << rows << " rows within their band" << (out ? "" : "") << "\n";
  return os.str();
}

std::string render_markdown(const Manifest& m) {
  std::ostringstream os;
  os << "| design | component | published | lpsim | ratio | before | ratio | band |\n"
     << "|---|---|---:|---:|---:|---:|---:|---|\n";
  for (const auto& d : m.designs)
    for (const auto& r : d.rows)
      os << "| " << d.name << " | " << r.component << " | " << num(r.published) << " " << r.unit << " | "
         << num(r.predicted) << " | " << ratio_text(r.ratio()) << " | " << num(r.before) << " | "
         << ratio_text(r.ratio_before()) << " | " << band_text(r) << (r.in_band() ? "" : " **out**") << " |\n";
  return os.str();
}

std::string render_json(const Manifest& m) {
  std::ostringstream os;
  os << "{\n  \"manifest\": \"" << json_escape(m.file) << "\",\n  \"designs\": [";
  for (size_t di = 0; di < m.designs.size(); ++di) {
    const Design& d = m.designs[di];
    os << (di ? "," : "") << "\n    {\"name\": \"" << json_escape(d.name) << "\", \"config\": \""
       << json_escape(d.config_as_written) << "\", \"source\": \"" << json_escape(d.source) << "\", \"rows\": [";
    for (size_t i = 0; i < d.rows.size(); ++i) {
      const Row& r = d.rows[i];
      os << (i ? "," : "") << "\n      {\"component\": \"" << json_escape(r.component) << "\", \"quantity\": \""
         << json_escape(r.quantity) << "\", \"unit\": \"" << json_escape(r.unit) << "\", \"published\": "
         << r.published << ", \"predicted\": " << r.predicted << ", \"ratio\": " << r.ratio()
         << ", \"before\": " << r.before << ", \"ratio_before\": " << r.ratio_before() << ", \"band\": [" << r.lo
         << ", " << r.hi << "], \"in_band\": " << (r.in_band() ? "true" : "false") << ", \"source\": \""
         << json_escape(r.source) << "\", \"note\": \"" << json_escape(r.note) << "\"}";
    }
    os << "\n    ]}";
  }
  os << "\n  ],\n  \"rows_out_of_band\": " << rows_out_of_band(m) << "\n}\n";
  return os.str();
}

std::string render_pe_table() {
  const cost::TechTable& t = cfg::default_tech_table();
  struct Pe {
    const char* label;
    const char* fmt;
  };
  const Pe pes[] = {{"int8 (INT32 acc)", "int8"},          {"fp8_e4m3 (FP32 acc)", "fp8_e4m3"},
                    {"bf16 (FP32 acc)", "bf16"},           {"int16 (INT32 acc, VNNI)", "int16"},
                    {"fp16 (FP32 acc)", "fp16"},           {"fp32", "fp32"},
                    {"mxfp8_e4m3 (FP32 acc)", "mxfp8_e4m3"}, {"mxfp6_e3m2 (FP32 acc)", "mxfp6_e3m2"},
                    {"mxfp4_e2m1 (FP32 acc)", "mxfp4_e2m1"}, {"mxint8 (FP32 acc)", "mxint8"}};
  auto f3 = [](double v) {
    char b[32];
    std::snprintf(b, sizeof b, "%.3f", v);
    return std::string(b);
  };
  auto f0 = [](double v) {
    char b[32];
    std::snprintf(b, sizeof b, v >= 100 ? "%.0f" : "%.1f", v);
    return std::string(b);
  };
  std::ostringstream os;
  os << "| PE | datapath pJ/MAC 45 nm | pJ/MAC 45 nm | before | cell um^2/PE 45 nm | pJ/MAC 7 nm | cell um^2/PE 7 nm |\n"
     << "|---|---:|---:|---:|---:|---:|---:|\n";
  for (const Pe& p : pes) {
    model::PeParams pp;
    pp.format_a = pp.format_b = p.fmt;
    const model::ResolvedPe r = model::resolve(pp);
    const cost::MacCost m45 = cost::mac_cost(t, r, 45), off = cost::mac_cost(t, r, 45, nullptr, false);
    const cost::MacCost m7 = cost::mac_cost(t, r, 7);
    os << "| " << p.label << " | " << f3(m45.datapath_pj()) << " | " << f3(m45.total_pj()) << " | "
       << f3(off.total_pj()) << " | " << f0(cost::pe_area(t, r, 45).total_um2()) << " | " << f3(m7.total_pj())
       << " | " << f0(cost::pe_area(t, r, 7).total_um2()) << " |\n";
  }
  return os.str();
}

std::string render_dot_table(int64_t width) {
  const cost::TechTable& t = cfg::default_tech_table();
  const char* fmts[] = {"fp8_e4m3", "bf16", "int8", "mxfp8_e4m3", "mxfp6_e3m2", "mxfp4_e2m1", "mxint8"};
  struct Fig {
    double bits, area1, area_w, pj1, pj_w;
  };
  auto figs = [&](const char* f) {
    model::PeParams pp;
    pp.format_a = pp.format_b = f;
    cost::ArchDesc a;
    a.pe = model::resolve(pp);
    a.node_nm = 7;
    const cost::CostModel one(t, a);
    a.dot_width = width;
    const cost::CostModel wide(t, a);
    const double w = static_cast<double>(width);
    return Fig{model::operand_bits(a.pe, model::kIfmap, 0, false).value(), one.pe_area().total_um2(),
               wide.pe_area().total_um2() / w, one.mac().total_pj(), wide.mac().total_pj()};
  };
  auto f = [](const char* spec, double v) {
    char b[32];
    std::snprintf(b, sizeof b, spec, v);
    return std::string(b);
  };
  const Fig fp8 = figs("fp8_e4m3");
  const std::string ws = std::to_string(width);
  std::ostringstream os;
  os << "| PE (7 nm) | bits/element | um^2/MAC, w=1 | um^2/MAC, w=" << ws << " | pJ/MAC, w=1 | pJ/MAC, w=" << ws
     << " | area/MAC vs FP8, w=" << ws << " | energy/MAC vs FP8 | area x bits vs FP8 |\n"
     << "|---|---:|---:|---:|---:|---:|---:|---:|---:|\n";
  for (const char* fmt : fmts) {
    const Fig g = figs(fmt);
    os << "| " << fmt << " | " << f("%.2f", g.bits) << " | " << f("%.1f", g.area1) << " | " << f("%.1f", g.area_w)
       << " | " << f("%.3f", g.pj1) << " | " << f("%.3f", g.pj_w) << " | " << f("%.2f", g.area_w / fp8.area_w)
       << " | " << f("%.2f", g.pj_w / fp8.pj_w) << " | "
       << f("%.2f", g.area_w * g.bits / (fp8.area_w * fp8.bits)) << " |\n";
  }
  return os.str();
}

}  // namespace lpsim::costval
