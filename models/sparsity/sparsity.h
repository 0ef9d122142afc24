// Sparsity schemes of the systolic array: what zeros in the quantized operands save (MACs, cycles, operand
// traffic) and what the compressed storage costs (metadata). Cycle-approximate, closed form per fold on top of
// the dense SCALE-Sim timing (models/array); the formulas are in README.md in this directory.
//
//   none  every MAC issued and computed;
//   gate  every MAC issued, those with a zero operand gated (no cycle saving);
//   skip  zeros compressed out of the operand lanes with a look-ahead window (relative-index encoding, padding
//         entries for long zero runs); unstructured, so a fold takes as long as its longest lane;
//   nm    N:M structured weights along K (n of every m consecutive k stored, ceil(log2 m)-bit indices).
//
// Values: the sparse PE datapath (pe/pe.h, GemmRunOptions::skip_zero_products) gives bit-identical outputs;
// this file only counts. Pure C++17.
#pragma once
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>

#include "array/timing.h"
#include "sparsity/prune.h"  // NmViolation, prune_nm (raw weights), parse_nm ("2:4")

namespace lpsim::model {

enum class SparsityScheme : uint8_t { kNone, kGate, kSkip, kNM };
const char* to_string(SparsityScheme s);  // "none" | "gate" | "skip" | "nm"
std::optional<SparsityScheme> parse_sparsity_scheme(std::string_view s);

// Which operand(s) the skip scheme compresses: A (activations, M x K), B (weights, K x N) or both.
enum class SkipOperand : uint8_t { kA, kB, kBoth };
const char* to_string(SkipOperand o);  // "activations" | "weights" | "both"
std::optional<SkipOperand> parse_skip_operand(std::string_view s);

struct SparsityParams {
  SparsityScheme scheme = SparsityScheme::kNone;
  SkipOperand skip_operand = SkipOperand::kBoth;
  int window = 8;      // skip: look-ahead window w (K positions a lane can jump per cycle), 1..65536
  int index_bits = 0;  // skip: metadata bits per stored entry; 0 = auto = ceil(log2 w) (relative index)
  int nm_n = 2, nm_m = 4;         // nm: n of every m consecutive k of each weight column (1 <= n < m <= 1024)
  bool prune_to_pattern = false;  // nm: the caller prunes the raw weights (prune_nm in prune.h) before
                                  // quantizing instead of reporting a violation; analyze_sparsity ignores it
};

// A bad parameter: key() names the SparsityParams field ("window", "index_bits", "nm"); what() lists the valid
// range and does not repeat the key.
class SparsityParamError : public std::invalid_argument {
 public:
  SparsityParamError(std::string key, const std::string& what)
      : std::invalid_argument(what), key_(std::move(key)) {}
  const std::string& key() const { return key_; }

 private:
  std::string key_;
};

// Throws SparsityParamError (every field is checked, whatever the scheme).
void validate_sparsity(const SparsityParams& p);
// Metadata bits per stored entry of a compressed operand: skip: index_bits or ceil(log2 window); nm:
// ceil(log2 m); none/gate: 0.
int metadata_bits(const SparsityParams& p);

// N:M check on QUANTIZED weights (K x N row-major values as the PE sees them; a value is zero when == 0, NaN
// counts as nonzero): the first group with more than n nonzeros, scanning groups by k, then by column (the order
// of check_nm in prune.h, which checks raw float weights). The caller adds the layer name to the message.
std::optional<NmViolation> check_nm_quantized(const double* qb, int64_t K, int64_t N, int n, int m);
// "weights break 2:4 sparsity: column 3, k 8..11 holds 3 nonzeros (at most 2)"
std::string nm_violation_message(const NmViolation& v, int n, int m);

// Thrown by analyze_sparsity for the nm scheme when the quantized weights break the pattern.
class NmPatternError : public std::invalid_argument {
 public:
  NmPatternError(const NmViolation& v, int n, int m)
      : std::invalid_argument(nm_violation_message(v, n, m)), violation_(v) {}
  const NmViolation& violation() const { return violation_; }

