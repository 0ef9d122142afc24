#include "sfu/ktanh_cosim.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <random>
#include <sstream>

#include "sfu/ktanh_sfu.h"

namespace lpsim::model {

std::vector<uint16_t> all_bf16_patterns() {
  std::vector<uint16_t> v(65536);
  for (uint32_t i = 0; i < 65536; ++i) v[i] = static_cast<uint16_t>(i);
  return v;
}

std::vector<uint16_t> random_bf16_patterns(uint64_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<uint16_t> v(n);
  for (auto& x : v) x = static_cast<uint16_t>(rng() >> 48);
  return v;
}

std::vector<uint16_t> ktanh_corner_patterns() {
  std::vector<uint16_t> v = {0x0000, 0x0001, 0x007f, 0x0080, 0x3e7f, 0x3e80, 0x3e81, 0x4070, 0x4071, 0x4080,
                             0x3f80, 0x7f7f, 0x7f80, 0x7f81, 0x7fc0, 0x7fff};
  // First and last pattern of each of the 32 table intervals t = {e[1:0], Mi[6:4]} (e = 125..128).
  for (uint16_t e = 125; e <= 128; ++e) {
    for (uint16_t hi = 0; hi < 8; ++hi) {
      v.push_back(static_cast<uint16_t>(e << 7 | hi << 4));
      v.push_back(static_cast<uint16_t>(e << 7 | hi << 4 | 0xf));
    }
  }
  const size_t n = v.size();
  for (size_t i = 0; i < n; ++i) v.push_back(static_cast<uint16_t>(v[i] | 0x8000));
  return v;
}

CosimResult cosim_ktanh(const std::vector<uint16_t>& inputs, int lanes, const KtanhTable& model_table,
                        const std::function<void(uint64_t, uint64_t)>& progress, uint64_t flip_vector,
                        int flip_bit) {
  CosimResult r;
  r.inputs = inputs.size();
  r.lanes = lanes;
  SfuParams p;
  p.lanes = lanes;

  KtanhSfu& sfu = KtanhSfu::instance();
  std::vector<uint16_t> out(inputs.size());
  const size_t batch = static_cast<size_t>(kKtanhBatchBeats * static_cast<uint64_t>(lanes));
  if (progress) progress(0, inputs.size());
  for (size_t b0 = 0; b0 < inputs.size(); b0 += batch) {
    const size_t n = std::min(batch, inputs.size() - b0);
    const std::vector<uint16_t> chunk(inputs.begin() + static_cast<std::ptrdiff_t>(b0),
                                      inputs.begin() + static_cast<std::ptrdiff_t>(b0 + n));
    const auto t0 = std::chrono::steady_clock::now();
    const KtanhSfu::Batch b = sfu.run(chunk, lanes);
    r.rtl_wall_seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    r.cycles += b.cycles;
    r.expected_cycles += sfu_cycles(p, n);
    std::copy(b.out.begin(), b.out.end(), out.begin() + static_cast<std::ptrdiff_t>(b0));
    if (progress) progress(b0 + n, inputs.size());
  }

  std::vector<uint16_t> hard(inputs.size());
  for (size_t i = 0; i < inputs.size(); ++i) {
    uint16_t m = ktanh_bf16(inputs[i], model_table);
    if (i == flip_vector) m = static_cast<uint16_t>(m ^ (1u << (flip_bit & 15)));
    hard[i] = hard_tanh_bf16(inputs[i]);
    if (m == out[i]) continue;
    ++r.mismatches;
    if (r.first_mismatches.size() < CosimResult::kMaxListed) r.first_mismatches.push_back({inputs[i], out[i], m});
  }
  r.ktanh = tanh_accuracy(inputs, out);
  r.hard_tanh = tanh_accuracy(inputs, hard);
  return r;
}

namespace {

std::string fmt(const char* f, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, f, v);
  return buf;
}

// "0x3f80 (1)": the pattern and its value.
std::string bf16_str(uint16_t b) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "0x%04x (%.9g)", b, static_cast<double>(bf16_to_float(b)));
  return buf;
}

std::string pad(const std::string& s, size_t w) { return s.size() >= w ? s + " " : s + std::string(w - s.size(), ' '); }

