#include "driver/driver.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <future>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <sstream>

#include "array/array_sc.h"
#include "array/scalesim_engine.h"
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
  model::LayerTiming lt;       // array ops, one instance (counts in elements, dot_width undone)
  model::MemoryParams mem;     // array ops: the memory as the op streams it (bits per element from its formats)
  model::ElementBits bits[3];  // array ops: bits per element moved, per-tensor scales/exponents amortised too
  // Reuse memory model (array ops): the chosen schedule, partial sums moved to/from DRAM at the accumulator's width
  // and the DRAM bytes an activation kept on chip saved (keep_activations), all for one instance.
  std::string tiling;
  uint64_t psum_read_bits = 0, psum_write_bits = 0;
  uint64_t kept_bytes = 0;
  uint64_t sfu_cycles = 0;     // SFU ops
  uint64_t vector_ops = 0;     // vector unit work of the op
  uint64_t vector_cycles = 0;
};

// keep_activations (reuse model): which array ops' outputs stay in the ofmap SRAM for the next array op. A dataflow
// graph's output tensor stays when it is no graph output, its only consumer chain runs through single-output
// vector/SFU/view ops to the next array op in order, which reads it as its activation (first input), and every
// tensor of the chain fits the ofmap SRAM. Classic traces and SCALE-Sim topologies name no tensors: their layers
// keep nothing (BERT's q/k/v projections all read one input; the element counts would chain them wrongly).
std::vector<bool> kept_outputs(const cfg::Config& c, const graph::Graph& g) {
  std::vector<bool> keep(g.ops.size(), false);
  if (c.memory_model != model::MemoryModel::kReuse || !c.keep_activations) return keep;
  const double sram_bits = c.memory.sram_kib[model::kOfmap] * 8192.0;
  std::map<std::string, std::vector<size_t>> consumers;
  for (size_t i = 0; i < g.ops.size(); ++i)
    for (const auto& t : g.ops[i].inputs) consumers[t].push_back(i);
  const std::set<std::string> graph_outputs(g.outputs.begin(), g.outputs.end());
  for (size_t i = 0; i < g.ops.size(); ++i) {
    const Node& n = g.ops[i];
    if (!n.on_array()) continue;
    size_t next = i + 1;
    while (next < g.ops.size() && !g.ops[next].on_array()) ++next;
    if (next >= g.ops.size()) continue;
    if (n.standalone() || n.outputs.size() != 1) continue;  // a classic trace says nothing of what feeds what
    const model::PeParams& pe = n.pe ? *n.pe : c.pe;
    const double out_bits = cfg::memory_for(c, pe, nullptr).word_bits[model::kOfmap].value();
    auto fits = [&](double elements) { return elements * out_bits <= sram_bits; };
    std::string t = n.outputs[0];
    bool ok = true;
    for (size_t hop = 0; ok; ++hop) {
      const auto tt = g.tensors.find(t);
      const auto cs = consumers.find(t);
      ok = tt != g.tensors.end() && !graph_outputs.count(t) && cs != consumers.end() && cs->second.size() == 1 &&
           fits(static_cast<double>(graph::numel(tt->second.shape)));
      if (!ok) break;
      const Node& m = g.ops[cs->second[0]];
      if (m.on_array()) {
        ok = cs->second[0] == next && !m.inputs.empty() && m.inputs[0] == t;
        break;
      }
      ok = m.outputs.size() == 1 && hop < g.ops.size();
      if (ok) t = m.outputs[0];
    }
    keep[i] = ok;
  }
  return keep;
}

