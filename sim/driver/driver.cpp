#include "driver/driver.h"

#include <algorithm>

#include "array/array_sc.h"
#include "version.h"

namespace lpsim::driver {

namespace {

using report::Column;
using report::Value;

Value i64(uint64_t v) { return Value(static_cast<int64_t>(v)); }

struct Cols {
  size_t layer, type, shape, repeat, m, n, k, folds, compute, stall, total, time, cutil, meff, outil, macs;
  size_t sram_words[3], sram_bytes[3], dram_bytes[3], dram_rd, dram_wr, bw_avg, bw_peak;
};

Cols add_columns(report::Report& r) {
  Cols c{};
  c.layer = r.add_column({"layer", "layer", "", "op name from the trace", true, 0});
  c.type = r.add_column({"type", "type", "", "op type (gemm, conv2d)", false, 0});
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

}  // namespace

report::Report simulate(const cfg::Config& c, const trace::Trace& t, const Progress& progress) {
  std::vector<model::LayerShape> shapes;
  for (const auto& op : t.ops) shapes.push_back(op.shape);
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
    const model::LayerTiming& lt = timing[i];
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
