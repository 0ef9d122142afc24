// The cycles at which SCALE-Sim v2's DETAILED_ACCESS_REPORT.csv places each operand's first and last SRAM and
// DRAM access in one layer (layer-relative cycles: the first demand line issues at cycle 0, the initial SRAM
// fill ends at -1). Derived from the same memory model as the layer's cycles (scalesim_layer.h):
//   SRAM reads  first / last demand line with a real (non-padding) address of the operand, at its issue cycle + 1
//   SRAM OFMAP  first / last line that writes outputs, at the cycle the write buffer accepts them
//   DRAM reads  from -(initial fill cycles) to the arrival of the last prefetch (-1 without prefetches)
//   DRAM OFMAP  from the start of the first drain to the end of the last (including the final write-back)
// Matches every row of the SCALE-Sim v2 oracle (tests/data/scalesim), with and without stalls.
#pragma once
#include <cstdint>

#include "array/timing.h"

namespace lpsim::model {

struct AccessSpans {
  int64_t sram_start[3] = {0, 0, 0}, sram_stop[3] = {0, 0, 0};  // indexed by Operand
  int64_t dram_start[3] = {0, 0, 0}, dram_stop[3] = {0, 0, 0};
  bool sram_known[3] = {false, false, false};  // false: no access, or not found within the search bound
};

// Costs one more pass of the layer's memory model (as estimate_layer) plus a search of at most a few folds'
// first and last lines for the first/last real access.
AccessSpans access_spans(const ArrayParams& array, const MemoryParams& mem, const LayerShape& layer);

}  // namespace lpsim::model
