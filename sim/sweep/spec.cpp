#include "sweep/spec.h"

#include <sys/wait.h>
#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "driver/precheck.h"
#include "driver/workload.h"
#include "sweep/results.h"
#include "util/text.h"
#include "util/yaml_input.h"

namespace fs = std::filesystem;

namespace lpsim::sweep {

namespace {

const std::vector<std::string> kTopKeys = {"name", "description", "base", "trace", "set",
                                           "axes", "points",      "mode", "out"};
// Each point writes its reports to OUT/points/<id>; the sweep owns these keys.
const std::vector<std::string> kOwnedKeys = {"run.out_dir", "run.formats"};

int line_of(const YAML::Node& n) { return n.Mark().line + 1; }

struct Reader {
  std::string file;
  fs::path dir;  // the sweep file's directory (relative paths in it are taken from here)
  Location at(const YAML::Node& n, const std::string& key) const { return Location{file, line_of(n), key}; }
};

std::string scalar(const Reader& rd, const YAML::Node& n, const std::string& key) {
  if (!n.IsScalar() || n.Scalar().empty())
    throw_input_error(rd.at(n, key), "expected a text value, got " + describe(n));
  return n.Scalar();
}

// One config value as written in the sweep file -> a Setting (YAML text for --set, display text).
Setting setting(const Reader& rd, const std::string& key, const YAML::Node& v, const std::string& where_key) {
  Setting s;
  s.key = trim(key);
  s.where = rd.at(v, where_key);
  if (s.key.empty()) throw_input_error(s.where, "empty config key");
  if (std::find(kOwnedKeys.begin(), kOwnedKeys.end(), s.key) != kOwnedKeys.end())
    throw_input_error(s.where, "set by lpsim sweep: every point writes report.txt, report.json and layers.csv to "
                               "OUT/points/<id>/ (choose OUT with out: or --out)");
  if (v.IsScalar()) {
    s.text = v.Scalar();
    s.value = v.Scalar();
    if (v.Tag() == "!") {  // quoted in the file: keep it a string for the config reader
      YAML::Emitter e;
      e << YAML::DoubleQuoted << v.Scalar();
      s.value = e.c_str();
    }
    // A workload path written in the sweep file is relative to the sweep file (like base:), not to the cwd.
    static const char* kPathKeys[] = {"workload.trace", "workload.model", "workload.input", "workload.dataset.images",
                                      "workload.dataset.labels"};
    for (const char* k : kPathKeys)
      if (s.key == k && fs::path(s.text).is_relative()) s.value = (rd.dir / s.text).lexically_normal().string();
  } else if (v.IsSequence()) {
    for (const auto& item : v)
      if (!item.IsScalar())
        throw_input_error(rd.at(item, where_key), "expected a list of plain values, got " + describe(item));
    YAML::Emitter e;
    e << YAML::Flow << v;
    s.text = s.value = e.c_str();
  } else {
    throw_input_error(s.where, "expected a value (text, number or list), got " + describe(v));
  }
  return s;
}

std::string short_key(const std::string& key) {
  auto dot = key.rfind('.');
  return dot == std::string::npos ? key : key.substr(dot + 1);
}

// A value as a point's label shows it: a file path by its stem ("../../traces/resnet50.yaml" -> "resnet50"), so
// labels stay short; results.csv keeps the value as written.
std::string short_value(const std::string& v) {
  if (v.find('/') == std::string::npos) {
    static const char* kExt[] = {".yaml", ".yml", ".csv", ".cfg", ".npy", ".onnx", ".json"};
    bool file = false;
    for (const char* e : kExt) file = file || (v.size() > std::strlen(e) && v.compare(v.size() - std::strlen(e), std::string::npos, e) == 0);
    if (!file) return v;
  }
  std::string stem = fs::path(v).stem().string();
  return stem.empty() ? v : stem;
}

std::vector<std::string> split_keys(const Reader& rd, const YAML::Node& name_node, const std::string& name) {
  std::vector<std::string> keys;
  std::stringstream ss(name);
  for (std::string k; std::getline(ss, k, ',');) {
    k = trim(k);
    if (k.empty()) throw_input_error(rd.at(name_node, "axes." + name), "empty key in a tied axis name");
    if (std::find(keys.begin(), keys.end(), k) != keys.end())
      throw_input_error(rd.at(name_node, "axes." + name), "key '" + k + "' appears twice");
    keys.push_back(k);
  }
  return keys;
}

// A group value: a mapping of config keys (and, in the list form, an optional label:).
AxisValue group_value(const Reader& rd, const YAML::Node& m, const std::string& base_key, std::string label,
                      bool label_allowed, Axis& axis) {
  AxisValue v;
  if (!m.IsMap() || m.size() == 0)
    throw_input_error(rd.at(m, base_key), "expected a mapping of config keys to values, e.g. "
                                          "{accelerator.pe.activations: bf16, accelerator.pe.weights: bf16}, got " +
                                              describe(m));
  std::vector<std::string> texts;
  for (const auto& kv : m) {
    std::string key = kv.first.IsScalar() ? kv.first.Scalar() : std::string();
    if (key == "label") {
      if (!label_allowed)
        throw_input_error(rd.at(kv.first, base_key + ".label"), "the mapping key already labels this value");
      label = scalar(rd, kv.second, base_key + ".label");
      continue;
    }
    v.settings.push_back(setting(rd, key, kv.second, base_key + "." + key));
    texts.push_back(v.settings.back().text);
    if (std::find(axis.keys.begin(), axis.keys.end(), v.settings.back().key) == axis.keys.end())
      axis.keys.push_back(v.settings.back().key);
  }
  if (v.settings.empty()) throw_input_error(rd.at(m, base_key), "sets no config key");
  v.label = label.empty() ? join(texts, "/") : label;
  return v;
}

Axis read_axis(const Reader& rd, const YAML::Node& name_node, const YAML::Node& values) {
  Axis a;
  a.name = name_node.IsScalar() ? trim(name_node.Scalar()) : std::string();
  a.where = rd.at(name_node, "axes." + a.name);
  if (a.name.empty()) throw_input_error(a.where, "expected an axis name (a config key path or a group label)");
  std::string base = "axes." + a.name;
  const std::string kHint =
      "give a list of values, e.g. [16, 32, 64], or a mapping label -> {config.key: value, ...}";
  if (values.IsNull() || (values.IsSequence() && values.size() == 0) || (values.IsMap() && values.size() == 0))
    throw_input_error(a.where, "no values: " + kHint);
  if (values.IsScalar()) throw_input_error(rd.at(values, base), "expected values: " + kHint + ", got " + describe(values));

  size_t maps = 0;
  if (values.IsSequence())
    for (const auto& item : values) maps += item.IsMap() ? 1 : 0;
  a.group = values.IsMap() || maps > 0;
  if (values.IsSequence() && maps > 0 && maps < values.size())
    throw_input_error(a.where, "mixes mappings (groups of keys) and plain values; use one or the other");
  if (a.group && (a.name.find('.') != std::string::npos || a.name.find(',') != std::string::npos))
    throw_input_error(a.where, "the values are mappings of config keys, so this axis is a group: name it with a "
                               "label for its column (e.g. format:), not a config key");
  if (a.group && is_reserved_column(a.name))
    throw_input_error(a.where, "'" + a.name + "' is taken by a results.csv column (figures, energy_*, area_*, power_*); choose "
                               "another group name");

  if (!a.group) {
    a.keys = split_keys(rd, name_node, a.name);
    std::set<std::string> seen;
    for (const auto& item : values) {
      AxisValue v;
      for (const auto& k : a.keys) v.settings.push_back(setting(rd, k, item, "axes." + k));
      v.label = v.settings.front().text;
      if (!seen.insert(v.label).second) throw_input_error(rd.at(item, base), "value " + v.label + " appears twice");
      a.values.push_back(std::move(v));
    }
  } else if (values.IsSequence()) {
    size_t i = 0;
    for (const auto& item : values) {
      a.values.push_back(group_value(rd, item, base + "[" + std::to_string(i++) + "]", "", true, a));
    }
  } else {
    for (const auto& kv : values) {
      std::string label = scalar(rd, kv.first, base);
      a.values.push_back(group_value(rd, kv.second, base + "." + label, label, false, a));
    }
  }
  if (a.group) {
    std::set<std::string> labels;
    for (const auto& v : a.values)
      if (!labels.insert(v.label).second)
        throw_input_error(a.where, "two values have the label '" + v.label + "'; labels name a value's column cell");
  }
  return a;
}

std::string resolve(const Reader& rd, const std::string& p) {
  fs::path path(p);
  return (path.is_relative() ? rd.dir / path : path).lexically_normal().string();
}

void require_file(const Reader& rd, const YAML::Node& n, const std::string& key, const std::string& path,
                  const std::string& what) {
  std::error_code ec;
  if (!fs::is_regular_file(path, ec))
    throw_input_error(rd.at(n, key), what + " " + path + ": " + (fs::exists(path, ec) ? "not a file" : "no such file") +
                                         " (paths are relative to the sweep file)");
}

uint64_t fnv1a(const std::string& s) {
  uint64_t h = 14695981039346656037ull;  // FNV-1a 64-bit offset basis 0xcbf29ce484222325 and prime
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

void expand(Spec& s) {
  // Axis columns: a group's label column, then the keys it sets; a plain or tied axis's keys.
  std::map<std::string, std::string> owner;
  for (const auto& a : s.axes) {
    std::vector<std::string> cols;
    if (a.group) cols.push_back(a.name);
    cols.insert(cols.end(), a.keys.begin(), a.keys.end());
    for (const auto& c : cols) {
      if (owner.count(c)) throw_input_error(a.where, "'" + c + "' is already swept by axis '" + owner[c] + "'");
      owner[c] = a.name;
      s.axis_columns.push_back(c);
    }
  }
  if (s.mode == "zip") {
    for (const auto& a : s.axes)
      if (a.values.size() != s.axes.front().values.size())
        throw_input_error(a.where, "mode zip pairs values by position, but this axis has " +
                                       std::to_string(a.values.size()) + " values and '" + s.axes.front().name +
                                       "' has " + std::to_string(s.axes.front().values.size()));
  }
  size_t total = 1;
  if (s.mode == "zip") {
    total = s.axes.front().values.size();
  } else {
    for (const auto& a : s.axes) {
      total *= a.values.size();
      if (total > 1000000) throw_input_error(Location{s.file, s.body_line, "axes"}, "more than 1,000,000 points");
    }
  }
  for (size_t i = 0; i < total; ++i) {
    Point p;
    p.index = i;
    p.settings = s.set;
    // Product: the last axis varies fastest (nested loops in the order written).
    size_t rest = i;
    std::vector<size_t> pick(s.axes.size());
    for (size_t j = s.axes.size(); j-- > 0;) {
      if (s.mode == "zip") {
        pick[j] = i;
      } else {
        pick[j] = rest % s.axes[j].values.size();
        rest /= s.axes[j].values.size();
      }
    }
    std::vector<std::string> parts;
    for (size_t j = 0; j < s.axes.size(); ++j) {
      const Axis& a = s.axes[j];
      const AxisValue& v = a.values[pick[j]];
      p.settings.insert(p.settings.end(), v.settings.begin(), v.settings.end());
      if (a.group) {
        p.columns.emplace_back(a.name, v.label);
        for (const auto& k : a.keys) {
          std::string cell;
          for (const auto& st : v.settings)
            if (st.key == k) cell = st.text;
          p.columns.emplace_back(k, cell);
        }
        parts.push_back(a.name + "=" + v.label);
      } else {
        std::vector<std::string> shorts;
        for (const auto& k : a.keys) {
          p.columns.emplace_back(k, v.label);
          shorts.push_back(short_key(k));
        }
        parts.push_back(join(shorts, ",") + "=" + short_value(v.label));
      }
    }
    p.label = join(parts, " ");
    s.points.push_back(std::move(p));
  }
}

}  // namespace

std::string point_id(size_t index, const std::string& canonical) {
  uint64_t h = fnv1a(canonical);
  char buf[40];
  std::snprintf(buf, sizeof buf, "%04zu-%08x", index, static_cast<unsigned>((h ^ (h >> 32)) & 0xffffffffu));
  return buf;
}

Spec read_spec(const std::string& path) {
  std::error_code ec;
  if (!fs::is_regular_file(path, ec))
    throw InputError(path + ": cannot read sweep file: " + (fs::exists(path, ec) ? "not a regular file" : "no such file"));
  Reader rd{path, fs::path(path).parent_path()};
  YAML::Node root = load_yaml_file(path);
  if (!root.IsMap())
    throw InputError(path + ":1: expected a mapping with keys " + join(kTopKeys) + " (README: Design-space sweeps)");

  Spec s;
  s.file = path;
  s.name = fs::path(path).stem().string();
  YAML::Node axes, points, set, mode;
  bool has_axes = false, has_points = false, has_set = false, has_mode = false;  // a default Node is "defined"
  for (const auto& kv : root) {
    std::string key = kv.first.IsScalar() ? kv.first.Scalar() : std::string("?");
    if (std::find(kTopKeys.begin(), kTopKeys.end(), key) == kTopKeys.end())
      throw_input_error(rd.at(kv.first, key),
                        "unknown key '" + key + "'" + did_you_mean(key, kTopKeys) + "; valid keys: " + join(kTopKeys));
    const YAML::Node& v = kv.second;
    if (key == "name") s.name = scalar(rd, v, key);
    if (key == "description") s.description = scalar(rd, v, key);
    if (key == "out") s.out = scalar(rd, v, key);
    if (key == "base") {
      s.base_as_written = scalar(rd, v, key);
      s.base = resolve(rd, s.base_as_written);
      require_file(rd, v, key, s.base, "base config");
    }
    if (key == "trace") {
      s.trace_as_written = scalar(rd, v, key);
      s.trace = resolve(rd, s.trace_as_written);
      require_file(rd, v, key, s.trace, "trace");
    }
    if (key == "axes" || key == "points") s.body_line = line_of(kv.first);
    if (key == "axes") axes.reset(v), has_axes = true;
    if (key == "points") points.reset(v), has_points = true;
    if (key == "set") set.reset(v), has_set = true;
    if (key == "mode") mode.reset(v), has_mode = true;
  }
  if (s.base.empty())
    throw InputError(path + ":1: base: missing required key (the config every point starts from, relative to the "
                            "sweep file)");
  if (has_axes == has_points)
    throw InputError(path + ":1: " +
                     (has_axes ? std::string("give either axes: (a product of values) or points: (an "
                                                     "explicit list), not both")
                                       : std::string("nothing to sweep: give axes: (config key -> list of values) "
                                                     "or points: (a list of {config.key: value, ...})")));

  if (has_set && !set.IsNull()) {
    if (!set.IsMap()) throw_input_error(rd.at(set, "set"), "expected a mapping config.key: value, got " + describe(set));
    for (const auto& kv : set) {
      std::string key = kv.first.IsScalar() ? kv.first.Scalar() : std::string();
      s.set.push_back(setting(rd, key, kv.second, "set." + key));
    }
  }

  if (has_axes) {
    s.mode = "product";
    if (has_mode) {
      s.mode = scalar(rd, mode, "mode");
      if (s.mode != "product" && s.mode != "zip")
        throw_input_error(rd.at(mode, "mode"), "expected product or zip, got \"" + s.mode + "\"" +
                                                   did_you_mean(s.mode, {"product", "zip"}));
    }
    if (!axes.IsMap() || axes.size() == 0)
      throw_input_error(Location{path, s.body_line, "axes"}, "no axes: give at least one config key with a list of values, e.g. "
                                             "accelerator.array.rows: [16, 32, 64]");
    for (const auto& kv : axes) s.axes.push_back(read_axis(rd, kv.first, kv.second));
    expand(s);
  } else {
    s.mode = "list";
    if (has_mode)
      throw_input_error(rd.at(mode, "mode"), "mode applies to axes:; points: is already an explicit list");
    if (!points.IsSequence() || points.size() == 0)
      throw_input_error(Location{path, s.body_line, "points"}, "expected a list of mappings {config.key: value, ...}, got " +
                                                     (points.IsSequence() ? std::string("an empty list") : describe(points)));
    bool labels = false;
    std::vector<std::string> keys;
    for (size_t i = 0; i < points.size(); ++i) {
      const YAML::Node& m = points[i];
      std::string base = "points[" + std::to_string(i) + "]";
      if (!m.IsMap() || m.size() == 0)
        throw_input_error(rd.at(m, base), "expected a mapping {config.key: value, ...}, got " + describe(m));
      for (const auto& kv : m) {
        std::string key = kv.first.IsScalar() ? kv.first.Scalar() : std::string();
        if (key == "label") labels = true;
        else if (std::find(keys.begin(), keys.end(), key) == keys.end()) keys.push_back(key);
      }
    }
    if (labels) s.axis_columns.push_back("label");
    s.axis_columns.insert(s.axis_columns.end(), keys.begin(), keys.end());
    std::set<std::string> seen_labels;
    for (size_t i = 0; i < points.size(); ++i) {
      const YAML::Node& m = points[i];
      std::string base = "points[" + std::to_string(i) + "]";
      Point p;
      p.index = i;
      p.settings = s.set;
      std::map<std::string, std::string> cells;
      std::vector<std::string> parts;
      for (const auto& kv : m) {
        std::string key = kv.first.Scalar();
        if (key == "label") {
          p.label = scalar(rd, kv.second, base + ".label");
          if (!seen_labels.insert(p.label).second)
            throw_input_error(rd.at(kv.second, base + ".label"), "label '" + p.label + "' is used by another point");
          cells["label"] = p.label;
          continue;
        }
        Setting st = setting(rd, key, kv.second, base + "." + key);
        cells[st.key] = st.text;
        parts.push_back(short_key(st.key) + "=" + short_value(st.text));
        p.settings.push_back(std::move(st));
      }
      if (p.label.empty()) p.label = join(parts, " ");
      for (const auto& c : s.axis_columns) p.columns.emplace_back(c, cells.count(c) ? cells[c] : std::string());
      s.points.push_back(std::move(p));
    }
  }

  // Stable ids: the same sweep file gives the same ids, so a re-run can skip finished points; changing base,
  // trace or any value of a point gives that point a new id (and a fresh run).
  for (auto& p : s.points) {
    std::string canonical = "base=" + s.base_as_written + "\ntrace=" + s.trace_as_written + "\n";
    for (const auto& st : p.settings) canonical += st.key + "=" + st.text + "\n";
    p.id = point_id(p.index, canonical);
  }
  return s;
}

std::vector<cfg::Override> fixed_overrides() { return {cfg::Override{"run.formats", "[table, json, csv]"}}; }

std::vector<cfg::Override> overrides(const Point& p) {
  std::vector<cfg::Override> o;
  for (const auto& st : p.settings) o.push_back(cfg::Override{st.key, st.value});
  for (const auto& f : fixed_overrides()) o.push_back(f);
  return o;
}

std::vector<std::string> run_args(const Spec& s, const Point& p, const std::string& point_dir) {
  std::vector<std::string> a = {"run", s.base};
  for (const auto& o : overrides(p)) {
    a.push_back("--set");
    a.push_back(o.key + "=" + o.value);
  }
  if (!s.trace.empty()) {
    a.push_back("--trace");
    a.push_back(s.trace);
  }
  a.insert(a.end(), {"--out", point_dir, "--format", "none"});
  return a;
}

namespace {

// Loads one point's config, reads its workload (each distinct trace or model once) and runs the checks `lpsim run`
// makes before simulating (driver::precheck). Returns "" or the loader's message.
std::string check_point(const Spec& s, const Point& p, std::map<std::string, graph::Graph>& graphs) {
  try {
    cfg::Config c = cfg::load_config(s.base, overrides(p), s.trace);
    std::string key = c.workload.trace + "\n" + c.workload.model + "\n" + join(c.workload.layers, "\n");
    if (c.workload.dataset.present()) {  // data files, their range and the model's input are checked as a run does
      const driver::RunWorkload w = driver::load_run_workload(c);
      driver::precheck(c, w.graph);
      return "";
    }
    if (!c.workload.overrides.empty()) {  // per-op overrides change the graph: no sharing between points
      driver::precheck(c, driver::load_workload(c));
      return "";
    }
    auto it = graphs.find(key);
    if (it == graphs.end()) it = graphs.emplace(key, driver::load_workload(c)).first;
    driver::precheck(c, it->second);
    return "";
  } catch (const InputError& e) {
    return e.what();
  }
}

// The same in a child process: loading a config registers its custom formats (formats:) with the numerics
// library, and a name can be registered only once per process.
std::string check_point_isolated(const Spec& s, const Point& p) {
  int fd[2];
  if (::pipe(fd) != 0) throw std::runtime_error("pipe() failed");
  std::fflush(nullptr);
  pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error("fork() failed");
  if (pid == 0) {
    ::close(fd[0]);
    std::map<std::string, graph::Graph> graphs;
    std::string msg;
    try {
      msg = check_point(s, p, graphs);
    } catch (const std::exception& e) {
      msg = std::string("internal error: ") + e.what();
    }
    size_t off = 0;
    while (off < msg.size()) {
      ssize_t n = ::write(fd[1], msg.data() + off, msg.size() - off);
      if (n <= 0) break;
      off += static_cast<size_t>(n);
    }
    ::_exit(0);
  }
  ::close(fd[1]);
  std::string msg;
  char buf[4096];
  for (ssize_t n; (n = ::read(fd[0], buf, sizeof buf)) > 0;) msg.append(buf, static_cast<size_t>(n));
  ::close(fd[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  if (!WIFEXITED(status)) throw std::runtime_error("config check of point " + p.id + " crashed");
  return msg;
}

bool declares_formats(const std::string& base) {
  try {
    YAML::Node n = load_yaml_file(base);
    return yaml_child(n, "formats").IsDefined();
  } catch (const InputError&) {
    return false;  // not YAML (a SCALE-Sim .cfg) or malformed: load_config reports it
  }
}

}  // namespace

void validate(const Spec& s, const std::vector<size_t>& which) {
  bool isolate = declares_formats(s.base);
  // Build the config schema's lazy tables once here, not again in every child process.
  if (isolate) cfg::schema_reference_markdown();
  std::map<std::string, graph::Graph> graphs;
  std::set<std::string> seen;
  std::vector<std::string> problems;
  size_t more = 0;
  auto check = [&](const Point& p) {
    std::string msg = isolate ? check_point_isolated(s, p) : check_point(s, p, graphs);
    if (msg.empty()) return;
    // "--set: KEY: problem" names one of the point's overrides: report it at the sweep file line that set it.
    std::string text, dedup = msg;
    const std::string kSet = "--set: ";
    if (msg.compare(0, kSet.size(), kSet) == 0) {
      std::string rest = msg.substr(kSet.size());
      for (auto it = p.settings.rbegin(); it != p.settings.rend(); ++it)
        if (rest.compare(0, it->key.size() + 2, it->key + ": ") == 0) {
          std::string problem = rest.substr(it->key.size() + 2);
          dedup = it->where.str() + ": " + problem;
          // A value can be wrong only next to other values (e.g. int16 activations with fp8 weights): name the
          // first point where it happened.
          text = dedup + (problem.compare(0, 11, "unknown key") == 0
                              ? std::string()
                              : " (point " + std::to_string(p.index) + ": " + p.label + ")");
          break;
        }
    } else if (msg.compare(0, 9, "--trace: ") == 0) {
      text = dedup = s.file + ": trace: " + msg.substr(9);
    }
    if (text.empty())
      text = Location{s.file, s.body_line, ""}.str() + ": point " + std::to_string(p.index) + " (" + p.label +
             "): " + msg;
    if (!seen.insert(dedup).second) return;
    if (problems.size() < 20) problems.push_back(text);
    else ++more;
  };
  if (which.empty()) {
    for (const auto& p : s.points) check(p);
  } else {
    for (size_t i : which) check(s.points.at(i));
  }
  if (problems.empty()) return;
  std::string all = join(problems, "\n");
  if (more) all += "\n... and " + std::to_string(more) + " more";
  throw InputError(all);
}

}  // namespace lpsim::sweep
