// Entry point of the SystemC timing model of the systolic array (modules: array/array_sc_modules.h).
// No SystemC types here, so callers do not need the SystemC headers.
#pragma once
#include <cstddef>
#include <functional>
#include <vector>

#include "array/timing.h"

namespace lpsim::model {

// Simulates the layers one after the other on one array and memory system: builds the SystemC top (array
// controller, IFMAP/FILTER/OFMAP SRAM double buffers, DRAM channel), runs sc_start() to completion and
// returns one LayerTiming per layer, equal to estimate_layer() for each layer (the modules cross-check
// their simulated time against it and throw std::logic_error on a mismatch).
// SystemC elaborates once per process: run_timing may be called ONCE per process; a second call throws
// std::logic_error. It never calls sc_stop(). `progress(done, total)` is called after every layer from
// inside the simulation.
std::vector<LayerTiming> run_timing(const ArrayParams& array, const MemoryParams& mem,
                                    const std::vector<LayerShape>& layers,
                                    std::function<void(size_t done, size_t total)> progress = {});
// The same with memory parameters per layer (mems[i] for layers[i]: bits per word follow each layer's formats).
std::vector<LayerTiming> run_timing(const ArrayParams& array, const std::vector<MemoryParams>& mems,
                                    const std::vector<LayerShape>& layers,
                                    std::function<void(size_t done, size_t total)> progress = {});

}  // namespace lpsim::model
