#include "array/access_spans.h"

#include <algorithm>
#include <vector>

#include "array/scalesim_geometry.h"
#include "array/scalesim_layer.h"

namespace lpsim::model {

namespace {

using detail::Geometry;

// Whether demand line t of fold `fold` (col-fold outer, row-fold inner, as SCALE-Sim orders them) touches the
// operand: a real read address (not -1 padding) for ifmap/filter, at least one output word for ofmap.
bool line_touches(const Geometry& g, const detail::StreamDef& sd, int op, int64_t fold, int64_t t) {
  const int64_t fc = fold / g.row_folds, fr = fold % g.row_folds;
  if (op == kOfmap) return detail::ofmap_line_writes(g, fc, fr, t) > 0;
  for (int64_t c = 0; c < g.C; ++c) {
    int64_t b = 0, u = 0;
    if (detail::demand_cell(g, sd, fc, fr, t, c, b, u) && detail::cell_addr(g, sd, b, u, c) >= 0) return true;
  }
  return false;
}

// First (forward) or last (backward) global line touching the operand. Within a fold the operand can only be
// touched in a known range of lines: a skewed (diagonal) read stream from its first temporal element to the last
// one plus the column skew, a stationary tile load in the first R lines, OFMAP writes anywhere. The search covers
// at most a few folds and, per fold, the skew width of lines (plus T for the first OFMAP write, which follows the
// reduction), so a degenerate layer cannot make it long. -1 when none is found.
int64_t find_line(const Geometry& g, int op, bool forward) {
  const detail::StreamDef sd = op == kOfmap ? detail::StreamDef{} : detail::stream_def(g, op);
  int64_t lo = 0, hi = g.L;  // candidate lines [lo, hi) of a fold
  if (op != kOfmap) {
    if (sd.diagonal) {
      lo = std::min(g.L, sd.pre);
      hi = std::min(g.L, sd.pre + sd.Tlen + g.C);
    } else {
      hi = std::min(g.L, g.R);
    }
  }
  const int64_t bound = (op == kOfmap && forward ? g.T : 0) + 4 * (g.R + g.C) + 16;
  const int64_t span = std::min(hi - lo, bound);
  const int64_t folds = std::min<int64_t>(g.folds, 4);
  for (int64_t i = 0; i < folds; ++i) {
    const int64_t fold = forward ? i : g.folds - 1 - i;
    for (int64_t j = 0; j < span; ++j) {
      const int64_t t = forward ? lo + j : hi - 1 - j;
      if (line_touches(g, sd, op, fold, t)) return fold * g.L + t;
    }
  }
  return -1;
}

}  // namespace

AccessSpans access_spans(const ArrayParams& array, const MemoryParams& mem, const LayerShape& layer) {
  AccessSpans s;
  detail::LayerRun run(array, mem, layer);
  const Geometry& g = run.geometry();
  int64_t first[3], last[3];
  for (int op = 0; op < 3; ++op) {
    first[op] = find_line(g, op, true);
    last[op] = find_line(g, op, false);
  }
  // Issue cycle of each target line (and the OFMAP acceptance cycle), found while stepping the memory model: a
  // quiet line issues one cycle after the previous one; an event line reports its own cycles.
  struct Target {
    int64_t line;
    int op;
    bool is_first;
  };
  std::vector<Target> targets;
  for (int op = 0; op < 3; ++op)
    if (first[op] >= 0 && last[op] >= 0) {
      targets.push_back({first[op], op, true});
      targets.push_back({last[op], op, false});
    }
  std::sort(targets.begin(), targets.end(), [](const Target& a, const Target& b) { return a.line < b.line; });
  size_t ti = 0;
  auto record = [&](const Target& t, int64_t issue, int64_t accepted) {
    const int64_t cycle = t.op == kOfmap ? accepted : issue + 1;
    (t.is_first ? s.sram_start : s.sram_stop)[t.op] = cycle;
    s.sram_known[t.op] = true;
  };
  std::vector<detail::Drain> drains;
  while (run.next_line() < run.lines()) {
    const int64_t i = run.next_line(), issue0 = run.next_issue();
    const int64_t left = run.lines() - i;
    const int64_t quiet = run.quiet_lines(left);
    for (; ti < targets.size() && targets[ti].line < i + quiet; ++ti)
      record(targets[ti], issue0 + (targets[ti].line - i), issue0 + (targets[ti].line - i));
    run.skip(quiet);
    if (quiet < left) {
      const detail::LineStep& st = run.step();
      for (; ti < targets.size() && targets[ti].line == st.line; ++ti) record(targets[ti], st.issue, st.ofmap_done);
      drains.insert(drains.end(), st.drains.begin(), st.drains.end());
    }
  }
  std::vector<detail::Drain> final_drains;
  run.finish(&final_drains);
  drains.insert(drains.end(), final_drains.begin(), final_drains.end());
  for (int op = 0; op < 2; ++op) {
    const detail::ReadPlan& p = run.read_plan(op);
    s.dram_start[op] = -p.fill_cycles;
    s.dram_stop[op] = p.prefetches > 0 ? p.arrival(p.prefetches) : -1;
  }
  if (!drains.empty()) {
    s.dram_start[kOfmap] = drains.front().start;
    s.dram_stop[kOfmap] = drains.back().end;
  }
  return s;
}

}  // namespace lpsim::model
