#include "array/scalesim_engine.h"

#include "array/scalesim_layer.h"

namespace lpsim::model {

LayerTiming estimate_layer(const ArrayParams& array, const MemoryParams& mem, const LayerShape& layer) {
  detail::LayerRun run(array, mem, layer);
  while (run.next_line() < run.lines()) {
    const int64_t left = run.lines() - run.next_line();
    const int64_t quiet = run.quiet_lines(left);
    run.skip(quiet);
    if (quiet < left) run.step();
  }
  return run.finish();
}

}  // namespace lpsim::model
