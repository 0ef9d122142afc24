#include "sweep/csv_table.h"

#include <fstream>
#include <set>
#include <sstream>

#include "util/error.h"

namespace lpsim::sweep {

Table parse_table(const std::string& text, const std::string& file) {
  // Split into records first; a quoted cell may hold commas, quotes ("") and line breaks.
  std::vector<std::pair<int, std::vector<std::string>>> records;  // (line of the record's start, cells)
  std::vector<std::string> cells;
  std::string cell;
  bool quoted = false, any = false;
  int line = 1, start = 1;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (quoted) {
      if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
        cell += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        if (c == '\n') ++line;
        cell += c;
      }
      continue;
    }
    if (c == '"') {
      quoted = any = true;
    } else if (c == ',') {
      cells.push_back(cell);
      cell.clear();
      any = true;
    } else if (c == '\n' || c == '\r') {
      if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
      if (any || !cell.empty()) {
        cells.push_back(cell);
        records.emplace_back(start, cells);
      }
      cells.clear();
      cell.clear();
      any = false;
      start = ++line;
    } else {
      cell += c;
      any = true;
    }
  }
  if (quoted) throw_input_error(Location{file, start, ""}, "unterminated quoted cell");
  if (any || !cell.empty()) {
    cells.push_back(cell);
    records.emplace_back(start, cells);
  }

  Table t;
  if (records.empty()) throw_input_error(Location{file, 1, ""}, "empty file: expected a header line");
  std::set<std::string> seen;
  for (const auto& name : records.front().second) {
    if (name.empty()) throw_input_error(Location{file, 1, ""}, "empty column name in the header");
    if (!seen.insert(name).second) throw_input_error(Location{file, 1, name}, "duplicate column");
    t.columns.push_back(name);
  }
  for (size_t r = 1; r < records.size(); ++r) {
    const auto& rec = records[r].second;
    if (rec.size() > t.columns.size())
      throw_input_error(Location{file, records[r].first, ""},
                        "row has " + std::to_string(rec.size()) + " cells but the header has " +
                            std::to_string(t.columns.size()) + " columns");
    Row row;
    for (size_t i = 0; i < t.columns.size(); ++i) row[t.columns[i]] = i < rec.size() ? rec[i] : std::string();
    t.rows.push_back(std::move(row));
  }
  return t;
}

Table read_table(const std::string& path) {
  std::ifstream is(path, std::ios::binary);
  if (!is) throw InputError(path + ": cannot read file");
  std::stringstream ss;
  ss << is.rdbuf();
  return parse_table(ss.str(), path);
}

namespace {

std::string csv_cell(std::string s) {
  for (char& c : s)
    if (c == '\n' || c == '\r') c = ' ';
  bool quote = s.find_first_of(",\"") != std::string::npos ||
               (!s.empty() && (s.front() == ' ' || s.back() == ' '));
  if (!quote) return s;
  std::string o = "\"";
  for (char c : s) o += c == '"' ? std::string("\"\"") : std::string(1, c);
  return o + "\"";
}

}  // namespace

std::string render_table(const Table& t) {
  std::ostringstream os;
  for (size_t i = 0; i < t.columns.size(); ++i) os << (i ? "," : "") << csv_cell(t.columns[i]);
  os << "\n";
  for (const auto& row : t.rows) {
    for (size_t i = 0; i < t.columns.size(); ++i) {
      auto it = row.find(t.columns[i]);
      os << (i ? "," : "") << csv_cell(it == row.end() ? std::string() : it->second);
    }
    os << "\n";
  }
  return os.str();
}

}  // namespace lpsim::sweep