std::string ulp_bin_label(const std::vector<UlpBin>& h, size_t i) {
  const int32_t lo = i == 0 ? 0 : h[i - 1].max_ulps + 1;
  const int32_t hi = h[i].max_ulps;
  if (hi == INT32_MAX) return "> " + std::to_string(lo - 1) + " ulp";
  if (lo == hi) return std::to_string(lo) + " ulp";
  return std::to_string(lo) + "-" + std::to_string(hi) + " ulp";
}

}  // namespace

std::string format_cosim_report(const CosimResult& r, const std::string& input_desc) {
  std::ostringstream o;
  const double secs = r.rtl_wall_seconds;
  o << "lpsim cosim ktanh: " << r.inputs << " inputs (" << input_desc << "), " << r.lanes << " lanes\n"
    << "  RTL:   rtl/ktanh.sv verilated with LANES=" << kKtanhRtlLanes << " (SystemC), " << r.lanes
    << " lanes driven\n"
    << "  model: C++ K-TanH (models/sfu/ktanh_ref.cpp)\n\n"
    << "  vectors checked:   " << r.inputs << " inputs\n"
    << "  mismatches:        " << r.mismatches << " of " << r.inputs << " inputs\n"
    << "  cycles:            " << r.cycles << " cycles measured; expected " << r.expected_cycles;
  const uint64_t batch = kKtanhBatchBeats * static_cast<uint64_t>(r.lanes);
  if (r.inputs <= batch) {
    o << " cycles (latency " << kSfuLatencyCycles << " cycles + ceil(" << r.inputs << " inputs / " << r.lanes
      << " lanes) issue cycles)\n";
  } else {
    o << " cycles (per batch of up to " << batch << " inputs: latency " << kSfuLatencyCycles
      << " cycles + ceil(batch inputs / " << r.lanes << " lanes) issue cycles)\n";
  }
  o << "  RTL simulation:    " << fmt("%.3f", secs) << " s wall, "
    << fmt("%.0f", secs > 0 ? static_cast<double>(r.inputs) / secs : 0.0)
    << " evaluations/s, " << fmt("%.0f", secs > 0 ? static_cast<double>(r.cycles) / secs : 0.0)
    << " cycles/s\n";
  if (!r.first_mismatches.empty()) {
    o << "\n  first " << r.first_mismatches.size() << " mismatches (input -> RTL output, model output; BF16 bits"
      << " (value)):\n";
    for (const auto& m : r.first_mismatches) {
      o << "    " << bf16_str(m.input) << " -> RTL " << bf16_str(m.rtl) << ", model " << bf16_str(m.model) << "\n";
    }
  }
  const TanhAccuracy& k = r.ktanh;
  const TanhAccuracy& h = r.hard_tanh;
  o << "\n  accuracy against std::tanh (double precision) over " << k.finite_inputs
    << " finite inputs (abs error is dimensionless, like tanh):\n"
    << "    " << pad("", 26) << pad("K-TanH (RTL)", 28) << "Hard TanH (clip to [-1, 1])\n"
    << "    " << pad("max abs error", 26) << pad(fmt("%.6g", k.max_abs_err), 28) << fmt("%.6g", h.max_abs_err) << "\n"
    << "    " << pad("input at max error", 26) << pad(bf16_str(k.max_err_input), 28) << bf16_str(h.max_err_input)
    << "\n"
    << "    " << pad("mean abs error", 26) << pad(fmt("%.6g", k.mean_abs_err), 28) << fmt("%.6g", h.mean_abs_err)
    << "\n"
    << "    " << pad("max error (BF16 ulp)", 26) << pad(std::to_string(k.max_ulp_err) + " ulp", 28)
    << std::to_string(h.max_ulp_err) << " ulp\n"
    << "    BF16 ulp error histogram (inputs per bin; ulp = BF16 steps from bf16(tanh(x))):\n";
  for (size_t i = 0; i < k.ulp_hist.size() && i < h.ulp_hist.size(); ++i) {
    o << "      " << pad(ulp_bin_label(k.ulp_hist, i), 24) << pad(std::to_string(k.ulp_hist[i].count) + " inputs", 28)
      << h.ulp_hist[i].count << " inputs\n";
  }
  o << "\nresult: " << (r.passed() ? "PASS" : "FAIL") << " (" << r.mismatches << " mismatches"
    << (r.cycles == r.expected_cycles ? "" : ", cycle count differs from the expected") << ")\n";
  return o.str();
}

}  // namespace lpsim::model
