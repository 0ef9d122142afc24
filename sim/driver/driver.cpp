#include "driver/driver.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <optional>

#include "array/array_sc.h"
#include "cost/cost_model.h"
#include "driver/columns.h"
#include "driver/precheck.h"
#include "sparsity/sparsity.h"
#include "version.h"

namespace lpsim::driver {

namespace {

using graph::Node;
using report::Value;

// ---- stage 1: timing ------------------------------------------------------------------------------------------
// Array ops: the SystemC array model (SCALE-Sim-exact closed forms per fold), one dense instance each. SFU ops:
// lanes and pipeline latency. Vector work (vector ops and array-op epilogues): the vector unit's formula.
// Everything here is per batch; the values stage decides how many batches run.
struct OpTiming {
  model::LayerTiming lt;       // array ops, one instance
  uint64_t sfu_cycles = 0;     // SFU ops
  uint64_t vector_ops = 0;     // vector unit work of the op
  uint64_t vector_cycles = 0;
};

std::vector<OpTiming> timing_stage(const cfg::Config& c, const graph::Graph& g, const Progress& progress) {
  std::vector<OpTiming> t(g.ops.size());
  std::vector<model::LayerShape> shapes;
  std::vector<size_t> array_ops;
  for (size_t i = 0; i < g.ops.size(); ++i) {
    const Node& n = g.ops[i];
    if (n.on_array()) shapes.push_back(n.shape), array_ops.push_back(i);
    if (n.unit() == graph::Unit::kSfu) t[i].sfu_cycles = model::sfu_cycles(c.sfu, static_cast<uint64_t>(n.elements));
    t[i].vector_ops = exec::Executor::vector_ops(g, n);
    t[i].vector_cycles = model::vector_cycles(c.vector, t[i].vector_ops);
  }
  model::sfu_prepare(c.sfu);  // the RTL bench must be elaborated before the array model's first sc_start
  std::vector<model::LayerTiming> lts = model::run_timing(c.array, c.memory, shapes, progress);
  for (size_t j = 0; j < array_ops.size(); ++j) t[array_ops[j]].lt = lts[j];
  return t;
}

// ---- stage 2b: sparsity -----------------------------------------------------------------------------------------
// Called for every GEMM instance the values stage computes: measures the zeros of the quantized operands and the
// sparse timing (models/sparsity), summed per op over instances and batches.
struct SparseSum {
  uint64_t instances = 0;
  uint64_t issued = 0, skipped = 0, gated = 0, compute = 0, stall = 0, total = 0;
  int64_t folds = 0;  // of the last instance (the same for every instance of an op)
  double nonzeros[2] = {0, 0}, elements[2] = {0, 0};
  bool compressed[2] = {false, false};
  uint64_t sram_words[2] = {0, 0}, dram_bytes[2] = {0, 0}, meta_sram_bits[2] = {0, 0}, meta_dram_bits[2] = {0, 0};
};

class SparsityStage {
 public:
  SparsityStage(const cfg::Config& c, const graph::Graph& g, const std::vector<OpTiming>& t)
      : c_(c), g_(g), t_(t), sums_(g.ops.size()) {}

  model::SparsityParams effective(const Node& n) const { return effective_sparsity(c_, g_, n); }

