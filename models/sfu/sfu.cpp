#include "sfu/sfu.h"

#include <cmath>
#include <stdexcept>

#include "sfu/ktanh_sfu.h"

namespace lpsim::model {

const char* to_string(SfuParams::Impl impl) {
  switch (impl) {
    case SfuParams::Impl::kRtl: return "rtl";
    case SfuParams::Impl::kModel: return "model";
    case SfuParams::Impl::kExact: return "exact";
    case SfuParams::Impl::kFp32: return "fp32";
  }
  return "?";
}

bool parse_sfu_impl(const std::string& s, SfuParams::Impl* out) {
  for (auto impl : {SfuParams::Impl::kRtl, SfuParams::Impl::kModel, SfuParams::Impl::kExact, SfuParams::Impl::kFp32}) {
    if (s == to_string(impl)) {
      *out = impl;
      return true;
    }
  }
  return false;
}

uint64_t sfu_cycles(const SfuParams& p, uint64_t n) {
  if (p.lanes < 1) throw std::invalid_argument("sfu: lanes must be >= 1, got " + std::to_string(p.lanes));
  if (n == 0) return 0;
  const auto lanes = static_cast<uint64_t>(p.lanes);
  return kSfuLatencyCycles + (n + lanes - 1) / lanes;
}

void sfu_prepare(const SfuParams& p) {
  if (p.impl == SfuParams::Impl::kRtl) KtanhSfu::instance();
}

SfuResult sfu_apply_bf16(const SfuParams& p, Activation a, const std::vector<uint16_t>& x) {
  SfuResult r;
  r.cycles = sfu_cycles(p, x.size());  // also validates lanes
  r.out_bf16.resize(x.size());
  switch (p.impl) {
    case SfuParams::Impl::kExact:
      for (size_t i = 0; i < x.size(); ++i) r.out_bf16[i] = activation_exact(a, x[i]);
      break;
    case SfuParams::Impl::kModel:
      for (size_t i = 0; i < x.size(); ++i) r.out_bf16[i] = activation_ktanh(a, x[i]);
      break;
    case SfuParams::Impl::kFp32:
      throw std::invalid_argument("sfu: impl fp32 computes FP32 results; call sfu_apply_fp32");
    case SfuParams::Impl::kRtl: {
      std::vector<uint16_t> u(x.size());
      for (size_t i = 0; i < x.size(); ++i) u[i] = activation_pre(a, x[i]);
      KtanhSfu::Batch b = KtanhSfu::instance().run(u, p.lanes);
      for (size_t i = 0; i < x.size(); ++i) r.out_bf16[i] = activation_post(a, x[i], b.out[i]);
      r.cycles = b.cycles;  // measured on the RTL
      break;
    }
  }
  return r;
}

double activation_fp64(Activation a, double x) {
  switch (a) {
    case Activation::kTanh: return std::tanh(x);
    case Activation::kSigmoid: return 1.0 / (1.0 + std::exp(-x));
    case Activation::kSwish: return x / (1.0 + std::exp(-x));
    case Activation::kGelu: return 0.5 * x * (1.0 + std::erf(x / std::sqrt(2.0)));
  }
  return x;
}

SfuResult sfu_apply_fp32(const SfuParams& p, Activation a, const float* x, size_t n, float* out) {
  SfuResult r;
  r.cycles = sfu_cycles(p, n);
  for (size_t i = 0; i < n; ++i) out[i] = static_cast<float>(activation_fp64(a, x[i]));
  return r;
}

SfuResult sfu_apply(const SfuParams& p, Activation a, const std::vector<float>& x) {
  std::vector<uint16_t> xb(x.size());
  for (size_t i = 0; i < x.size(); ++i) xb[i] = bf16_from_float(x[i]);
  return sfu_apply_bf16(p, a, xb);
}

}  // namespace lpsim::model
