// Operand/accumulator/output format names and PeParams validation.
#include <algorithm>
#include <cstdlib>

#include "numerics/convert.h"
#include "pe/pe.h"

namespace lpsim::model {

const char* to_string(Int32Policy p) {
  switch (p) {
    case Int32Policy::kWrap: return "wrap";
    case Int32Policy::kSaturate: return "saturate";
    case Int32Policy::kSpill: return "spill";
  }
  return "?";
}

std::optional<Int32Policy> parse_int32_policy(std::string_view s) {
  if (s == "wrap") return Int32Policy::kWrap;
  if (s == "saturate" || s == "sat") return Int32Policy::kSaturate;
  if (s == "spill") return Int32Policy::kSpill;
  return std::nullopt;
}

const char* to_string(PeMode m) {
  switch (m) {
    case PeMode::kMx: return "mx";
    case PeMode::kFloat: return "float";
    case PeMode::kInt: return "int";
  }
  return "?";
}

namespace {

struct NameRow {
  const char* name;     // canonical PE operand name
  PeMode family;
  const char* element;  // numerics format name
};

// MX v1.0 Table 1 (papers.md §1.1) concrete formats, then per-element float formats, then DFP integers. Names as
// in `lpsim quantize` (issue 4); numerics' short names (e4m3, ...) and ml_dtypes names are aliases.
constexpr NameRow kOperandTable[] = {
    {"mxfp8_e4m3", PeMode::kMx, "e4m3"},    {"mxfp8_e5m2", PeMode::kMx, "e5m2"},
    {"mxfp6_e3m2", PeMode::kMx, "e3m2"},    {"mxfp6_e2m3", PeMode::kMx, "e2m3"},
    {"mxfp4_e2m1", PeMode::kMx, "e2m1"},    {"mxint8", PeMode::kMx, "mxint8"},
    {"fp8_e4m3", PeMode::kFloat, "e4m3"},   {"fp8_e5m2", PeMode::kFloat, "e5m2"},
    {"fp6_e3m2", PeMode::kFloat, "e3m2"},   {"fp6_e2m3", PeMode::kFloat, "e2m3"},
    {"fp4_e2m1", PeMode::kFloat, "e2m1"},   {"bf16", PeMode::kFloat, "bf16"},
    {"fp16", PeMode::kFloat, "fp16"},       {"fp32", PeMode::kFloat, "fp32"},
    {"int8", PeMode::kInt, "int8"},         {"int16", PeMode::kInt, "int16"},
};

constexpr std::pair<const char*, const char*> kOperandAliases[] = {
    {"mx_fp8_e4m3", "mxfp8_e4m3"}, {"mxfp8", "mxfp8_e4m3"}, {"mxfp6", "mxfp6_e3m2"}, {"mxfp4", "mxfp4_e2m1"},
    {"dfp16", "int16"},            {"dfp8", "int8"},
};

std::string canonical_operand(std::string_view name) {
  for (const auto& [alias, target] : kOperandAliases)
    if (name == alias) return target;
  for (const auto& row : kOperandTable)
    if (name == row.name) return row.name;
  // e4m3, float8_e4m3fn, bfloat16, ...: the float-family row with that numerics element.
  if (const num::NumberFormat* f = num::find_format(name)) {
    for (const auto& row : kOperandTable)
      if (row.family == PeMode::kFloat && f->name == row.element) return row.name;
  }
  return std::string(name);
}

std::string valid_names_text(const std::vector<std::string>& names) {
  std::string s;
  for (const auto& n : names) s += (s.empty() ? "" : ", ") + n;
  return s;
}

}  // namespace

OperandFormat operand_format(const std::string& key, const std::string& name) {
  const std::string c = canonical_operand(name);
  for (const auto& row : kOperandTable) {
    if (c != row.name) continue;
    OperandFormat f;
    f.name = row.name;
    f.family = row.family;
    f.element = num::format_by_name(row.element);
    return f;
  }
  throw PeParamError(key, "unknown operand format '" + name +
                              "'; valid: " + valid_names_text(pe_operand_format_names()) +
                              " (aliases: e4m3, e5m2, float8_e4m3fn, bfloat16, dfp16, dfp8, ...)");
}

void apply_format(PeParams& p, const std::string& name) {
  const OperandFormat f = operand_format("format", name);
  p.format_a = p.format_b = f.name;
  p.acc = f.family == PeMode::kInt ? "int32" : "fp32";
  p.out = "fp32";
}

namespace {

// Accumulator and output formats are held in double; the round-to-odd adapter (acc_round.h) needs p <= 51 bits.
void check_float_target(const std::string& key, const std::string& name, const num::FloatFormat& f,
                        bool must_fit_float32) {
  if (!f.is_signed || !f.has_subnormals) {
    throw PeParamError(key, "'" + name + "' cannot hold a signed result (needs a sign and subnormals)");
  }
  if (f.man_bits > 50) throw PeParamError(key, "'" + name + "' has more than 50 mantissa bits");
  if (must_fit_float32 && (f.man_bits > 23 || f.emin - f.man_bits < -149 || f.emax > 127)) {
    throw PeParamError(key, "'" + name + "' values do not fit in float32 (outputs are float32 arrays)");
  }
}

}  // namespace

const std::vector<std::string>& pe_operand_format_names() {
  static const std::vector<std::string> v = [] {
    std::vector<std::string> names;
    for (const auto& row : kOperandTable) names.emplace_back(row.name);
    return names;
  }();
  return v;
}

std::optional<num::NumberFormat> parse_float_format(std::string_view name) {
  if (const num::NumberFormat* f = num::find_format(name)) {
    if (f->is_float() && f->flt.is_signed) return *f;
    return std::nullopt;
  }
  // eXmY: IEEE-style custom float (bias 2^(X-1) - 1, Inf/NaN, subnormals), e.g. e8m23 == fp32, e6m9.
  if (name.size() < 4 || name[0] != 'e') return std::nullopt;
  const size_t mpos = name.find('m');
  if (mpos == std::string_view::npos || mpos < 2 || mpos + 1 >= name.size()) return std::nullopt;
  const std::string es(name.substr(1, mpos - 1)), ms(name.substr(mpos + 1));
  if (!std::all_of(es.begin(), es.end(), ::isdigit) || !std::all_of(ms.begin(), ms.end(), ::isdigit) ||
      es.size() > 2 || ms.size() > 2)
    return std::nullopt;
  const int e = std::atoi(es.c_str()), m = std::atoi(ms.c_str());
  if (e < 2 || e > 11 || m < 1 || m > 52 || 1 + e + m > 32) return std::nullopt;
  const num::FloatFormat f =
      num::make_float_format(e, m, (1 << (e - 1)) - 1, num::Specials::kIeee, num::NanStyle::kQuiet);
  return num::float_number_format(std::string(name), f);
}

ResolvedPe resolve(const PeParams& p, const PeKeyNames& names) {
  ResolvedPe r;
  r.params = p;
  r.a = operand_format("format_a", p.format_a);
  r.b = operand_format("format_b", p.format_b);
  if (r.a.family != r.b.family) {
    throw PeParamError("format_b", std::string("'") + r.b.name + "' (" + to_string(r.b.family) +
                                       ") cannot be combined with " + names.format_a + " '" + r.a.name + "' (" +
                                       to_string(r.a.family) +
                                       "): both operands must be MX, both per-element float, or both integer");
  }
  r.mode = r.a.family;
  // One per-tensor scale rule with `lpsim quantize --tensor-scale` (README "Per-tensor scales"): int8 needs a
  // scale; DFP16 shares one power-of-two exponent per tensor by definition (Das et al. 2018, papers.md §4).
  for (const OperandFormat* f : {&r.a, &r.b}) {
    if (f->family != PeMode::kInt) continue;
    if (p.tensor_scale == num::TensorScale::kNone)
      throw PeParamError("tensor_scale", "integer operands (" + f->name + ") need a per-tensor scale: exact or pow2");
    if (f->element.integer.bits > 8 && p.tensor_scale == num::TensorScale::kExact)
      throw PeParamError("tensor_scale", f->name + " is DFP16: one power-of-two exponent per tensor (pow2); exact "
                                                   "applies to int8 and 8-bit-or-narrower floats");
  }
  if (p.mx_block < 1 || p.mx_block > 4096)
    throw PeParamError("mx_block", "must be 1..4096, got " + std::to_string(p.mx_block));
  if (p.spill_interval < 1)
    throw PeParamError("spill_interval", "must be >= 1, got " + std::to_string(p.spill_interval));
  if (r.mode == PeMode::kInt) {
    const int bits = std::min(r.a.element.integer.bits, r.b.element.integer.bits);
    if (p.dfp_add_shift < 0 || p.dfp_add_shift > bits - 2)
      throw PeParamError("dfp_add_shift", "must be 0.." + std::to_string(bits - 2) + ", got " +
                                              std::to_string(p.dfp_add_shift));
    if (!p.acc.empty() && p.acc != "int32")
      throw PeParamError("acc", "integer operands (" + r.a.name + ", " + r.b.name +
                                    ") accumulate in int32; got '" + p.acc +
                                    "' (auto, the default, follows the operand formats)");
    r.acc_name = "int32";
    r.acc = num::kFP32;  // the spill accumulator
    r.acc_is_fp32 = true;
  } else {
    const std::string acc = p.acc.empty() ? "fp32" : p.acc;
    if (acc == "int32")
      throw PeParamError("acc", "int32 accumulation needs integer operands (int8, int16); use fp32, bf16, "
                                "fp16 or eXmY (auto, the default, follows the operand formats)");
    const auto f = parse_float_format(acc);
    if (!f)
      throw PeParamError("acc", "unknown accumulator format '" + acc +
                                    "'; valid: fp32, bf16, fp16, int32 (integer operands), or eXmY (IEEE-style, "
                                    "X = 2..11 exponent bits, Y = 1..50 mantissa bits, e.g. e8m23)");
    check_float_target("acc", acc, f->flt, false);
    r.acc_name = f->name;
    r.acc = f->flt;
    r.acc_is_fp32 = f->flt == num::kFP32;
  }
  const auto o = parse_float_format(p.out);
  if (!o)
    throw PeParamError("out", "unknown output format '" + p.out +
                                  "'; valid: fp32, bf16, fp16, e4m3, e5m2, or eXmY fitting in float32");
  check_float_target("out", p.out, o->flt, true);
  r.out_name = o->name;
  r.out = o->flt;
  if (r.mode == PeMode::kMx) {
    num::mx_element_info(r.a.element);  // all table entries are valid MX elements
    num::mx_element_info(r.b.element);
  }
  return r;
}

ElementBits operand_bits(const ResolvedPe& r, int op, uint64_t tensor_elements, bool partial_sums) {
  if (op == kOfmap) {
    if (!partial_sums) return {static_cast<uint64_t>(r.out.width), 1};
    return {static_cast<uint64_t>(r.mode == PeMode::kInt ? 32 : r.acc.width), 1};
  }
  const OperandFormat& f = op == kIfmap ? r.a : r.b;
  const uint64_t w = static_cast<uint64_t>(f.element.width());
  if (r.mode == PeMode::kMx) {
    const uint64_t block = static_cast<uint64_t>(r.params.mx_block);
    return {w * block + 8, block};  // 8-bit E8M0 scale per block
  }
  uint64_t per_tensor = 0;  // bits stored once per tensor
  // tensor_scale: pow2 stores an 8-bit exponent (DFP shared exponent for integers), exact an fp32 scale; only
  // int8/int16 and floats of 8 bits or fewer are scaled (bf16/fp16/fp32 are cast).
  const bool scaled = r.mode == PeMode::kInt ||
                      (f.element.flt.width <= 8 && r.params.tensor_scale != num::TensorScale::kNone);
  if (scaled) per_tensor = r.params.tensor_scale == num::TensorScale::kExact ? 32 : 8;
  if (per_tensor == 0 || tensor_elements == 0) return {w, 1};
  return {w * tensor_elements + per_tensor, tensor_elements};
}

}  // namespace lpsim::model
