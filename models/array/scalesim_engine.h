// SCALE-Sim v2 compatible timing of one layer on a systolic array (pure C++, no SystemC).
//
// estimate_layer(): closed forms per fold for compute cycles, utilisation and SRAM counts, and an
// event-driven model of SCALE-Sim's double-buffered read buffers (one event per prefetch) and OFMAP write
// buffer (one event per drain) for stalls and DRAM traffic. Cost grows with the number of prefetches and
// drains, not with cycles. See models/array/README.md for the formulas.
//
// replay_layer(): a line-by-line replay of SCALE-Sim's memory system (one step per demand line and word,
// like SCALE-Sim itself). Slow; it exists to validate estimate_layer() beyond the oracle data.
#pragma once
#include "array/timing.h"

namespace lpsim::model {

LayerTiming estimate_layer(const ArrayParams& array, const MemoryParams& mem, const LayerShape& layer);

LayerTiming replay_layer(const ArrayParams& array, const MemoryParams& mem, const LayerShape& layer);

// The stall-free part of estimate_layer() in O(1): folds, compute cycles, utilisation, SRAM counts, MACs.
// Throws LimitError (base/checked.h) when one of the layer's figures exceeds 64 bits; the run's pre-flight
// calls it for every layer before anything is simulated.
LayerTiming compute_timing(const ArrayParams& array, const LayerShape& layer);

// Bytes estimate_layer() / run_timing() hold while timing this layer (a double: compared with a budget).
double timing_memory_bytes(const ArrayParams& array, const MemoryParams& mem, const LayerShape& layer);

}  // namespace lpsim::model
