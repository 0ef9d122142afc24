#include "driver/columns.h"

#include <cmath>
#include <map>
#include <set>

#include "array/timing.h"

namespace lpsim::driver {

using report::Value;

namespace {

// Report groups of the cost model's energy and area parts (models/cost: "pe.multipliers", "sram.filter.read", ...).
const char* kEnergyGroups[] = {"mac", "registers", "clock", "scratchpad", "gated", "sram_ifmap", "sram_filter",
                               "sram_ofmap", "metadata", "dram", "sfu", "vector", "leakage"};
const char* kAreaGroups[] = {"pe_array", "sram_ifmap", "sram_filter", "sram_ofmap", "sfu", "vector"};


std::string energy_group(const std::string& part) {
  if (part == "pe.registers") return "registers";
  if (part == "pe.clock") return "clock";
  if (part == "pe.scratchpad") return "scratchpad";
  if (part == "pe.gated_macs") return "gated";
  if (part.rfind("pe.", 0) == 0) return "mac";  // multipliers, adders, MX block logic, INT32 spills
  if (part == "sram.metadata" || part == "dram.metadata") return "metadata";
  if (part.rfind("sram.", 0) == 0) return "sram_" + part.substr(5, part.find('.', 5) - 5);
  if (part.rfind("dram", 0) == 0) return "dram";
  return part;  // sfu, vector, leakage
}

std::string area_group(const std::string& part) {
  if (part.rfind("pe_array", 0) == 0) return "pe_array";
  if (part.rfind("sram.", 0) == 0) return "sram_" + part.substr(5);
  return part.substr(0, part.find('.'));  // sfu, vector (with their placement whitespace)
}

}  // namespace

Cols add_columns(report::Report& r) {
  Cols c{};
  c.layer = r.add_column({"layer", "layer", "", "op name from the trace or model", true, 0});
  c.type = r.add_column({"type", "type", "", "op type (conv2d, gemm, matmul, tanh, gelu, relu, add, softmax, ...)",
                         false, 0});
  c.shape = r.add_column({"gemm_shape", "M x N x K", "", "GEMM view: M output pixels/rows, N filters/cols, K "
                                                        "reduction (x repeat); other ops: output shape or size",
                          true, 0});
  c.repeat = r.add_column({"repeat", "repeat", "count", "independent instances of the op (heads, conv groups)",
                           false, 0});
  c.m = r.add_column({"m", "M", "count", "GEMM M (output pixels or rows)", false, 0});
  c.n = r.add_column({"n", "N", "count", "GEMM N (filters or columns)", false, 0});
  c.k = r.add_column({"k", "K", "count", "GEMM K (reduction length)", false, 0});
  c.folds = r.add_column({"folds", "folds", "count", "array folds (row folds x column folds) per instance", true, 0});
  c.compute = r.add_column({"compute_cycles", "compute", "cycles",
                            "cycles with no memory stall: folds x per-fold cycles - 1 per instance (SCALE-Sim v2)",
                            true, 0});
  c.stall = r.add_column({"stall_cycles", "stall", "cycles", "cycles the array waited for memory: DRAM transfers not hidden behind compute (reuse), SRAM "
                          "prefetch or OFMAP drain (scalesim)",
                          true, 0});
  c.total = r.add_column({"total_cycles", "total", "cycles", "compute + stall cycles (+ an array op's vector "
                          "epilogue)", true, 0});
  c.time = r.add_column({"time_us", "time", "us", "total cycles at the configured clock", true, 2});
  c.cutil = r.add_column({"compute_util_pct", "util", "%",
                          "busy PE-cycles / (PEs x compute cycles), SCALE-Sim's Compute Util", true, 1});
  c.meff = r.add_column({"mapping_eff_pct", "map eff", "%", "used PEs / PEs averaged over folds", true, 1});
  c.outil = r.add_column({"overall_util_pct", "overall util", "%", "MACs / (PEs x dot_width x (total cycles + 1 per "
                          "instance)): cycles the array is occupied, so never above 100 %", false, 1});
  c.macs = r.add_column({"macs", "MACs", "MAC", "multiply-accumulates", true, 0});
  c.sfu_ops = r.add_column({"sfu_ops", "SFU ops", "count", "activation evaluations on the K-TanH SFU", false, 0});
  c.vec_ops = r.add_column({"vector_ops", "vector ops", "count", "operations on the vector unit (the op itself, or "
                            "an array op's bias/alpha/beta epilogue)", false, 0});
  c.vec_cycles = r.add_column({"vector_cycles", "vector", "cycles", "vector-unit cycles: a vector op's compute "
                               "cycles, or an array op's epilogue (bias, alpha/beta) added to its total", false, 0});
  c.unit = r.add_column({"unit", "unit", "", "where the op runs: array, sfu, vector (unit), view (no work)", false, 0});
  c.formats = r.add_column({"pe_formats", "formats", "", "array ops: activations x weights (per-tensor scale rule "
                            "of int8/int16 and 8-bit-or-narrower floats) -> accumulator -> output formats (differ per op "
                            "with workload.overrides)", false, 0});

  // Accuracy (ops with values): against the exact reference = FP64 GEMM of the unquantized inputs, or the
  // activation in double precision (libm); and against the ideal quantize-then-FP32 emulation.
  c.sqnr = r.add_column({"sqnr_db", "SQNR", "dB", "signal-to-quantization-noise ratio of the op's output vs the "
                         "FP64 reference run (models: errors of earlier ops compound; TOTAL: the worst layer)", true, 1});
  c.sqnr_local = r.add_column({"sqnr_local_db", "local", "dB", "SQNR of the op fed the reference inputs: the error "
                               "this op adds (TOTAL: the worst layer)", false, 1});
  c.scope = r.add_column({"accuracy_scope", "scope", "", "TOTAL: which ops the accuracy columns aggregate: gemm (array "
                          "ops only), sfu (activations only), all (several kinds, e.g. a model); empty when no op "
                          "computed values (timing only)", false, 0});
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
    c.sram_bytes[op] = r.add_column({base + "_bytes", "", "B",
                                     "the same in bytes (words x bits per element / 8, rounded up)", false, 0});
  }
  for (int op = 0; op < 3; ++op) {
    std::string name = model::operand_name(op);
    c.dram_bytes[op] = r.add_column({"dram_" + name + "_" + what[op] + "_bytes", "", "B",
                                     std::string("DRAM ") + what[op] + " of the " + name +
                                         (op == model::kOfmap ? " operand (reuse: outputs once plus partial sums spilled at the "
                                                                "accumulator's width; scalesim: whole drain lines, as "
                                                                "SCALE-Sim counts)"
                                                              : " operand (reuse: each tile fetch of the chosen "
                                                                "tiling; scalesim: whole prefetch lines incl. "
                                                                "re-fetches, as SCALE-Sim counts)"),
                                     false, 0});
  }
  c.dram_rd = r.add_column({"dram_read_bytes", "DRAM rd", "B", "DRAM reads, all operands (reuse model: partial sums read back included)", true, 0});
  c.dram_wr = r.add_column({"dram_write_bytes", "DRAM wr", "B", "DRAM writes, all operands", true, 0});
  c.kept = r.add_column({"dram_kept_bytes", "kept", "B", "reuse model: DRAM bytes not moved because an activation "
                         "stayed on chip (accelerator.memory.keep_activations): the producer's output write and the "
                         "consumer's input read", false, 0});
  c.mem_model = r.add_column({"memory_model", "memory", "", "accelerator.memory.model the op was timed with: reuse "
                              "(lpsim's tiling search, one shared DRAM channel) or scalesim (SCALE-Sim v2)", false, 0});
  c.tiling = r.add_column({"tiling", "tiling", "", "reuse model: the chosen loop order over M, N, K tiles (outer to "
                           "inner, e.g. order=nkm) and the tile size M x N x K in elements; keep= names the operands (A, B, C) held "
                           "whole on chip (fetched once); scalesim: SCALE-Sim's fold order", false, 0});
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


void fill_accuracy(std::vector<Value>& row, const Cols& k, const exec::NodeStats& s) {
  if (!s.computed) return;
  const model::ErrorSummary e = model::summarize(s.vs_ref);
  row[k.sqnr] = e.metrics.sqnr_db;
  row[k.max_abs] = e.metrics.max_abs_error;
  row[k.mean_abs] = e.metrics.mean_abs_error;
  row[k.max_rel] = e.metrics.max_rel_error;
  row[k.mean_rel] = e.mean_rel_error;
  row[k.cosine] = e.cosine_similarity;
  row[k.outputs] = i64(s.outputs);
  if (!s.local.empty()) row[k.sqnr_local] = s.local.metrics().sqnr_db;
  if (s.gemm_outputs) {
    row[k.sqnr_ideal] = s.vs_ideal.metrics().sqnr_db;
    row[k.bit_id] = i64(s.bit_identical);
    row[k.bit_id_pct] = 100.0 * static_cast<double>(s.bit_identical) / static_cast<double>(s.gemm_outputs);
    row[k.sat] = i64(s.counters.saturations());
    row[k.unf] = i64(s.counters.underflows());
    row[k.acc_ovf] = i64(s.counters.acc_overflows);
    row[k.spills] = i64(s.counters.spills);
  }
}

// TOTAL accuracy: worst layer for SQNR and cosine, max of maxima, output-weighted means, sums of counts.
void accuracy_totals(report::Report& r, const Cols& k) {
  auto num = [](const Value& v) { return std::holds_alternative<double>(v) ? std::get<double>(v) : 0.0; };
  auto cnt = [](const Value& v) { return std::holds_alternative<int64_t>(v) ? std::get<int64_t>(v) : 0; };
  bool any = false;
  double sqnr = INFINITY, sqnr_l = INFINITY, sqnr_i = INFINITY, cos = 1, max_abs = 0, max_rel = 0, w_abs = 0,
         w_rel = 0;
  int64_t outputs = 0, gemm_outputs = 0, bit_id = 0, sat = 0, unf = 0, ovf = 0, spills = 0;
  std::set<std::string> units;
  for (const auto& row : r.rows) {
    if (std::holds_alternative<std::monostate>(row[k.sqnr])) continue;
    any = true;
    units.insert(std::get<std::string>(row[k.unit]));
    sqnr = std::min(sqnr, num(row[k.sqnr]));
    sqnr_l = std::min(sqnr_l, num(row[k.sqnr_local]));
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
  t[k.scope] = std::string(units.size() > 1 ? "all" : *units.begin() == "array" ? "gemm" : *units.begin());
  t[k.sqnr] = sqnr, t[k.sqnr_local] = sqnr_l, t[k.cosine] = cos, t[k.max_abs] = max_abs, t[k.max_rel] = max_rel;
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


void fill_cost(std::vector<Value>& row, const Cols& k, const cost::Breakdown& e, double time_us,
               const cost::CostModel& area_model, uint64_t macs) {
  const double pj = e.total(), mm2 = area_model.area_mm2();
  row[k.area] = mm2;
  row[k.energy] = pj * 1e-6;
  row[k.power] = time_us > 0 ? pj * 1e-3 / time_us : 0.0;  // pJ / us = uW
  if (macs > 0) {  // rows without MACs (activations, vector ops) leave their efficiency columns empty
    row[k.tops_w] = pj > 0 ? 2.0 * static_cast<double>(macs) / pj : 0.0;  // (2 MACs/pJ) = TOPS/W
    row[k.tops_mm2] = time_us > 0 ? 2.0 * static_cast<double>(macs) / (time_us * 1e6) / mm2 : 0.0;
    row[k.pj_per_mac] = pj / static_cast<double>(macs);
  }
  std::map<std::string, double> groups;
  for (const auto& [name, v] : e.parts) groups[energy_group(name)] += v;
  for (const auto& [g, col] : k.energy_parts) row[col] = groups[g] * 1e-6;
  std::map<std::string, double> area;
  for (const auto& [name, v] : area_model.area_um2().parts) area[area_group(name)] += v;
  for (const auto& [g, col] : k.area_parts) row[col] = area[g] * 1e-6;
}

}  // namespace lpsim::driver
