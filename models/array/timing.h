// Systolic-array timing model: parameters, layer shapes and per-layer results.
// Semantics follow SCALE-Sim v2 (see tests/data/scalesim/README.md) so that compute cycles match it exactly.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "base/checked.h"

namespace lpsim::model {

enum class Dataflow { kOS, kWS, kIS };
const char* to_string(Dataflow d);  // "os" | "ws" | "is"

struct ArrayParams {
  int64_t rows = 32;  // R: PE rows
  int64_t cols = 32;  // C: PE columns
  Dataflow dataflow = Dataflow::kOS;
  double clock_mhz = 1000.0;
  // Elements of K one PE consumes per cycle (a dot-product unit of width w; accelerator.pe.dot_width). 1 = one
  // MAC per PE per cycle, SCALE-Sim's PE. Callers map a layer with dot_shape()/dot_memory() and convert the
  // result back with dot_result(); the engine itself always streams one word per PE per cycle.
  int64_t dot_width = 1;
};

// Per-operand memory parameters. Operand index: 0 = ifmap (A, M x K), 1 = filter (B, K x N), 2 = ofmap (C, M x N).
enum Operand { kIfmap = 0, kFilter = 1, kOfmap = 2 };
const char* operand_name(int op);  // "ifmap" | "filter" | "ofmap"

// Bits one word (one element, or one dot_width-element vector) occupies in SRAM and DRAM, as the exact fraction
// num / den. Shared scale bits make it fractional: an MXFP8 element is 8 + 8/32 = 8.25 bits (OCP MX v1.0 sec. 5:
// one 8-bit E8M0 scale per 32-element block), i.e. {264, 32}. Whole numbers keep den = 1 (SCALE-Sim: {8, 1}).
// A transfer of n words moves ceil(n * num / den) bits and ceil(n * num / (8 den)) bytes: scale bits are packed
// with the elements, and only the transfer as a whole is rounded up to a byte (README "Bits per element").
struct ElementBits {
  __extension__ typedef unsigned __int128 u128;  // GCC/Clang extension: exact products of two 64-bit counts

  uint64_t num = 8;
  uint64_t den = 1;
  constexpr ElementBits() = default;
  constexpr ElementBits(uint64_t bits_num, uint64_t bits_den = 1) : num(bits_num), den(bits_den) {}  // NOLINT: 8 -> {8, 1}
  double value() const { return static_cast<double>(num) / static_cast<double>(den); }
  uint64_t bits(uint64_t words) const { return ceil_div(words, 1); }
  uint64_t bytes(uint64_t words) const { return ceil_div(words, 8); }
  bool whole() const { return num % den == 0; }
  friend bool operator==(const ElementBits& a, const ElementBits& b) {
    return static_cast<u128>(a.num) * b.den == static_cast<u128>(b.num) * a.den;
  }
  friend bool operator!=(const ElementBits& a, const ElementBits& b) { return !(a == b); }