// Stage 1 under the reuse memory model: every array op scheduled by model::reuse_layer (closed forms, no SystemC).
// Ops run in order; an output kept on chip spares its own DRAM write and the next array op's activation read.
void reuse_timing(const cfg::Config& c, const graph::Graph& g, std::vector<OpTiming>& t,
                  const std::function<void()>& tick) {
  const std::vector<bool> keep = kept_outputs(c, g);
  const int64_t w = c.array.dot_width;
  bool input_kept = false;
  for (size_t i = 0; i < g.ops.size(); ++i) {
    const Node& n = g.ops[i];
    if (!n.on_array()) continue;
    OpTiming& o = t[i];
    const model::PeParams& pe = n.pe ? *n.pe : c.pe;
    model::ReuseOptions ro;
    ro.psum_bits = model::operand_bits(model::resolve(pe), model::kOfmap, 0, true);
    ro.ifmap_on_chip = input_kept;
    ro.ofmap_stays = keep[i];
    const model::LayerShape ds = model::dot_shape(n.shape, w);
    model::ReuseTiming rt;
    try {
      rt = model::reuse_layer(c.array, model::dot_memory(o.mem, w), ds, ro);
    } catch (const model::TilingError& e) {
      throw_input_error(c.loc(std::string("accelerator.memory.") + model::operand_name(e.op) + ".sram_kib"),
                        "op '" + n.name + "' (" + n.where.str() + "): " + e.what());
    } catch (const LimitError& e) {
      throw_input_error(n.where, "op '" + n.name + "': " + e.what());
    }
    o.lt = rt.timing;
    model::dot_result(o.lt, n.shape, w);
    o.tiling = rt.tiling.str(ds, w);
    o.psum_read_bits = ro.psum_bits.bits(rt.psum_dram_reads);
    o.psum_write_bits = ro.psum_bits.bits(rt.psum_dram_writes);
    // What staying on chip saved: this op's output write and (counted at the reader) the activation read.
    if (ro.ofmap_stays) o.kept_bytes += o.bits[model::kOfmap].bytes(rt.compulsory_words[model::kOfmap]);
    if (ro.ifmap_on_chip)
      o.kept_bytes += o.bits[model::kIfmap].bytes(rt.compulsory_words[model::kIfmap] * static_cast<uint64_t>(w));
    input_kept = keep[i];
    if (tick) tick();
  }
}

