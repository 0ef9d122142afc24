#include "array/array_sc.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdlib>
#include <memory>
#include <stdexcept>
#include <limits>
#include <string>

#include "array/array_sc_modules.h"

namespace lpsim::model {
namespace sc {

using sc_core::sc_time;
using sc_core::SC_NS;
using sc_core::wait;

namespace {
// SystemC time in resolution units (1 ps by default) per cycle (1 ns): exact integer conversions.
sc_core::sc_time::value_type units_per_cycle() {
  static const sc_core::sc_time::value_type u = sc_time(1, SC_NS).value();
  return u;
}
// The largest cycle SystemC's 64-bit time can hold (2^64 ps = 1.8e16 cycles of 1 ns).
int64_t max_cycles() {
  return static_cast<int64_t>(std::min<sc_core::sc_time::value_type>(
      std::numeric_limits<sc_core::sc_time::value_type>::max() / units_per_cycle(),
      static_cast<sc_core::sc_time::value_type>(std::numeric_limits<int64_t>::max())));
}
}  // namespace

[[noreturn]] void time_limit() {
  throw LimitError("the run's simulated time exceeds SystemC's limit of " + std::to_string(max_cycles()) +
                   " cycles (64-bit time at 1 ps resolution)");
}

sc_time cycles(int64_t n) {
  if (n < 0) n = 0;
  if (n > max_cycles()) time_limit();
  return sc_time::from_value(static_cast<sc_core::sc_time::value_type>(n) * units_per_cycle());
}
int64_t now_cycles() { return static_cast<int64_t>(sc_core::sc_time_stamp().value() / units_per_cycle()); }

namespace {
// Waits until absolute cycle c (no-op if already there).
void wait_until(int64_t c) {
  if (c > max_cycles()) time_limit();  // SystemC's time would wrap round silently
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
    free_at_ = chk::add(std::max(r.start, free_at_), std::max<int64_t>(0, r.busy), "DRAM lane cycle");
    wait_until(free_at_);
    words_ += static_cast<uint64_t>(r.words);
    if (r.done_count) ++*r.done_count;
    if (r.done) r.done->notify(sc_core::SC_ZERO_TIME);
  }
}

DramChannel::DramChannel(sc_core::sc_module_name name)
    : sc_module(name), lane0("ifmap_lane"), lane1("filter_lane"), lane2("ofmap_lane") {}

// -------------------------------------------------------------------------------------------- ReadBuffer
ReadBuffer::ReadBuffer(sc_core::sc_module_name name, DramLane& lane) : sc_module(name), lane_(lane) {}

// The active half is filled so that it is complete at cycle -1 of the layer.
void ReadBuffer::start_layer(const detail::ReadPlan& plan, int64_t origin) {
  plan_ = plan;
  origin_ = origin;
  posted_ = completions_ = posted_requests_ = 0;
  lane_.post({origin_ - 1 - plan_.fill_cycles, plan_.fill_cycles, plan_.fill_words, &lane_done_, &completions_});
  ++posted_requests_;
}

// Prefetches posted_+1..k go out as one back-to-back burst starting when prefetch posted_ arrived (SCALE-Sim
// chains every prefetch to the previous one, whoever needs it), so prefetch k arrives at -1 + k * prefetch_cycles.
void ReadBuffer::wait_for(int64_t k) {
  if (k > posted_) {
    const int64_t n = k - posted_;
    lane_.post({chk::add(origin_ - 1, chk::mul(posted_, plan_.prefetch_cycles, "prefetch cycle"), "prefetch cycle"),
                chk::mul(n, plan_.prefetch_cycles, "prefetch cycles"), chk::mul(n, plan_.prefetch_words, "words"),
                &lane_done_, &completions_});
    ++posted_requests_;
    posted_ = k;
  }
  while (completions_ < posted_requests_) wait(lane_done_);
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
ArrayController::ArrayController(sc_core::sc_module_name name, const ArrayParams& array,
                                 const std::vector<MemoryParams>& mems,
                                 const std::vector<LayerShape>& layers, std::function<void(size_t, size_t)> progress,
                                 ReadBuffer& ifmap, ReadBuffer& filter, WriteBuffer& ofmap, DramChannel& dram)
    : sc_module(name), array_(array), mems_(mems), layers_(layers), progress_(std::move(progress)),
      rd_{&ifmap, &filter}, wr_(ofmap), dram_(dram) {
  SC_THREAD(run);
}

void ArrayController::run() {
  try {
    for (size_t l = 0; l < layers_.size(); ++l) {
      try {
        results.push_back(run_layer(layers_[l], mems_[l]));
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
LayerTiming ArrayController::run_layer(const LayerShape& layer, const MemoryParams& mem) {
  detail::LayerRun run(array_, mem, layer);
  const int64_t fill = std::max(run.read_plan(0).fill_cycles, run.read_plan(1).fill_cycles);
  const int64_t origin = now_cycles() + fill + 1;  // layer cycle 0
  for (int op = 0; op < 2; ++op) rd_[op]->start_layer(run.read_plan(op), origin);
  wr_.start_layer(origin);
  wait_until(origin);

  // The controller walks the lines in batches of up to kBatch memory events (quiet stretches, whole folds
  // included, cost nothing): the batch's drains go to the OFMAP buffer, each read buffer gets one burst up to
  // the prefetches the batch's lines needed, and the controller waits on every drain a full buffer waited for,
  // then until the batch's last line has completed. The modules time their transfers themselves (DRAM lanes,
  // prefetches chained to each other, drains); any disagreement with the engine shows at the batch end.
  constexpr int kBatch = 256;
  std::vector<detail::Drain> drains;
  std::vector<int64_t> full;  // ends of the drains lines waited for (OFMAP buffer full)
  while (run.next_line() < run.lines()) {
    drains.clear();
    full.clear();
    for (int events = 0; events < kBatch && run.next_line() < run.lines();) {
      const int64_t quiet = run.quiet_lines(run.lines() - run.next_line());
      if (quiet > 0) {
        run.skip(quiet);
        continue;
      }
      const detail::LineStep& st = run.step();
      ++events;
      drains.insert(drains.end(), st.drains.begin(), st.drains.end());
      if (st.ofmap_done > st.issue) full.push_back(st.ofmap_done);
    }
    // SystemC's 64-bit time must hold every transfer of the batch (else it would wrap round in a lane)
    int64_t latest = run.next_issue();
    for (const detail::Drain& d : drains) latest = std::max(latest, d.end);
    if (chk::add(origin, latest, "cycle") > max_cycles()) time_limit();
    wr_.post(drains);
    for (int64_t end : full) wr_.wait_drained(end);
    for (int op = 0; op < 2; ++op)
      if (run.needed(op) > 0) rd_[op]->wait_for(run.needed(op));
    wait_until(origin + run.next_issue());
    check(now_cycles() == origin + run.next_issue(), "line " + std::to_string(run.next_line()) + " issue time");
  }
  // SCALE-Sim's stall count: cycles beyond one per demand line up to the last line's completion.
  const int64_t measured_stall = now_cycles() - origin - run.lines();
  std::vector<detail::Drain> final_drains;
  LayerTiming t = run.finish(&final_drains);
  check(measured_stall == static_cast<int64_t>(t.stall_cycles), "layer stall cycles");
  for (const detail::Drain& d : final_drains)
    if (chk::add(origin, d.end, "cycle") > max_cycles()) time_limit();
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

ArrayTop::ArrayTop(sc_core::sc_module_name name, const ArrayParams& array, const std::vector<MemoryParams>& mems,
                   const std::vector<LayerShape>& layers, std::function<void(size_t, size_t)> progress)
    : sc_module(name),
      dram("dram"),
      ifmap("ifmap_sram", dram.lane0),
      filter("filter_sram", dram.lane1),
      ofmap("ofmap_sram", dram.lane2),
      controller("controller", array, mems, layers, std::move(progress), ifmap, filter, ofmap, dram) {}

}  // namespace sc

std::vector<LayerTiming> run_timing(const ArrayParams& array, const MemoryParams& mem,
                                    const std::vector<LayerShape>& layers,
                                    std::function<void(size_t done, size_t total)> progress) {
  return run_timing(array, std::vector<MemoryParams>(layers.size(), mem), layers, std::move(progress));
}

std::vector<LayerTiming> run_timing(const ArrayParams& array, const std::vector<MemoryParams>& mems,
                                    const std::vector<LayerShape>& layers,
                                    std::function<void(size_t done, size_t total)> progress) {
  if (mems.size() != layers.size()) throw std::logic_error("run_timing: one MemoryParams per layer expected");
  static std::atomic<bool> used{false};
  if (used.exchange(true))
    throw std::logic_error("run_timing: the SystemC model elaborates once per process and has already run");
  if (layers.empty()) return {};
  setenv("SYSTEMC_DISABLE_COPYRIGHT_MESSAGE", "1", 0);  // keep the banner off the terminal report
  // Never deleted: SystemC owns elaborated modules until the process ends.
  auto* top = new sc::ArrayTop("array", array, mems, layers, std::move(progress));
  sc_core::sc_start();  // no clocks: returns when the controller has finished and no events remain
  if (top->controller.error) std::rethrow_exception(top->controller.error);
  if (!top->controller.finished) throw std::logic_error("run_timing: simulation stopped before the last layer");
  return top->controller.results;
}

}  // namespace lpsim::model
