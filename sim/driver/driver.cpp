#include "driver/driver.h"

#include <algorithm>
#include <cmath>
#include <random>

#include "array/array_sc.h"
#include "version.h"

namespace lpsim::driver {

namespace {

using report::Column;
using report::Value;

Value i64(uint64_t v) { return Value(static_cast<int64_t>(v)); }

struct Cols {
  size_t layer, type, shape, repeat, m, n, k, folds, compute, stall, total, time, cutil, meff, outil, macs;
  size_t sram_words[3], sram_bytes[3], dram_bytes[3], dram_rd, dram_wr, bw_avg, bw_peak, sfu_ops, sfu_max_err, sfu_mean_err;
};

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
  c.sfu_max_err = r.add_column({"sfu_max_abs_err", "SFU max err", "", "activation ops: max |SFU output - exact "
                                "function in double| over the op's inputs", false, 5});
  c.sfu_mean_err = r.add_column({"sfu_mean_abs_err", "SFU mean err", "", "activation ops: mean of the same", false, 6});
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
                                         " operand (SCALE-Sim counting: prefetch lines incl. re-fetches)",
                                     false, 0});
  }
  c.dram_rd = r.add_column({"dram_read_bytes", "DRAM rd", "B", "DRAM reads, all operands", true, 0});
  c.dram_wr = r.add_column({"dram_write_bytes", "DRAM wr", "B", "DRAM writes, all operands", true, 0});
  c.bw_avg = r.add_column({"dram_avg_bw_bytes_per_cycle", "DRAM avg", "B/cycle",
                           "DRAM bytes / total cycles", true, 2});
  c.bw_peak = r.add_column({"dram_peak_bw_bytes_per_cycle", "DRAM peak", "B/cycle",
                            "highest DRAM rate of any prefetch/drain burst, summed over operands", false, 2});
  return c;
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
                                  size_t op_index, uint64_t& cycles_out) {
  std::vector<Value> row(r.columns.size());
  std::mt19937_64 rng(c.run.seed * 0x9E3779B97F4A7C15ull + op_index);
  std::normal_distribution<float> dist(0.0f, 2.0f);
  std::vector<float> x(static_cast<size_t>(op.elements));
  for (auto& v : x) v = dist(rng);
  model::SfuResult res = model::sfu_apply(c.sfu, op.activation, x);
  double max_err = 0, sum_err = 0;
  for (size_t i = 0; i < x.size(); ++i) {
    double in = model::bf16_to_float(model::bf16_from_float(x[i]));
    double err = std::fabs(model::bf16_to_float(res.out_bf16[i]) - exact_activation(op.activation, in));
    max_err = std::max(max_err, err);
    sum_err += err;
  }
  uint64_t cyc = res.cycles;
  cycles_out = cyc;
  row[k.sfu_max_err] = max_err;
  row[k.sfu_mean_err] = x.empty() ? 0.0 : sum_err / x.size();
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

}  // namespace

report::Report simulate(const cfg::Config& c, const trace::Trace& t, const Progress& progress) {
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
  const double pes = static_cast<double>(c.array.rows * c.array.cols);
  // Words are packed: n words of b bits occupy ceil(n * b / 8) bytes.
  auto bytes = [&](uint64_t words, int op) { return (words * c.memory.word_bits[op] + 7) / 8; };

  uint64_t sum_compute = 0, sum_stall = 0, sum_total = 0, sum_macs = 0, sum_folds = 0;
  double sum_util_w = 0, sum_meff_w = 0, peak = 0;
  uint64_t sum_sram[3] = {0, 0, 0}, sum_dram[3] = {0, 0, 0};
  for (size_t i = 0; i < t.ops.size(); ++i) {
    const trace::Op& op = t.ops[i];
    if (!op.on_array()) {
      uint64_t cyc = 0;
      r.rows.push_back(activation_row(r, k, c, op, i, cyc));
      sum_compute += cyc, sum_total += cyc;
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
    row[k.folds] = i64(lt.folds);
    uint64_t compute = lt.compute_cycles * rep, stall = lt.stall_cycles * rep, total = lt.total_cycles * rep;
    row[k.compute] = i64(compute);
    row[k.stall] = i64(stall);
    row[k.total] = i64(total);
    row[k.time] = total / c.array.clock_mhz;
    row[k.cutil] = 100.0 * lt.compute_util;
    row[k.meff] = 100.0 * lt.mapping_eff;
    row[k.outil] = 100.0 * lt.overall_util;
    row[k.macs] = i64(lt.macs * rep);
    row[k.sfu_ops] = i64(0);
    uint64_t rd = 0, wr = 0;
    double layer_peak = 0;
    for (int o = 0; o < 3; ++o) {
      uint64_t words = (o == model::kOfmap ? lt.traffic[o].sram_writes : lt.traffic[o].sram_reads) * rep;
      row[k.sram_words[o]] = i64(words);
      row[k.sram_bytes[o]] = i64(bytes(words, o));
      uint64_t dram = bytes((o == model::kOfmap ? lt.traffic[o].dram_writes : lt.traffic[o].dram_reads) * rep, o);
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
    sum_compute += compute, sum_stall += stall, sum_total += total, sum_macs += lt.macs * rep;
    sum_folds += lt.folds * rep;
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
