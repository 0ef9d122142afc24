// CycleBench: the clock and edge machinery shared by the SystemC benches around verilated RTL (the K-TanH SFU,
// models/sfu/ktanh_sfu.h, and the co-verified blocks, rtl_benches.h). A bench owns a gated clock and calls
// on_edge() at every rising edge of a job; the derived class reads the DUT's outputs there and writes its
// inputs for the next cycle.
//
// SystemC semantics make the rising edge a clean cycle boundary: reads see the values the outputs held during
// the cycle that just ended (the DUT's own update of this edge lands in a later delta), and writes become
// visible after this edge, so the DUT samples them at the next one.
// The clock toggles only while a job runs, so an idle bench schedules no events and a bare sc_start() elsewhere
// in the process (the array timing model runs until its events are exhausted) still returns. SystemC elaborates
// once per process: benches are built before the first sc_start() and never destroyed; run_edges() advances
// time with sc_start() and never calls sc_stop(), so any number of jobs can run in one process.
#pragma once
#include <cstddef>
#include <cstdint>
#include <systemc>

namespace lpsim::model {

class CycleBench : public sc_core::sc_module {
 public:
  uint64_t cycles_simulated() const { return cycles_simulated_; }  // rising edges since construction

 protected:
  CycleBench(sc_core::sc_module_name name, double period_ns);
  // Runs a job of `edges` rising edges (edge 0 first, half a period after the job starts), calling on_edge(e)
  // at each. Throws std::logic_error if SystemC stops early.
  void run_edges(size_t edges);
  // At rising edge e: outputs of cycle e - 1 (for e >= 1) are readable, inputs written now are those of cycle e.
  // The job's last on_edge() should leave the inputs idle (valid low): nothing drives them between jobs.
  virtual void on_edge(size_t edge) = 0;

  sc_core::sc_signal<bool> clk_;

 private:
  void clock_thread();
  void edge_thread();

  double period_ns_;
  sc_core::sc_event job_start_;
  bool job_pending_ = false;  // set by run_edges(); also covers a job posted before the thread first runs
  bool job_active_ = false;
  size_t job_edges_ = 0;  // rising edges the job needs
  size_t job_pos_ = 0;    // rising edges handled so far
  uint64_t cycles_simulated_ = 0;
};

}  // namespace lpsim::model
