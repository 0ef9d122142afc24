#include "numerics/format.h"

#include <cmath>
#include <deque>
#include <stdexcept>
#include <sstream>

#include "numerics/convert.h"

namespace lpsim::num {

double NumberFormat::max_value() const {
  if (is_float()) return decode(flt, flt.max_mag);
  return std::ldexp(static_cast<double>(integer.max_k()), -integer.frac_bits);
}

NumberFormat float_number_format(std::string name, const FloatFormat& f) {
  NumberFormat n;
  n.name = std::move(name);
  n.kind = NumberFormat::Kind::kFloat;
  n.flt = f;
  return n;
}

NumberFormat int_number_format(std::string name, const IntFormat& f) {
  NumberFormat n;
  n.name = std::move(name);
  n.kind = NumberFormat::Kind::kInt;
  n.integer = f;
  return n;
}

namespace {

const std::vector<NumberFormat>& table() {
  static const std::vector<NumberFormat> t = {
      float_number_format("e4m3", kE4M3),   float_number_format("e5m2", kE5M2),
      float_number_format("e3m2", kE3M2),   float_number_format("e2m3", kE2M3),
      float_number_format("e2m1", kE2M1),   float_number_format("e8m0", kE8M0),
      float_number_format("bf16", kBF16),   float_number_format("fp16", kFP16),
      float_number_format("fp32", kFP32),   int_number_format("int8", kInt8),
      int_number_format("int16", kInt16),   int_number_format("int32", kInt32),
      int_number_format("mxint8", kMxInt8),
  };
  return t;
}

// User formats; a deque keeps the pointers that find_format() hands out valid as formats are added.
std::deque<NumberFormat>& registered() {
  static std::deque<NumberFormat> r;
  return r;
}

}  // namespace

void register_format(const NumberFormat& f) {
  if (find_format(f.name)) throw std::invalid_argument("format name '" + f.name + "' is already taken");
  registered().push_back(f);
}

const std::vector<std::string>& format_names() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> v;
    for (const auto& f : table()) v.push_back(f.name);
    return v;
  }();
  return names;
}

const std::vector<std::pair<std::string, std::string>>& format_aliases() {
  // One alias table (style guide §7.3): project short names and ml_dtypes spellings.
  static const std::vector<std::pair<std::string, std::string>> a = {
      {"fp8_e4m3", "e4m3"},         {"float8_e4m3fn", "e4m3"},  {"fp8_e5m2", "e5m2"},
      {"float8_e5m2", "e5m2"},      {"fp6_e3m2", "e3m2"},       {"float6_e3m2fn", "e3m2"},
      {"fp6_e2m3", "e2m3"},         {"float6_e2m3fn", "e2m3"},  {"fp4_e2m1", "e2m1"},
      {"float4_e2m1fn", "e2m1"},    {"float8_e8m0fnu", "e8m0"}, {"bfloat16", "bf16"},
      {"float16", "fp16"},          {"half", "fp16"},           {"float32", "fp32"},
      {"mx_int8", "mxint8"},
  };
  return a;
}

const NumberFormat* find_format(std::string_view name) {
  std::string_view canonical = name;
  for (const auto& [alias, target] : format_aliases()) {
    if (alias == name) canonical = target;
  }
  for (const auto& f : table()) {
    if (f.name == canonical) return &f;
  }
  for (const auto& f : registered()) {
    if (f.name == canonical) return &f;
  }
  return nullptr;
}

const NumberFormat& format_by_name(std::string_view name) {
  if (const NumberFormat* f = find_format(name)) return *f;
  std::string list;
  for (const auto& n : format_names()) list += (list.empty() ? "" : ", ") + n;
  throw std::invalid_argument("unknown number format '" + std::string(name) + "'; valid names: " + list);
}

std::string describe(const FloatFormat& f) {
  std::ostringstream os;
  os << (f.is_signed ? "1 sign, " : "unsigned, ") << f.exp_bits << " exponent, " << f.man_bits
     << " mantissa bits, bias " << f.bias << ", "
     << (f.specials == Specials::kIeee      ? "IEEE Inf/NaN"
         : f.specials == Specials::kNanOnly ? "NaN only"
                                             : "no Inf/NaN")
     << ", max " << decode(f, f.max_mag);
  return os.str();
}

const char* to_string(Specials s) {
  switch (s) {
    case Specials::kIeee: return "ieee";
    case Specials::kNanOnly: return "nan_only";
    case Specials::kNone: return "none";
  }
  return "?";
}

std::optional<Specials> parse_specials(std::string_view s) {
  if (s == "ieee") return Specials::kIeee;
  if (s == "nan_only") return Specials::kNanOnly;
  if (s == "none") return Specials::kNone;
  return std::nullopt;
}

const char* to_string(NanStyle s) { return s == NanStyle::kAllOnes ? "all_ones" : "quiet"; }

std::optional<NanStyle> parse_nan_style(std::string_view s) {
  if (s == "all_ones") return NanStyle::kAllOnes;
  if (s == "quiet") return NanStyle::kQuiet;
  return std::nullopt;
}

}  // namespace lpsim::num