  bool on_gemm(const exec::GemmCall& call) {
    const Node& n = g_.ops[call.node];
    const model::SparsityParams p = effective(n);
    if (p.scheme == model::SparsityScheme::kNone) return false;
    model::SparsityStats s;
    try {
      s = model::analyze_sparsity(p, c_.array, c_.memory, n.shape, t_[call.node].lt, call.q->a.data(), call.q->b.data(), 0);
    } catch (const model::NmPatternError& e) {
      throw_input_error(n.prune.source != graph::PruneSpec::Source::kUnset ? n.prune.where : n.where,
                        "layer '" + n.name + "': quantized " + e.what() + "; prune it (trace `prune: {nm: \"" +
                            std::to_string(p.nm_n) + ":" + std::to_string(p.nm_m) + "\"}`, or accelerator.sparsity."
                            "prune_to_pattern: true, or lpsim prune --nm)");
    }
    SparseSum& u = sums_[call.node];
    ++u.instances;
    u.issued += s.macs_issued, u.skipped += s.macs_skipped, u.gated += s.macs_gated;
    u.compute += s.compute_cycles, u.stall += s.stall_cycles, u.total += s.total_cycles;
    u.folds = s.folds;
    for (int o = 0; o < 2; ++o) {
      const model::SparsityOperandStats& os = s.operand[o];
      u.nonzeros[o] += static_cast<double>(os.nonzeros), u.elements[o] += static_cast<double>(os.elements);
      u.compressed[o] = os.compressed;
      u.sram_words[o] += os.sram_read_words, u.dram_bytes[o] += os.dram_read_bytes;
      u.meta_sram_bits[o] += os.sram_meta_bits, u.meta_dram_bits[o] += os.dram_meta_bits;
    }
    return p.scheme == model::SparsityScheme::kSkip || p.scheme == model::SparsityScheme::kNM;
  }

  const SparseSum* sum(size_t i) const { return sums_[i].instances ? &sums_[i] : nullptr; }

 private:
  const cfg::Config& c_;
  const graph::Graph& g_;
  const std::vector<OpTiming>& t_;
  std::vector<SparseSum> sums_;
};

// ---- stage 3: cost ----------------------------------------------------------------------------------------------

cost::Activity times(cost::Activity a, uint64_t rep) {
  auto mul = [rep](uint64_t& v) { v *= rep; };
  mul(a.macs_full), mul(a.macs_gated), mul(a.macs_skipped), mul(a.mx_blocks), mul(a.int32_spills);
  for (int o = 0; o < 3; ++o) mul(a.sram_read_bits[o]), mul(a.sram_write_bits[o]);
  mul(a.dram_read_bits), mul(a.dram_write_bits), mul(a.sfu_ops), mul(a.metadata_sram_bits);
  mul(a.metadata_dram_bits), mul(a.cycles), mul(a.vector_ops);
  return a;
}

// One cost model per PE configuration in use (workload.overrides may give ops other formats); the base design's
// model prices area and leakage for every op (the array is one piece of hardware).
class CostStage {
 public:
  CostStage(const cfg::Config& c, const graph::Graph& g) : c_(c) {
    arch_ = cfg::arch_desc(c);
    for (const auto& n : g.ops) arch_.vector_present = arch_.vector_present || n.unit() == graph::Unit::kVector ||
                                                       exec::Executor::vector_ops(g, n) > 0;
    base_ = std::make_unique<cost::CostModel>(c.cost.tech, arch_);
  }
  const cost::ArchDesc& arch() const { return arch_; }
  const cost::CostModel& base() const { return *base_; }
  // Energy of an op's activity, priced with its own PE; leakage from the base design's area.
  cost::Breakdown energy(const Node& n, const cost::Activity& act) {
    const cost::CostModel& m = model_for(n);
    cost::Breakdown e = m.energy_pj(act);
    if (&m != base_.get()) {
      cost::Breakdown fixed;
      for (const auto& [name, v] : e.parts)
        fixed.add(name, name == "leakage" ? base_->leakage_mw() * base_->time_us(act) * 1e3 : v);
      e = fixed;
    }
    return e;
  }

