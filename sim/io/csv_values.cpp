#include "io/csv_values.h"

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "util/error.h"

namespace lpsim::io {

std::vector<float> parse_csv_values(const std::string& text, const std::string& path) {
  std::vector<float> out;
  size_t pos = 0;
  int line_no = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string::npos) end = text.size();
    std::string line = text.substr(pos, end - pos);
    pos = end + 1;
    ++line_no;
    const size_t b = line.find_first_not_of(" \t\r");
    if (b == std::string::npos) continue;  // blank line
    const size_t e = line.find_last_not_of(" \t\r");
    const std::string field = line.substr(b, e - b + 1);
    const char* s = field.c_str();
    char* stop = nullptr;
    errno = 0;
    const float v = std::strtof(s, &stop);
    if (stop == s || *stop != '\0') {
      std::string shown = field.size() > 40 ? field.substr(0, 40) + "..." : field;
      throw_input_error(Location{path, line_no, ""},
                        "expected one number per line, got \"" + shown + "\"");
    }
    if (errno == ERANGE && std::isinf(v)) {
      throw_input_error(Location{path, line_no, ""}, "value \"" + field + "\" is outside the float32 range");
    }
    out.push_back(v);  // ERANGE on underflow: keep the (sub)normal or zero result
  }
  return out;
}

std::vector<float> read_csv_values(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw_input_error(Location{path, 0, ""}, "cannot open file");
  std::ostringstream ss;
  ss << in.rdbuf();
  return parse_csv_values(ss.str(), path);
}

std::string format_float(float v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.9g", static_cast<double>(v));
  return buf;
}

std::string csv_values_text(const float* data, size_t n) {
  std::string out;
  out.reserve(n * 12);
  for (size_t i = 0; i < n; ++i) {
    out += format_float(data[i]);
    out += '\n';
  }
  return out;
}

}  // namespace lpsim::io
