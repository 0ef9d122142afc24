// `lpsim gemm`: one GEMM C = A x B computed bit-true by the processing-element datapath (models/pe), with its
// accuracy against FP64 and against the ideal quantize-then-GEMM emulation, and its cycles on the array
// (SCALE-Sim v2 timing engine, models/array).
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "array/scalesim_engine.h"
#include "cli/commands.h"
#include "cli/options.h"
#include "io/npy.h"
#include "pe/pe.h"
#include "pe/tensor_gen.h"
#include "util/error.h"
#include "util/output_files.h"
#include "util/progress.h"
#include "util/text.h"
#include "config/config.h"
#include "driver/preflight.h"

namespace lpsim::cli {

namespace {

using namespace lpsim::model;

std::string pe_key_to_option(const std::string& key) {
  if (key == "tensor_scale") return "--tensor-scale";
  if (key == "format") return "--format";
  if (key == "format_a") return "--format";
  if (key == "format_b") return "--format-b";
  if (key == "acc") return "--acc";
  if (key == "out") return "--out-format";
  if (key == "mx_block") return "--block";
  if (key == "spill_interval") return "--spill-interval";
  if (key == "dfp_add_shift") return "--add-shift";
  return "--" + key;
}

// "32x32" -> rows, cols (positive).
void parse_array(const std::string& s, int64_t& rows, int64_t& cols) {
  const size_t x = s.find('x');
  auto parse = [&](const std::string& t) -> int64_t {
    if (t.empty() || t.size() > 6 || t.find_first_not_of("0123456789") != std::string::npos) return -1;
    return std::stoll(t);
  };
  rows = x == std::string::npos ? -1 : parse(s.substr(0, x));
  cols = x == std::string::npos ? -1 : parse(s.substr(x + 1));
  if (rows < 1 || cols < 1) bad_option("--array", "expected ROWSxCOLS with positive integers (e.g. 32x32), got \"" + s + "\"");
}

io::NpyArray read_matrix(const std::string& option, const std::string& path, const char* what) {
  if (!std::filesystem::exists(path)) bad_option(option, "file \"" + path + "\" does not exist");
  io::NpyArray a = io::read_npy_f32(path);
  if (a.shape.size() != 2) {
    throw_input_error(Location{path, 0, ""}, std::string("expected a 2-D array (") + what + "), got shape " +
                                                 io::shape_str(a.shape));
  }
  return a;
}

std::string fmt(const char* f, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, f, v);
  return buf;
}

std::string row(const std::string& name, const std::string& a, const std::string& b = "") {
  char buf[256];
  if (b.empty()) {
    std::snprintf(buf, sizeof buf, "  %-30s %22s\n", name.c_str(), a.c_str());
  } else {
    std::snprintf(buf, sizeof buf, "  %-30s %22s %22s\n", name.c_str(), a.c_str(), b.c_str());
  }
  return buf;
}

}  // namespace

