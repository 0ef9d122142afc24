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
  const detail::Geometry g = detail::make_geometry(array, layer);
  double bytes = 0;
  for (int op = 0; op < 2; ++op) {
    // StreamIndex: one 8-byte prefix count per stream row (diagonal), built when the stream exceeds the SRAM.
    const detail::StreamDef sd = detail::stream_def(g, op);
    const detail::BufferSizing bs = detail::buffer_sizing(mem, op);
    const double cells = static_cast<double>(sd.nb) * static_cast<double>(sd.Tlen) * static_cast<double>(sd.W);
    if (cells > static_cast<double>(bs.active))
      bytes += 8.0 * (static_cast<double>(sd.nb) * static_cast<double>(sd.Tlen) + static_cast<double>(sd.W));
  }
  return bytes;
}

}  // namespace lpsim::model
