// Internal: the step-by-step comparison loop shared by the MAC-type blocks (cosim_mac.cpp) and small helpers
// shared with the tile runner.
#pragma once
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include "cosim/cosim.h"
#include "numerics/convert.h"

namespace lpsim::model::cosim_detail {

inline uint32_t f32_bits(float f) { return num::detail::bit_cast<uint32_t>(f); }
inline float bits_f32(uint32_t u) { return num::detail::bit_cast<float>(u); }
// A result as the RTL gives it: NaN is the canonical quiet NaN.
inline uint32_t canonical_f32(float f) { return std::isnan(f) ? 0x7fc00000u : f32_bits(f); }

inline std::string hex(uint64_t v, int digits) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "0x%0*llx", digits, static_cast<unsigned long long>(v));
  return buf;
}
// "0x3f800000 (1)": FP32 bits and value.
inline std::string f32_str(uint32_t bits) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "0x%08x (%.9g)", bits, static_cast<double>(bits_f32(bits)));
  return buf;
}

class Stopwatch {
 public:
  double seconds() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0_).count();
  }

 private:
  std::chrono::steady_clock::time_point t0_ = std::chrono::steady_clock::now();
};

constexpr size_t kChunk = size_t{1} << 16;  // steps per RTL job (progress is updated between jobs)

// Fills buf with up to max vectors; returns how many (0 when the source is exhausted).
template <class In>
using Source = std::function<size_t(In* buf, size_t max)>;

// The block-specific parts of a step comparison.
template <class In, class Out>
struct StepCheck {
  std::function<uint64_t(const In*, size_t, Out*)> rtl;        // rtl_fp8_mac, ...
  std::function<Out(const In&, const Out* prev)> model;        // prev: the RTL's previous result (nullptr at start)
  std::function<bool(const Out&, const Out&)> equal;
  std::function<void(Out&, int bit)> flip;                     // CosimFault::flip
  std::function<std::string(const In&, const Out* prev)> inputs;  // the step's inputs, hex
  std::function<std::string(const Out&)> show;
  std::function<void(const Out&)> observe;                     // optional: statistics over the RTL results
};

// Runs `total` vectors from src through the RTL in chunks and compares every result with the model.
template <class In, class Out>
void run_steps(BlockCosimResult& r, uint64_t total, const Source<In>& src, const StepCheck<In, Out>& chk,
               const CosimFault& fault, const CosimProgress& progress) {
  Stopwatch all;
  std::vector<In> buf(kChunk);
  std::vector<Out> out(kChunk);
  Out prev{};
  bool have_prev = false;
  uint64_t index = 0;
  if (progress) progress(0, total);
  for (;;) {
    const size_t n = src(buf.data(), kChunk);
    if (n == 0) break;
    Stopwatch rtl;
    r.cycles += chk.rtl(buf.data(), n, out.data());
    r.rtl_seconds += rtl.seconds();
    r.expected_cycles += n + kRtlMacLatency;
    for (size_t i = 0; i < n; ++i, ++index) {
      const Out* p = have_prev ? &prev : nullptr;
      Out m = chk.model(buf[i], p);
      if (fault.flip && fault.vector == index) chk.flip(m, fault.bit);
      if (!chk.equal(out[i], m)) {
        ++r.mismatches;
        if (r.first_mismatches.size() < BlockCosimResult::kMaxListed) {
          r.first_mismatches.push_back("#" + std::to_string(index) + " " + chk.inputs(buf[i], p) + " -> RTL " +
                                       chk.show(out[i]) + ", model " + chk.show(m));
        }
      }
      if (chk.observe) chk.observe(out[i]);
      prev = out[i];
      have_prev = true;
    }
    r.vectors += n;
    if (progress) progress(r.vectors, total);
  }
  r.seconds = all.seconds();
}

}  // namespace lpsim::model::cosim_detail
