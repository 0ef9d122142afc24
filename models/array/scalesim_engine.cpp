#include "array/scalesim_engine.h"

#include "array/scalesim_geometry.h"
#include "array/scalesim_layer.h"

namespace lpsim::model {

LayerTiming estimate_layer(const ArrayParams& array, const MemoryParams& mem, const LayerShape& layer) {
  detail::LayerRun run(array, mem, layer);
  while (run.next_line() < run.lines()) {
    const int64_t quiet = run.quiet_lines(run.lines() - run.next_line());
    if (quiet > 0) run.skip(quiet);  // lines (and whole folds) without a memory event: one cycle each
    else run.step();                 // a line with an event, serviced word-exactly
  }
  return run.finish();
}

LayerTiming compute_timing(const ArrayParams& array, const LayerShape& layer) {
  return detail::compute_part(detail::make_geometry(array, layer), layer);
}

double timing_memory_bytes(const ArrayParams& array, const MemoryParams& mem, const LayerShape& layer) {
  // The engine keeps no per-fold or per-row state: the memo of fold reads (bounded, about 64 MB at most) and
  // the triggers of the fold being walked (24 bytes per prefetch it issues: at most its stream words per
  // prefetch, plus the one that brings the window round the stream).
  const detail::Geometry g = detail::make_geometry(array, layer);
  double bytes = 64.0 * 1024 * 1024;
  for (int op = 0; op < 2; ++op) {
    const detail::StreamDef sd = detail::stream_def(g, op);
    const detail::BufferSizing bs = detail::buffer_sizing(mem, op);
    const double words = static_cast<double>(sd.Tlen + sd.W) * static_cast<double>(sd.W);  // one fold's demand
    bytes += 24.0 * (words / static_cast<double>(std::max<int64_t>(1, bs.other)) + 2);
  }
  return bytes;
}

}  // namespace lpsim::model
