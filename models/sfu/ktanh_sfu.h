// KtanhSfu: the SystemC module that owns the verilated rtl/ktanh.sv (Verilator --sc, prefix Vktanh), its signals
// and the cycle schedules streamed through it; the gated clock and edge handling come from CycleBench
// (models/cosim/cycle_bench.h). Only ktanh_sfu.cpp includes Vktanh.h (Verilator's SystemC headers pull many
// names into the global namespace).
//
// SystemC elaborates once per process, so there is exactly one instance, built on first use by instance() and
// never destroyed. Each batch resets the pipeline, then advances time with sc_start(duration); sc_stop() is
// never called, so any number of batches can run in one process.
#pragma once
#include <array>
#include <cstdint>
#include <systemc>
#include <vector>

#include "cosim/cycle_bench.h"
#include "sfu/sfu.h"

class Vktanh;  // verilated rtl/ktanh.sv with LANES = kKtanhRtlLanes

namespace lpsim::model {

// LANES fixed at verilation time (rtl/CMakeLists.txt passes -GLANES=32). Runs that use fewer lanes keep the
// others idle (in_valid low); wider units are simulated in groups of 32 lanes (see run()).
constexpr int kKtanhRtlLanes = 32;
constexpr double kKtanhClockPeriodNs = 10.0;  // bench clock; only cycles matter to callers

struct KtanhCycleIn {
  bool rst = false;                             // synchronous reset, sampled at the end of the cycle
  uint32_t valid = 0;                           // bit l drives in_valid[l]
  std::array<uint16_t, kKtanhRtlLanes> data{};  // in_data lane words (only lanes with a valid bit are driven)
};

struct KtanhCycleOut {
  uint32_t valid = 0;                           // out_valid during the cycle
  std::array<uint16_t, kKtanhRtlLanes> data{};  // out_data lane words; captured only where valid is set
};

class KtanhSfu : public CycleBench {
 public:
  // The process-wide instance. The first call must happen before any sc_start() in the process (throws
  // std::logic_error otherwise).
  static KtanhSfu& instance();

  // Cycle-accurate access for pipeline tests: in[c] is applied during cycle c (c = 0 .. in.size()-1, idle
  // inputs afterwards); returns what the outputs showed in cycles 0 .. in.size() + extra_cycles - 1. No reset is
  // added: the schedule controls rst.
  std::vector<KtanhCycleOut> drive(const std::vector<KtanhCycleIn>& in, size_t extra_cycles);

  struct Batch {
    std::vector<uint16_t> out;  // in input order
    uint64_t cycles = 0;        // measured: first input cycle to last output cycle, inclusive
  };
  // Streams in[] through `lanes` lanes: element i enters lane i % lanes in cycle i / lanes, after one reset
  // cycle (not counted). For lanes > kKtanhRtlLanes the unit is taken as ceil(lanes / 32) identical 32-lane
  // blocks side by side; they are simulated one after another on this instance and cycles is the maximum over
  // the blocks. Throws std::invalid_argument for lanes < 1, std::runtime_error if the RTL loses or adds results.
  Batch run(const std::vector<uint16_t>& in, int lanes);

  // cycles_simulated() (CycleBench): rising edges since construction, all batches.

 private:
  explicit KtanhSfu(sc_core::sc_module_name name);
  void on_edge(size_t edge) override;

  sc_core::sc_signal<bool> rst_;
  sc_core::sc_signal<uint32_t> in_valid_;
  sc_core::sc_signal<uint32_t> out_valid_;
  sc_core::sc_signal<sc_dt::sc_bv<16 * kKtanhRtlLanes>> in_data_;
  sc_core::sc_signal<sc_dt::sc_bv<16 * kKtanhRtlLanes>> out_data_;
  sc_dt::sc_bv<16 * kKtanhRtlLanes> data_;  // in_data words being assembled
  Vktanh* dut_;  // owned; never destroyed (the instance lives until exit)

  // Current job, read by on_edge while drive() runs.
  const std::vector<KtanhCycleIn>* job_in_ = nullptr;
  std::vector<KtanhCycleOut>* job_out_ = nullptr;
};

}  // namespace lpsim::model
