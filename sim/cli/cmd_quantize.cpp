// `lpsim quantize`: quantize a float32 tensor (.npy or one value per line .csv) to an MX, FP8, BF16/FP16, INT8
// or DFP16 format with the bit-true numerics library, write the dequantized values (and optionally the codes
// with their shared exponents), and print the error against the FP64 value of the input.
#include <cmath>
#include <filesystem>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "cli/options.h"
#include "io/csv_values.h"
#include "io/npy.h"
#include "numerics/convert.h"
#include "numerics/metrics.h"
#include "numerics/mx.h"
#include "numerics/scaled.h"
#include "pe/pe.h"
#include "util/error.h"
#include "util/output_files.h"
#include "util/progress.h"

namespace lpsim::cli {

namespace {

namespace num = lpsim::num;

enum class Family { kMx, kScaled, kCast, kDfp };

struct FormatEntry {
  const char* name;
  Family family;
  const char* element;  // numerics format name
  const char* about;
};

// The format names of `lpsim gemm` and `lpsim run` (models/pe, one table of names and aliases) -> numerics.
const FormatEntry kFormats[] = {
    {"mxfp8_e4m3", Family::kMx, "e4m3", "MX: FP8 E4M3 elements + E8M0 scale per block"},
    {"mxfp8_e5m2", Family::kMx, "e5m2", "MX: FP8 E5M2 elements + E8M0 scale per block"},
    {"mxfp6_e3m2", Family::kMx, "e3m2", "MX: FP6 E3M2 elements + E8M0 scale per block"},
    {"mxfp6_e2m3", Family::kMx, "e2m3", "MX: FP6 E2M3 elements + E8M0 scale per block"},
    {"mxfp4_e2m1", Family::kMx, "e2m1", "MX: FP4 E2M1 elements + E8M0 scale per block"},
    {"mxint8", Family::kMx, "mxint8", "MX: INT8 (1.6 fixed point) elements + E8M0 scale per block"},
    {"fp8_e4m3", Family::kScaled, "e4m3", "OCP FP8 E4M3 with one per-tensor scale"},
    {"fp8_e5m2", Family::kScaled, "e5m2", "OCP FP8 E5M2 with one per-tensor scale"},
    {"fp6_e3m2", Family::kScaled, "e3m2", "FP6 E3M2 with one per-tensor scale"},
    {"fp6_e2m3", Family::kScaled, "e2m3", "FP6 E2M3 with one per-tensor scale"},
    {"fp4_e2m1", Family::kScaled, "e2m1", "FP4 E2M1 with one per-tensor scale"},
    {"int8", Family::kScaled, "int8", "symmetric INT8 (+-127) with one per-tensor scale (dfp8)"},
    {"bf16", Family::kCast, "bf16", "bfloat16 cast"},
    {"fp16", Family::kCast, "fp16", "IEEE binary16 cast"},
    {"fp32", Family::kCast, "fp32", "IEEE binary32 (the input's own values)"},
    {"int16", Family::kDfp, "", "INT16 dynamic fixed point (dfp16), one shared exponent per tensor (Das et al. 2018)"},
};

std::vector<std::string> format_list() {
  std::vector<std::string> v;
  for (const auto& f : kFormats) v.push_back(f.name);
  return v;
}

void check_output_path(const std::string& option, const std::string& path) {
  const std::filesystem::path p(path);
  const std::filesystem::path dir = p.has_parent_path() ? p.parent_path() : std::filesystem::path(".");
  if (!std::filesystem::is_directory(dir)) {
    bad_option(option, "directory '" + dir.string() + "' of \"" + path + "\" does not exist");
  }
}

// "0x7e" for 8-bit codes, "0x3f80" for 16-bit ones (the oracle tables' convention).
std::string hex_code(uint32_t code, int bits) {
  static const char kDigits[] = "0123456789abcdef";
  std::string s = "0x";
  for (int d = (bits + 3) / 4 - 1; d >= 0; --d) s += kDigits[(code >> (4 * d)) & 0xf];
  return s;
}

struct Result {
  std::vector<float> values;
  std::string codes_csv;  // only built when requested
  size_t saturated = 0;
  std::string summary;  // format-specific lines for stdout
};

}  // namespace

int cmd_quantize(const Args& args) {
  po::options_description opts("options");
  std::string format, rounding_s = "rne", overflow_s = "sat", scale_rule_s = "floor", tensor_scale_s = "pow2";
  std::string in_path, out_path, codes_path, ragged = "pad";
  int block = 32, axis = -1, add_shift = 0, random_bits = 16, threads = 1;
  uint64_t seed = 0;
  opts.add_options()
      ("format", po::value<std::string>(&format)->required(),
       "mxfp8_e4m3 mxfp8_e5m2 mxfp6_e3m2 mxfp6_e2m3 mxfp4_e2m1 mxint8 fp8_e4m3 fp8_e5m2 fp6_e3m2 fp6_e2m3 "
       "fp4_e2m1 bf16 fp16 fp32 int8 int16 (the names of lpsim gemm/run; aliases dfp8 = int8, dfp16 = int16, "
       "mxfp8, e4m3, bfloat16, float8_e4m3fn, ...)")
      ("in", po::value<std::string>(&in_path)->required(), "input: float32 .npy (C order, 1-D or 2-D) or .csv")
      ("out", po::value<std::string>(&out_path)->required(), "output: dequantized values, .npy or .csv")
      ("codes", po::value<std::string>(&codes_path), "also write codes (hex) and shared exponents to this .csv")
      ("rounding", po::value<std::string>(&rounding_s)->default_value("rne"),
       "rne (ties to even) | away (ties away from zero) | rtz (truncate) | stochastic")
      ("overflow", po::value<std::string>(&overflow_s)->default_value("sat"),
       "sat (clamp to max finite) | ovf (OFP8 non-saturating: E4M3 -> NaN, E5M2/fp16/bf16 -> Inf)")
      ("block", po::value<int>(&block)->default_value(32), "MX block size: 16, 32 or 64")
      ("axis", po::value<int>(&axis)->default_value(-1),
       "MX blocking axis of a 2-D input: 1 or -1 = along rows (last axis), 0 = along columns")
      ("scale-rule", po::value<std::string>(&scale_rule_s)->default_value("floor"),
       "MX shared exponent: floor (OCP: floor(log2 amax) - emax_elem) | ceil (2^ceil(log2(amax/max)), no clipping)")
      ("ragged", po::value<std::string>(&ragged)->default_value("pad"),
       "MX line length not a multiple of --block: pad (last block zero-padded, OCP/microxcaling) | error")
      ("tensor-scale", po::value<std::string>(&tensor_scale_s)->default_value("pow2"),
       "per-tensor scale of int8 and fp8/fp6/fp4, the rule of lpsim gemm --tensor-scale and run's "
       "accelerator.pe.tensor_scale: pow2 (int8: 2^-E, E = floor(log2 amax) - 6, the DFP exponent; floats: largest "
       "2^k <= max/amax) | exact (max/amax; int8: 127/amax) | none (floats only). int16 is always pow2 (DFP16)")
      ("add-shift", po::value<int>(&add_shift)->default_value(0),
       "int8 (pow2) and int16: extra right shift of the DFP exponent (accumulator headroom bits), as "
       "accelerator.pe.dfp_add_shift")
      ("seed", po::value<uint64_t>(&seed)->default_value(0), "stochastic rounding seed (element i uses bits (seed, i))")
      ("random-bits", po::value<int>(&random_bits)->default_value(16), "stochastic rounding: random bits per element (1..32)")
      ("threads", po::value<int>(&threads)->default_value(1), "worker threads (1..64)");
  po::positional_options_description pos;
  po::variables_map vm;
  const CommandHelp help{
      "lpsim quantize --format FORMAT --in X.npy|X.csv --out Y.npy|Y.csv [--codes CODES.csv] [options]",
      "Quantizes a float32 tensor bit-true (OCP MX v1.0, OFP8, bf16/fp16, INT8, DFP16), writes the dequantized\n"
      "values in the input's shape, and prints SQNR and error statistics against the FP64 value of the input.\n"
      "MX blocks run along the last axis (rows) unless --axis 0; a 1-D input is one row. NaN/Inf follow the\n"
      "format rules (an MX block holding one gets a NaN scale; see tests/data/numerics/README.md) and are counted.\n"
      "--codes columns: MX: index,code,block,shared_exp,scale_code (value = decode(code) * 2^shared_exp; block\n"
      "indexes the scales, row-major); fp8/fp6/fp4/int8: index,code,scale (value = decode(code) / scale);\n"
      "bf16/fp16/fp32: index,code; int16: index,code,shared_exp (value = int16(code) * 2^shared_exp).\n"
      "Format names, aliases and the per-tensor scale rule are those of lpsim gemm and lpsim run, so the same\n"
      "tensor gets the same codes in all three.",
      "  lpsim quantize --format mxfp8_e4m3 --in act.npy --out act_q.npy              # OCP defaults\n"
      "  lpsim quantize --format mxfp4_e2m1 --scale-rule ceil --in w.npy --out w_q.npy --codes w_codes.csv\n"
      "  lpsim quantize --format bf16 --rounding stochastic --seed 7 --in x.csv --out x_bf16.csv\n"
      "  lpsim quantize --format int8 --tensor-scale exact --in x.npy --out x_int8.npy\n"
      "  lpsim quantize --format dfp16 --add-shift 1 --in x.npy --out x_dfp.npy"};
  if (!parse_command_line("quantize", args, opts, pos, vm, help)) return kExitOk;

  // 1. Validate every option before touching any file.
  const FormatEntry* fe = nullptr;
  std::string canonical;
  try {
    canonical = model::operand_format("format", format).name;  // the names and aliases of lpsim gemm/run
  } catch (const model::PeParamError&) {
    canonical = format;
  }
  for (const auto& f : kFormats)
    if (canonical == f.name) fe = &f;
  if (!fe) {
    bad_option("--format", "unknown format \"" + format + "\"" + did_you_mean(format, format_list()) +
                               "; valid formats: " + join(format_list()) +
                               " (aliases: dfp8, dfp16, mxfp8, mxfp6, mxfp4, e4m3, bfloat16, float8_e4m3fn, ...)");
  }
  const auto rounding = num::parse_rounding(rounding_s);
  if (!rounding) bad_option("--rounding", "expected rne, away, rtz or stochastic, got \"" + rounding_s + "\"");
  const auto overflow = num::parse_overflow(overflow_s);
  if (!overflow) bad_option("--overflow", "expected sat or ovf, got \"" + overflow_s + "\"");
  const auto scale_rule = num::parse_scale_rule(scale_rule_s);
  if (!scale_rule) bad_option("--scale-rule", "expected floor or ceil, got \"" + scale_rule_s + "\"");
  const auto tensor_scale = num::parse_tensor_scale(tensor_scale_s);
  if (!tensor_scale) bad_option("--tensor-scale", "expected pow2, exact or none, got \"" + tensor_scale_s + "\"");
  const bool is_int8 = canonical == "int8";
  if (ragged != "pad" && ragged != "error") bad_option("--ragged", "expected pad or error, got \"" + ragged + "\"");
  const auto only_for = [&](const char* opt, bool applies, const char* which) {
    if (vm.count(opt) && !vm[opt].defaulted() && !applies) {
      bad_option(std::string("--") + opt, std::string("applies to ") + which + " formats only, not " + format);
    }
  };
  only_for("block", fe->family == Family::kMx, "MX");
  only_for("axis", fe->family == Family::kMx, "MX");
  only_for("scale-rule", fe->family == Family::kMx, "MX");
  only_for("ragged", fe->family == Family::kMx, "MX");
  only_for("tensor-scale", fe->family == Family::kScaled || fe->family == Family::kDfp, "int8, int16 and fp8/fp6/fp4");
  only_for("add-shift", fe->family == Family::kDfp || is_int8, "the int8 and int16 (DFP)");
  // The same checks as accelerator.pe.tensor_scale (models/pe resolve()).
  if (is_int8 && *tensor_scale == num::TensorScale::kNone)
    bad_option("--tensor-scale", "int8 needs a per-tensor scale: pow2 or exact");
  if (fe->family == Family::kDfp && *tensor_scale != num::TensorScale::kPow2)
    bad_option("--tensor-scale", "int16 is DFP16: one power-of-two exponent per tensor (pow2); exact applies to "
                                 "int8 and 8-bit-or-narrower floats");
  if (is_int8 && *tensor_scale == num::TensorScale::kExact && vm.count("add-shift") && !vm["add-shift"].defaulted())
    bad_option("--add-shift", "applies to the power-of-two (DFP) scale only, not --tensor-scale exact");
  if (fe->family == Family::kMx && block != 16 && block != 32 && block != 64) {
    bad_option("--block", "expected 16, 32 or 64 (OCP MX uses 32), got " + std::to_string(block));
  }
  if (axis != -1 && axis != 0 && axis != 1) bad_option("--axis", "expected 0, 1 or -1, got " + std::to_string(axis));
  const int max_shift = is_int8 ? 6 : 14;  // as accelerator.pe.dfp_add_shift: 0..bits-2
  if (add_shift < 0 || add_shift > max_shift)
    bad_option("--add-shift", "expected 0.." + std::to_string(max_shift) + ", got " + std::to_string(add_shift));
  if (random_bits < 1 || random_bits > 32) {
    bad_option("--random-bits", "expected 1..32, got " + std::to_string(random_bits));
  }
  if (threads < 1 || threads > 64) bad_option("--threads", "expected 1..64, got " + std::to_string(threads));
  const std::string in_ext = lower_ext(in_path), out_ext = lower_ext(out_path);
  if (in_ext != ".npy" && in_ext != ".csv") bad_option("--in", "expected a .npy or .csv file, got \"" + in_path + "\"");
  if (out_ext != ".npy" && out_ext != ".csv") {
    bad_option("--out", "expected a .npy or .csv file, got \"" + out_path + "\"");
  }
  check_output_path("--out", out_path);
  if (vm.count("codes")) {
    if (lower_ext(codes_path) != ".csv") bad_option("--codes", "expected a .csv file, got \"" + codes_path + "\"");
    check_output_path("--codes", codes_path);
    if (codes_path == out_path) bad_option("--codes", "must differ from --out");
  }

  // 2. Read the input. Stage weights: relative times per element measured once on 64 Mi values (8192 x 8192).
  const bool want_codes = vm.count("codes") > 0;
  std::error_code size_ec;
  const double n_est = static_cast<double>(std::filesystem::file_size(in_path, size_ec)) / (in_ext == ".npy" ? 4 : 10);
  StagedProgress progress("quantize", {{"reading " + in_path, in_ext == ".npy" ? 1.0 * n_est : 8.0 * n_est},
                                       {"quantizing", 0.4 * n_est},
                                       {"formatting codes", want_codes ? 4.0 * n_est : 0.0},
                                       {"formatting " + out_path, out_ext == ".npy" ? 0.3 * n_est : 7.0 * n_est},
                                       {"writing", ((out_ext == ".npy" ? 0.5 : 1.5) + (want_codes ? 2.0 : 0.0)) * n_est},
                                       {"error metrics", 0.3 * n_est}});
  progress.start(0);
  io::NpyArray in;
  if (in_ext == ".npy") {
    in = io::read_npy_f32(in_path);
    if (in.shape.size() != 1 && in.shape.size() != 2) {
      throw_input_error(Location{in_path, 0, ""},
                        "expected a 1-D or 2-D array, got shape " + io::shape_str(in.shape));
    }
  } else {
    in.data = io::read_csv_values(in_path);
    in.shape = {in.data.size()};
  }
  if (in.data.empty()) throw_input_error(Location{in_path, 0, ""}, "contains no values");
  const size_t rows = in.shape.size() == 2 ? in.shape[0] : 1;
  const size_t cols = in.shape.size() == 2 ? in.shape[1] : in.shape[0];
  const size_t n = in.data.size();

  num::RoundOptions ro;
  ro.rounding = *rounding;
  ro.overflow = *overflow;
  ro.random_bits = random_bits;
  Result res;
  std::ostringstream summary;
  std::ostringstream codes;

  // 3. Quantize.
  progress.start(1);
  // Codes are formatted element by element: the bar moves every 2^20 of them.
  auto codes_progress = [&](size_t i) {
    if ((i & 0xfffff) == 0) progress.within(static_cast<double>(i) / static_cast<double>(n));
  };
  switch (fe->family) {
    case Family::kMx: {
      num::MxOptions mo;
      mo.element = num::format_by_name(fe->element);
      mo.block_size = block;
      mo.axis = axis == 0 ? 0 : 1;
      mo.scale_rule = *scale_rule;
      mo.rounding = *rounding;
      mo.overflow = *overflow;
      mo.random_bits = random_bits;
      mo.seed = seed;
      mo.threads = threads;
      const size_t line = mo.axis == 1 ? cols : rows;
      if (line % static_cast<size_t>(block) != 0) {
        const std::string what = std::string("length ") + std::to_string(line) + " along the blocking axis is not a multiple of the block size " +
                                 std::to_string(block);
        if (ragged == "error") throw_input_error(Location{in_path, 0, ""}, what + " (--ragged error)");
        summary << "note: " << what << "; the last block of each line is zero-padded (--ragged pad)\n";
      }
      const num::MxTensor t = num::mx_quantize(mo, in.data.data(), rows, cols);
      res.values = t.values;
      res.saturated = t.saturated;
      size_t nan_blocks = 0;
      for (uint8_t s : t.scales) nan_blocks += s == num::kE8M0Nan;
      summary << "blocks            " << t.scales.size() << " of " << block << " elements along "
              << (mo.axis == 1 ? "rows" : "columns") << ", scale rule " << num::to_string(mo.scale_rule)
              << ", " << nan_blocks << " with a NaN scale\n";
      if (want_codes) {
        progress.start(2);
        codes << "index,code,block,shared_exp,scale_code\n";
        const int bits = mo.element.width();
        for (size_t r = 0; r < rows; ++r) {
          for (size_t c = 0; c < cols; ++c) {
            const size_t i = r * cols + c;
            codes_progress(i);
            const size_t b = t.scale_index(r, c);
            const auto x = num::e8m0_exponent(t.scales[b]);
            codes << i << ',' << hex_code(t.codes[i], bits) << ',' << b << ',' << (x ? std::to_string(*x) : "nan")
                  << ',' << hex_code(t.scales[b], 8) << '\n';
          }
        }
      }
      break;
    }
    case Family::kScaled:
    case Family::kCast: {
      // int8 is symmetric (+-127), as the PE's integer operands; pow2 int8 is DFP8: the codes of
      // quantize_dfp(bits 8), the same as the PE's (models/pe gemm.cpp).
      const num::NumberFormat f = is_int8 ? num::int_number_format("int8", num::make_int_format(8, 0, true))
                                          : num::format_by_name(fe->element);
      const num::TensorScale mode = fe->family == Family::kCast ? num::TensorScale::kNone : *tensor_scale;
      num::ScaledTensor t;
      if (is_int8 && mode == num::TensorScale::kPow2) {
        const num::DfpTensor d = num::quantize_dfp(in.data.data(), n, 8, add_shift, ro, seed);
        t.scale = static_cast<float>(std::ldexp(1.0, -d.exponent));
        t.values = d.values;
        t.saturated = d.saturated;
        t.codes.resize(n);
        for (size_t i = 0; i < n; ++i) t.codes[i] = static_cast<uint32_t>(d.k[i]) & 0xffu;
      } else {
        t = num::quantize_scaled(f, in.data.data(), n, mode, ro, seed, threads);
      }
      res.values = t.values;
      res.saturated = t.saturated;
      if (fe->family == Family::kScaled) {
        std::string rule;
        if (mode == num::TensorScale::kNone) rule = "none: values cast unscaled";
        else if (mode == num::TensorScale::kExact) rule = std::string("exact: ") + (is_int8 ? "127" : "max") + "/amax";
        else if (is_int8) rule = "pow2: 2^-E, E = floor(log2 amax) - 6" + (add_shift ? " + " + std::to_string(add_shift) : std::string()) + ", the DFP exponent";
        else rule = "pow2: largest 2^k <= max/amax";
        summary << "tensor scale      " << io::format_float(t.scale) << " (" << rule
                << "; values are encoded as x * scale)\n";
      }
      if (want_codes) {
        progress.start(2);
        codes << (fe->family == Family::kScaled ? "index,code,scale\n" : "index,code\n");
        const std::string scale = io::format_float(t.scale);
        for (size_t i = 0; i < n; ++i) {
          codes_progress(i);
          codes << i << ',' << hex_code(t.codes[i], f.width());
          if (fe->family == Family::kScaled) codes << ',' << scale;
          codes << '\n';
        }
      }
      break;
    }
    case Family::kDfp: {
      const num::DfpTensor t = num::quantize_dfp(in.data.data(), n, 16, add_shift, ro, seed);
      res.values = t.values;
      res.saturated = t.saturated;
      summary << "shared exponent   " << t.exponent << " (value = int16 * 2^" << t.exponent << ", add_shift "
              << add_shift << ")\n";
      if (want_codes) {
        progress.start(2);
        codes << "index,code,shared_exp\n";
        for (size_t i = 0; i < n; ++i) {
          codes_progress(i);
          codes << i << ',' << hex_code(static_cast<uint32_t>(t.k[i]) & 0xffffu, 16) << ',' << t.exponent << '\n';
        }
      }
      break;
    }
  }

  // 4. Write all outputs at once (staged .tmp files, renamed together).
  progress.start(3);
  OutputFiles out("");
  out.add(out_path, out_ext == ".npy" ? io::npy_f32_bytes(res.values.data(), in.shape)
                                      : io::csv_values_text(res.values.data(), res.values.size()));
  if (want_codes) out.add(codes_path, codes.str());
  progress.start(4);
  out.commit();

  // 5. Report.
  progress.start(5);
  num::ErrorMetrics m = num::error_metrics(in.data.data(), res.values.data(), n);
  progress.finish();
  m.saturated = res.saturated;
  std::cout << "format            " << fe->name << " (" << fe->about << ")\n"
            << "input             " << in_path << ", shape " << io::shape_str(in.shape) << "\n"
            << "rounding          " << num::to_string(*rounding)
            << (*rounding == num::Rounding::kStochastic ? ", seed " + std::to_string(seed) + ", " +
                                                              std::to_string(random_bits) + " random bits"
                                                        : std::string())
            << "; overflow " << num::to_string(*overflow) << "\n"
            << summary.str() << num::to_text(m) << "wrote             " << out_path
            << (want_codes ? " and " + codes_path : std::string()) << "\n";
  return kExitOk;
}

}  // namespace lpsim::cli
