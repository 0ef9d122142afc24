#include "driver/preflight.h"

#include <cstdio>
#include <vector>

#include "array/scalesim_engine.h"
#include "driver/precheck.h"
#include "base/checked.h"
#include "io/npy.h"
#include "pe/pe.h"
#include "util/error.h"
#include "util/text.h"

namespace lpsim::driver {

namespace {

// Whether the driver computes values for an array op: a classic op with tensors of its own or workload.synthetic
// on; every op of a model that gets input values (precheck's model_has_values).
bool computes_values(const cfg::Config& c, const trace::Trace& t, const trace::Op& op) {
  if (!op.on_array()) return false;
  if (t.dataflow()) return model_has_values(c, t);
  return op.has_tensors() || c.workload.synthetic != "off";
}

// A tensor file must exist and be a float32 C-order .npy of exactly rows x cols; the error names the trace line
// and key that referenced the file (e.g. "net.yaml:14: ops[2](fc1).a: fc1.npy: shape (3, 4), expected ...").
void check_tensor_file(const trace::TensorSpec& ts, int64_t rows, int64_t cols, const char* what) {
  if (!ts.present || ts.file.empty()) return;
  io::NpyHeader h;
  try {
    h = io::read_npy_f32_header(ts.file);
  } catch (const InputError& e) {
    throw_input_error(ts.where, e.what());
  }
  const std::vector<size_t> want = {static_cast<size_t>(rows), static_cast<size_t>(cols)};
  if (h.shape != want)
    throw_input_error(ts.where, ts.file + " has shape " + io::shape_str(h.shape) + ", expected " + io::shape_str(want) +
                                    " (" + what + ")");
}

std::string op_label(const trace::Op& op) { return "op '" + excerpt(op.name) + "'"; }

}  // namespace

std::string format_bytes(double b) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
  int u = 0;
  while (b >= 1024.0 && u < 6) b /= 1024.0, ++u;
  char buf[48];
  std::snprintf(buf, sizeof buf, u == 0 ? "%.0f %s" : "%.1f %s", b, units[u]);
  return buf;
}

MemoryEstimate estimate_memory(const cfg::Config& c, const trace::Trace& t) {
  MemoryEstimate best;
  double resident = 0;  // a model's weights (constant tensors) live for the whole run
  for (const auto& [name, tensor] : t.tensors)
    if (tensor.constant) resident += 4.0 * static_cast<double>(tensor.data.size());
  double previous_outputs = 0;  // float32 outputs of the previous op, kept to feed an activation
  for (size_t i = 0; i < t.ops.size(); ++i) {
    const trace::Op& op = t.ops[i];
    double bytes = 0;
    std::string parts;
    if (!op.on_array()) {
      // inputs (float), BF16 codes in and out, FP64 reference, float outputs: about 40 bytes per element
      const double n = static_cast<double>(op.elements);
      bytes = 40.0 * n;
      parts = "activation inputs, outputs and reference " + format_bytes(bytes);
      previous_outputs = 4.0 * n;
    } else {
      const double timing = model::timing_memory_bytes(c.array, c.memory, op.shape);
      bytes = timing;
      parts = "timing state " + format_bytes(timing);
      if (computes_values(c, t, op)) {
        const int64_t M = op.shape.M(), N = op.shape.N(), K = op.shape.K();
        const double in = 4.0 * (static_cast<double>(M) * K + static_cast<double>(K) * N);
        const double pe = model::gemm_memory_bytes(c.pe, M, N, K);
        bytes += in + pe;
        parts = "float32 operands " + format_bytes(in) + " + quantized/packed copies, output and FP64 reference " +
                format_bytes(pe) + " + " + parts;
        previous_outputs = 4.0 * static_cast<double>(M) * static_cast<double>(N);
      } else {
        previous_outputs = 0;
      }
    }
    bytes += (i > 0 ? previous_outputs : 0) + resident;
    if (resident > 0) parts += " + model weights " + format_bytes(resident);
    if (bytes > best.bytes) best = MemoryEstimate{bytes, i, parts};
  }
  return best;
}

void preflight(const cfg::Config& c, const trace::Trace& t) {
  const std::string array = std::to_string(c.array.rows) + "x" + std::to_string(c.array.cols) + " " +
                            model::to_string(c.array.dataflow) + " array";
  int64_t sum_macs = 0, sum_cycles = 0, sum_bits = 0;
  for (const trace::Op& op : t.ops) {
    try {
      if (!op.on_array()) {
        // SFU: ceil(n / lanes) + 2 cycles (models/sfu/sfu.h); n < 2^63 so this cannot overflow.
        sum_cycles = chk::add(sum_cycles, chk::ceil_div(op.elements, c.sfu.lanes) + 2, "the trace's total cycles");
        continue;
      }
      trace::check_op_size(op);  // readers check it too; ops built elsewhere (graphs) are checked here
      const model::LayerTiming lt = model::compute_timing(c.array, op.shape);
      const int64_t rep = op.repeat;
      // What the driver multiplies by repeat and sums: MACs, compute cycles (a lower bound of the total; stalls
      // are checked while simulating), SRAM words in bits (the byte columns).
      sum_macs = chk::add(sum_macs, chk::mul(static_cast<int64_t>(lt.macs), rep, "MACs x repeat"), "the trace's MACs");
      sum_cycles = chk::add(sum_cycles, chk::mul(static_cast<int64_t>(lt.compute_cycles), rep, "cycles x repeat"),
                            "the trace's total cycles");
      for (int o = 0; o < 3; ++o) {
        const int64_t words = static_cast<int64_t>(o == model::kOfmap ? lt.traffic[o].sram_writes : lt.traffic[o].sram_reads);
        const uint64_t bits = c.memory.word_bits[o].bits(static_cast<uint64_t>(chk::mul(words, rep, "SRAM words x repeat")));
        sum_bits = chk::add(sum_bits, static_cast<int64_t>(bits), "the trace's SRAM traffic in bits");
      }
    } catch (const LimitError& e) {
      throw_input_error(op.where, op_label(op) + " on a " + array + ": " + e.what());
    }
    if (op.on_array()) {
      const int64_t M = op.shape.M(), N = op.shape.N(), K = op.shape.K();
      check_tensor_file(op.a, M, K, "M x K activations");
      check_tensor_file(op.b, K, N, "K x N weights");
    }
  }

  const MemoryEstimate need = estimate_memory(c, t);
  const uint64_t budget = cfg::memory_budget_bytes(c);
  if (need.bytes > static_cast<double>(budget)) {
    const trace::Op& op = t.ops[need.op];
    const std::string how = c.run.max_memory_gib > 0 ? "run.max_memory_gib" : "run.max_memory_gib (auto: 3/4 of this machine's memory)";
    throw_input_error(op.where, op_label(op) + " needs about " + format_bytes(need.bytes) + " of memory (" +
                                    need.breakdown + "), more than the " + format_bytes(static_cast<double>(budget)) +
                                    " allowed by " + how + "; raise run.max_memory_gib, shrink the op, or time it "
                                    "without values (no a/b tensors, workload.synthetic: off)");
  }
}

}  // namespace lpsim::driver
