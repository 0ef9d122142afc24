// SystemC modules of the systolic-array timing model. Time is counted in cycles (1 cycle = 1 ns of SystemC
// time; reports convert cycles with the configured clock). Each module works at fold / prefetch / drain
// granularity; the per-line arithmetic comes from the closed-form engine (scalesim_layer.h), so the
// simulated time equals estimate_layer() exactly.
//
//   ArrayController --(start layer, prefetch plan)--> ReadBuffer x2 --(fill, prefetches)--> DramChannel
//         |  waits for prefetch k / drain end                                                  ^
//         +--(drains of the OFMAP write buffer)--> WriteBuffer --(drains)---------------------+
//
// The DRAM channel has one independent lane per operand (SCALE-Sim v2 gives every operand its own
// bandwidth and never arbitrates between them).
#pragma once
#include <systemc>

#include <cstdint>
#include <deque>
#include <exception>
#include <functional>
#include <memory>
#include <vector>

#include "array/scalesim_layer.h"
#include "array/timing.h"

namespace lpsim::model::sc {

// Cycle <-> SystemC time.
sc_core::sc_time cycles(int64_t n);
int64_t now_cycles();

// A transfer on one DRAM lane: starts at `start` (absolute cycle) or when the lane's previous transfer ends,
// whichever is later, occupies the lane for `busy` cycles, then bumps *done_count and notifies *done. A
// transfer posted after its start (a prefetch chained to the previous one, asked for only when a line needs
// it) is timed from its start all the same: it completes at once if that time has passed.
struct DramRequest {
  int64_t start = 0, busy = 0, words = 0;
  sc_core::sc_event* done = nullptr;
  int64_t* done_count = nullptr;
};

SC_MODULE(DramLane) {
  SC_HAS_PROCESS(DramLane);
  explicit DramLane(sc_core::sc_module_name name);
  void post(const DramRequest& r);
  uint64_t take_words();  // words moved since the last call

 private:
  void serve();
  std::deque<DramRequest> queue_;
  sc_core::sc_event posted_;
  uint64_t words_ = 0;
  int64_t free_at_ = 0;  // cycle the last transfer ended
};

SC_MODULE(DramChannel) {
  explicit DramChannel(sc_core::sc_module_name name);
  DramLane lane0, lane1, lane2;  // ifmap, filter, ofmap
  DramLane& lane(int op) { return op == 0 ? lane0 : op == 1 ? lane1 : lane2; }
};

// Double-buffered IFMAP or FILTER SRAM: fills its active half before the layer's first cycle, then prefetches
// the next half of its stream, each prefetch chained to the end of the previous one (SCALE-Sim), so prefetch k
// arrives at cycle -1 + k * prefetch_cycles of the layer. The bursts are sent to the DRAM lane when a line
// first needs one of their prefetches.
SC_MODULE(ReadBuffer) {
  ReadBuffer(sc_core::sc_module_name name, DramLane& lane);
  // Starts a layer whose cycle 0 is `origin` (absolute cycle): sends the fill of the active half.
  void start_layer(const detail::ReadPlan& plan, int64_t origin);
  // Blocks the calling thread until prefetch k of the current layer has arrived.
  void wait_for(int64_t k);
  bool idle() const { return completions_ == posted_requests_; }

 private:
  DramLane& lane_;
  detail::ReadPlan plan_;
  int64_t origin_ = 0, posted_ = 0, completions_ = 0, posted_requests_ = 0;
  sc_core::sc_event lane_done_;
};

// OFMAP SRAM double buffer: the controller hands it the drains its writes trigger; a write that found the
// buffer full blocks until the running drain has ended.
SC_MODULE(WriteBuffer) {
  SC_HAS_PROCESS(WriteBuffer);
  WriteBuffer(sc_core::sc_module_name name, DramLane& lane);
  void start_layer(int64_t origin);
  void post(const std::vector<detail::Drain>& drains);
  // Blocks until the drain ending at layer cycle `end` has completed.
  void wait_drained(int64_t end);
  void wait_all();  // every posted drain has completed

 private:
  DramLane& lane_;
  int64_t origin_ = 0, posted_ = 0, completed_ = 0;
  std::deque<int64_t> ends_;  // layer-cycle ends of posted drains, in order
  sc_core::sc_event done_;
};

// Walks the layers and their folds: runs quiet stretches of demand lines as one timed wait, and at a line
// with a memory event waits on the read buffers (prefetch arrival) and the write buffer (drain end).
SC_MODULE(ArrayController) {
  SC_HAS_PROCESS(ArrayController);
  ArrayController(sc_core::sc_module_name name, const ArrayParams& array, const std::vector<MemoryParams>& mems,
                  const std::vector<LayerShape>& layers, std::function<void(size_t, size_t)> progress,
                  ReadBuffer& ifmap, ReadBuffer& filter, WriteBuffer& ofmap, DramChannel& dram);
  std::vector<LayerTiming> results;
  std::exception_ptr error;
  bool finished = false;

 private:
  void run();
  LayerTiming run_layer(const LayerShape& layer, const MemoryParams& mem);
  ArrayParams array_;
  std::vector<MemoryParams> mems_;  // one per layer
  std::vector<LayerShape> layers_;
  std::function<void(size_t, size_t)> progress_;
  ReadBuffer* rd_[2];
  WriteBuffer& wr_;
  DramChannel& dram_;
};

SC_MODULE(ArrayTop) {
  ArrayTop(sc_core::sc_module_name name, const ArrayParams& array, const std::vector<MemoryParams>& mems,
           const std::vector<LayerShape>& layers, std::function<void(size_t, size_t)> progress);
  DramChannel dram;
  ReadBuffer ifmap, filter;
  WriteBuffer ofmap;
  ArrayController controller;
};

}  // namespace lpsim::model::sc
