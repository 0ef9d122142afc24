#include "sfu/ktanh_sfu.h"

#include <Vktanh.h>

#include <algorithm>
#include <stdexcept>
#include <string>
#include <type_traits>

namespace lpsim::model {

// The constant must match the width Verilator was given (-GLANES in rtl/CMakeLists.txt).
static_assert(std::is_same_v<std::remove_reference_t<decltype(std::declval<Vktanh>().in_data)>,
                             sc_core::sc_in<sc_dt::sc_bv<16 * kKtanhRtlLanes>>>,
              "kKtanhRtlLanes differs from the LANES Vktanh was verilated with");

KtanhSfu& KtanhSfu::instance() {
  static KtanhSfu* sfu = nullptr;
  if (!sfu) {
    if (sc_core::sc_get_status() != sc_core::SC_ELABORATION) {
      throw std::logic_error(
          "K-TanH RTL bench: SystemC has already started; build it (KtanhSfu::instance() or sfu_prepare()) "
          "before the first sc_start() of the process");
    }
    sfu = new KtanhSfu("ktanh_sfu");  // never deleted: avoids static-destruction order problems at exit
  }
  return *sfu;
}

KtanhSfu::KtanhSfu(sc_core::sc_module_name name)
    : CycleBench(name, kKtanhClockPeriodNs),
      rst_("rst"),
      in_valid_("in_valid"),
      out_valid_("out_valid"),
      in_data_("in_data"),
      out_data_("out_data"),
      dut_(new Vktanh("dut")) {
  dut_->clk(clk_);
  dut_->rst(rst_);
  dut_->in_valid(in_valid_);
  dut_->out_valid(out_valid_);
  dut_->in_data(in_data_);
  dut_->out_data(out_data_);
}

// Edge e (CycleBench): read the outputs of cycle e - 1, write the inputs of cycle e.
void KtanhSfu::on_edge(size_t e) {
  if (e > 0) {
    KtanhCycleOut& o = (*job_out_)[e - 1];
    o.valid = out_valid_.read();
    if (o.valid) {
      const auto& q = out_data_.read();
      for (int l = 0; l < kKtanhRtlLanes; ++l) {
        if (o.valid >> l & 1u) o.data[l] = static_cast<uint16_t>(q.get_word(l >> 1) >> (16 * (l & 1)));
      }
    }
  }
  if (e < job_in_->size()) {
    const KtanhCycleIn& c = (*job_in_)[e];
    for (int l = 0; l < kKtanhRtlLanes; ++l) {
      if (!(c.valid >> l & 1u)) continue;
      const int shift = 16 * (l & 1);
      const sc_dt::sc_digit w = data_.get_word(l >> 1);
      data_.set_word(l >> 1, (w & ~(0xffffu << shift)) | (static_cast<sc_dt::sc_digit>(c.data[l]) << shift));
    }
    in_data_.write(data_);
    in_valid_.write(c.valid);
    rst_.write(c.rst);
  } else {
    in_valid_.write(0);
    rst_.write(false);
  }
}

std::vector<KtanhCycleOut> KtanhSfu::drive(const std::vector<KtanhCycleIn>& in, size_t extra_cycles) {
  std::vector<KtanhCycleOut> out(in.size() + extra_cycles);
  if (out.empty()) return out;
  job_in_ = &in;
  job_out_ = &out;
  try {
    run_edges(out.size() + 1);  // outputs of cycle c are read at the edge that ends it
  } catch (...) {
    job_in_ = nullptr;
    job_out_ = nullptr;
    throw;
  }
  job_in_ = nullptr;
  job_out_ = nullptr;
  return out;
}

KtanhSfu::Batch KtanhSfu::run(const std::vector<uint16_t>& in, int lanes) {
  if (lanes < 1) throw std::invalid_argument("K-TanH RTL bench: lanes must be >= 1, got " + std::to_string(lanes));
  Batch b;
  b.out.assign(in.size(), 0);
  const size_t n = in.size();
  const size_t width_all = static_cast<size_t>(lanes);
  const size_t beats = (n + width_all - 1) / width_all;  // issue cycles
  for (size_t g0 = 0; g0 < width_all && g0 < n; g0 += kKtanhRtlLanes) {
    const size_t width = std::min<size_t>(kKtanhRtlLanes, width_all - g0);
    // Cycle 0 resets the pipeline; cycle 1 + c issues beat c: lane j carries element c * lanes + g0 + j.
    std::vector<KtanhCycleIn> sched(1 + beats);
    sched[0].rst = true;
    std::vector<size_t> expected(width, 0);  // inputs per lane
    for (size_t c = 0; c < beats; ++c) {
      for (size_t j = 0; j < width; ++j) {
        const size_t idx = c * width_all + g0 + j;
        if (idx >= n) break;
        sched[1 + c].valid |= 1u << j;
        sched[1 + c].data[j] = in[idx];
        ++expected[j];
      }
    }
    const std::vector<KtanhCycleOut> outs = drive(sched, kSfuLatencyCycles);
    // Each lane returns its inputs in order: the k-th result on lane j belongs to element k * lanes + g0 + j.
    std::vector<size_t> seen(width, 0);
    size_t last_out_cycle = 0;
    for (size_t cyc = 0; cyc < outs.size(); ++cyc) {
      const uint32_t v = outs[cyc].valid;
      if (!v) continue;
      if (static_cast<uint64_t>(v) >> width) throw std::runtime_error("K-TanH RTL bench: result on an idle lane");
      for (size_t j = 0; j < width; ++j) {
        if (!(v >> j & 1u)) continue;
        if (seen[j] == expected[j]) throw std::runtime_error("K-TanH RTL bench: more results than inputs");
        b.out[seen[j] * width_all + g0 + j] = outs[cyc].data[j];
        ++seen[j];
      }
      last_out_cycle = cyc;
    }
    if (seen != expected) throw std::runtime_error("K-TanH RTL bench: results missing after the pipeline drained");
    b.cycles = std::max<uint64_t>(b.cycles, last_out_cycle);  // first input is in cycle 1
  }
  return b;
}

}  // namespace lpsim::model