 private:
  // ceil(words * num / (den * per)) in 128-bit arithmetic; LimitError when the result leaves the signed range.
  uint64_t ceil_div(uint64_t words, uint64_t per) const {
    const u128 n = static_cast<u128>(words) * num;
    const u128 d = static_cast<u128>(den) * per;
    const u128 q = (n + d - 1) / d;
    if (q > static_cast<u128>(chk::kMax)) chk::overflow("traffic in bits");
    return static_cast<uint64_t>(q);
  }
};
std::string to_string(const ElementBits& b);  // "8", "8.25", "16.0000153" (up to 9 significant digits)

struct MemoryParams {
  double sram_kib[3] = {8192, 8192, 8192};  // SRAM capacity per operand (double buffered: half active)
  ElementBits word_bits[3];                 // bits per word per operand (8 = SCALE-Sim's 1-byte words)
  double dram_bw_bytes_per_cycle = 100;     // DRAM <-> SRAM bandwidth shared rule as SCALE-Sim (per operand)
  int64_t dram_latency_cycles = 1;          // latency of one DRAM request
  // Capacity in words and bandwidth in words per cycle follow the bits per word (fractional ones included): a
  // 256 KiB buffer holds floor(2 Mibit / 8.25) MXFP8 elements. With den = 1 these are SCALE-Sim's expressions.
  int64_t sram_words(int op) const {
    return static_cast<int64_t>(sram_kib[op] * 1024.0 * 8.0 * static_cast<double>(word_bits[op].den) /
                                static_cast<double>(word_bits[op].num));
  }
  double dram_bw_words(int op) const {
    return dram_bw_bytes_per_cycle * 8.0 * static_cast<double>(word_bits[op].den) /
           static_cast<double>(word_bits[op].num);
  }
};

// One layer as the array sees it, in SCALE-Sim's conv form (no padding; for a GEMM: ifmap_h = M, ifmap_w = K,
// filter 1 x K, channels 1, num_filters N, stride 1). ofmap_h/ofmap_w are given explicitly by the reader
// (SCALE-Sim CSVs use ceil((H - F + S) / S); native conv2d ops use the usual padded floor rule).
struct LayerShape {
  std::string name;
  int64_t ifmap_h = 1, ifmap_w = 1, filter_h = 1, filter_w = 1, channels = 1, num_filters = 1;
  int64_t stride_h = 1, stride_w = 1;
  int64_t ofmap_h = 1, ofmap_w = 1;
  int64_t M() const { return ofmap_h * ofmap_w; }             // output pixels
  int64_t N() const { return num_filters; }                   // filters
  int64_t K() const { return filter_h * filter_w * channels; }  // window size (reduction)
  uint64_t macs() const { return static_cast<uint64_t>(M()) * N() * K(); }
};

struct OperandTraffic {
  uint64_t sram_reads = 0;   // words
  uint64_t sram_writes = 0;  // words
  uint64_t dram_reads = 0;   // words
  uint64_t dram_writes = 0;  // words
};

struct LayerTiming {
  int64_t row_folds = 0, col_folds = 0, folds = 0;
  uint64_t compute_cycles = 0;  // SCALE-Sim's folds * L - 1
  uint64_t stall_cycles = 0;
  uint64_t total_cycles = 0;    // compute + stall
  double compute_util = 0;      // fraction 0..1 (SCALE-Sim "Compute Util %" / 100)
  double mapping_eff = 0;       // fraction 0..1
  double overall_util = 0;      // SCALE-Sim's Overall Util: MACs / (total_cycles * R * C); can exceed 1 by one
                                // cycle's worth (total_cycles is the last cycle's 0-based index). Reports use
                                // MACs / ((total_cycles + 1) * R * C) instead (README "Report columns").
  uint64_t macs = 0;
  OperandTraffic traffic[3];    // indexed by Operand
  double dram_peak_words_per_cycle[3] = {0, 0, 0};  // highest rate seen over any prefetch/drain burst
};

// A layer's figures (stall cycles, DRAM traffic) left the 64-bit range while it was simulated; `layer` is its
// index in the layers given to run_timing. The CLI names the trace line of that layer.
class LayerLimitError : public LimitError {
 public:
  LayerLimitError(size_t layer_index, const std::string& what) : LimitError(what), layer(layer_index) {}
  size_t layer;
};

// ---- dot-product PEs (ArrayParams::dot_width = w > 1) -----------------------------------------------------------
// A w-wide PE consumes a vector of w elements of K per step, so a layer streams as the same layer with K in
// vectors of w: one word of the IFMAP and FILTER operands is a w-element vector (w x the element bits; SRAM
// holds 1/w as many words, DRAM moves 1/w as many words per cycle), OFMAP words stay elements. Fold formulas
// (README "Dot-product PEs"): K' = ceil(K / w) for a GEMM (and a 1x1 convolution), K' = Fh Fw ceil(C / w) for a
// larger convolution (a vector holds w channels of one filter tap: taps come from different input pixels); the
// folds and cycles are then SCALE-Sim's formulas with K' in place of K (w = 1: K' = K, unchanged).
LayerShape dot_shape(const LayerShape& s, int64_t w);
MemoryParams dot_memory(const MemoryParams& m, int64_t w);
// Back to elements: MACs = the layer's M N K, IFMAP/FILTER traffic and DRAM rates x w (elements, the padding of a
// last partial vector included: it moves as zeros).
void dot_result(LayerTiming& t, const LayerShape& s, int64_t w);

}  // namespace lpsim::model
