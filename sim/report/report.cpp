#include "report/report.h"

#include <cmath>
#include <iomanip>
#include <sstream>
#include <stdexcept>

namespace lpsim::report {

size_t Report::add_column(Column c) {
  columns.push_back(std::move(c));
  for (auto& row : rows) row.resize(columns.size());
  total.resize(columns.size());
  return columns.size() - 1;
}

size_t Report::index(const std::string& key) const {
  for (size_t i = 0; i < columns.size(); ++i)
    if (columns[i].key == key) return i;
  throw std::out_of_range("report has no column " + key);
}

namespace {

std::string format_value(const Value& v, int precision, bool grouped) {
  if (std::holds_alternative<std::monostate>(v)) return "";
  if (auto s = std::get_if<std::string>(&v)) return *s;
  if (auto d = std::get_if<double>(&v)) {
    if (!std::isfinite(*d)) return std::isnan(*d) ? "nan" : (*d > 0 ? "inf" : "-inf");
    std::ostringstream os;
    os << std::fixed << std::setprecision(precision) << *d;
    return os.str();
  }
  std::string digits = std::to_string(std::get<int64_t>(v));
  if (!grouped) return digits;
  // Thousands separators make cycle counts readable on the terminal; files keep plain digits.
  std::string out;
  int n = 0;
  for (auto it = digits.rbegin(); it != digits.rend(); ++it) {
    if (n && n % 3 == 0 && *it != '-') out.insert(out.begin(), ',');
    out.insert(out.begin(), *it);
    ++n;
  }
  return out;
}

std::string json_escape(const std::string& s) {
  std::string o;
  for (char c : s) {
    switch (c) {
      case '"': o += "\\\""; break;
      case '\\': o += "\\\\"; break;
      case '\n': o += "\\n"; break;
      case '\t': o += "\\t"; break;
      case '\r': o += "\\r"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          o += buf;
        } else {
          o += c;
        }
    }
  }
  return "\"" + o + "\"";
}

std::string json_value(const Value& v) {
  if (std::holds_alternative<std::monostate>(v)) return "null";
  if (auto s = std::get_if<std::string>(&v)) return json_escape(*s);
  if (auto d = std::get_if<double>(&v)) {
    if (!std::isfinite(*d)) return "null";
    std::ostringstream os;
    os << std::setprecision(10) << *d;
    return os.str();
  }
  return std::to_string(std::get<int64_t>(v));
}

std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string o = "\"";
  for (char c : s) o += c == '"' ? std::string("\"\"") : std::string(1, c);
  return o + "\"";
}

}  // namespace

std::string render_table(const Report& r) {
  std::vector<size_t> cols;
  for (size_t i = 0; i < r.columns.size(); ++i)
    if (r.columns[i].terminal) cols.push_back(i);
  std::vector<std::vector<std::string>> cells;
  std::vector<std::string> h1, h2;
  for (size_t c : cols) {
    h1.push_back(r.columns[c].header);
    h2.push_back(r.columns[c].unit.empty() ? "" : "[" + r.columns[c].unit + "]");
  }
  cells.push_back(h1);
  cells.push_back(h2);
  auto add_row = [&](const std::vector<Value>& row) {
    std::vector<std::string> line;
    for (size_t c : cols) line.push_back(format_value(row[c], r.columns[c].precision, true));
    cells.push_back(line);
  };
  for (const auto& row : r.rows) add_row(row);
  add_row(r.total);
  std::vector<size_t> width(cols.size(), 0);
  for (const auto& line : cells)
    for (size_t i = 0; i < line.size(); ++i) width[i] = std::max(width[i], line[i].size());
  std::ostringstream os;
  auto rule = [&] {
    for (size_t i = 0; i < cols.size(); ++i) os << std::string(width[i], '-') << (i + 1 < cols.size() ? "  " : "\n");
  };
  for (size_t l = 0; l < cells.size(); ++l) {
    if (l == 2 || l + 1 == cells.size()) rule();
    for (size_t i = 0; i < cols.size(); ++i) {
      // First column (names) left-aligned, numbers right-aligned.
      if (i == 0)
        os << std::left << std::setw(static_cast<int>(width[i])) << cells[l][i];
      else
        os << std::right << std::setw(static_cast<int>(width[i])) << cells[l][i];
      os << (i + 1 < cols.size() ? "  " : "\n");
    }
  }
  return os.str();
}

