// Co-verification of the verilated K-TanH RTL against the C++ model (`lpsim cosim ktanh`), plus the accuracy of
// K-TanH and of Hard TanH against std::tanh. No SystemC in this header.
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "sfu/ktanh_ref.h"

namespace lpsim::model {

struct CosimMismatch {
  uint16_t input = 0;
  uint16_t rtl = 0;    // verilated rtl/ktanh.sv
  uint16_t model = 0;  // C++ model
};

struct CosimResult {
  uint64_t inputs = 0;
  int lanes = 0;
  uint64_t mismatches = 0;
  std::vector<CosimMismatch> first_mismatches;  // the first kMaxListed, in input order
  uint64_t cycles = 0;           // measured on the RTL: first input cycle to last output cycle
  uint64_t expected_cycles = 0;  // per batch kSfuLatencyCycles + ceil(batch inputs / lanes), summed
  double rtl_wall_seconds = 0;   // host time spent in the RTL simulation
  TanhAccuracy ktanh;            // of the RTL outputs
  TanhAccuracy hard_tanh;        // baseline: clip to [-1, 1]
  bool passed() const { return mismatches == 0 && cycles == expected_cycles; }
  static constexpr size_t kMaxListed = 10;
};

std::vector<uint16_t> all_bf16_patterns();  // 0x0000 .. 0xffff
// n uniformly random 16-bit patterns from std::mt19937_64(seed) (repeats possible).
std::vector<uint16_t> random_bf16_patterns(uint64_t n, uint64_t seed);
// Directed patterns, both signs: zeros, subnormals, the |x| < 0.25 and |x| > 3.75 thresholds and their
// neighbours, the first and last pattern of every table interval, Inf and NaNs.
std::vector<uint16_t> ktanh_corner_patterns();

// Runs the inputs through the RTL (KtanhSfu) with `lanes` lanes and through ktanh_bf16(x, model_table), and
// compares them bit by bit. model_table is a parameter so a test can corrupt the reference and see it caught.
// Inputs are streamed in batches of kKtanhBatchBeats * lanes (each batch: one reset cycle, then its own
// latency), and progress(done, total) is called after each batch. flip_vector/flip_bit flip one bit of the
// model's result for that input (a deliberate single-bit difference, `lpsim cosim ktanh --inject flip:V:B`).
constexpr uint64_t kKtanhBatchBeats = 1u << 16;
CosimResult cosim_ktanh(const std::vector<uint16_t>& inputs, int lanes,
                        const KtanhTable& model_table = ktanh_paper_table(),
                        const std::function<void(uint64_t, uint64_t)>& progress = {},
                        uint64_t flip_vector = UINT64_MAX, int flip_bit = 0);

// Human-readable report (every number with its unit); input_desc says where the inputs came from.
std::string format_cosim_report(const CosimResult& r, const std::string& input_desc);

}  // namespace lpsim::model