 private:
  NmViolation violation_;
};

// One operand (A = ifmap, B = filter) under the scheme. Traffic: the dense SCALE-Sim counts of `dense.traffic`
// scaled by stored / elements (rounded half up), plus metadata_bits per stored value read.
struct SparsityOperandStats {
  bool compressed = false;   // stored as values + metadata by this scheme
  uint64_t elements = 0;     // dense elements: A M*K, B K*N
  uint64_t nonzeros = 0;     // quantized values != 0
  uint64_t stored = 0;       // values stored: elements, or compressed entries (nonzeros + padding entries for
                             // skip; n per full group for nm)
  int index_bits = 0;        // metadata bits per stored value (0 when not compressed)
  uint64_t sram_read_words = 0;        // SRAM reads in operand words, metadata included
  uint64_t sram_read_words_dense = 0;  // dense.traffic[op].sram_reads
  uint64_t sram_meta_bits = 0;         // metadata bits among the SRAM reads
  uint64_t dram_read_bytes = 0;        // DRAM reads in bytes, metadata included
  uint64_t dram_read_bytes_dense = 0;  // dense.traffic[op].dram_reads * word_bits / 8 (rounded up)
  uint64_t dram_meta_bits = 0;         // metadata bits among the DRAM reads
  double density() const { return elements ? static_cast<double>(nonzeros) / static_cast<double>(elements) : 1.0; }
};

// Per ONE instance of the layer.
struct SparsityStats {
  SparsityScheme scheme = SparsityScheme::kNone;
  double density_a = 1, density_b = 1;  // fraction of nonzero quantized values
  uint64_t macs_dense = 0;      // M * N * K
  uint64_t macs_effectual = 0;  // both operands nonzero
  uint64_t macs_issued = 0;     // MACs a PE receives operands for (including zero padding entries)
  uint64_t macs_skipped = 0;    // macs_dense - macs_issued: never issued
  uint64_t macs_gated = 0;      // macs_issued - macs_effectual for gate/skip/nm (a zero operand: gated); 0 for none
  int64_t folds_dense = 0, folds = 0;  // folds executed (ws/is skip and nm can drop row folds)
  uint64_t compute_cycles_dense = 0, compute_cycles = 0;
  uint64_t stall_cycles = 0;  // kept from the dense run (approximation; README.md)
  uint64_t total_cycles_dense = 0, total_cycles = 0;  // compute + stall
  double speedup = 1;  // total_cycles_dense / total_cycles (cycle counts below 1 count as 1)
  SparsityOperandStats operand[2];  // indexed by Operand: kIfmap (A), kFilter (B)
};

// qa: M x K quantized A, qb: K x N quantized B (row-major, e.g. QuantizedOperands from pe/pe.h), with M, N, K of
// `layer`; `dense` is estimate_layer(array, mem, layer) (its compute cycles are checked against the closed
// form: std::invalid_argument on a mismatch). Throws SparsityParamError, and NmPatternError (nm, pattern broken).
// `threads` (0 = all cores) only speeds up the per-PE lanes of skip/os/both.
SparsityStats analyze_sparsity(const SparsityParams& p, const ArrayParams& array, const MemoryParams& mem,
                               const LayerShape& layer, const LayerTiming& dense, const double* qa,
                               const double* qb, int threads = 1);

// Greedy look-ahead lane (README.md): stored entries / streaming cycles of a lane whose nonzeros sit at the
// ascending positions pos[0..count): each nonzero costs 1, a run of g zeros before it floor(g / w) padding
// entries; zeros after the last nonzero cost nothing. Exposed for tests.
int64_t skip_lane_length(const int64_t* pos, int64_t count, int window);

}  // namespace lpsim::model
