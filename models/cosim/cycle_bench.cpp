#include "cosim/cycle_bench.h"

#include <stdexcept>
#include <string>

namespace lpsim::model {

CycleBench::CycleBench(sc_core::sc_module_name name, double period_ns)
    : sc_core::sc_module(name), clk_("clk", false), period_ns_(period_ns) {
  SC_HAS_PROCESS(CycleBench);
  SC_THREAD(edge_thread);
  sensitive << clk_.posedge_event();  // initialised at time 0: runs to its first wait() before any edge
  SC_THREAD(clock_thread);
}

// One job = job_edges_ clock periods; the first rising edge comes half a period after the job starts.
void CycleBench::clock_thread() {
  const sc_core::sc_time half(period_ns_ / 2, sc_core::SC_NS);
  for (;;) {
    while (!job_pending_) wait(job_start_);
    job_pending_ = false;
    for (size_t e = 0; e < job_edges_; ++e) {
      wait(half);
      clk_.write(true);
      wait(half);
      clk_.write(false);
    }
  }
}

void CycleBench::edge_thread() {
  for (;;) {
    wait();
    ++cycles_simulated_;
    if (!job_active_ || job_pos_ >= job_edges_) continue;  // the clock only runs during jobs
    on_edge(job_pos_);
    ++job_pos_;
  }
}

void CycleBench::run_edges(size_t edges) {
  if (edges == 0) return;
  job_edges_ = edges;
  job_pos_ = 0;
  job_active_ = true;
  job_pending_ = true;
  job_start_.notify(sc_core::SC_ZERO_TIME);
  sc_core::sc_start();  // returns when the gated clock has stopped and no events remain
  job_active_ = false;
  if (job_pos_ != job_edges_) {
    throw std::logic_error(std::string(name()) + ": sc_start ended after " + std::to_string(job_pos_) + " of " +
                           std::to_string(job_edges_) + " clock edges, at " + sc_core::sc_time_stamp().to_string());
  }
}

}  // namespace lpsim::model
