// Internal: one layer of the SCALE-Sim v2 compatible memory model as a stepper, shared by estimate_layer()
// and the SystemC modules (array_sc.cpp). It walks the demand lines from event to event:
//   * quiet_lines(): how many lines from the next one run with no memory event (one cycle each);
//   * step(): the next line has an event (a read buffer must have delivered a prefetch, or the OFMAP
//     buffer starts a drain / is full); it is serviced word-exactly.
// Time here is SCALE-Sim's layer-relative cycle: line 0 issues at cycle 0, the initial SRAM fill ends at -1.
#pragma once
#include <cstdint>
#include <memory>
#include <vector>

#include "array/scalesim_geometry.h"
#include "array/timing.h"

namespace lpsim::model::detail {

// One OFMAP drain: `lines` DRAM lines (`words` counted the SCALE-Sim way) from `start` to `end` inclusive.
struct Drain {
  int64_t start = 0, lines = 0, end = 0, words = 0;
};

// A read buffer's DRAM activity: the initial fill (fill_cycles, ending at cycle -1), then `prefetches`
// back-to-back prefetches of prefetch_cycles each (lines + DRAM latency): prefetch k arrives at
// -1 + k * prefetch_cycles (SCALE-Sim chains each prefetch to the end of the previous one).
struct ReadPlan {
  int64_t fill_cycles = 0;
  int64_t prefetches = 0;  // set by LayerRun::finish (the read side is evaluated as the walk reaches a fold)
  int64_t prefetch_cycles = 1;
  int64_t fill_words = 0, prefetch_words = 0;  // DRAM words counted per fill / per prefetch
  int64_t arrival(int64_t k) const { return -1 + k * prefetch_cycles; }
};

struct LineStep {
  int64_t line = 0;        // global demand line index
  int64_t issue = 0;       // cycle the line is issued
  int64_t ofmap_done = 0;  // cycle its OFMAP words are accepted (> issue: the write buffer was full)
  int64_t need[2] = {0, 0};  // prefetches each read buffer must have delivered for this line (0: none)
  int64_t next_issue = 0;  // max(issue + 1, ofmap_done + 1, arrival(need) for both read buffers)
  std::vector<Drain> drains;  // drains started while servicing this line
};

// Irregular operand streams (conv windows past the input) with at most this many diagonals/rows index their
// positions with a prefix table (8 bytes per entry); longer ones use the closed form. Tests set it to 0 to check
// the closed form against the table.
int64_t& stream_table_limit();

class LayerRun {
 public:
  LayerRun(const ArrayParams& array, const MemoryParams& mem, const LayerShape& layer);
  ~LayerRun();
  LayerRun(const LayerRun&) = delete;
  LayerRun& operator=(const LayerRun&) = delete;

  const Geometry& geometry() const;
  int64_t lines() const;       // folds * L
  int64_t next_line() const;   // index of the next line to issue
  int64_t next_issue() const;  // cycle it issues at
  // Prefetches of read buffer op that the lines before next_line() needed (all arrived by next_issue()).
  int64_t needed(int op) const;
  const ReadPlan& read_plan(int op) const;

  // Lines from next_line() (at most `limit`) that issue one cycle after another with no memory event; may span
  // whole folds that read nothing new.
  int64_t quiet_lines(int64_t limit);
  void skip(int64_t n);
  const LineStep& step();
  // After the last line: OFMAP write-back of what is left (not part of the layer's cycles, as in
  // SCALE-Sim) and the layer's result.
  LayerTiming finish(std::vector<Drain>* final_drains = nullptr);

 private:
  struct Impl;
  std::unique_ptr<Impl> p_;
};

}  // namespace lpsim::model::detail