// One call of the SystemC model for every graph of the run (it elaborates once per process).
std::vector<std::vector<OpTiming>> timing_stage(const cfg::Config& c, const std::vector<const graph::Graph*>& graphs,
                                                const Progress& progress) {
  std::vector<std::vector<OpTiming>> t;
  std::vector<model::LayerShape> shapes;
  std::vector<model::MemoryParams> mems;
  std::vector<std::pair<size_t, size_t>> where;  // (graph, op) of each shape
  const int64_t w = c.array.dot_width;
  for (size_t gi = 0; gi < graphs.size(); ++gi) {
    const graph::Graph& g = *graphs[gi];
    t.emplace_back(g.ops.size());
    for (size_t i = 0; i < g.ops.size(); ++i) {
      const Node& n = g.ops[i];
      if (n.on_array()) {
        // Bits per element follow the op's own formats (workload.overrides); a w-wide PE streams w-element
        // vectors of K (model::dot_shape).
        const model::PeParams& pe = n.pe ? *n.pe : c.pe;
        t[gi][i].mem = cfg::memory_for(c, pe, &n.shape, false);
        const model::MemoryParams moved = cfg::memory_for(c, pe, &n.shape, true);
        for (int op = 0; op < 3; ++op) t[gi][i].bits[op] = moved.word_bits[op];
        shapes.push_back(model::dot_shape(n.shape, w));
        mems.push_back(model::dot_memory(t[gi][i].mem, w));
        where.emplace_back(gi, i);
      }
      if (n.unit() == graph::Unit::kSfu) t[gi][i].sfu_cycles = model::sfu_cycles(c.sfu, static_cast<uint64_t>(n.elements));
      t[gi][i].vector_ops = exec::Executor::vector_ops(g, n);
      t[gi][i].vector_cycles = model::vector_cycles(c.vector, t[gi][i].vector_ops);
    }
  }
  model::sfu_prepare(c.sfu);  // the RTL bench must be elaborated before the array model's first sc_start
  if (c.memory_model == model::MemoryModel::kReuse) {
    size_t done = 0;
    for (size_t gi = 0; gi < graphs.size(); ++gi)
      reuse_timing(c, *graphs[gi], t[gi], [&] {
        if (progress) progress(++done, shapes.size());
      });
    return t;
  }
  std::vector<model::LayerTiming> lts = model::run_timing(c.array, mems, shapes, progress);
  for (size_t j = 0; j < where.size(); ++j) {
    OpTiming& o = t[where[j].first][where[j].second];
    o.lt = lts[j];
    model::dot_result(o.lt, graphs[where[j].first]->ops[where[j].second].shape, w);
  }
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
    model::LayerTiming dense = t_[call.node].lt;
    if (c_.memory_model == model::MemoryModel::kReuse) {
      // The sparse schedule is the untiled fold sequence (models/sparsity); the reuse model's stalls carry over.
      dense.compute_cycles = model::compute_timing(c_.array, n.shape).compute_cycles;
      dense.stall_cycles = t_[call.node].lt.total_cycles - std::min(t_[call.node].lt.total_cycles, dense.compute_cycles);
      dense.total_cycles = dense.compute_cycles + dense.stall_cycles;
    }
    try {
      s = model::analyze_sparsity(p, c_.array, t_[call.node].mem, n.shape, dense, call.q->a.data(), call.q->b.data(), 0);
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

// The report header's line: "reuse: lpddr5_6400 x 1 = 51.2 GB/s = 51.2 B/cycle shared, 60 ns; keep_activations on".
std::string memory_model_summary(const cfg::Config& c) {
  auto num = [](double v) {
    std::ostringstream os;
    os.precision(6);
    os << v;
    return os.str();
  };
  if (c.memory_model == model::MemoryModel::kScaleSim)
    return "scalesim: SCALE-Sim v2's memory model, " + num(c.memory.dram_bw_bytes_per_cycle) +
           " B/cycle per operand stream, latency " + std::to_string(c.memory.dram_latency_cycles) + " cycles";
  return "reuse: " + c.dram.type + " x " + std::to_string(c.dram.channels) + " = " +
         num(c.dram.bandwidth_gbs * static_cast<double>(c.dram.channels)) + " GB/s = " +
         num(c.memory.dram_bw_bytes_per_cycle) + " B/cycle shared by all operands, latency " + num(c.dram.latency_ns) +
         " ns (" + std::to_string(c.memory.dram_latency_cycles) + " cycles); keep_activations " +
         (c.keep_activations ? "on" : "off");
}

std::string formats_of(const model::PeParams& p) {
  const model::ResolvedPe r = model::resolve(p);
  // The per-tensor scale rule where one applies (int8/int16, floats of 8 bits or fewer), as lpsim gemm prints it.
  const bool scaled = r.mode == model::PeMode::kInt ||
                      (r.mode == model::PeMode::kFloat && std::min(r.a.element.flt.width, r.b.element.flt.width) <= 8);
  return r.a.name + " x " + r.b.name + (scaled ? std::string(" (") + num::to_string(p.tensor_scale) + " scale)" : "") +
         " -> " + r.acc_name + " -> " + r.out_name;
}

// What one op did in one segment of the run (a graph run for some batches), in the units of the report; the
// segments of a data-set run (full batches, and a last partial batch) add up.
struct OpCounts {
  uint64_t compute = 0, stall = 0, total = 0, dense_total = 0, macs = 0, sfu_ops = 0, vec_ops = 0, vec_cycles = 0;
  uint64_t sram_words[3] = {0, 0, 0}, dram_bytes[3] = {0, 0, 0};
  uint64_t psum_read_bytes = 0, kept_bytes = 0;  // reuse model: partial sums read back; DRAM bytes kept on chip
  bool sparse = false;
  uint64_t issued = 0, skipped = 0, gated = 0, meta_sram_bits = 0, meta_dram_bits = 0;
  double nonzeros[2] = {0, 0}, elements[2] = {0, 0};
  cost::Breakdown energy;
  OpCounts& operator+=(const OpCounts& o) {
    compute += o.compute, stall += o.stall, total += o.total, dense_total += o.dense_total, macs += o.macs;
    sfu_ops += o.sfu_ops, vec_ops += o.vec_ops, vec_cycles += o.vec_cycles;
    for (int i = 0; i < 3; ++i) sram_words[i] += o.sram_words[i], dram_bytes[i] += o.dram_bytes[i];
    psum_read_bytes += o.psum_read_bytes, kept_bytes += o.kept_bytes;
    sparse = sparse || o.sparse;
    issued += o.issued, skipped += o.skipped, gated += o.gated;
    meta_sram_bits += o.meta_sram_bits, meta_dram_bits += o.meta_dram_bits;
    for (int i = 0; i < 2; ++i) nonzeros[i] += o.nonzeros[i], elements[i] += o.elements[i];
    energy += o.energy;
    return *this;
  }
};

// Cycles, traffic, sparsity and energy of op n run `batches` times with timing t and sparsity sums sp.
OpCounts count_op(const Node& n, const OpTiming& t, const SparseSum* sp, uint64_t batches,
                  CostStage& cost) {
  OpCounts o;
  o.vec_ops = t.vector_ops * batches;
  o.vec_cycles = t.vector_cycles * batches;
  cost::Activity act;
  if (!n.on_array()) {
    o.sfu_ops = n.unit() == graph::Unit::kSfu ? static_cast<uint64_t>(n.elements) * batches : 0;
    o.compute = o.total = o.dense_total = t.sfu_cycles * batches + o.vec_cycles;
    act.sfu_ops = o.sfu_ops;
    act.vector_ops = o.vec_ops;
    act.cycles = o.total;
    o.energy = cost.energy(n, act);
    return o;
  }
  const model::LayerTiming& lt = t.lt;
  // Instances run one after the other, each as SCALE-Sim runs a layer (fresh memory state). A dataflow op's
  // sparsity analysis covers every instance it computed; a standalone op's the one instance it computes.
  const uint64_t rep = static_cast<uint64_t>(n.repeat) * batches;
  const uint64_t mult = sp ? rep / sp->instances : 0;
  // compute and stall are the array's (SCALE-Sim's figures); the vector-unit epilogue (bias, alpha/beta) runs after
  // the array's last output and adds to the total.
  o.compute = sp ? sp->compute * mult : lt.compute_cycles * rep;
  o.stall = sp ? sp->stall * mult : lt.stall_cycles * rep;
  o.total = o.compute + o.stall + o.vec_cycles;
  o.dense_total = lt.total_cycles * rep + o.vec_cycles;
  o.macs = lt.macs * rep;
  act = times(cost::layer_activity(cost.arch(), n.shape, lt, t.bits), rep);  // dense counts
  act.vector_ops = o.vec_ops;
  act.cycles = o.total;
  for (int op = 0; op < 3; ++op) {
    o.sram_words[op] = (op == model::kOfmap ? lt.traffic[op].sram_writes : lt.traffic[op].sram_reads) * rep;
    o.dram_bytes[op] = t.bits[op].bytes(
        (op == model::kOfmap ? lt.traffic[op].dram_writes : lt.traffic[op].dram_reads) * rep);
  }
  // Reuse model: partial sums spilled to DRAM and read back (accumulator width) count as ofmap traffic.
  o.dram_bytes[model::kOfmap] += (t.psum_write_bits * rep + 7) / 8;
  o.psum_read_bytes = (t.psum_read_bits * rep + 7) / 8;
  o.kept_bytes = t.kept_bytes * rep;
  act.dram_read_bits += t.psum_read_bits * rep;
  act.dram_write_bits += t.psum_write_bits * rep;
  if (sp) {
    o.sparse = true;
    for (int i = 0; i < 2; ++i)
      o.nonzeros[i] = sp->nonzeros[i] * static_cast<double>(mult), o.elements[i] = sp->elements[i] * static_cast<double>(mult);
    o.issued = sp->issued * mult, o.skipped = sp->skipped * mult, o.gated = sp->gated * mult;
    act.macs_full = o.issued - o.gated;
    act.macs_gated = o.gated;
    act.macs_skipped = o.skipped;
    for (int op = 0; op < 2; ++op) {
      if (!sp->compressed[op]) continue;  // compressed values + metadata replace the dense operand's traffic
      const model::ElementBits& wb = t.bits[op];
      act.sram_read_bits[op] = (wb.bits(sp->sram_words[op]) - sp->meta_sram_bits[op]) * mult;
      act.dram_read_bits = act.dram_read_bits - wb.bits(lt.traffic[op].dram_reads * rep) +
                           (sp->dram_bytes[op] * 8 - sp->meta_dram_bits[op]) * mult;
      o.meta_sram_bits += sp->meta_sram_bits[op] * mult, o.meta_dram_bits += sp->meta_dram_bits[op] * mult;
      o.sram_words[op] = sp->sram_words[op] * mult;
      o.dram_bytes[op] = sp->dram_bytes[op] * mult;
    }
    act.metadata_sram_bits = o.meta_sram_bits;
    act.metadata_dram_bits = o.meta_dram_bits;
  }
  o.energy = cost.energy(n, act);
  return o;
}

}  // namespace

RunResult simulate(const cfg::Config& c, const graph::Graph& g, const std::map<std::string, exec::TensorF>& inputs,
                   const Progress& progress) {
  RunPlan plan;
  plan.graph = &g;
  if (!inputs.empty()) plan.inputs = [&](uint64_t) { return inputs; };
  return simulate(c, plan, progress);
}

RunResult simulate(const cfg::Config& c, const RunPlan& plan, const Progress& progress) {
  const graph::Graph& g = *plan.graph;
  precheck(c, g);
  std::vector<const graph::Graph*> graphs = {&g};
  std::vector<uint64_t> batches = {plan.batches};
  if (plan.tail) {
    if (plan.tail->ops.size() != g.ops.size()) throw std::logic_error("simulate: the tail graph differs from the model");
    graphs.push_back(plan.tail);
    batches.push_back(1);
  }
  const bool values = !g.dataflow() || static_cast<bool>(plan.inputs);
  size_t arrays = 0;
  for (const auto* gr : graphs)
    for (const auto& n : gr->ops) arrays += n.on_array() ? 1 : 0;
  const uint64_t value_steps = values ? (plan.batches + (plan.tail ? 1 : 0)) * g.ops.size() : 0;
  const uint64_t steps = arrays + value_steps;
  // Steps done: the timing stage's array ops plus the values stage's ops (the two may run at the same time).
  std::atomic<uint64_t> timing_done{0}, values_done{0};
  std::mutex tick_mu;
  auto tick = [&]() {
    if (!progress) return;
    std::lock_guard<std::mutex> lock(tick_mu);
    progress(static_cast<size_t>(timing_done + values_done), static_cast<size_t>(steps));
  };

  exec::Machine mach;
  mach.pe = c.pe;
  mach.order = model::GemmOrder{c.array.dataflow, c.array.rows};
  mach.sfu = c.sfu;
  mach.vector = c.vector;
  mach.threads = c.run.threads;
  mach.seed = c.run.seed;
  mach.synthetic = c.workload.synthetic;
  mach.synthetic_scale = c.workload.synthetic_scale;
  mach.synthetic_outlier_fraction = c.workload.synthetic_outlier_fraction;
  mach.synthetic_outlier_size = c.workload.synthetic_outlier_size;
  mach.sparsity = c.sparsity;
  mach.ideal = c.run.ideal_emulation == "on" || (c.run.ideal_emulation == "auto" && !g.dataflow());
  std::vector<std::unique_ptr<exec::Executor>> ex;
  for (const graph::Graph* gr : graphs) {
    ex.push_back(std::make_unique<exec::Executor>(*gr, mach));
    ex.back()->on_op = [&](size_t) {
      ++values_done;
      tick();
    };
  }
  auto run_values = [&] {
    uint64_t b = 0;
    for (size_t gi = 0; gi < graphs.size(); ++gi)
      for (uint64_t k = 0; k < batches[gi]; ++k, ++b) {
        ex[gi]->run(g.dataflow() ? plan.inputs(b) : std::map<std::string, exec::TensorF>{});
        if (plan.on_batch) plan.on_batch(b, *ex[gi]);
      }
  };
  // A model's values need nothing from the timing stage unless an op's sparsity analysis reads its memory
  // timing, and stay off SystemC (which the timing stage runs, on this thread) unless an op uses the SFU: then
  // both stages run at the same time, the values on a second thread (ResNet-18: the timing's 35 ms hidden).
  // Data-set runs keep them in sequence (their batch hook draws the progress bar and handles Ctrl-C here).
  bool overlap = values && g.dataflow() && !plan.on_batch &&
                 (c.run.threads > 0 ? c.run.threads : model::default_threads()) > 1;
  for (const graph::Graph* gr : graphs)
    for (const auto& n : gr->ops)
      overlap = overlap && n.unit() != graph::Unit::kSfu &&
                !(n.on_array() && effective_sparsity(c, *gr, n).scheme != model::SparsityScheme::kNone);
  auto timing_progress = [&](size_t d, size_t) {
    timing_done = d;
    tick();
  };

  // Stage 1: timing; stage 2: values, batch by batch (with the sparsity analysis of every GEMM instance).
  std::vector<std::vector<OpTiming>> tm;
  std::vector<std::unique_ptr<SparsityStage>> sparsity;
  if (overlap) {
    auto v = std::async(std::launch::async, run_values);  // on a throw here its destructor waits for it
    tm = timing_stage(c, graphs, timing_progress);
    v.get();
    for (size_t gi = 0; gi < graphs.size(); ++gi)
      sparsity.push_back(std::make_unique<SparsityStage>(c, *graphs[gi], tm[gi]));
  } else {
    tm = timing_stage(c, graphs, timing_progress);
    for (size_t gi = 0; gi < graphs.size(); ++gi) {
      sparsity.push_back(std::make_unique<SparsityStage>(c, *graphs[gi], tm[gi]));
      SparsityStage* sp = sparsity.back().get();
      bool any_sparse = false;  // the hook costs a quantization per GEMM: only when some op has a scheme
      for (const auto& n : graphs[gi]->ops)
        any_sparse = any_sparse || (n.on_array() && sp->effective(n).scheme != model::SparsityScheme::kNone);
      if (any_sparse) ex[gi]->on_gemm = [sp](const exec::GemmCall& call) { return sp->on_gemm(call); };
    }
    if (values) run_values();
  }

  // Stage 3: rows (cycles, traffic, sparsity, cost, accuracy) and totals.
  RunResult res;
  report::Report& r = res.report;
  r.meta = {{"lpsim_version", LPSIM_VERSION},
            {"config_file", c.source_file},
            {"trace_file", g.file},
            {"trace_name", g.name},
            {"trace_format", g.format}};
  {
    // The bits per element the design's formats resolve to (word_bits: auto; ops with their own formats differ).
    std::string bits;
    for (int op = 0; op < 3; ++op)
      bits += std::string(op ? ", " : "") + model::operand_name(op) + " " + model::to_string(c.memory.word_bits[op]);
    r.meta.emplace_back("bits_per_element", bits);
    r.meta.emplace_back("memory_model", memory_model_summary(c));
  }
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
  // MAC slots per cycle: a w-wide dot-product PE does w MACs per cycle (utilisation stays <= 100 %)
  const double pes = static_cast<double>(c.array.rows * c.array.cols) * static_cast<double>(c.array.dot_width);

  std::string wrapped;  // layers whose INT32 accumulators wrapped: "conv2 (1234), fc1 (56)" (the first 5 named)
  uint64_t wraps = 0, wrapped_layers = 0;
  OpCounts run;
  uint64_t sum_folds = 0, sum_instances = 0, sum_sram_bytes[3] = {0, 0, 0};
  double sum_util_w = 0, sum_meff_w = 0, peak = 0;
  for (size_t i = 0; i < g.ops.size(); ++i) {
    const Node& n = g.ops[i];
    const model::LayerTiming& lt = tm[0][i].lt;  // the full batch's mapping describes the op
    OpCounts o;
    exec::NodeStats stats;
    for (size_t gi = 0; gi < graphs.size(); ++gi) {
      o += count_op(graphs[gi]->ops[i], tm[gi][i], sparsity[gi]->sum(i), batches[gi], cost);
      stats += ex[gi]->stats()[i];
    }
    run += o;
    if (stats.counters.acc_overflows > 0 && (n.pe ? *n.pe : c.pe).int32_policy == model::Int32Policy::kWrap) {
      if (++wrapped_layers <= 5)
        wrapped += (wrapped.empty() ? "" : ", ") + n.name + " (" + std::to_string(stats.counters.acc_overflows) + ")";
      wraps += stats.counters.acc_overflows;
    }
    std::vector<Value> row(r.columns.size());
    row[k.layer] = n.name;
    row[k.mem_model] = std::string(model::to_string(c.memory_model));
    row[k.type] = std::string(graph::to_string(n.kind));
    row[k.unit] = std::string(graph::to_string(n.unit()));
    fill_accuracy(row, k, stats);
    row[k.vec_ops] = i64(o.vec_ops);
    row[k.vec_cycles] = i64(o.vec_cycles);
    row[k.compute] = i64(o.compute), row[k.stall] = i64(o.stall), row[k.total] = i64(o.total);
    row[k.dense_total] = i64(o.dense_total);
    row[k.time] = static_cast<double>(o.total) / c.array.clock_mhz;
    row[k.macs] = i64(o.macs);
    row[k.sfu_ops] = i64(o.sfu_ops);
    const double time_us = static_cast<double>(o.total) / c.array.clock_mhz;
    if (!n.on_array()) {
      row[k.shape] = n.standalone() ? std::string(graph::to_string(n.kind)) + " " + std::to_string(n.elements)
                                    : graph::shape_str(g.tensors.at(n.outputs[0]).shape);
      fill_cost(row, k, o.energy, time_us, area, 0);
      r.rows.push_back(row);
      continue;
    }
    const SparseSum* sp = sparsity[0]->sum(i);
    std::string shape = std::to_string(n.shape.M()) + "x" + std::to_string(n.shape.N()) + "x" +
                        std::to_string(n.shape.K());
    if (n.repeat > 1) shape += " x" + std::to_string(n.repeat);
    row[k.shape] = shape;
    row[k.formats] = formats_of(n.pe ? *n.pe : c.pe);
    row[k.repeat] = i64(static_cast<uint64_t>(n.repeat));
    row[k.m] = i64(static_cast<uint64_t>(n.shape.M()));
    row[k.n] = i64(static_cast<uint64_t>(n.shape.N()));
    row[k.k] = i64(static_cast<uint64_t>(n.shape.K()));
    row[k.folds] = i64(static_cast<uint64_t>(sp ? sp->folds : lt.folds));
    row[k.cutil] = 100.0 * lt.compute_util;
    row[k.meff] = 100.0 * lt.mapping_eff;
    // + 1 cycle per instance: SCALE-Sim counts a layer's cycles from 0 (issue 14: utilisation never above 100 %)
    const uint64_t instances = static_cast<uint64_t>(n.repeat) * (plan.batches + (plan.tail ? 1 : 0));
    sum_instances += instances;
    row[k.outil] = 100.0 * static_cast<double>(o.macs) / (pes * static_cast<double>(o.total + instances));
    row[k.speedup] = o.total ? static_cast<double>(o.dense_total) / static_cast<double>(o.total) : 1.0;
    if (o.sparse) {
      row[k.dens_a] = o.elements[0] > 0 ? 100.0 * o.nonzeros[0] / o.elements[0] : 100.0;
      row[k.dens_b] = o.elements[1] > 0 ? 100.0 * o.nonzeros[1] / o.elements[1] : 100.0;
      row[k.macs_issued] = i64(o.issued);
      row[k.macs_skipped] = i64(o.skipped);
      row[k.macs_gated] = i64(o.gated);
      row[k.meta_sram] = i64((o.meta_sram_bits + 7) / 8);
      row[k.meta_dram] = i64((o.meta_dram_bits + 7) / 8);
    }
    fill_cost(row, k, o.energy, time_us, area, o.macs);
    double layer_peak = 0;
    for (int op = 0; op < 3; ++op) {
      row[k.sram_words[op]] = i64(o.sram_words[op]);
      const uint64_t sram_bytes = tm[0][i].bits[op].bytes(o.sram_words[op]);  // packed words
      row[k.sram_bytes[op]] = i64(sram_bytes);
      sum_sram_bytes[op] += sram_bytes;
      row[k.dram_bytes[op]] = i64(o.dram_bytes[op]);
      layer_peak += lt.dram_peak_words_per_cycle[op] * tm[0][i].mem.word_bits[op].value() / 8.0;
    }
    const uint64_t rd = o.dram_bytes[0] + o.dram_bytes[1] + o.psum_read_bytes, wr = o.dram_bytes[2];
    row[k.tiling] = tm[0][i].tiling.empty() ? std::string("scalesim") : tm[0][i].tiling;
    row[k.kept] = i64(o.kept_bytes);
    row[k.dram_rd] = i64(rd);
    row[k.dram_wr] = i64(wr);
    row[k.bw_avg] = o.total ? static_cast<double>(rd + wr) / static_cast<double>(o.total) : 0.0;
    row[k.bw_peak] = layer_peak;
    r.rows.push_back(row);
    sum_folds += static_cast<uint64_t>(sp ? sp->folds : lt.folds) * static_cast<uint64_t>(n.repeat) *
                 (plan.batches + (plan.tail ? 1 : 0));
    sum_util_w += lt.compute_util * static_cast<double>(o.compute);
    sum_meff_w += lt.mapping_eff * static_cast<double>(o.compute);
    peak = std::max(peak, layer_peak);
  }
  std::vector<Value>& tot = r.total;
  tot.assign(r.columns.size(), Value{});
  tot[k.layer] = std::string("TOTAL");
  tot[k.shape] = std::to_string(g.ops.size()) + " ops";
  tot[k.folds] = i64(sum_folds);
  tot[k.compute] = i64(run.compute);
  tot[k.stall] = i64(run.stall);
  tot[k.total] = i64(run.total);
  tot[k.time] = static_cast<double>(run.total) / c.array.clock_mhz;
  // Network-level utilisations are compute-cycle-weighted means of the per-layer figures.
  tot[k.cutil] = run.compute ? 100.0 * sum_util_w / static_cast<double>(run.compute) : 0.0;
  tot[k.meff] = run.compute ? 100.0 * sum_meff_w / static_cast<double>(run.compute) : 0.0;
  tot[k.outil] = run.total ? 100.0 * static_cast<double>(run.macs) / (pes * static_cast<double>(run.total + sum_instances))
                           : 0.0;
  tot[k.macs] = i64(run.macs);
  tot[k.dense_total] = i64(run.dense_total);
  tot[k.speedup] = run.total ? static_cast<double>(run.dense_total) / static_cast<double>(run.total) : 1.0;
  tot[k.vec_ops] = i64(run.vec_ops);
  tot[k.vec_cycles] = i64(run.vec_cycles);
  tot[k.sfu_ops] = i64(run.sfu_ops);
  if (sparse) {
    tot[k.dens_a] = run.elements[0] > 0 ? 100.0 * run.nonzeros[0] / run.elements[0] : 100.0;
    tot[k.dens_b] = run.elements[1] > 0 ? 100.0 * run.nonzeros[1] / run.elements[1] : 100.0;
    tot[k.macs_issued] = i64(run.issued);
    tot[k.macs_skipped] = i64(run.skipped);
    tot[k.macs_gated] = i64(run.gated);
    tot[k.meta_sram] = i64((run.meta_sram_bits + 7) / 8);
    tot[k.meta_dram] = i64((run.meta_dram_bits + 7) / 8);
  }
  fill_cost(tot, k, run.energy, static_cast<double>(run.total) / c.array.clock_mhz, area, run.macs);
  accuracy_totals(r, k);
  // The local SQNR earns its terminal column where it differs from the compounded one (models, SFU ops fed
  // by an earlier op).
  for (const auto& row : r.rows)
    if (!std::holds_alternative<std::monostate>(row[k.sqnr_local]) && row[k.sqnr_local] != row[k.sqnr])
      r.columns[k.sqnr_local].terminal = true;
  for (int op = 0; op < 3; ++op) {
    tot[k.sram_words[op]] = i64(run.sram_words[op]);
    tot[k.sram_bytes[op]] = i64(sum_sram_bytes[op]);  // ops may differ in bits per element: sum their bytes
    tot[k.dram_bytes[op]] = i64(run.dram_bytes[op]);
  }
  tot[k.dram_rd] = i64(run.dram_bytes[0] + run.dram_bytes[1] + run.psum_read_bytes);
  tot[k.dram_wr] = i64(run.dram_bytes[2]);
  tot[k.kept] = i64(run.kept_bytes);
  tot[k.bw_avg] = run.total ? static_cast<double>(run.dram_bytes[0] + run.dram_bytes[1] + run.dram_bytes[2] +
                                                  run.psum_read_bytes) /
                                  static_cast<double>(run.total)
                            : 0.0;
  tot[k.bw_peak] = peak;
  // Wrapped INT32 sums are wrong by multiples of 2^32, and the network computes on with them (Das et al. 2018,
  // arXiv 1802.00930 sec. 3, spill INT32 partial sums to FP32 to avoid exactly this).
  if (wraps > 0)
    r.warnings.push_back(std::to_string(wraps) + " INT32 accumulations wrapped around (int32_overflow: wrap) in " +
                         wrapped + (wrapped_layers > 5 ? " and " + std::to_string(wrapped_layers - 5) + " more layers" : "") +
                         "; their outputs are wrong by multiples of 2^32. Set accelerator.pe.int32_overflow: "
                         "spill (INT32 partial sums converted to FP32, as the DFP16 paper does) or saturate");
  res.outputs = ex.back()->outputs();
  return res;
}

}  // namespace lpsim::driver
