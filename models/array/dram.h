// DRAM presets of the reuse memory model (accelerator.memory.dram.type). One channel's peak bandwidth is the JEDEC
// data rate times the bus width; `channels` in the config multiplies it. Latency is a typical first-access figure,
// paid once per op by the model (later transfers are prefetched). Energy per bit lives in the technology table
// (configs/tech/horowitz_45nm.yaml, dram.types.<name>) so that every DRAM figure of the cost model has one source.
#pragma once
#include <string>
#include <vector>

namespace lpsim::model {

struct DramPreset {
  const char* name;
  double gbs_per_channel;  // GB/s (1e9 B/s) per channel or stack
  double latency_ns;       // first-access latency
  const char* what;        // the figure and its source, for --help and README
};

inline const std::vector<DramPreset>& dram_presets() {
  static const std::vector<DramPreset> p = {
      // JESD79-4 (DDR4): 3200 MT/s on a 64-bit channel = 3.2e9 x 8 B = 25.6 GB/s; tRCD + CL ~ 2 x 13.75 ns plus
      // controller and PHY: ~50 ns to the first data.
      {"ddr4_3200", 25.6, 50, "ddr4_3200 25.6 GB/s (JESD79-4: 3200 MT/s x 64 bit), 50 ns"},
      // JESD209-5 (LPDDR5): 6400 MT/s on a 64-bit bus (4 x 16-bit channels) = 51.2 GB/s.
      {"lpddr5_6400", 51.2, 60, "lpddr5_6400 51.2 GB/s (JESD209-5: 6400 MT/s x 64 bit), 60 ns"},
      // HBM2E: 3.6 Gb/s per pin x 1024 pins = 460.8 GB/s per stack (SK hynix and Samsung HBM2E data sheets; JESD235
      // family).
      {"hbm2e", 460.8, 80, "hbm2e 460.8 GB/s per stack (3.6 Gb/s x 1024 pins), 80 ns"},
      // HBM3: 6.4 Gb/s per pin x 1024 pins = 819.2 GB/s per stack (JESD238).
      {"hbm3", 819.2, 80, "hbm3 819.2 GB/s per stack (JESD238: 6.4 Gb/s x 1024 pins), 80 ns"},
  };
  return p;
}

inline const DramPreset* find_dram_preset(const std::string& name) {
  for (const auto& d : dram_presets())
    if (name == d.name) return &d;
  return nullptr;
}

}  // namespace lpsim::model
