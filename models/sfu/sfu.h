// Special-function unit (SFU) at the array output: function-level API for the simulator driver. No SystemC in
// this header. The SFU evaluates activations through a tanh unit (K-TanH, arXiv 1909.07729; notes sec. 5):
//   impl rtl   - the verilated rtl/ktanh.sv inside the SystemC module KtanhSfu (ktanh_sfu.h);
//   impl model - the bit-exact C++ model (ktanh_ref.h), same bits as rtl;
//   impl exact - libm in double precision, rounded once to BF16;
//   impl fp32  - no K-TanH and no BF16 interface: the function in double precision rounded once to FP32, so an
//                all-FP32 configuration computes what an FP32 framework computes (sfu_apply_fp32).
// Inputs are floats rounded to BF16 (RNE); outputs are BF16 bit patterns (except impl fp32).
//
// Timing (all three impls, so the impl choice changes values only): a batch of n inputs streams through `lanes`
// parallel lanes, one input per lane per cycle, behind a kSfuLatencyCycles-deep pipeline:
//   cycles = kSfuLatencyCycles + ceil(n / lanes)   (0 for n = 0).
// For impl rtl the cycles are measured on the RTL (and equal this formula; tested). The pre/post arithmetic of
// sigmoid, GELU and Swish (ktanh_ref.h) is assumed pipelined alongside the tanh unit at no extra latency.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "sfu/ktanh_ref.h"

namespace lpsim::model {

constexpr int kSfuLatencyCycles = 2;  // rtl/ktanh.sv: input register + output register (rtl/README.md)

struct SfuParams {
  enum class Impl { kRtl, kModel, kExact, kFp32 };
  Impl impl = Impl::kModel;
  int lanes = 8;             // parallel lanes = results per cycle; any value >= 1 (rtl: see KtanhSfu::run)
  double clock_mhz = 1000.0; // SFU clock; only converts cycles to time (SfuResult::time_us)
};
const char* to_string(SfuParams::Impl impl);                      // "rtl" | "model" | "exact" | "fp32"
bool parse_sfu_impl(const std::string& s, SfuParams::Impl* out);  // inverse of to_string; false if unknown

struct SfuResult {
  std::vector<uint16_t> out_bf16;  // one BF16 pattern per input, in input order
  uint64_t cycles = 0;             // SFU cycles for the batch (see above)
  double time_us(double clock_mhz) const { return static_cast<double>(cycles) / clock_mhz; }
};

// Analytic cycle count of a batch of n inputs (throws std::invalid_argument if lanes < 1).
uint64_t sfu_cycles(const SfuParams& p, uint64_t n);

// The activation in double precision (the reference every impl is compared with).
double activation_fp64(Activation a, double x);

// Impl fp32: out[i] = activation_fp64(x[i]) rounded to FP32; cycles as for every impl.
SfuResult sfu_apply_fp32(const SfuParams& p, Activation a, const float* x, size_t n, float* out);

// Evaluate activation a on every input (impl rtl, model or exact; BF16 results). Throws std::invalid_argument if
// p.lanes < 1 or for impl fp32.
SfuResult sfu_apply(const SfuParams& p, Activation a, const std::vector<float>& x);
SfuResult sfu_apply_bf16(const SfuParams& p, Activation a, const std::vector<uint16_t>& x_bf16);
inline SfuResult sfu_tanh(const SfuParams& p, const std::vector<float>& x) {
  return sfu_apply(p, Activation::kTanh, x);
}
inline SfuResult sfu_sigmoid(const SfuParams& p, const std::vector<float>& x) {
  return sfu_apply(p, Activation::kSigmoid, x);
}
inline SfuResult sfu_gelu(const SfuParams& p, const std::vector<float>& x) {
  return sfu_apply(p, Activation::kGelu, x);
}
inline SfuResult sfu_swish(const SfuParams& p, const std::vector<float>& x) {
  return sfu_apply(p, Activation::kSwish, x);
}

// SystemC elaborates once per process: the RTL bench (KtanhSfu) is a lazily built singleton and must be built
// before the first sc_start() of anything else in the process. A driver that builds its own SystemC modules
// and may use impl rtl calls this during its elaboration; it is a no-op for impl model / exact. Every impl-rtl
// call advances SystemC time by (cycles + reset + drain) clock periods of 10 ns with sc_start(), which also runs
// any other SystemC processes of the process; call it between the driver's own sc_start() phases.
void sfu_prepare(const SfuParams& p);

}  // namespace lpsim::model
