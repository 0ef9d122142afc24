// A small CSV table keyed by column name: the format of results.csv, row.csv and points.csv of a sweep.
// Cells are text (numbers keep the digits report.json gave them); a missing cell is an empty string.
#pragma once
#include <map>
#include <string>
#include <vector>

namespace lpsim::sweep {

using Row = std::map<std::string, std::string>;

struct Table {
  std::vector<std::string> columns;
  std::vector<Row> rows;
};

// Parses CSV text with a header line (RFC 4180 quoting: "a,b", "say ""x"""). Throws InputError
// "FILE:LINE: ..." for an unterminated quote, an empty or duplicate column name, or a row with more cells than
// the header. Rows with fewer cells get empty cells.
Table parse_table(const std::string& text, const std::string& file);
Table read_table(const std::string& path);  // throws InputError if the file cannot be read

// CSV text: the header, then one line per row (cells quoted only when needed; newlines become spaces).
std::string render_table(const Table& t);

}  // namespace lpsim::sweep