std::string render_csv(const Report& r) {
  std::ostringstream os;
  for (size_t i = 0; i < r.columns.size(); ++i) os << (i ? "," : "") << r.columns[i].key;
  os << "\n";
  auto line = [&](const std::vector<Value>& row) {
    for (size_t i = 0; i < r.columns.size(); ++i) {
      // Files keep full precision (10 significant digits) and no thousands separators.
      std::string cell = std::holds_alternative<double>(row[i]) ? json_value(row[i]) : format_value(row[i], 0, false);
      os << (i ? "," : "") << csv_field(cell == "null" ? std::string() : cell);
    }
    os << "\n";
  };
  for (const auto& row : r.rows) line(row);
  line(r.total);
  return os.str();
}

std::string render_json(const Report& r) {
  std::ostringstream os;
  os << "{\n";
  for (const auto& kv : r.meta) os << "  " << json_escape(kv.first) << ": " << json_escape(kv.second) << ",\n";
  os << "  \"config_yaml\": " << json_escape(r.config_yaml) << ",\n";
  os << "  \"units\": {";
  for (size_t i = 0; i < r.columns.size(); ++i)
    os << (i ? ", " : "") << json_escape(r.columns[i].key) << ": " << json_escape(r.columns[i].unit);
  os << "},\n";
  auto object = [&](const std::vector<Value>& row, const std::string& indent) {
    os << "{";
    for (size_t i = 0; i < r.columns.size(); ++i)
      os << (i ? ", " : "") << "\n" << indent << "  " << json_escape(r.columns[i].key) << ": " << json_value(row[i]);
    os << "\n" << indent << "}";
  };
  os << "  \"layers\": [";
  for (size_t l = 0; l < r.rows.size(); ++l) {
    os << (l ? ", " : "\n    ");
    object(r.rows[l], "    ");
  }
  os << "\n  ],\n  \"total\": ";
  object(r.total, "  ");
  if (!r.warnings.empty()) {
    os << ",\n  \"warnings\": [";
    for (size_t i = 0; i < r.warnings.size(); ++i) os << (i ? ", " : "") << "\n    " << json_escape(r.warnings[i]);
    os << "\n  ]";
  }
  if (!r.task_columns.empty()) {
    os << ",\n  \"task\": {";
    for (size_t i = 0; i < r.task_columns.size(); ++i)
      os << (i ? ", " : "") << "\n    " << json_escape(r.task_columns[i].key) << ": " << json_value(r.task[i]);
    os << "\n  },\n  \"task_units\": {";
    for (size_t i = 0; i < r.task_columns.size(); ++i)
      os << (i ? ", " : "") << json_escape(r.task_columns[i].key) << ": " << json_escape(r.task_columns[i].unit);
    os << "}";
  }
  os << "\n}\n";
  return os.str();
}

std::string render_task_csv(const Report& r) {
  if (r.task_columns.empty()) return "";
  std::ostringstream os;
  for (size_t i = 0; i < r.task_columns.size(); ++i) os << (i ? "," : "") << r.task_columns[i].key;
  os << "\n";
  for (size_t i = 0; i < r.task.size(); ++i) {
    const std::string cell = std::holds_alternative<double>(r.task[i]) ? json_value(r.task[i])
                                                                          : format_value(r.task[i], 0, false);
    os << (i ? "," : "") << csv_field(cell == "null" ? std::string() : cell);
  }
  os << "\n";
  return os.str();
}

std::string render_task_table(const Report& r) {
  std::ostringstream os;
  for (size_t i = 0; i < r.task_columns.size(); ++i) {
    const Column& c = r.task_columns[i];
    if (!c.terminal) continue;
    os << "  " << c.header << std::string(c.header.size() < 24 ? 24 - c.header.size() : 1, ' ')
       << format_value(r.task[i], c.precision, true) << (c.unit.empty() ? "" : " " + c.unit) << "\n";
  }
  return os.str();
}

std::string columns_markdown(const Report& r) {
  std::ostringstream os;
  os << "| column | unit | meaning |\n|---|---|---|\n";
  for (const auto& c : r.columns) os << "| `" << c.key << "` | " << c.unit << " | " << c.help << " |\n";
  return os.str();
}

}  // namespace lpsim::report
