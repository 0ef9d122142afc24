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
};

// Per-operand memory parameters. Operand index: 0 = ifmap (A, M x K), 1 = filter (B, K x N), 2 = ofmap (C, M x N).
enum Operand { kIfmap = 0, kFilter = 1, kOfmap = 2 };
const char* operand_name(int op);  // "ifmap" | "filter" | "ofmap"

struct MemoryParams {
  double sram_kib[3] = {8192, 8192, 8192};  // SRAM capacity per operand (double buffered: half active)
  int word_bits[3] = {8, 8, 8};             // word size per operand
  double dram_bw_bytes_per_cycle = 100;     // DRAM <-> SRAM bandwidth shared rule as SCALE-Sim (per operand)
  int64_t dram_latency_cycles = 1;          // latency of one DRAM request
  int64_t sram_words(int op) const { return static_cast<int64_t>(sram_kib[op] * 1024.0 * 8.0 / word_bits[op]); }
  double dram_bw_words(int op) const { return dram_bw_bytes_per_cycle * 8.0 / word_bits[op]; }
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

}  // namespace lpsim::model
