// Synthesized PE areas (accelerator.cost.pe_area: synth, issue 16): which co-verified RTL block implements a PE
// configuration, and its NAND2 equivalents per MAC lane from rtl/pe_area.json (scripts/synth-area.sh), which is
// compiled in (editing it re-runs CMake).
#pragma once
#include <string>

#include "pe/pe.h"

namespace lpsim::cfg {

struct SynthPeArea {
  std::string block;        // rtl/pe_area.json key: fp8_mac, bf16_mac, int16_fma, int16_fma_sat, int8_fma, mx_dot
  double block_nand2_eq = 0;  // the whole block
  int macs_per_cycle = 1;     // element products per cycle (VNNI pair 2, MX dot 32)
  double nand2_eq_per_mac() const { return block_nand2_eq / macs_per_cycle; }
  std::string describe() const;  // "rtl/pe_area.json fp8_mac: 2163.0 NAND2-eq / 1 MAC per cycle"
};

// The block for this PE; throws std::invalid_argument (naming the synthesized configurations) when none of
// the co-verified blocks implements it (formats, accumulator, block size or INT32 policy).
SynthPeArea synth_pe_area(const model::ResolvedPe& pe);

}  // namespace lpsim::cfg
