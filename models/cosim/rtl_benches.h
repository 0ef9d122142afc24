// Cycle-accurate access to the verilated RTL blocks of issue 16 (rtl/*.sv, Verilator --sc, library lpsim_rtl_sc):
// the FP8 and BF16 MACs, the INT16 VNNI FMA (both INT32 policies side by side), the MX dot-product unit and the
// systolic tiles. Plain structs in and out; no SystemC or Verilator type leaks from this header (only
// rtl_benches.cpp includes the V*.h headers).
//
// SystemC elaborates once per process: the first call of any function here builds every bench (one SystemC
// module per block, each owning its verilated model, signals and a gated clock: CycleBench). That first call must
// come before any sc_start() of the process (std::logic_error otherwise); rtl_benches_prepare() does it
// explicitly. The K-TanH block has its own bench (models/sfu/ktanh_sfu.h).
#pragma once
#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace lpsim::model {

// Register stages of the MAC-type blocks: a step presented in cycle c is on the outputs in cycle c + 3.
constexpr int kRtlMacLatency = 3;

struct Fp8MacIn {
  bool first = true;               // start the chain from acc (else add onto the previous step's result)
  bool fmt_a = false, fmt_b = false;  // false = E4M3, true = E5M2
  uint8_t a = 0, b = 0;            // OFP8 codes
  uint32_t acc = 0;                // FP32 bits, used when first
};

struct Bf16MacIn {
  bool first = true;
  uint16_t a = 0, b = 0;  // BF16 bits
  uint32_t acc = 0;
};

struct Int16FmaIn {
  bool first = true;
  uint32_t a = 0, b = 0;  // VNNI pairs {x1, x0}: x0 in bits 15:0
  uint32_t acc = 0;       // two's complement
};
struct Int16FmaOut {  // both policies run on the same inputs, each on its own accumulator chain
  uint32_t acc_wrap = 0, acc_sat = 0;
  bool ovf_wrap = false, ovf_sat = false;
};

struct MxDotIn {
  bool first = true;
  bool fmt_a = false, fmt_b = false;  // false = E4M3 (MXFP8), true = INT8 (MXINT8)
  std::array<uint8_t, 32> a{}, b{};   // element codes
  uint8_t xa = 127, xb = 127;         // E8M0 scale codes
  uint32_t acc = 0;
};

// Streams n steps through the block, one per cycle after one reset cycle; out[i] is the accumulator after step i
// (chains continue across calls: the accumulator registers keep their value). Returns the cycles measured from
// the first step in to the last result out, inclusive (n + kRtlMacLatency for n > 0). Throws std::runtime_error
// if the RTL loses or adds results.
uint64_t rtl_fp8_mac(const Fp8MacIn* in, size_t n, uint32_t* out);
uint64_t rtl_bf16_mac(const Bf16MacIn* in, size_t n, uint32_t* out);
uint64_t rtl_int16_fma(const Int16FmaIn* in, size_t n, Int16FmaOut* out);
uint64_t rtl_mx_dot(const MxDotIn* in, size_t n, uint32_t* out);

// ---- systolic tiles ----------------------------------------------------------------------------------------------

enum class TilePe : uint8_t { kFp8 = 0, kInt16 = 1 };
const char* to_string(TilePe pe);  // "fp8" | "int16"

struct TileConfig {
  TilePe pe = TilePe::kFp8;
  int rows = 0, cols = 0;
};
// The tiles verilated into this build (rtl/CMakeLists.txt, LPSIM_RTL_TILES), in that order.
const std::vector<TileConfig>& rtl_tile_configs();

// One output-stationary fold: `steps` beats; beat t carries a[t * rows + r] for row r and b[t * cols + c] for
// column c (FP8 codes, or INT16 VNNI pairs {x[2t+1], x[2t]}).
struct TileFold {
  TilePe pe = TilePe::kFp8;
  int rows = 0, cols = 0;
  bool fmt_a = false, fmt_b = false;  // FP8: false = E4M3, true = E5M2
  int64_t steps = 0;
  std::vector<uint32_t> a, b;
};
struct TileFoldOut {
  std::vector<uint32_t> c;  // rows x cols accumulators (FP32 bits or INT32), row-major
  uint64_t cycles = 0;      // first beat in to last result out, inclusive
};
// Runs one fold on the tile of that size; throws std::invalid_argument if it was not verilated, and
// std::runtime_error if results are missing, duplicated or appear out of the column order.
TileFoldOut rtl_tile_fold(const TileFold& f);

// Builds every bench now (see above).
void rtl_benches_prepare();

}  // namespace lpsim::model