 private:
  const cost::CostModel& model_for(const Node& n) {
    if (!n.pe) return *base_;
    const model::PeParams& p = *n.pe;
    const std::string key = p.format_a + "|" + p.format_b + "|" + p.acc + "|" + p.out + "|" +
                            std::to_string(p.mx_block) + "|" + model::to_string(p.int32_policy) + "|" +
                            std::to_string(p.spill_interval);
    auto it = models_.find(key);
    if (it == models_.end()) {
      cost::ArchDesc a = arch_;
      a.pe = model::resolve(p);
      it = models_.emplace(key, std::make_unique<cost::CostModel>(c_.cost.tech, a)).first;
    }
    return *it->second;
  }
  const cfg::Config& c_;
  cost::ArchDesc arch_;
  std::unique_ptr<cost::CostModel> base_;
  std::map<std::string, std::unique_ptr<cost::CostModel>> models_;
};

std::string formats_of(const model::PeParams& p) {
  const model::ResolvedPe r = model::resolve(p);
  return r.a.name + " x " + r.b.name + " -> " + r.acc_name + " -> " + r.out_name;
}

}  // namespace

RunResult simulate(const cfg::Config& c, const graph::Graph& g, const std::map<std::string, exec::TensorF>& inputs,
                   const Progress& progress) {
  precheck(c, g);
  const bool model_values = g.dataflow() && !inputs.empty();
  size_t arrays = 0;
  for (const auto& n : g.ops) arrays += n.on_array() ? 1 : 0;
  const size_t steps = arrays + g.ops.size();
  auto tick = [&](size_t done) {
    if (progress) progress(done, steps);
  };

  // Stage 1: timing.
  const std::vector<OpTiming> tm = timing_stage(c, g, [&](size_t d, size_t) { tick(d); });

  // Stage 2: values (with the sparsity analysis of every GEMM instance).
  SparsityStage sparsity(c, g, tm);
  exec::Machine mach;
  mach.pe = c.pe;
  mach.order = model::GemmOrder{c.array.dataflow, c.array.rows};
  mach.sfu = c.sfu;
  mach.vector = c.vector;
  mach.threads = c.run.threads;
  mach.seed = c.run.seed;
  mach.synthetic = c.workload.synthetic;
  mach.synthetic_scale = c.workload.synthetic_scale;
  mach.sparsity = c.sparsity;
  mach.ideal = c.run.ideal_emulation == "on" || (c.run.ideal_emulation == "auto" && !g.dataflow());
  exec::Executor ex(g, mach);
  ex.on_gemm = [&](const exec::GemmCall& call) { return sparsity.on_gemm(call); };
  ex.on_op = [&](size_t i) { tick(arrays + i + 1); };
  uint64_t batches = 1;
  if (!g.dataflow() || model_values) ex.run(inputs);

  // Stage 3: rows (cycles, traffic, sparsity, cost, accuracy) and totals.
  RunResult res;
  report::Report& r = res.report;
  r.meta = {{"lpsim_version", LPSIM_VERSION},
            {"config_file", c.source_file},
            {"trace_file", g.file},
            {"trace_name", g.name},
            {"trace_format", g.format}};
  r.config_yaml = cfg::dump_config(c);
  Cols k = add_columns(r);
  bool sparse = c.sparsity.scheme != model::SparsityScheme::kNone, overrides = false;
  for (const auto& n : g.ops) {
    sparse = sparse || (n.sparsity && n.sparsity->scheme != model::SparsityScheme::kNone);
    overrides = overrides || n.pe || n.sparsity;
  }
  for (size_t col : {k.dens_a, k.dens_b, k.macs_skipped, k.speedup}) r.columns[col].terminal = sparse;
  r.columns[k.formats].terminal = overrides;
  CostStage cost(c, g);
  const cost::CostModel& area = cost.base();
  const cost::ArchDesc& arch = cost.arch();
  const double pes = static_cast<double>(c.array.rows * c.array.cols);
  // Words are packed: n words of b bits occupy ceil(n * b / 8) bytes.
  auto bytes = [&](uint64_t words, int op) { return (words * c.memory.word_bits[op] + 7) / 8; };

  uint64_t sum_compute = 0, sum_stall = 0, sum_total = 0, sum_macs = 0, sum_folds = 0, sum_dense_total = 0;
  uint64_t sum_issued = 0, sum_skipped = 0, sum_gated = 0, sum_meta_sram = 0, sum_meta_dram = 0;
  uint64_t sum_sfu = 0, sum_vec_ops = 0, sum_vec_cycles = 0;
  double nz_a = 0, el_a = 0, nz_b = 0, el_b = 0;  // element-weighted densities
  double sum_util_w = 0, sum_meff_w = 0, peak = 0;
  uint64_t sum_sram[3] = {0, 0, 0}, sum_dram[3] = {0, 0, 0};
  cost::Breakdown run_energy;
  for (size_t i = 0; i < g.ops.size(); ++i) {
    const Node& n = g.ops[i];
    const OpTiming& t = tm[i];
    std::vector<Value> row(r.columns.size());
    row[k.layer] = n.name;
    row[k.type] = std::string(graph::to_string(n.kind));
    row[k.unit] = std::string(graph::to_string(n.unit()));
    fill_accuracy(row, k, ex.stats()[i]);
    const uint64_t vec_ops = t.vector_ops * batches, vec_cycles = t.vector_cycles * batches;
    row[k.vec_ops] = i64(vec_ops);
    row[k.vec_cycles] = i64(vec_cycles);
    sum_vec_ops += vec_ops, sum_vec_cycles += vec_cycles;
    if (!n.on_array()) {
      const uint64_t sfu_ops = n.unit() == graph::Unit::kSfu ? static_cast<uint64_t>(n.elements) * batches : 0;
      const uint64_t cyc = t.sfu_cycles * batches + vec_cycles;
      row[k.shape] = n.standalone() ? std::string(graph::to_string(n.kind)) + " " + std::to_string(n.elements)
                                    : graph::shape_str(g.tensors.at(n.outputs[0]).shape);
      row[k.sfu_ops] = i64(sfu_ops);
      row[k.compute] = i64(cyc), row[k.stall] = i64(0), row[k.total] = i64(cyc), row[k.dense_total] = i64(cyc);
      row[k.time] = static_cast<double>(cyc) / c.array.clock_mhz;
      row[k.macs] = i64(0);
      cost::Activity act;
      act.sfu_ops = sfu_ops;
      act.vector_ops = vec_ops;
      act.cycles = cyc;
      const cost::Breakdown e = cost.energy(n, act);
      fill_cost(row, k, e, area.time_us(act), area, 0);
      run_energy += e;
      r.rows.push_back(row);
      sum_compute += cyc, sum_total += cyc, sum_dense_total += cyc, sum_sfu += sfu_ops;
      continue;
    }
    const model::LayerTiming& lt = t.lt;
    // Instances run one after the other, each as SCALE-Sim runs a layer (fresh memory state).
    const uint64_t rep = static_cast<uint64_t>(n.repeat) * batches;
    const SparseSum* sp = sparsity.sum(i);
    // A dataflow op's analysis covers every instance; a standalone op's covers the one it computes.
    const uint64_t mult = sp ? rep / sp->instances : 0;
    std::string shape = std::to_string(n.shape.M()) + "x" + std::to_string(n.shape.N()) + "x" +
                        std::to_string(n.shape.K());
    if (n.repeat > 1) shape += " x" + std::to_string(n.repeat);
    row[k.shape] = shape;
    row[k.formats] = formats_of(n.pe ? *n.pe : c.pe);
    row[k.repeat] = i64(static_cast<uint64_t>(n.repeat));
    row[k.m] = i64(static_cast<uint64_t>(n.shape.M()));
    row[k.n] = i64(static_cast<uint64_t>(n.shape.N()));
    row[k.k] = i64(static_cast<uint64_t>(n.shape.K()));
    row[k.sfu_ops] = i64(0);
    // compute and stall are the array's (SCALE-Sim's figures); the vector-unit epilogue (bias, alpha/beta) runs
    // after the array's last output and adds to the total.
    const uint64_t compute = sp ? sp->compute * mult : lt.compute_cycles * rep;
    const uint64_t stall = sp ? sp->stall * mult : lt.stall_cycles * rep;
    const uint64_t total = compute + stall + vec_cycles;
    const uint64_t dense_total = lt.total_cycles * rep + vec_cycles;
    const uint64_t macs = lt.macs * rep;
    row[k.folds] = i64(static_cast<uint64_t>(sp ? sp->folds : lt.folds));
    row[k.compute] = i64(compute);
    row[k.stall] = i64(stall);
    row[k.total] = i64(total);
    row[k.time] = static_cast<double>(total) / c.array.clock_mhz;
    row[k.cutil] = 100.0 * lt.compute_util;
    row[k.meff] = 100.0 * lt.mapping_eff;
    row[k.outil] = total ? 100.0 * static_cast<double>(macs) / (pes * static_cast<double>(total)) : 0.0;
    row[k.macs] = i64(macs);
    row[k.dense_total] = i64(dense_total);
    row[k.speedup] = total ? static_cast<double>(dense_total) / static_cast<double>(total) : 1.0;
    cost::Activity act = times(cost::layer_activity(arch, n.shape, lt), rep);  // dense counts
    act.vector_ops = vec_ops;
    act.cycles = total;
    uint64_t meta_sram_bits = 0, meta_dram_bits = 0;
    if (sp) {
      row[k.dens_a] = sp->elements[0] > 0 ? 100.0 * sp->nonzeros[0] / sp->elements[0] : 100.0;
      row[k.dens_b] = sp->elements[1] > 0 ? 100.0 * sp->nonzeros[1] / sp->elements[1] : 100.0;
      nz_a += sp->nonzeros[0] * static_cast<double>(mult), el_a += sp->elements[0] * static_cast<double>(mult);
      nz_b += sp->nonzeros[1] * static_cast<double>(mult), el_b += sp->elements[1] * static_cast<double>(mult);
      row[k.macs_issued] = i64(sp->issued * mult);
      row[k.macs_skipped] = i64(sp->skipped * mult);
      row[k.macs_gated] = i64(sp->gated * mult);
      sum_issued += sp->issued * mult, sum_skipped += sp->skipped * mult, sum_gated += sp->gated * mult;
      act.macs_full = (sp->issued - sp->gated) * mult;
      act.macs_gated = sp->gated * mult;
      act.macs_skipped = sp->skipped * mult;
      for (int o = 0; o < 2; ++o) {
        if (!sp->compressed[o]) continue;
        const uint64_t wb = static_cast<uint64_t>(c.memory.word_bits[o]);
        act.sram_read_bits[o] = (sp->sram_words[o] * wb - sp->meta_sram_bits[o]) * mult;
        act.dram_read_bits = act.dram_read_bits - lt.traffic[o].dram_reads * wb * rep +
                             (sp->dram_bytes[o] * 8 - sp->meta_dram_bits[o]) * mult;
        meta_sram_bits += sp->meta_sram_bits[o] * mult, meta_dram_bits += sp->meta_dram_bits[o] * mult;
      }
      act.metadata_sram_bits = meta_sram_bits;
      act.metadata_dram_bits = meta_dram_bits;
      row[k.meta_sram] = i64((meta_sram_bits + 7) / 8);
      row[k.meta_dram] = i64((meta_dram_bits + 7) / 8);
      sum_meta_sram += meta_sram_bits, sum_meta_dram += meta_dram_bits;
    }
    const cost::Breakdown e = cost.energy(n, act);
    fill_cost(row, k, e, area.time_us(act), area, macs);
    run_energy += e;
    uint64_t rd = 0, wr = 0;
    double layer_peak = 0;
    for (int o = 0; o < 3; ++o) {
      uint64_t words = (o == model::kOfmap ? lt.traffic[o].sram_writes : lt.traffic[o].sram_reads) * rep;
      uint64_t dram = bytes((o == model::kOfmap ? lt.traffic[o].dram_writes : lt.traffic[o].dram_reads) * rep, o);
      if (sp && o != model::kOfmap && sp->compressed[o]) {  // compressed values + metadata
        words = sp->sram_words[o] * mult;
        dram = sp->dram_bytes[o] * mult;
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
    row[k.bw_avg] = total ? static_cast<double>(rd + wr) / static_cast<double>(total) : 0.0;
    row[k.bw_peak] = layer_peak;
    r.rows.push_back(row);
    sum_compute += compute, sum_stall += stall, sum_total += total, sum_macs += macs;
    sum_dense_total += dense_total;
    sum_folds += static_cast<uint64_t>(sp ? sp->folds : lt.folds) * rep;
    sum_util_w += lt.compute_util * static_cast<double>(compute);
    sum_meff_w += lt.mapping_eff * static_cast<double>(compute);
    peak = std::max(peak, layer_peak);
  }
  std::vector<Value>& tot = r.total;
  tot.assign(r.columns.size(), Value{});
  tot[k.layer] = std::string("TOTAL");
  tot[k.shape] = std::to_string(g.ops.size()) + " ops";
  tot[k.folds] = i64(sum_folds);
  tot[k.compute] = i64(sum_compute);
  tot[k.stall] = i64(sum_stall);
  tot[k.total] = i64(sum_total);
  tot[k.time] = static_cast<double>(sum_total) / c.array.clock_mhz;
  // Network-level utilisations are compute-cycle-weighted means of the per-layer figures.
  tot[k.cutil] = sum_compute ? 100.0 * sum_util_w / static_cast<double>(sum_compute) : 0.0;
  tot[k.meff] = sum_compute ? 100.0 * sum_meff_w / static_cast<double>(sum_compute) : 0.0;
  tot[k.outil] = sum_total ? 100.0 * static_cast<double>(sum_macs) / (pes * static_cast<double>(sum_total)) : 0.0;
  tot[k.macs] = i64(sum_macs);
  tot[k.dense_total] = i64(sum_dense_total);
  tot[k.speedup] = sum_total ? static_cast<double>(sum_dense_total) / static_cast<double>(sum_total) : 1.0;
  tot[k.vec_ops] = i64(sum_vec_ops);
  tot[k.vec_cycles] = i64(sum_vec_cycles);
  if (sparse) {
    tot[k.dens_a] = el_a > 0 ? 100.0 * nz_a / el_a : 100.0;
    tot[k.dens_b] = el_b > 0 ? 100.0 * nz_b / el_b : 100.0;
    tot[k.macs_issued] = i64(sum_issued);
    tot[k.macs_skipped] = i64(sum_skipped);
    tot[k.macs_gated] = i64(sum_gated);
    tot[k.meta_sram] = i64((sum_meta_sram + 7) / 8);
    tot[k.meta_dram] = i64((sum_meta_dram + 7) / 8);
  }
  fill_cost(tot, k, run_energy, static_cast<double>(sum_total) / c.array.clock_mhz, area, sum_macs);
  accuracy_totals(r, k);
  // The local SQNR earns its terminal column where it differs from the compounded one (models, SFU ops fed
  // by an earlier op).
  for (const auto& row : r.rows)
    if (!std::holds_alternative<std::monostate>(row[k.sqnr_local]) && row[k.sqnr_local] != row[k.sqnr])
      r.columns[k.sqnr_local].terminal = true;
  tot[k.sfu_ops] = i64(sum_sfu);
  for (int o = 0; o < 3; ++o) {
    tot[k.sram_words[o]] = i64(sum_sram[o]);
    tot[k.sram_bytes[o]] = i64(bytes(sum_sram[o], o));
    tot[k.dram_bytes[o]] = i64(sum_dram[o]);
  }
  tot[k.dram_rd] = i64(sum_dram[0] + sum_dram[1]);
  tot[k.dram_wr] = i64(sum_dram[2]);
  tot[k.bw_avg] = sum_total ? static_cast<double>(sum_dram[0] + sum_dram[1] + sum_dram[2]) / static_cast<double>(sum_total) : 0.0;
  tot[k.bw_peak] = peak;
  res.outputs = ex.outputs();
  return res;
}

}  // namespace lpsim::driver
