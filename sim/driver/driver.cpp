#include "driver/driver.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <optional>
#include <random>

#include "array/array_sc.h"
#include "cost/cost_model.h"
#include "io/npy.h"
#include "pe/pe.h"
#include "sparsity/sparsity.h"
#include "version.h"

namespace lpsim::driver {

namespace {

using report::Column;
using report::Value;

Value i64(uint64_t v) { return Value(static_cast<int64_t>(v)); }

struct Cols {
  size_t layer, type, shape, repeat, m, n, k, folds, compute, stall, total, time, cutil, meff, outil, macs;
  size_t sram_words[3], sram_bytes[3], dram_bytes[3], dram_rd, dram_wr, bw_avg, bw_peak, sfu_ops;
  size_t sqnr, sqnr_ideal, max_abs, mean_abs, max_rel, mean_rel, cosine, outputs, bit_id, bit_id_pct, sat, unf,
      acc_ovf, spills;
  size_t dens_a, dens_b, macs_issued, macs_skipped, macs_gated, dense_total, speedup, meta_sram, meta_dram;
  size_t area, energy, power, tops_w, tops_mm2, pj_per_mac;
  std::vector<std::pair<std::string, size_t>> energy_parts, area_parts;  // group name -> column
};

// Report groups of the cost model's energy and area parts (models/cost: "pe.multipliers", "sram.filter.read", ...).
const char* kEnergyGroups[] = {"mac", "registers", "gated", "sram_ifmap", "sram_filter", "sram_ofmap", "metadata",
                               "dram", "sfu", "leakage"};
const char* kAreaGroups[] = {"pe_array", "sram_ifmap", "sram_filter", "sram_ofmap", "sfu"};

std::string energy_group(const std::string& part) {
  if (part == "pe.registers") return "registers";
  if (part == "pe.gated_macs") return "gated";
  if (part.rfind("pe.", 0) == 0) return "mac";  // multipliers, adders, MX block logic, INT32 spills
  if (part == "sram.metadata" || part == "dram.metadata") return "metadata";
  if (part.rfind("sram.", 0) == 0) return "sram_" + part.substr(5, part.find('.', 5) - 5);
  if (part.rfind("dram", 0) == 0) return "dram";
  return part;  // sfu, leakage
}

std::string area_group(const std::string& part) {
  if (part.rfind("pe_array", 0) == 0) return "pe_array";
  if (part.rfind("sram.", 0) == 0) return "sram_" + part.substr(5);
  return part;
}

Cols add_columns(report::Report& r) {
  Cols c{};
  c.layer = r.add_column({"layer", "layer", "", "op name from the trace", true, 0});
  c.type = r.add_column({"type", "type", "", "op type (gemm, conv2d, tanh, sigmoid, gelu, swish)", false, 0});
  c.shape = r.add_column({"gemm_shape", "M x N x K", "", "GEMM view: M output pixels/rows, N filters/cols, K "
                                                        "reduction (x repeat)", true, 0});
  c.repeat = r.add_column({"repeat", "repeat", "count", "independent instances of the op (heads, conv groups)",
                           false, 0});
  c.m = r.add_column({"m", "M", "count", "GEMM M (output pixels or rows)", false, 0});
  c.n = r.add_column({"n", "N", "count", "GEMM N (filters or columns)", false, 0});
  c.k = r.add_column({"k", "K", "count", "GEMM K (reduction length)", false, 0});
  c.folds = r.add_column({"folds", "folds", "count", "array folds (row folds x column folds) per instance", true, 0});
  c.compute = r.add_column({"compute_cycles", "compute", "cycles",
                            "cycles with no memory stall: folds x per-fold cycles - 1 per instance (SCALE-Sim v2)",
                            true, 0});
  c.stall = r.add_column({"stall_cycles", "stall", "cycles", "cycles the array waited for SRAM prefetch or OFMAP drain",
                          true, 0});
  c.total = r.add_column({"total_cycles", "total", "cycles", "compute + stall cycles", true, 0});
  c.time = r.add_column({"time_us", "time", "us", "total cycles at the configured clock", true, 2});
  c.cutil = r.add_column({"compute_util_pct", "util", "%",
                          "busy PE-cycles / (PEs x compute cycles), SCALE-Sim's Compute Util", true, 1});
  c.meff = r.add_column({"mapping_eff_pct", "map eff", "%", "used PEs / PEs averaged over folds", true, 1});
  c.outil = r.add_column({"overall_util_pct", "overall util", "%", "MACs / (PEs x total cycles)", false, 1});
  c.macs = r.add_column({"macs", "MACs", "MAC", "multiply-accumulates", true, 0});
  c.sfu_ops = r.add_column({"sfu_ops", "SFU ops", "count", "activation evaluations on the K-TanH SFU", false, 0});
  // Accuracy (ops with values): against the exact reference = FP64 GEMM of the unquantized inputs, or the
  // activation in double precision (libm); and against the ideal quantize-then-FP32 emulation.
  c.sqnr = r.add_column({"sqnr_db", "SQNR", "dB", "signal-to-quantization-noise ratio vs the exact reference "
                         "(TOTAL: the worst layer)", true, 1});
  c.sqnr_ideal = r.add_column({"sqnr_vs_ideal_db", "SQNR vs ideal", "dB", "SQNR vs the ideal quantize-then-FP32 "
                               "GEMM emulation (what format emulators compute); inf = identical", false, 1});
  c.max_abs = r.add_column({"max_abs_err", "max err", "value", "largest abs(output - exact reference), in the output's units", false, 6});
  c.mean_abs = r.add_column({"mean_abs_err", "mean err", "value", "mean abs(output - exact reference)", false, 6});
  c.max_rel = r.add_column({"max_rel_err", "max rel err", "ratio", "largest abs(output - ref) / abs(ref) over ref != 0", false, 6});
  c.mean_rel = r.add_column({"mean_rel_err", "mean rel err", "ratio", "mean abs(output - ref) / abs(ref) over ref != 0", false,
                             6});
  c.cosine = r.add_column({"cosine_sim", "cosine", "ratio", "cosine similarity of output and exact reference (TOTAL: "
                           "the worst layer)", false, 6});
  c.outputs = r.add_column({"outputs", "outputs", "count", "output values computed (one instance of a repeated op)",
                            false, 0});
  c.bit_id = r.add_column({"bit_identical_outputs", "bit-exact", "count", "GEMM outputs with the same float32 bits "
                           "as the ideal emulation", false, 0});
  c.bit_id_pct = r.add_column({"bit_identical_pct", "bit-exact", "%", "the same as a share of the GEMM outputs",
                               true, 1});
  c.sat = r.add_column({"saturations", "sat", "count", "operand elements clamped to the format's max", false, 0});
  c.unf = r.add_column({"underflows", "underflow", "count", "nonzero operand elements quantized to zero", false, 0});
  c.acc_ovf = r.add_column({"acc_overflows", "acc ovf", "count", "INT32 accumulations that left int32 range, or "
                            "float accumulators that overflowed to Inf", false, 0});
  c.spills = r.add_column({"spills", "spills", "count", "INT32 -> FP32 spill conversions (spill policy)", false, 0});
  const char* what[3] = {"reads", "reads", "writes"};
  for (int op = 0; op < 3; ++op) {
    std::string name = model::operand_name(op);
    std::string base = "sram_" + name + "_" + what[op];
    c.sram_words[op] = r.add_column({base + "_words", "", "words", std::string("SRAM ") + what[op] + " of the " + name +
                                                                       " operand", false, 0});
    c.sram_bytes[op] = r.add_column({base + "_bytes", "", "B", "the same in bytes (words x word_bits / 8)", false, 0});
  }
  for (int op = 0; op < 3; ++op) {
    std::string name = model::operand_name(op);
    c.dram_bytes[op] = r.add_column({"dram_" + name + "_" + what[op] + "_bytes", "", "B",
                                     std::string("DRAM ") + what[op] + " of the " + name +
                                         (op == model::kOfmap ? " operand (whole drain lines, as SCALE-Sim counts)"
                                                              : " operand (whole prefetch lines incl. re-fetches, "
                                                                "as SCALE-Sim counts)"),
                                     false, 0});
  }
  c.dram_rd = r.add_column({"dram_read_bytes", "DRAM rd", "B", "DRAM reads, all operands", true, 0});
  c.dram_wr = r.add_column({"dram_write_bytes", "DRAM wr", "B", "DRAM writes, all operands", true, 0});
  c.bw_avg = r.add_column({"dram_avg_bw_bytes_per_cycle", "DRAM avg", "B/cycle",
                           "DRAM bytes / total cycles", true, 2});
  c.bw_peak = r.add_column({"dram_peak_bw_bytes_per_cycle", "DRAM peak", "B/cycle",
                            "highest DRAM rate of any prefetch/drain burst, summed over operands", false, 2});
  // Sparsity (accelerator.sparsity; models/sparsity/README.md). Cycle and traffic columns above are those of the
  // sparse run; these give the densities, the MAC accounting and the dense baseline.
  c.dens_a = r.add_column({"density_a_pct", "dens A", "%", "nonzero activations after quantization "
                           "(TOTAL: weighted by elements)", false, 1});
  c.dens_b = r.add_column({"density_b_pct", "dens W", "%", "nonzero weights after quantization (and pruning)",
                           false, 1});
  c.macs_issued = r.add_column({"macs_issued", "issued", "MAC", "MACs the PEs received operands for", false, 0});
  c.macs_skipped = r.add_column({"macs_skipped", "skipped", "MAC", "MACs never issued (zero skipping, N:M)",
                                 false, 0});
  c.macs_gated = r.add_column({"macs_gated", "gated", "MAC", "issued MACs with a zero operand, clock-gated", false,
                               0});
  c.dense_total = r.add_column({"dense_total_cycles", "dense", "cycles", "total cycles of the same layer without "
                                "sparsity support", false, 0});
  c.speedup = r.add_column({"sparse_speedup", "speedup", "x", "dense_total_cycles / total_cycles", false, 2});
  c.meta_sram = r.add_column({"metadata_sram_bytes", "meta SRAM", "B", "sparsity index metadata read from SRAM "
                              "(included in the SRAM byte columns)", false, 0});
  c.meta_dram = r.add_column({"metadata_dram_bytes", "meta DRAM", "B", "sparsity index metadata read from DRAM "
                              "(included in the DRAM byte columns)", false, 0});
  // Cost (accelerator.cost; models/cost/README.md).
  c.area = r.add_column({"area_mm2", "area", "mm^2", "silicon area of the design: PE array, SRAMs, SFU", true, 3});
  c.energy = r.add_column({"energy_uj", "energy", "uJ", "dynamic energy of every action plus leakage over the "
                           "layer's time", true, 3});
  c.power = r.add_column({"power_mw", "power", "mW", "average power = energy / time", true, 1});
  c.tops_w = r.add_column({"tops_per_w", "TOPS/W", "TOPS/W", "2 x MACs / energy (dense MACs of the workload)", true,
                           2});
  c.tops_mm2 = r.add_column({"tops_per_mm2", "TOPS/mm2", "TOPS/mm^2", "2 x MACs / time / area", false, 3});
  c.pj_per_mac = r.add_column({"energy_per_mac_pj", "pJ/MAC", "pJ", "energy / dense MACs of the workload (all "
                               "components)", true, 3});
  for (const char* g : kEnergyGroups)
    c.energy_parts.push_back({g, r.add_column({std::string("energy_") + g + "_uj", "", "uJ",
                                               std::string("energy breakdown: ") + g, false, 4})});
  for (const char* g : kAreaGroups)
    c.area_parts.push_back({g, r.add_column({std::string("area_") + g + "_mm2", "", "mm^2",
                                             std::string("area breakdown: ") + g, false, 4})});
  return c;
}

void fill_accuracy(std::vector<Value>& row, const Cols& k, const model::ErrorSummary& e) {
  row[k.sqnr] = e.metrics.sqnr_db;
  row[k.max_abs] = e.metrics.max_abs_error;
  row[k.mean_abs] = e.metrics.mean_abs_error;
  row[k.max_rel] = e.metrics.max_rel_error;
  row[k.mean_rel] = e.mean_rel_error;
  row[k.cosine] = e.cosine_similarity;
}

// Operand values of an array op: from its .npy file (shape checked) or its seeded generator.
std::vector<float> operand_values(const trace::TensorSpec& t, const cfg::Config& c, size_t op_index, uint64_t stream,
                                  int64_t rows, int64_t cols, const char* what) {
  if (!t.file.empty()) {
    io::NpyArray a = io::read_npy_f32(t.file);
    std::vector<size_t> want = {static_cast<size_t>(rows), static_cast<size_t>(cols)};
    if (a.shape != want)
      throw_input_error(t.where, t.file + " has shape " + io::shape_str(a.shape) + ", expected " +
                                     io::shape_str(want) + " (" + what + ")");
    return a.data;
  }
  model::TensorGenSpec g = t.gen;
  if (!t.seed_given) g.seed = c.run.seed * 1000003ull + op_index;  // distinct, reproducible per op
  return model::generate_tensor(g, stream, static_cast<size_t>(rows * cols));
}

double exact_activation(model::Activation a, double x) {
  switch (a) {
    case model::Activation::kTanh: return std::tanh(x);
    case model::Activation::kSigmoid: return 1.0 / (1.0 + std::exp(-x));
    case model::Activation::kSwish: return x / (1.0 + std::exp(-x));
    case model::Activation::kGelu: return 0.5 * x * (1.0 + std::erf(x / std::sqrt(2.0)));
  }
  return 0;
}

// An activation op streams its inputs through the SFU lanes behind the SFU pipeline (models/sfu/sfu.h) with
// the configured implementation (rtl: the verilated K-TanH; cycles are then measured on the RTL). Its inputs
// are seeded N(0, 2^2) values (run.seed and the op index), which exercise K-TanH's whole active range
// |x| in [0.25, 3.75]. It moves no extra SRAM/DRAM traffic in this model (it consumes the array's output).
std::vector<Value> activation_row(const report::Report& r, const Cols& k, const cfg::Config& c, const trace::Op& op,
                                  size_t op_index, const std::vector<float>& upstream, uint64_t& cycles_out,
                                  std::vector<float>& values_out) {
  std::vector<Value> row(r.columns.size());
  std::vector<float> x(static_cast<size_t>(op.elements));
  if (!upstream.empty()) {
    // The previous op's computed outputs feed the SFU (cycled if the activation is larger than one instance).
    for (size_t i = 0; i < x.size(); ++i) x[i] = upstream[i % upstream.size()];
  } else {
    std::mt19937_64 rng(c.run.seed * 0x9E3779B97F4A7C15ull + op_index);
    std::normal_distribution<float> dist(0.0f, 2.0f);
    for (auto& v : x) v = dist(rng);
  }
  model::SfuResult res = model::sfu_apply(c.sfu, op.activation, x);
  std::vector<double> ref(x.size());
  values_out.resize(x.size());
  for (size_t i = 0; i < x.size(); ++i) {
    // Reference: the exact function of the SFU's BF16 input (input rounding is part of the interface).
    ref[i] = exact_activation(op.activation, model::bf16_to_float(model::bf16_from_float(x[i])));
    values_out[i] = model::bf16_to_float(res.out_bf16[i]);
  }
  model::ErrorSummary e = model::error_summary(ref.data(), values_out.data(), x.size());
  fill_accuracy(row, k, e);
  row[k.outputs] = i64(x.size());
  uint64_t cyc = res.cycles;
  cycles_out = cyc;
  row[k.layer] = op.name;
  row[k.type] = std::string(model::to_string(op.activation));
  row[k.shape] = std::string(model::to_string(op.activation)) + " " + std::to_string(op.elements);
  row[k.repeat] = i64(1);
  row[k.compute] = i64(cyc);
  row[k.stall] = i64(0);
  row[k.total] = i64(cyc);
  row[k.time] = cyc / c.array.clock_mhz;
  row[k.macs] = i64(0);
  row[k.sfu_ops] = i64(op.elements);
  return row;
}

// TOTAL accuracy: worst layer for SQNR and cosine, max of maxima, output-weighted means, sums of counts.
void accuracy_totals(report::Report& r, const Cols& k) {
  auto num = [](const Value& v) { return std::holds_alternative<double>(v) ? std::get<double>(v) : 0.0; };
  auto cnt = [](const Value& v) { return std::holds_alternative<int64_t>(v) ? std::get<int64_t>(v) : 0; };
  bool any = false;
  double sqnr = INFINITY, sqnr_i = INFINITY, cos = 1, max_abs = 0, max_rel = 0, w_abs = 0, w_rel = 0;
  int64_t outputs = 0, gemm_outputs = 0, bit_id = 0, sat = 0, unf = 0, ovf = 0, spills = 0;
  for (const auto& row : r.rows) {
    if (std::holds_alternative<std::monostate>(row[k.sqnr])) continue;
    any = true;
    sqnr = std::min(sqnr, num(row[k.sqnr]));
    cos = std::min(cos, num(row[k.cosine]));
    max_abs = std::max(max_abs, num(row[k.max_abs]));
    max_rel = std::max(max_rel, num(row[k.max_rel]));
    int64_t n = cnt(row[k.outputs]);
    outputs += n;
    w_abs += num(row[k.mean_abs]) * n;
    w_rel += num(row[k.mean_rel]) * n;
    if (!std::holds_alternative<std::monostate>(row[k.sqnr_ideal])) {
      sqnr_i = std::min(sqnr_i, num(row[k.sqnr_ideal]));
      gemm_outputs += n;
      bit_id += cnt(row[k.bit_id]);
    }
    sat += cnt(row[k.sat]), unf += cnt(row[k.unf]), ovf += cnt(row[k.acc_ovf]), spills += cnt(row[k.spills]);
  }
  if (!any) {
    // Timing-only run: keep the accuracy columns off the terminal table.
    r.columns[k.sqnr].terminal = r.columns[k.bit_id_pct].terminal = false;
    return;
  }
  std::vector<Value>& t = r.total;
  t[k.sqnr] = sqnr, t[k.cosine] = cos, t[k.max_abs] = max_abs, t[k.max_rel] = max_rel;
  t[k.mean_abs] = outputs ? w_abs / outputs : 0.0;
  t[k.mean_rel] = outputs ? w_rel / outputs : 0.0;
  t[k.outputs] = outputs;
  if (gemm_outputs) {
    t[k.sqnr_ideal] = sqnr_i;
    t[k.bit_id] = bit_id;
    t[k.bit_id_pct] = 100.0 * bit_id / gemm_outputs;
  }
  t[k.sat] = sat, t[k.unf] = unf, t[k.acc_ovf] = ovf, t[k.spills] = spills;
}


// Prices one layer's (or the run's) activity into the cost columns. `macs` are the workload's dense MACs.
void fill_cost(std::vector<Value>& row, const Cols& k, const cost::CostModel& m, const cost::Activity& act,
               uint64_t macs) {
  const cost::Breakdown e = m.energy_pj(act);
  const double pj = e.total(), us = m.time_us(act), mm2 = m.area_mm2();
  row[k.area] = mm2;
  row[k.energy] = pj * 1e-6;
  row[k.power] = m.average_power_mw(act);
  if (macs > 0) {  // activation-only rows have no MACs: their efficiency columns stay empty
    row[k.tops_w] = pj > 0 ? 2.0 * static_cast<double>(macs) / pj : 0.0;  // (2 MACs/pJ) = TOPS/W
    row[k.tops_mm2] = us > 0 ? 2.0 * static_cast<double>(macs) / (us * 1e6) / mm2 : 0.0;
    row[k.pj_per_mac] = pj / static_cast<double>(macs);
  }
  std::map<std::string, double> groups;
  for (const auto& [name, v] : e.parts) groups[energy_group(name)] += v;
  for (const auto& [g, col] : k.energy_parts) row[col] = groups[g] * 1e-6;
  std::map<std::string, double> area;
  for (const auto& [name, v] : m.area_um2().parts) area[area_group(name)] += v;
  for (const auto& [g, col] : k.area_parts) row[col] = area[g] * 1e-6;
}

// The activity of `rep` back-to-back instances of a layer.
cost::Activity times(cost::Activity a, uint64_t rep) {
  auto mul = [rep](uint64_t& v) { v *= rep; };
  mul(a.macs_full), mul(a.macs_gated), mul(a.macs_skipped), mul(a.mx_blocks), mul(a.int32_spills);
  for (int o = 0; o < 3; ++o) mul(a.sram_read_bits[o]), mul(a.sram_write_bits[o]);
  mul(a.dram_read_bits), mul(a.dram_write_bits), mul(a.sfu_ops), mul(a.metadata_sram_bits);
  mul(a.metadata_dram_bits), mul(a.cycles);
  return a;
}

// Zero handling needs the operand values: every array op must compute them.
void check_sparsity_inputs(const cfg::Config& c, const trace::Trace& t) {
  if (c.sparsity.scheme == model::SparsityScheme::kNone || c.workload.synthetic != "off") return;
  for (const auto& op : t.ops) {
    if (op.on_array() && !op.has_tensors())
      throw_input_error(c.loc("accelerator.sparsity.scheme"),
                        std::string(model::to_string(c.sparsity.scheme)) + " measures the zeros of the operand "
                        "values, but op '" + op.name + "' (" + t.file + ") has no tensors: give it a:/b: tensors, "
                        "or set workload.synthetic (e.g. --set workload.synthetic=normal)");
  }
}

}  // namespace

report::Report simulate(const cfg::Config& c, const trace::Trace& t, const Progress& progress) {
  check_sparsity_inputs(c, t);
  std::vector<model::LayerShape> shapes;
  std::vector<size_t> timing_index(t.ops.size(), 0);  // op -> its entry in the array timing results
  for (size_t i = 0; i < t.ops.size(); ++i) {
    if (!t.ops[i].on_array()) continue;
    timing_index[i] = shapes.size();
    shapes.push_back(t.ops[i].shape);
  }
  model::sfu_prepare(c.sfu);  // the RTL bench must be elaborated before the array model's first sc_start
  std::vector<model::LayerTiming> timing = model::run_timing(c.array, c.memory, shapes, progress);

  report::Report r;
  r.meta = {{"lpsim_version", LPSIM_VERSION},
            {"config_file", c.source_file},
            {"trace_file", t.file},
            {"trace_name", t.name},
            {"trace_format", t.format}};
  r.config_yaml = cfg::dump_config(c);
  Cols k = add_columns(r);
  const bool sparse = c.sparsity.scheme != model::SparsityScheme::kNone;
  for (size_t col : {k.dens_a, k.dens_b, k.macs_skipped, k.speedup}) r.columns[col].terminal = sparse;
  const cost::ArchDesc arch = cfg::arch_desc(c);
  const cost::CostModel cost_model(c.cost.tech, arch);
  const double pes = static_cast<double>(c.array.rows * c.array.cols);
  // Words are packed: n words of b bits occupy ceil(n * b / 8) bytes.
  auto bytes = [&](uint64_t words, int op) { return (words * c.memory.word_bits[op] + 7) / 8; };

  uint64_t sum_compute = 0, sum_stall = 0, sum_total = 0, sum_macs = 0, sum_folds = 0, sum_dense_total = 0;
  uint64_t sum_issued = 0, sum_skipped = 0, sum_gated = 0, sum_meta_sram = 0, sum_meta_dram = 0;
  double nz_a = 0, el_a = 0, nz_b = 0, el_b = 0;  // element-weighted densities
  double sum_util_w = 0, sum_meff_w = 0, peak = 0;
  uint64_t sum_sram[3] = {0, 0, 0}, sum_dram[3] = {0, 0, 0};
  cost::Activity run_activity;
  std::vector<float> values;  // outputs of the previous op when it computed values (feeds activations)
  for (size_t i = 0; i < t.ops.size(); ++i) {
    const trace::Op& op = t.ops[i];
    if (!op.on_array()) {
      uint64_t cyc = 0;
      std::vector<float> out;
      r.rows.push_back(activation_row(r, k, c, op, i, values, cyc, out));
      values = std::move(out);
      cost::Activity act;
      act.sfu_ops = static_cast<uint64_t>(op.elements);
      act.cycles = cyc;
      fill_cost(r.rows.back(), k, cost_model, act, 0);
      run_activity += act;
      sum_compute += cyc, sum_total += cyc, sum_dense_total += cyc;
      continue;
    }
    const model::LayerTiming& lt = timing[timing_index[i]];
    // Repeated instances run one after the other, each as SCALE-Sim runs a layer (fresh memory state).
    const uint64_t rep = static_cast<uint64_t>(op.repeat);
    std::vector<Value> row(r.columns.size());
    row[k.layer] = op.name;
    row[k.type] = std::string(trace::to_string(op.type));
    std::string shape = std::to_string(op.shape.M()) + "x" + std::to_string(op.shape.N()) + "x" +
                        std::to_string(op.shape.K());
    if (rep > 1) shape += " x" + std::to_string(rep);
    row[k.shape] = shape;
    row[k.repeat] = i64(rep);
    row[k.m] = i64(op.shape.M());
    row[k.n] = i64(op.shape.N());
    row[k.k] = i64(op.shape.K());
    row[k.sfu_ops] = i64(0);
    values.clear();
    trace::TensorSpec ta = op.a, tb = op.b;
    if (!op.has_tensors() && c.workload.synthetic != "off") {
      ta.present = tb.present = true;
      ta.gen.dist = tb.gen.dist = *model::parse_distribution(c.workload.synthetic);
      ta.gen.scale = tb.gen.scale = c.workload.synthetic_scale;
    }
    // N:M hardware runs an op whose trace says `prune: none` (e.g. activation x activation attention GEMMs) dense.
    model::SparsityParams op_sparsity = c.sparsity;
    if (op_sparsity.scheme == model::SparsityScheme::kNM && op.prune.source == trace::PruneSpec::Source::kOp &&
        op.prune.method == model::PruneMethod::kNone)
      op_sparsity.scheme = model::SparsityScheme::kNone;
    std::optional<model::SparsityStats> sp;
    if (ta.present) {
      // Bit-true datapath on one instance: values depend on formats, dataflow and (ws/is) array rows only.
      const int64_t M = op.shape.M(), N = op.shape.N(), K = op.shape.K();
      std::vector<float> A = operand_values(ta, c, i, 0, M, K, "M x K activations");
      std::vector<float> B = operand_values(tb, c, i, 1, K, N, "K x N weights");
      if (op.prune.method != model::PruneMethod::kNone) model::apply_prune(op.prune, B.data(), K, N);
      if (op_sparsity.scheme == model::SparsityScheme::kNM && op_sparsity.prune_to_pattern)
        model::prune_nm(B.data(), K, N, op_sparsity.nm_n, op_sparsity.nm_m);
      // Operands as the PE sees them: zeros are counted on these (before the datapath runs, so a broken N:M
      // pattern stops the run at once), and the ideal reference is computed from them.
      const model::QuantizedOperands q = model::quantize_operands(c.pe, A.data(), B.data(), M, N, K);
      if (op_sparsity.scheme != model::SparsityScheme::kNone) {
        try {
          sp = model::analyze_sparsity(op_sparsity, c.array, c.memory, op.shape, lt, q.a.data(), q.b.data(), 0);
        } catch (const model::NmPatternError& e) {
          throw_input_error(op.prune.source != trace::PruneSpec::Source::kUnset ? op.prune.where : op.where,
                            "layer '" + op.name + "': quantized " + e.what() +
                                "; prune it (trace `prune: {nm: \"" + std::to_string(c.sparsity.nm_n) + ":" +
                                std::to_string(c.sparsity.nm_m) + "\"}`, or accelerator.sparsity.prune_to_pattern: "
                                "true, or lpsim prune --nm)");
        }
      }
      model::GemmOrder order{c.array.dataflow, c.array.rows};
      model::GemmRunOptions run_opts;
      // skip / nm: the sparse PE datapath (zero products not computed; bit-identical by construction and test).
      run_opts.skip_zero_products = op_sparsity.scheme == model::SparsityScheme::kSkip ||
                                    op_sparsity.scheme == model::SparsityScheme::kNM;
      model::GemmResult g = model::run_gemm(c.pe, order, A.data(), B.data(), M, N, K, run_opts);
      model::GemmAccuracy acc = model::gemm_accuracy(c.pe, A.data(), B.data(), M, N, K, q, g);
      fill_accuracy(row, k, acc.vs_fp64);
      row[k.sqnr_ideal] = acc.vs_ideal.metrics.sqnr_db;
      row[k.outputs] = i64(acc.outputs);
      row[k.bit_id] = i64(acc.bit_identical_to_ideal);
      row[k.bit_id_pct] = acc.outputs ? 100.0 * acc.bit_identical_to_ideal / acc.outputs : 0.0;
      row[k.sat] = i64(acc.counters.saturations());
      row[k.unf] = i64(acc.counters.underflows());
      row[k.acc_ovf] = i64(acc.counters.acc_overflows);
      row[k.spills] = i64(acc.counters.spills);
      values = std::move(g.c);
    }
    // Cycles and traffic of the run: the sparse figures when a scheme is on, else the dense timing.
    const uint64_t compute = (sp ? sp->compute_cycles : lt.compute_cycles) * rep;
    const uint64_t stall = (sp ? sp->stall_cycles : lt.stall_cycles) * rep;
    const uint64_t total = (sp ? sp->total_cycles : lt.total_cycles) * rep;
    const uint64_t macs = lt.macs * rep;
    row[k.folds] = i64(sp ? sp->folds : lt.folds);
    row[k.compute] = i64(compute);
    row[k.stall] = i64(stall);
    row[k.total] = i64(total);
    row[k.time] = total / c.array.clock_mhz;
    row[k.cutil] = 100.0 * lt.compute_util;
    row[k.meff] = 100.0 * lt.mapping_eff;
    row[k.outil] = total ? 100.0 * macs / (pes * total) : 0.0;
    row[k.macs] = i64(macs);
    row[k.dense_total] = i64(lt.total_cycles * rep);
    row[k.speedup] = total ? static_cast<double>(lt.total_cycles * rep) / total : 1.0;
    cost::Activity act = cost::layer_activity(arch, op.shape, lt);  // dense counts of one instance
    act.cycles = sp ? sp->total_cycles : lt.total_cycles;
    uint64_t meta_sram_bits = 0, meta_dram_bits = 0;
    if (sp) {
      row[k.dens_a] = 100.0 * sp->density_a;
      row[k.dens_b] = 100.0 * sp->density_b;
      nz_a += sp->operand[0].nonzeros * static_cast<double>(rep), el_a += sp->operand[0].elements * double(rep);
      nz_b += sp->operand[1].nonzeros * static_cast<double>(rep), el_b += sp->operand[1].elements * double(rep);
      row[k.macs_issued] = i64(sp->macs_issued * rep);
      row[k.macs_skipped] = i64(sp->macs_skipped * rep);
      row[k.macs_gated] = i64(sp->macs_gated * rep);
      sum_issued += sp->macs_issued * rep, sum_skipped += sp->macs_skipped * rep, sum_gated += sp->macs_gated * rep;
      act.macs_full = sp->macs_issued - sp->macs_gated;
      act.macs_gated = sp->macs_gated;
      act.macs_skipped = sp->macs_skipped;
      for (int o = 0; o < 2; ++o) {
        const model::SparsityOperandStats& os = sp->operand[o];
        if (!os.compressed) continue;
        const uint64_t wb = static_cast<uint64_t>(c.memory.word_bits[o]);
        act.sram_read_bits[o] = os.sram_read_words * wb - os.sram_meta_bits;
        act.dram_read_bits = act.dram_read_bits - lt.traffic[o].dram_reads * wb + os.dram_read_bytes * 8 -
                             os.dram_meta_bits;
        meta_sram_bits += os.sram_meta_bits, meta_dram_bits += os.dram_meta_bits;
      }
      act.metadata_sram_bits = meta_sram_bits;
      act.metadata_dram_bits = meta_dram_bits;
      row[k.meta_sram] = i64((meta_sram_bits * rep + 7) / 8);
      row[k.meta_dram] = i64((meta_dram_bits * rep + 7) / 8);
      sum_meta_sram += meta_sram_bits * rep, sum_meta_dram += meta_dram_bits * rep;
    }
    act = times(act, rep);
    fill_cost(row, k, cost_model, act, macs);
    run_activity += act;
    uint64_t rd = 0, wr = 0;
    double layer_peak = 0;
    for (int o = 0; o < 3; ++o) {
      uint64_t words = (o == model::kOfmap ? lt.traffic[o].sram_writes : lt.traffic[o].sram_reads) * rep;
      uint64_t dram = bytes((o == model::kOfmap ? lt.traffic[o].dram_writes : lt.traffic[o].dram_reads) * rep, o);
      if (sp && o != model::kOfmap && sp->operand[o].compressed) {  // compressed values + metadata
        words = sp->operand[o].sram_read_words * rep;
        dram = sp->operand[o].dram_read_bytes * rep;
      }
      row[k.sram_words[o]] = i64(words);
      row[k.sram_bytes[o]] = i64(bytes(words, o));
      row[k.dram_bytes[o]] = i64(dram);
      (o == model::kOfmap ? wr : rd) += dram;
      sum_sram[o] += words;
      sum_dram[o] += dram;
      layer_peak += lt.dram_peak_words_per_cycle[o] * c.memory.word_bits[o] / 8.0;
    }
    row[k.dram_rd] = i64(rd);
    row[k.dram_wr] = i64(wr);
    row[k.bw_avg] = total ? static_cast<double>(rd + wr) / total : 0.0;
    row[k.bw_peak] = layer_peak;
    r.rows.push_back(row);
    sum_compute += compute, sum_stall += stall, sum_total += total, sum_macs += macs;
    sum_dense_total += lt.total_cycles * rep;
    sum_folds += static_cast<uint64_t>(sp ? sp->folds : lt.folds) * rep;
    sum_util_w += lt.compute_util * compute;
    sum_meff_w += lt.mapping_eff * compute;
    peak = std::max(peak, layer_peak);
  }
  std::vector<Value>& tot = r.total;
  tot[k.layer] = std::string("TOTAL");
  tot[k.shape] = std::to_string(t.ops.size()) + " ops";
  tot[k.folds] = i64(sum_folds);
  tot[k.compute] = i64(sum_compute);
  tot[k.stall] = i64(sum_stall);
  tot[k.total] = i64(sum_total);
  tot[k.time] = sum_total / c.array.clock_mhz;
  // Network-level utilisations are compute-cycle-weighted means of the per-layer figures.
  tot[k.cutil] = sum_compute ? 100.0 * sum_util_w / sum_compute : 0.0;
  tot[k.meff] = sum_compute ? 100.0 * sum_meff_w / sum_compute : 0.0;
  tot[k.outil] = sum_total ? 100.0 * sum_macs / (pes * sum_total) : 0.0;
  tot[k.macs] = i64(sum_macs);
  tot[k.dense_total] = i64(sum_dense_total);
  tot[k.speedup] = sum_total ? static_cast<double>(sum_dense_total) / sum_total : 1.0;
  if (sparse) {
    tot[k.dens_a] = el_a > 0 ? 100.0 * nz_a / el_a : 100.0;
    tot[k.dens_b] = el_b > 0 ? 100.0 * nz_b / el_b : 100.0;
    tot[k.macs_issued] = i64(sum_issued);
    tot[k.macs_skipped] = i64(sum_skipped);
    tot[k.macs_gated] = i64(sum_gated);
    tot[k.meta_sram] = i64((sum_meta_sram + 7) / 8);
    tot[k.meta_dram] = i64((sum_meta_dram + 7) / 8);
  }
  fill_cost(tot, k, cost_model, run_activity, sum_macs);
  accuracy_totals(r, k);
  uint64_t sfu_ops = 0;
  for (const auto& op : t.ops) sfu_ops += static_cast<uint64_t>(op.elements);
  tot[k.sfu_ops] = i64(sfu_ops);
  for (int o = 0; o < 3; ++o) {
    tot[k.sram_words[o]] = i64(sum_sram[o]);
    tot[k.sram_bytes[o]] = i64(bytes(sum_sram[o], o));
    tot[k.dram_bytes[o]] = i64(sum_dram[o]);
  }
  tot[k.dram_rd] = i64(sum_dram[0] + sum_dram[1]);
  tot[k.dram_wr] = i64(sum_dram[2]);
  tot[k.bw_avg] = sum_total ? static_cast<double>(sum_dram[0] + sum_dram[1] + sum_dram[2]) / sum_total : 0.0;
  tot[k.bw_peak] = peak;
  return r;
}

}  // namespace lpsim::driver
