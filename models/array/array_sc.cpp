#include "array/array_sc.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdlib>
#include <memory>
#include <stdexcept>
#include <string>

#include "array/array_sc_modules.h"

namespace lpsim::model {
namespace sc {

using sc_core::sc_time;
using sc_core::SC_NS;
using sc_core::wait;

sc_time cycles(int64_t n) { return sc_time(static_cast<double>(n), SC_NS); }
int64_t now_cycles() { return std::llround(sc_core::sc_time_stamp() / sc_time(1, SC_NS)); }

namespace {
// Waits until absolute cycle c (no-op if already there).
void wait_until(int64_t c) {
  const int64_t now = now_cycles();
  if (c > now) wait(cycles(c - now));
}
}  // namespace

// ---------------------------------------------------------------------------------------------- DramLane
DramLane::DramLane(sc_core::sc_module_name name) : sc_module(name) { SC_THREAD(serve); }

void DramLane::post(const DramRequest& r) {
  queue_.push_back(r);
  posted_.notify(sc_core::SC_ZERO_TIME);
}

uint64_t DramLane::take_words() {
  const uint64_t w = words_;
  words_ = 0;
  return w;
}

// One transfer at a time, in order: a transfer starts at its start cycle or when the lane frees up.
void DramLane::serve() {
  for (;;) {
    while (queue_.empty()) wait(posted_);
    const DramRequest r = queue_.front();
    queue_.pop_front();
    wait_until(r.start);
    if (r.busy > 0) wait(cycles(r.busy));
    words_ += static_cast<uint64_t>(r.words);
    if (r.done_count) ++*r.done_count;
    if (r.done) r.done->notify(sc_core::SC_ZERO_TIME);
  }
}

DramChannel::DramChannel(sc_core::sc_module_name name)
    : sc_module(name), lane0("ifmap_lane"), lane1("filter_lane"), lane2("ofmap_lane") {}

// -------------------------------------------------------------------------------------------- ReadBuffer
ReadBuffer::ReadBuffer(sc_core::sc_module_name name, DramLane& lane) : sc_module(name), lane_(lane) {
  SC_THREAD(prefetcher);
}

void ReadBuffer::start_layer(const detail::ReadPlan& plan, int64_t origin) {
  plan_ = plan;
  origin_ = origin;
  arrived_ = 0;
  completions_ = 0;
  fill_done_ = false;
  start_.notify(sc_core::SC_ZERO_TIME);
}

void ReadBuffer::wait_for(int64_t k) {
  while (arrived_ < k) wait(arrived_ev_);
}

// The active half is filled so that it is complete at cycle -1 of the layer; every further prefetch is
// issued when the previous one has arrived (SCALE-Sim chains prefetches back to back), so prefetch k
// arrives at cycle -1 + k * prefetch_cycles.
void ReadBuffer::prefetcher() {
  for (;;) {
    wait(start_);
    int64_t expect = completions_ + 1;
    lane_.post({origin_ - 1 - plan_.fill_cycles, plan_.fill_cycles, plan_.fill_words, &lane_done_, &completions_});
    while (completions_ < expect) wait(lane_done_);
    fill_done_ = true;
    // Prefetches nobody waits for in between are sent as one burst of back-to-back prefetches.
    int64_t k = 0;
    for (int64_t target : plan_.needed) {
      if (target <= k) continue;
      expect = completions_ + 1;
      lane_.post({now_cycles(), (target - k) * plan_.prefetch_cycles, (target - k) * plan_.prefetch_words, &lane_done_,
                  &completions_});
      while (completions_ < expect) wait(lane_done_);
      arrived_ = k = target;
      arrived_ev_.notify(sc_core::SC_ZERO_TIME);
    }
  }
}

// ------------------------------------------------------------------------------------------- WriteBuffer
WriteBuffer::WriteBuffer(sc_core::sc_module_name name, DramLane& lane) : sc_module(name), lane_(lane) {}

void WriteBuffer::start_layer(int64_t origin) {
  origin_ = origin;
  ends_.clear();
  posted_ = completed_ = 0;
}

// A drain of n lines issues its last line at `end` (SCALE-Sim's write port has no latency), so it holds
// the lane for end - start cycles and the next drain may start in that last cycle.
void WriteBuffer::post(const std::vector<detail::Drain>& drains) {
  for (const detail::Drain& d : drains) {
    lane_.post({origin_ + d.start, d.end - d.start, d.words, &done_, &completed_});
    ends_.push_back(d.end);
    ++posted_;
  }
}

void WriteBuffer::wait_drained(int64_t end) {
  // the latest posted drain ending at `end` (the one running when the buffer filled up) and all before it
  int64_t need = 0;
  for (size_t i = ends_.size(); i-- > 0;)
    if (ends_[i] == end) {
      need = static_cast<int64_t>(i) + 1;
      break;
    }
  while (completed_ < need) wait(done_);
}

void WriteBuffer::wait_all() {
  while (completed_ < posted_) wait(done_);
}

// --------------------------------------------------------------------------------------- ArrayController
ArrayController::ArrayController(sc_core::sc_module_name name, const ArrayParams& array, const MemoryParams& mem,
                                 const std::vector<LayerShape>& layers, std::function<void(size_t, size_t)> progress,
                                 ReadBuffer& ifmap, ReadBuffer& filter, WriteBuffer& ofmap, DramChannel& dram)
    : sc_module(name), array_(array), mem_(mem), layers_(layers), progress_(std::move(progress)),
      rd_{&ifmap, &filter}, wr_(ofmap), dram_(dram) {
  SC_THREAD(run);
}

void ArrayController::run() {
  try {
    for (size_t l = 0; l < layers_.size(); ++l) {
      try {
        results.push_back(run_layer(layers_[l]));
      } catch (const LimitError& e) {
        throw LayerLimitError(l, e.what());
      }
      if (progress_) progress_(l + 1, layers_.size());
    }
  } catch (...) {
    error = std::current_exception();
  }
  finished = true;
}

namespace {
void check(bool ok, const std::string& what) {
  if (!ok) throw std::logic_error("SystemC array model out of step with the timing engine: " + what);
}
}  // namespace

// One layer, as SCALE-Sim runs it: fresh buffers, the active halves filled before cycle 0, folds one after
// the other (column folds outer, row folds inner), OFMAP written back after the last line.
LayerTiming ArrayController::run_layer(const LayerShape& layer) {
  detail::LayerRun run(array_, mem_, layer);
  const int64_t fill = std::max(run.read_plan(0).fill_cycles, run.read_plan(1).fill_cycles);
  const int64_t origin = now_cycles() + fill + 1;  // layer cycle 0
  for (int op = 0; op < 2; ++op) rd_[op]->start_layer(run.read_plan(op), origin);
  wr_.start_layer(origin);
  wait_until(origin);

  const int64_t L = run.geometry().L;
  while (run.next_line() < run.lines()) {
    const int64_t fold_end = (run.next_line() / L + 1) * L;
    const int64_t left = fold_end - run.next_line();
    const int64_t quiet = run.quiet_lines(left);
    if (quiet > 0) {  // lines without memory events: one cycle each
      wait(cycles(quiet));
      run.skip(quiet);
    }
    if (quiet == left) continue;  // fold done
    check(now_cycles() == origin + run.next_issue(), "line issue time");
    const detail::LineStep& st = run.step();
    wr_.post(st.drains);
    if (st.ofmap_done > st.issue) wr_.wait_drained(st.ofmap_done);  // OFMAP buffer full: wait for the drain
    for (int op = 0; op < 2; ++op)
      if (st.need[op] > 0) rd_[op]->wait_for(st.need[op]);  // operand not in the active half yet
    wait_until(origin + st.issue + 1);
    wait_until(origin + st.ofmap_done + 1);
    check(now_cycles() == origin + st.next_issue, "stall at line " + std::to_string(st.line));
  }
  // SCALE-Sim's stall count: cycles beyond one per demand line up to the last line's completion.
  const int64_t measured_stall = now_cycles() - origin - run.lines();
  std::vector<detail::Drain> final_drains;
  LayerTiming t = run.finish(&final_drains);
  check(measured_stall == static_cast<int64_t>(t.stall_cycles), "layer stall cycles");
  wr_.post(final_drains);  // write-back after the last line (not part of the layer's cycles)
  wr_.wait_all();
  for (int op = 0; op < 2; ++op) {
    rd_[op]->wait_for(run.read_plan(op).prefetches);  // already arrived: every prefetch was needed by a line
    check(rd_[op]->idle(), "read buffer still busy at the end of the layer");
    check(dram_.lane(op).take_words() == t.traffic[op].dram_reads, "DRAM read words");
  }
  const uint64_t ofmap_words = dram_.lane(2).take_words();
  check(ofmap_words == t.traffic[kOfmap].dram_writes,
        "DRAM write words " + std::to_string(ofmap_words) + " vs " + std::to_string(t.traffic[kOfmap].dram_writes) +
            " (layer " + layer.name + ")");
  return t;
}

ArrayTop::ArrayTop(sc_core::sc_module_name name, const ArrayParams& array, const MemoryParams& mem,
                   const std::vector<LayerShape>& layers, std::function<void(size_t, size_t)> progress)
    : sc_module(name),
      dram("dram"),
      ifmap("ifmap_sram", dram.lane0),
      filter("filter_sram", dram.lane1),
      ofmap("ofmap_sram", dram.lane2),
      controller("controller", array, mem, layers, std::move(progress), ifmap, filter, ofmap, dram) {}

}  // namespace sc

std::vector<LayerTiming> run_timing(const ArrayParams& array, const MemoryParams& mem,
                                    const std::vector<LayerShape>& layers,
                                    std::function<void(size_t done, size_t total)> progress) {
  static std::atomic<bool> used{false};
  if (used.exchange(true))
    throw std::logic_error("run_timing: the SystemC model elaborates once per process and has already run");
  if (layers.empty()) return {};
  setenv("SYSTEMC_DISABLE_COPYRIGHT_MESSAGE", "1", 0);  // keep the banner off the terminal report
  // Never deleted: SystemC owns elaborated modules until the process ends.
  auto* top = new sc::ArrayTop("array", array, mem, layers, std::move(progress));
  sc_core::sc_start();  // no clocks: returns when the controller has finished and no events remain
  if (top->controller.error) std::rethrow_exception(top->controller.error);
  if (!top->controller.finished) throw std::logic_error("run_timing: simulation stopped before the last layer");
  return top->controller.results;
}

}  // namespace lpsim::model