int cmd_gemm(const Args& args) {
  po::options_description opts("options");
  int64_t m = 0, n = 0, k = 0, dot_width = 1;
  std::string a_path, b_path, dist_s, outliers_s, format = "mxfp8_e4m3", format_b, acc, out_format = "fp32";
  std::string array_s = "32x32", dataflow_s = "os", out_path, rounding_s = "rne", policy_s = "wrap";
  std::string scale_rule_s = "floor", tensor_scale_s = "pow2";
  uint64_t seed = 1;
  double scale = 1.0;
  double max_gib = 0;
  int block = 32, spill_interval = 16, add_shift = 0, threads = 0;
  opts.add_options()
      ("m", po::value<int64_t>(&m), "rows of A and C (taken from --a when omitted)")
      ("n", po::value<int64_t>(&n), "columns of B and C (taken from --b when omitted)")
      ("k", po::value<int64_t>(&k), "reduction length: columns of A, rows of B")
      ("a", po::value<std::string>(&a_path), "A (activations), float32 .npy of shape (M, K)")
      ("b", po::value<std::string>(&b_path), "B (weights), float32 .npy of shape (K, N)")
      ("dist", po::value<std::string>(&dist_s), "synthetic A and B instead of files: normal | uniform | laplace | relu (A = max(0, normal), B normal)")
      ("seed", po::value<uint64_t>(&seed)->default_value(1), "synthetic tensors: seed (A = stream 0, B = stream 1)")
      ("scale", po::value<double>(&scale)->default_value(1.0), "synthetic tensors: sigma / half-width / Laplace b")
      ("outliers", po::value<std::string>(&outliers_s),
       "synthetic tensors: FRAC:SIZE, a fraction FRAC of elements become +-SIZE*scale*(1+u)")
      ("format", po::value<std::string>(&format)->default_value("mxfp8_e4m3"),
       "operand format of A (and of B unless --format-b): mxfp8_e4m3 mxfp8_e5m2 mxfp6_e3m2 mxfp6_e2m3 "
       "mxfp4_e2m1 mxint8 fp8_e4m3 fp8_e5m2 bf16 fp16 fp32 int8 int16 (dfp16)")
      ("format-b", po::value<std::string>(&format_b), "operand format of B (same family as A)")
      ("acc", po::value<std::string>(&acc), "accumulator: fp32 (default), bf16, fp16, eXmY; int32 for int8/int16")
      ("out-format", po::value<std::string>(&out_format)->default_value("fp32"), "output format: fp32, bf16, fp16, ...")
      ("array", po::value<std::string>(&array_s)->default_value("32x32"), "array ROWSxCOLS (timing; ws/is order)")
      ("dataflow", po::value<std::string>(&dataflow_s)->default_value("os"), "os | ws | is")
      ("dot-width", po::value<int64_t>(&dot_width)->default_value(1),
       "elements of K one PE consumes per cycle (accelerator.pe.dot_width): a w-wide dot-product PE streams K in "
       "ceil(K/w) steps (timing only; values do not depend on it), 1..4096")
      ("rounding", po::value<std::string>(&rounding_s)->default_value("rne"),
       "operand quantization rounding: rne | away | rtz | stochastic")
      ("block", po::value<int>(&block)->default_value(32), "MX block size along K")
      ("scale-rule", po::value<std::string>(&scale_rule_s)->default_value("floor"), "MX shared exponent: floor | ceil")
      ("tensor-scale", po::value<std::string>(&tensor_scale_s)->default_value("pow2"),
       "per-tensor scale of int8 and fp8/fp6/fp4 operands, undone at the output (the rule of lpsim quantize "
       "--tensor-scale and accelerator.pe.tensor_scale): pow2 (int8: the DFP exponent, floor(log2 amax) - 6; "
       "floats: largest 2^k <= max/amax) | exact (max/amax; int8: 127/amax) | none (floats only)")
      ("policy", po::value<std::string>(&policy_s)->default_value("wrap"), "INT32 overflow: wrap | saturate | spill")
      ("spill-interval", po::value<int>(&spill_interval)->default_value(16),
       "spill: VNNI accumulations (2 products each) per INT32 partial sum")
      ("add-shift", po::value<int>(&add_shift)->default_value(0), "DFP headroom bits (extra input right shift)")
      ("threads", po::value<int>(&threads)->default_value(0), "worker threads (0 = all cores)")
      ("max-memory-gib", po::value<double>(&max_gib)->default_value(0),
       "refuse to start when the estimated memory exceeds this many GiB (0 = 3/4 of physical memory)")
      ("out", po::value<std::string>(&out_path), "write C (float32 .npy, shape (M, N))");
  po::positional_options_description pos;
  po::variables_map vm;
  const CommandHelp help{
      "lpsim gemm --m M --n N --k K (--a A.npy --b B.npy | --dist normal|uniform|laplace|relu [--seed S] [--scale X]\n"
      "           [--outliers FRAC:SIZE]) [--format F] [--format-b F] [--acc A] [--array RxC] [--dataflow os|ws|is]\n"
      "           [--out C.npy]",
      "Computes C = A x B the way the configured processing elements would (bit-true operand quantization, MX\n"
      "block dot products, per-MAC accumulator rounding, INT32 overflow policies) in the accumulation order of\n"
      "the dataflow (os: one chain over K per PE; ws/is: folds of R = array rows, summed down a column, folds\n"
      "added in order; see models/pe/README.md). Prints accuracy against an FP64 GEMM of the unquantized inputs\n"
      "and against the ideal quantize-then-GEMM emulation, the saturation/underflow/overflow counters, and the\n"
      "array's cycles for this GEMM (SCALE-Sim v2 timing engine; default memory with the bits per element of the\n"
      "formats, as word_bits: auto; --dot-width for dot-product PEs).",
      "  lpsim gemm --m 256 --n 256 --k 1024 --dist normal --seed 1 --format mxfp8_e4m3\n"
      "  lpsim gemm --m 64 --n 64 --k 4096 --dist laplace --outliers 0.001:50 --format mxfp4_e2m1 --acc bf16\n"
      "  lpsim gemm --a act.npy --b w.npy --format int16 --policy spill --spill-interval 8 --out c.npy\n"
      "  lpsim gemm --m 128 --n 128 --k 512 --dist normal --format bf16 --acc bf16 --array 16x64 --dataflow ws"};
  if (!parse_command_line("gemm", args, opts, pos, vm, help)) return kExitOk;

  // 1. Validate every option before reading or writing anything.
  PeParams p;
  p.format_a = format;
  p.format_b = format_b.empty() ? format : format_b;
  p.acc = acc;
  p.out = out_format;
  p.mx_block = block;
  p.spill_interval = spill_interval;
  p.dfp_add_shift = add_shift;
  p.seed = seed;
  const auto tscale = num::parse_tensor_scale(tensor_scale_s);
  if (!tscale) bad_option("--tensor-scale", "expected pow2, exact or none, got \"" + tensor_scale_s + "\"");
  p.tensor_scale = *tscale;
  const auto rounding = num::parse_rounding(rounding_s);
  if (!rounding) bad_option("--rounding", "expected rne, away, rtz or stochastic, got \"" + rounding_s + "\"");
  p.rounding = *rounding;
  const auto rule = num::parse_scale_rule(scale_rule_s);
  if (!rule) bad_option("--scale-rule", "expected floor or ceil, got \"" + scale_rule_s + "\"");
  p.mx_scale_rule = *rule;
  const auto policy = parse_int32_policy(policy_s);
  if (!policy) bad_option("--policy", "expected wrap, saturate or spill, got \"" + policy_s + "\"");
  p.int32_policy = *policy;
  ResolvedPe rp;
  try {
    rp = resolve(p, PeKeyNames{"--format", "--format-b"});
  } catch (const PeParamError& e) {
    bad_option(pe_key_to_option(e.key()), e.what());
  }
  int64_t rows = 0, cols = 0;
  parse_array(array_s, rows, cols);
  if (dot_width < 1 || dot_width > 4096) bad_option("--dot-width", "expected 1..4096, got " + std::to_string(dot_width));
  Dataflow dataflow;
  if (dataflow_s == "os") dataflow = Dataflow::kOS;
  else if (dataflow_s == "ws") dataflow = Dataflow::kWS;
  else if (dataflow_s == "is") dataflow = Dataflow::kIS;
  else bad_option("--dataflow", "expected os, ws or is, got \"" + dataflow_s + "\"");
  if (threads < 0 || threads > 256) bad_option("--threads", "expected 0..256, got " + std::to_string(threads));
  const bool files = vm.count("a") || vm.count("b");
  if (files && vm.count("dist")) bad_option("--dist", "give either --a/--b files or --dist, not both");
  if (files && (!vm.count("a") || !vm.count("b"))) bad_option(vm.count("a") ? "--b" : "--a", "--a and --b go together");
  if (!files && !vm.count("dist")) bad_option("--dist", "give --a A.npy --b B.npy or --dist normal|uniform|laplace|relu");
  TensorGenSpec gen;
  if (!files) {
    const auto d = parse_distribution(dist_s);
    if (!d) bad_option("--dist", "expected normal, uniform, laplace or relu, got \"" + dist_s + "\"");
    gen.dist = *d;
    gen.seed = seed;
    gen.scale = scale;
    if (!(scale > 0) || !std::isfinite(scale)) bad_option("--scale", "expected a positive number, got " + std::to_string(scale));
    if (vm.count("outliers")) {
      try {
        parse_outliers(outliers_s, gen.outlier_fraction, gen.outlier_size);
      } catch (const std::invalid_argument& e) {
        bad_option("--outliers", e.what());
      }
    }
    for (const char* dim : {"m", "n", "k"})
      if (!vm.count(dim)) bad_option(std::string("--") + dim, "required with --dist");
  } else {
    for (const char* opt : {"seed", "scale", "outliers"})
      if (vm.count(opt) && !vm[opt].defaulted()) bad_option(std::string("--") + opt, "applies to --dist only");
  }
  for (const auto& [opt, v] : {std::pair<const char*, int64_t>{"--m", m}, {"--n", n}, {"--k", k}}) {
    if (vm.count(opt + 2) && (v < 1 || v > (int64_t{1} << 24)))
      bad_option(opt, "expected 1.." + std::to_string(int64_t{1} << 24) + ", got " + std::to_string(v));
  }
  if (vm.count("out")) {
    const std::filesystem::path op(out_path);
    if (op.extension() != ".npy") bad_option("--out", "expected a .npy file, got \"" + out_path + "\"");
    const std::filesystem::path dir = op.has_parent_path() ? op.parent_path() : std::filesystem::path(".");
    if (!std::filesystem::is_directory(dir))
      bad_option("--out", "directory '" + dir.string() + "' of \"" + out_path + "\" does not exist");
  }

  if (!(max_gib >= 0) || max_gib > (1 << 20)) bad_option("--max-memory-gib", "expected 0..1048576, got " + fmt_number(max_gib));
  // The array's view of an mm x nn x kk GEMM, for the memory estimate and the timing alike: SCALE-Sim's conv
  // form (array/timing.h), the default memory with the bits per element the formats store (word_bits: auto of
  // lpsim run: MX scale bits included, 32-bit partial sums when ws/is fold K more than once), and the same
  // streamed as w-element vectors of K (dot_shape / dot_memory).
  struct GemmTiming {
    ArrayParams ap;
    LayerShape shape;  // in elements
    MemoryParams mem;  // bits per element
    LayerShape dshape() const { return dot_shape(shape, ap.dot_width); }
    MemoryParams dmem() const { return dot_memory(mem, ap.dot_width); }
  };
  auto gemm_timing = [&](int64_t mm, int64_t nn, int64_t kk) {
    GemmTiming t;
    t.ap.rows = rows, t.ap.cols = cols, t.ap.dataflow = dataflow, t.ap.dot_width = dot_width;
    t.shape.name = "gemm";
    t.shape.ifmap_h = mm, t.shape.ifmap_w = kk, t.shape.filter_h = 1, t.shape.filter_w = kk, t.shape.channels = 1;
    t.shape.num_filters = nn, t.shape.ofmap_h = mm, t.shape.ofmap_w = 1;
    const bool psums = dataflow != Dataflow::kOS && t.dshape().K() > rows;
    for (int op = 0; op < 3; ++op) t.mem.word_bits[op] = operand_bits(rp, op, 0, psums);
    return t;
  };
  // Memory is estimated before anything is allocated: operands, quantized and packed copies, output, FP64
  // reference and the timing engine (files: their headers give the shape).
  auto check_memory = [&](int64_t mm, int64_t nn, int64_t kk) {
    const GemmTiming t0 = gemm_timing(mm, nn, kk);
    const double need = 4.0 * (static_cast<double>(mm) * kk + static_cast<double>(kk) * nn) +
                        gemm_memory_bytes(p, mm, nn, kk) + timing_memory_bytes(t0.ap, t0.dmem(), t0.dshape());
    const uint64_t budget = cfg::memory_budget_bytes(max_gib);
    if (need > static_cast<double>(budget))
      bad_option(max_gib > 0 ? "--max-memory-gib" : "--m/--n/--k",
                 "a " + std::to_string(mm) + " x " + std::to_string(nn) + " x " + std::to_string(kk) +
                     " GEMM needs about " + driver::format_bytes(need) + " of memory, more than the " +
                     driver::format_bytes(static_cast<double>(budget)) + " allowed (" +
                     (max_gib > 0 ? std::string("--max-memory-gib") : std::string("3/4 of this machine's memory; raise it with --max-memory-gib")) + ")");
  };
  if (!files) check_memory(m, n, k);

  // 2. Operands. Progress stages weighted by their measured cost on 2048 x 2048 x 4096 (README, Benchmarks):
  // per element generated, per MAC of the datapath and of the accuracy references.
  const double macs_est = files ? 0.0 : static_cast<double>(m) * static_cast<double>(n) * static_cast<double>(k);
  const double elems_est = files ? 0.0 : static_cast<double>(m) * k + static_cast<double>(k) * n;
  // (0.8 s for 2 x 8 Mi generated elements, 1.2 s for the AVX-512 datapath and 7.2 s for the two FP64 reference
  // GEMMs of 1.7e10 MACs: about 1 : 1/700 : 1/120 per element and MAC; portable kernels are slower.)
  StagedProgress progress("gemm", {{files ? "reading operands" : "generating operands", 1.0 * elems_est},
                                   {"bit-true datapath", macs_est / 400},
                                   {"accuracy references (FP64)", macs_est / 120},
                                   {"cycles", 0.0}});
  progress.start(0);
  std::vector<float> a, b;
  if (files) {
    const io::NpyHeader ha = io::read_npy_f32_header(a_path), hb = io::read_npy_f32_header(b_path);
    if (ha.shape.size() == 2 && hb.shape.size() == 2)  // else read_matrix reports the shape
      check_memory(std::max<int64_t>(static_cast<int64_t>(ha.shape[0]), 1),
                   std::max<int64_t>(static_cast<int64_t>(hb.shape[1]), 1),
                   std::max<int64_t>(static_cast<int64_t>(ha.shape[1]), 1));
    io::NpyArray an = read_matrix("--a", a_path, "M x K");
    io::NpyArray bn = read_matrix("--b", b_path, "K x N");
    const int64_t am = static_cast<int64_t>(an.shape[0]), ak = static_cast<int64_t>(an.shape[1]);
    const int64_t bk = static_cast<int64_t>(bn.shape[0]), bnn = static_cast<int64_t>(bn.shape[1]);
    if (vm.count("m") && m != am)
      throw_input_error(Location{a_path, 0, ""}, "shape " + io::shape_str(an.shape) + " has " + std::to_string(am) +
                                                     " rows but --m is " + std::to_string(m));
    if (vm.count("k") && k != ak)
      throw_input_error(Location{a_path, 0, ""}, "shape " + io::shape_str(an.shape) + " has " + std::to_string(ak) +
                                                     " columns but --k is " + std::to_string(k));
    if (bk != ak)
      throw_input_error(Location{b_path, 0, ""}, "shape " + io::shape_str(bn.shape) + " has " + std::to_string(bk) +
                                                     " rows but A (" + a_path + ") has K = " + std::to_string(ak) +
                                                     " columns");
    if (vm.count("n") && n != bnn)
      throw_input_error(Location{b_path, 0, ""}, "shape " + io::shape_str(bn.shape) + " has " + std::to_string(bnn) +
                                                     " columns but --n is " + std::to_string(n));
    m = am;
    k = ak;
    n = bnn;
    if (m < 1 || n < 1 || k < 1) throw_input_error(Location{a_path, 0, ""}, "empty matrix");
    a = std::move(an.data);
    b = std::move(bn.data);
  } else {
    a = generate_tensor(gen, 0, static_cast<size_t>(m * k));
    b = generate_tensor(weight_spec(gen), 1, static_cast<size_t>(k * n));
  }

  // 3. Datapath, accuracy, timing.
  GemmOrder order;
  order.dataflow = dataflow;
  order.array_rows = rows;
  GemmRunOptions run;
  run.threads = threads;
  run.progress = [&](double f) { progress.within(f); };
  progress.start(1);
  const GemmResult r = run_gemm(p, order, a.data(), b.data(), m, n, k, run);
  progress.start(2);
  const GemmAccuracy acc_r =
      gemm_accuracy(p, a.data(), b.data(), m, n, k, r, threads, [&](double f) { progress.within(f); });
  progress.start(3);

  const GemmTiming gt = gemm_timing(m, n, k);
  const MemoryParams& mem = gt.mem;
  LayerTiming t = estimate_layer(gt.ap, gt.dmem(), gt.dshape());
  dot_result(t, gt.shape, dot_width);

  progress.finish();
  if (vm.count("out")) {
    write_file_atomic(out_path, io::npy_f32_bytes(r.c.data(), {static_cast<size_t>(m), static_cast<size_t>(n)}));
  }

  // 4. Report.
  std::ostringstream os;
  os << "lpsim gemm: C (" << m << " x " << n << ") = A (" << m << " x " << k << ") x B (" << k << " x " << n << ")"
     << (files ? "  [A " + a_path + ", B " + b_path + "]"
               : "  [" + std::string(to_string(gen.dist)) + ", seed " + std::to_string(seed) + "]")
     << "\n";
  os << "  operands: A " << rp.a.name << ", B " << rp.b.name << " (" << to_string(rp.mode) << " datapath";
  if (rp.mode == PeMode::kMx) os << ", block " << block << ", " << num::to_string(p.mx_scale_rule) << " scale rule";
  if (rp.mode == PeMode::kInt) os << ", DFP add_shift " << add_shift << ", INT32 " << to_string(p.int32_policy);
  if (rp.mode == PeMode::kInt && p.int32_policy == Int32Policy::kSpill) os << " every " << spill_interval;
  os << ", rounding " << num::to_string(p.rounding);
  // The per-tensor scale rule actually used (bf16/fp16/fp32 are cast, MX scales per block).
  const bool scaled = rp.mode == PeMode::kInt || (rp.mode == PeMode::kFloat && std::min(rp.a.element.flt.width,
                                                                                          rp.b.element.flt.width) <= 8);
  if (scaled) {
    const bool int_ops = rp.mode == PeMode::kInt;
    std::string rule = num::to_string(p.tensor_scale);
    if (int_ops && p.tensor_scale == num::TensorScale::kPow2) rule += " (DFP exponent floor(log2 amax) - (bits - 2))";
    else if (int_ops) rule += " (127/amax)";
    else if (p.tensor_scale == num::TensorScale::kPow2) rule += " (largest 2^k <= max/amax)";
    else if (p.tensor_scale == num::TensorScale::kExact) rule += " (max/amax)";
    os << ", tensor scale " << rule << ", output x " << fmt("%.9g", r.descale);
  }
  os << ")\n";
  os << "  accumulator " << rp.acc_name << ", output " << rp.out_name << "; array " << rows << "x" << cols << " "
     << to_string(dataflow) << " ("
     << (dataflow == Dataflow::kOS ? "one chain over K per PE" : "K in folds of " + std::to_string(rows) + " PE steps")
     << ")\n\n";
  os << "accuracy\n" << row("", "vs FP64 (unquantized)", "vs ideal emulation");
  const ErrorSummary& e64 = acc_r.vs_fp64;
  const ErrorSummary& eid = acc_r.vs_ideal;
  os << row("SQNR (dB)", fmt("%.2f", e64.metrics.sqnr_db), fmt("%.2f", eid.metrics.sqnr_db))
     << row("max abs error", fmt("%.6g", e64.metrics.max_abs_error), fmt("%.6g", eid.metrics.max_abs_error))
     << row("mean abs error", fmt("%.6g", e64.metrics.mean_abs_error), fmt("%.6g", eid.metrics.mean_abs_error))
     << row("max rel error", fmt("%.6g", e64.metrics.max_rel_error), fmt("%.6g", eid.metrics.max_rel_error))
     << row("mean rel error", fmt("%.6g", e64.mean_rel_error), fmt("%.6g", eid.mean_rel_error))
     << row("cosine similarity", fmt("%.9f", e64.cosine_similarity), fmt("%.9f", eid.cosine_similarity));
  const double pct = 100.0 * static_cast<double>(acc_r.bit_identical_to_ideal) / static_cast<double>(acc_r.outputs);
  os << row("bit-identical to ideal", std::to_string(acc_r.bit_identical_to_ideal) + " of " +
                                          std::to_string(acc_r.outputs) + fmt(" (%.1f%%)", pct));
  const GemmCounters& c = r.counters;
  os << row("saturations (A, B)", std::to_string(c.saturations_a) + ", " + std::to_string(c.saturations_b))
     << row("underflows to zero (A, B)", std::to_string(c.underflows_a) + ", " + std::to_string(c.underflows_b))
     << row("accumulator overflows", std::to_string(c.acc_overflows));
  if (rp.mode == PeMode::kInt && p.int32_policy == Int32Policy::kSpill) os << row("INT32 spills", std::to_string(c.spills));
  os << row("NaN outputs", std::to_string(c.nan_outputs));
  os << "\ncycles (SCALE-Sim v2 engine, default memory: " << fmt_number(mem.sram_kib[0]) << " KiB SRAM per operand, "
     << fmt_number(mem.dram_bw_bytes_per_cycle) << " B/cycle DRAM; bits per element A " << to_string(mem.word_bits[0])
     << ", B " << to_string(mem.word_bits[1]) << ", C " << to_string(mem.word_bits[2])
     << (dot_width > 1 ? "; " + std::to_string(dot_width) + "-wide dot-product PEs" : std::string()) << ")\n"
     << row("folds", std::to_string(t.folds) + " (" + std::to_string(t.row_folds) + " x " +
                         std::to_string(t.col_folds) + ")")
     << row("compute cycles", std::to_string(t.compute_cycles))
     << row("stall cycles", std::to_string(t.stall_cycles))
     << row("total cycles", std::to_string(t.total_cycles))
     << row("MACs", std::to_string(t.macs))
     << row("compute utilisation", fmt("%.1f %%", 100.0 * t.compute_util));
  if (vm.count("out")) os << "\nwrote " << out_path << "\n";
  std::cout << os.str();
  return kExitOk;
}

}  // namespace lpsim::cli
