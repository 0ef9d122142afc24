// One number per line (the CSV form of `lpsim quantize` inputs and outputs). Blank lines are skipped;
// "nan", "inf", "-inf" are accepted. A line that is not a number is an InputError naming file:line.
#pragma once
#include <string>
#include <vector>

namespace lpsim::io {

std::vector<float> read_csv_values(const std::string& path);
std::vector<float> parse_csv_values(const std::string& text, const std::string& path);  // path for messages
// "%.9g" per line (round-trips every float32), "nan", "inf", "-inf".
std::string csv_values_text(const float* data, size_t n);
std::string format_float(float v);

}  // namespace lpsim::io
