// Co-verification of the RTL blocks against lpsim's C++ models (`lpsim cosim BLOCK`, tests/cosim):
//   fp8_mac, bf16_mac  rtl/{fp8,bf16}_mac.sv   vs models/pe pe_mac_step (FP32 accumulator), operands decoded by the
//                                               numerics codec;
//   int16_fma          rtl/int16_fma.sv (wrap and saturate side by side) vs models/pe pe_vnni_step;
//   mx_dot             rtl/mx_dot.sv           vs models/pe pe_mx_block_step (elements and scales decoded by numerics);
//   tile               rtl/systolic_tile.sv    vs models/pe run_gemm (dataflow os, the tile's size) for whole GEMMs,
//                                               and its cycles per fold vs lpsim's OS formula (array geometry).
// The K-TanH block keeps its own runner (models/sfu/ktanh_cosim.h).
//
// MAC-type blocks are checked step by step: the model computes each step from the accumulator the RTL held
// before it (in_acc for a chain's first step, else the RTL's previous result), so every mismatch is reported with
// exactly the inputs that produced it and one wrong step does not cascade through its chain. Results are compared
// bit for bit; a NaN from the model is compared as the canonical 0x7fc00000 that the RTL produces (NaN payloads
// are host-FPU details lpsim does not model; rtl/README.md "NaN results").
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "cosim/rtl_benches.h"

namespace lpsim::model {

enum class CosimInputKind : uint8_t { kExhaustive, kRandom, kCorners };

struct CosimInputs {
  CosimInputKind kind = CosimInputKind::kCorners;
  uint64_t count = 0;  // kRandom: steps (MAC blocks), vectors (ktanh) or GEMMs (tile)
  uint64_t seed = 1;
};

// A deliberately wrong reference, to show that the comparison fails when it should (tests, and README).
struct CosimFault {
  // Flip bit `bit` of the model's result for vector number `vector` (a single-bit difference).
  bool flip = false;
  uint64_t vector = 0;
  int bit = 0;
  // A plausible but wrong model: fp8_mac/bf16_mac: the accumulator rounds ties away from zero (not to even);
  // int16_fma: the two INT32 policies swapped; mx_dot: a NaN scale read as 2^128; tile: the GEMM accumulated in
  // ws order (K split into folds of the tile's rows) instead of os.
  bool variant = false;
};

using CosimProgress = std::function<void(uint64_t done, uint64_t total)>;

struct BlockCosimResult {
  std::string block;       // "fp8_mac", ...
  std::string input_desc;  // where the vectors came from
  std::string rtl_desc, model_desc;
  std::string vector_unit = "vectors";  // what one checked vector is ("steps", "outputs")
  uint64_t vectors = 0;
  uint64_t mismatches = 0;
  std::vector<std::string> first_mismatches;  // "inputs -> RTL x, model y", the first kMaxListed in order
  uint64_t cycles = 0, expected_cycles = 0;   // measured on the RTL / predicted
  std::string cycle_rule;                     // how expected_cycles is derived
  double rtl_seconds = 0;                     // host time inside the RTL simulation
  double seconds = 0;                         // whole run: generation, RTL, model, comparison
  std::vector<std::string> details;           // block-specific lines (overflow counts, tile shapes, ...)
  bool passed() const { return mismatches == 0 && cycles == expected_cycles; }
  static constexpr size_t kMaxListed = 10;
};

struct CosimBlockInfo {
  const char* name;
  const char* summary;
  const char* default_inputs;  // "exhaustive", "corners" or "random:N"
  bool has_exhaustive;
};
// Every block `lpsim cosim` knows, K-TanH first.
const std::vector<CosimBlockInfo>& cosim_blocks();

// Throw std::invalid_argument for inputs a block does not support (exhaustive where the input space is too large).
BlockCosimResult cosim_fp8_mac(const CosimInputs& in, const CosimFault& fault = {}, const CosimProgress& p = {});
BlockCosimResult cosim_bf16_mac(const CosimInputs& in, const CosimFault& fault = {}, const CosimProgress& p = {});
BlockCosimResult cosim_int16_fma(const CosimInputs& in, const CosimFault& fault = {}, const CosimProgress& p = {});
BlockCosimResult cosim_mx_dot(const CosimInputs& in, const CosimFault& fault = {}, const CosimProgress& p = {});
// tiles: the verilated tiles to run (subset of rtl_tile_configs()).
BlockCosimResult cosim_tile(const CosimInputs& in, const std::vector<TileConfig>& tiles,
                            const CosimFault& fault = {}, const CosimProgress& p = {});

// Human-readable report, every number with its unit.
std::string format_block_report(const BlockCosimResult& r);

// FP32 accumulator values the FP8 exhaustive and corner runs combine with every operand pair: +-0, subnormals,
// min normal, +-1, rounding-tie makers, large, +-max finite, +-Inf, quiet and signalling NaN (FP32 bits).
const std::vector<uint32_t>& fp8_mac_acc_corners();

}  // namespace lpsim::model
