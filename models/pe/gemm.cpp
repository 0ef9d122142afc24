// run_gemm: quantize the operands once (numerics library), pack them into the kernels' tile layout, run the
// tile kernels on std::threads. Every output is computed by one kernel call from its own inputs only, so the
// split across threads never changes a bit.
#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstring>
#include <functional>
#include <limits>
#include <thread>

#include "numerics/convert.h"
#include "numerics/convert_array.h"
#include "numerics/parallel.h"
#include "numerics/scaled.h"
#include "pe/engine.h"
#include "pe/pe_step.h"
#include "pe/quantize.h"

namespace lpsim::model {

namespace {
std::atomic<int> g_default_threads{0};
}  // namespace

void set_default_threads(int n) { g_default_threads = n > 0 ? n : 0; }

int default_threads() {
  if (const int n = g_default_threads.load(); n > 0) return n;
  const unsigned h = std::thread::hardware_concurrency();
  return h == 0 ? 1 : static_cast<int>(h);
}

using namespace pe_detail;

namespace pe_detail {

int thread_count(int threads) { return threads > 0 ? threads : default_threads(); }

namespace {

constexpr size_t kParallelMin = size_t{1} << 16;  // elements below which quantizing/packing stays on one thread

// 0 < |x| < Inf, on the bits (vectorises).
inline bool finite_nonzero(float x) {
  uint32_t u;
  std::memcpy(&u, &x, 4);
  return (u & 0x7fffffffu) - 1u < 0x7f7fffffu;
}

// Decoded element values of all 256 codes.
std::vector<double> element_lut(const num::NumberFormat& e) {
  std::vector<double> lut(256);
  const uint32_t ncodes = 1u << e.width();
  for (uint32_t c = 0; c < 256; ++c) {
    const uint32_t code = c & (ncodes - 1);
    lut[c] = e.is_float() ? num::decode(e.flt, code) : num::decode(e.integer, code);
  }
  return lut;
}

}  // namespace

QuantOperand quantize_operand(const ResolvedPe& r, const OperandFormat& f, bool is_b, const float* x,
                              int64_t rows, int64_t cols, int threads) {
  QuantOperand q;
  q.rows = rows;
  q.cols = cols;
  q.family = f.family;
  q.element = f.element;
  const size_t n = static_cast<size_t>(rows * cols);
  const uint64_t seed = r.params.seed + (is_b ? 1 : 0);
  if (n < kParallelMin) threads = 1;  // thread start-up would cost more than the work
  if (f.family == PeMode::kMx) {
    // MX v1.0 §6.3 via numerics::mx_quantize: A blocks run along its rows (K), B blocks along its columns (K).
    num::MxOptions o;
    o.element = f.element;
    o.block_size = r.params.mx_block;
    o.axis = is_b ? 0 : 1;
    o.scale_rule = r.params.mx_scale_rule;
    o.rounding = r.params.rounding;
    o.seed = seed;
    o.threads = threads;
    const int64_t bs = r.params.mx_block;
    const int64_t nb = ((is_b ? rows : cols) + bs - 1) / bs;
    q.codes = ScratchBuf<uint8_t>(n);
    q.scales.resize(static_cast<size_t>(is_b ? nb * cols : rows * nb));
    q.saturations = num::mx_quantize_into(o, x, static_cast<size_t>(rows), static_cast<size_t>(cols),
                                          q.codes.data(), q.scales.data(), nullptr);
    q.lut = element_lut(f.element);
    // Underflows: finite nonzero inputs whose element is zero (blocks with a NaN scale excluded).
    std::atomic<uint64_t> under{0};
    const double* lut = q.lut.data();
    num::parallel_for(static_cast<size_t>(rows), threads, [&](size_t i0, size_t i1) {
      uint64_t u = 0;
      for (size_t i = i0; i < i1; ++i) {
        const int64_t ii = static_cast<int64_t>(i);
        const uint8_t* sc = q.scales.data() + (is_b ? (ii / bs) * cols : ii * nb);
        const float* xr = x + i * static_cast<size_t>(cols);
        const uint8_t* cr = q.codes.data() + i * static_cast<size_t>(cols);
        for (int64_t j0 = 0; j0 < cols; j0 += is_b ? cols : bs) {
          const int64_t j1 = std::min(cols, j0 + (is_b ? cols : bs));
          for (int64_t j = j0; j < j1; ++j) {
            const uint8_t s = is_b ? sc[j] : sc[j0 / bs];
            u += (finite_nonzero(xr[j]) & (s != num::kE8M0Nan) & (lut[cr[j]] == 0.0)) ? 1 : 0;
          }
        }
      }
      under += u;
    });
    q.underflows = under;
  } else if (f.family == PeMode::kFloat) {
    // Elementwise cast with saturation (OFP8 SAT); formats of 8 bits or fewer with the per-tensor scale of
    // tensor_scale (FP8 paper §4; the rule of `lpsim quantize`), wider ones (bf16, fp16, fp32) cast as they are.
    q.scale = num::tensor_scale(f.element, num::finite_amax_bits(x, n),
                                f.element.flt.width <= 8 ? r.params.tensor_scale : num::TensorScale::kNone);
    ScratchBuf<uint32_t> codes(n);
    num::ArrayOptions o;
    o.round = num::RoundOptions{r.params.rounding, num::Overflow::kSaturate, num::Subnormals::kKeep, 16};
    o.scale = q.scale;
    o.seed = seed;
    o.threads = threads;
    q.saturations = num::encode_array(f.element.flt, x, n, codes.data(), o).overflow;
    q.fvals = ScratchBuf<float>(n);
    // Decoded values: a table for formats up to 16 bits, the bits themselves for fp32 (a prefix of fp32).
    std::vector<float> lut;
    const int width = f.element.flt.width;
    if (width <= 16) {
      lut.resize(size_t{1} << width);
      for (uint32_t c = 0; c < lut.size(); ++c) lut[c] = num::decode_float(f.element.flt, c);
    }
    std::atomic<uint64_t> under{0};
    num::parallel_for(n, threads, [&](size_t i0, size_t i1) {
      const uint32_t* cp = codes.data();
      float* vp = q.fvals.data();
      uint64_t u = 0;
      for (size_t i = i0; i < i1; ++i) {
        float v;
        if (width <= 16) {
          v = lut[cp[i]];
        } else {
          const uint32_t c = cp[i] << (32 - width);
          std::memcpy(&v, &c, 4);
        }
        vp[i] = v;
        u += (finite_nonzero(x[i]) & (v == 0.0f)) ? 1 : 0;
      }
      under += u;
    });
    q.underflows = under;
  } else {
    // DFP (Das et al. 2018, libxsmm rule): one exponent per tensor. Same steps as numerics::quantize_dfp
    // (dfp_exponent, then the symmetric P-bit IntFormat with 2^exponent steps through encode_array), run on all
    // threads and without its dequantized copy; tests/pe cross-checks against quantize_dfp itself.
    // tensor_scale exact (int8 only, resolve() checks): k = round(x * s), s = 127/amax in float32 (the
    // float32 product, as numerics::quantize_scaled), exponent 0; 1/(s_A s_B) is applied at the output.
    const int bits = f.element.integer.bits;
    const bool exact = r.params.tensor_scale == num::TensorScale::kExact;
    const num::IntFormat sym = num::make_int_format(bits, 0, /*symmetric=*/true);
    q.exponent = exact ? 0 : num::dfp_exponent(num::finite_amax_bits(x, n), bits, r.params.dfp_add_shift);
    if (exact) q.scale = num::tensor_scale(num::int_number_format("int", sym), num::finite_amax_bits(x, n), num::TensorScale::kExact);
    const num::IntFormat dfp = num::make_int_format(bits, -q.exponent, /*symmetric=*/true);
    ScratchBuf<uint32_t> codes(n);
    num::ArrayOptions o;
    o.round = num::RoundOptions{r.params.rounding, num::Overflow::kSaturate, num::Subnormals::kKeep, 16};
    o.scale = q.scale;
    o.seed = seed;
    o.threads = threads;
    q.saturations = num::encode_array(dfp, x, n, codes.data(), o).overflow;
    q.ivals = ScratchBuf<int32_t>(n);
    std::atomic<uint64_t> under{0};
    num::parallel_for(n, threads, [&](size_t i0, size_t i1) {
      const uint32_t* cp = codes.data();
      int32_t* ip = q.ivals.data();
      const int sh = 32 - bits;  // sign-extend the P-bit two's-complement code
      uint64_t u = 0;
      for (size_t i = i0; i < i1; ++i) {
        const int32_t kv = static_cast<int32_t>(cp[i] << sh) >> sh;
        ip[i] = kv;
        u += (finite_nonzero(x[i]) & (kv == 0)) ? 1 : 0;
      }
      under += u;
    });
    q.underflows = under;
  }
  return q;
}

std::vector<double> dequantize(const QuantOperand& q, int mx_block, bool is_b) {
  const size_t n = static_cast<size_t>(q.rows * q.cols);
  std::vector<double> v(n);
  if (q.family == PeMode::kMx) {
    const int64_t bs = mx_block;
    const int64_t nb = ((is_b ? q.rows : q.cols) + bs - 1) / bs;
    for (int64_t i = 0; i < q.rows; ++i) {
      for (int64_t j = 0; j < q.cols; ++j) {
        const size_t idx = static_cast<size_t>(i * q.cols + j);
        const uint8_t sc = q.scales[static_cast<size_t>(is_b ? (i / bs) * q.cols + j : i * nb + j / bs)];
        v[idx] = sc == num::kE8M0Nan ? std::numeric_limits<double>::quiet_NaN()
                                     : std::ldexp(q.lut[q.codes[idx]], static_cast<int>(sc) - 127);
      }
    }
  } else if (q.family == PeMode::kFloat) {
    for (size_t i = 0; i < n; ++i) v[i] = q.fvals[i];
  } else {
    for (size_t i = 0; i < n; ++i) v[i] = q.ivals[i];
  }
  return v;
}

double descale_of(const QuantOperand& a, const QuantOperand& b) {
  if (a.family == PeMode::kFloat) {
    return static_cast<float>(1.0 / (static_cast<double>(a.scale) * static_cast<double>(b.scale)));
  }
  if (a.family == PeMode::kInt) {
    if (a.scale == 1.0f && b.scale == 1.0f) return std::ldexp(1.0, a.exponent + b.exponent);
    return static_cast<float>(std::ldexp(1.0 / (static_cast<double>(a.scale) * static_cast<double>(b.scale)),
                                         a.exponent + b.exponent));
  }
  return 1.0;
}

namespace {

int element_lsb(const num::NumberFormat& e) {
  return e.is_float() ? e.flt.emin - e.flt.man_bits : -e.integer.frac_bits;
}

// max |element| / 2^lsb, an integer.
u128 element_max_units(const num::NumberFormat& e) {
  return static_cast<u128>(std::ldexp(e.max_value(), -element_lsb(e)));
}

// An E8M0 scale code as the kernels' exponent X (2^X), or kNanScale.
int16_t mx_scale_exponent(uint8_t c) { return c == num::kE8M0Nan ? kNanScale : static_cast<int16_t>(int(c) - 127); }

// Packing writes every element of the packed buffers, padding included (they are not zero-initialised), and
// runs over row / column panels in parallel. B's half goes into PreparedWeights (packed once for a weight that
// several GEMMs reuse), A's into the Packed struct of the GEMM at hand, which points at B's.

// MX B: [N/NR][nb][bs][NR] element values, scales [N/NR][nb][NR].
void pack_mx_b(const QuantOperand& qb, int bs, int threads, PreparedWeights& w) {
  if (static_cast<size_t>(qb.rows * qb.cols) < kParallelMin) threads = 1;
  constexpr int NR = kMxNR;
  const int64_t k = qb.rows, n = qb.cols, nb = (k + bs - 1) / bs;
  w.nb = nb;
  w.np = round_up(std::max<int64_t>(n, 1), NR);
  w.mx_b = ScratchBuf<double>(static_cast<size_t>(w.np * nb * bs));
  w.mx_sb = ScratchBuf<double>(static_cast<size_t>(w.np * nb));
  w.mx_xb = ScratchBuf<int16_t>(static_cast<size_t>(w.np * nb));
  num::parallel_for(static_cast<size_t>(w.np / NR), threads, [&](size_t jp0, size_t jp1) {
    for (int64_t jp = static_cast<int64_t>(jp0); jp < static_cast<int64_t>(jp1); ++jp) {
      const int64_t j0 = jp * NR, nreal = std::min<int64_t>(NR, n - j0);
      for (int64_t b = 0; b < nb; ++b) {
        double* sb = w.mx_sb.data() + (jp * nb + b) * NR;
        int16_t* xb = w.mx_xb.data() + (jp * nb + b) * NR;
        for (int q = 0; q < NR; ++q) {
          const uint8_t sc = q < nreal ? qb.scales[static_cast<size_t>(b * n + j0 + q)] : uint8_t{127};
          sb[q] = mx_scale_value(sc);
          xb[q] = mx_scale_exponent(sc);
        }
        double* dst = w.mx_b.data() + (jp * nb + b) * bs * NR;
        for (int64_t kk = 0; kk < bs; ++kk) {
          const int64_t kx = b * bs + kk;
          double* d = dst + kk * NR;
          const uint8_t* codes = kx < k ? qb.codes.data() + kx * n + j0 : nullptr;
          for (int q = 0; q < NR; ++q) d[q] = (codes && q < nreal) ? qb.lut[codes[q]] : 0.0;
        }
      }
    }
  });
}

// MX A: [M/MR][nb][bs][MR]; padding rows and K beyond the end are 0 with scale 1.
void pack_mx(const QuantOperand& qa, const PreparedWeights& w, int bs, int threads, MxPacked& p) {
  if (static_cast<size_t>(qa.rows * qa.cols) < kParallelMin) threads = 1;
  constexpr int MR = kMxMR;
  const QuantOperand& qb = w.qb;
  p.m = qa.rows;
  p.k = qa.cols;
  p.n = qb.cols;
  p.bs = bs;
  p.nb = w.nb;
  p.mp = round_up(std::max<int64_t>(p.m, 1), MR);
  p.np = w.np;
  p.lsb_a = element_lsb(qa.element);
  p.lsb_b = element_lsb(qb.element);
  // Exact in double when bs * max_a * max_b (in units of 2^(lsb_a + lsb_b)) stays below 2^53.
  p.exact_double = static_cast<u128>(bs) * element_max_units(qa.element) * element_max_units(qb.element) <
                   (u128(1) << 53);
  const int64_t kp = p.nb * bs;
  p.a = ScratchBuf<double>(static_cast<size_t>(p.mp * kp));
  p.sa = ScratchBuf<double>(static_cast<size_t>(p.mp * p.nb));
  p.xa = ScratchBuf<int16_t>(static_cast<size_t>(p.mp * p.nb));
  p.b = w.mx_b.data();
  p.sb = w.mx_sb.data();
  p.xb = w.mx_xb.data();
  num::parallel_for(static_cast<size_t>(p.mp / MR), threads, [&](size_t ip0, size_t ip1) {
    for (int64_t ip = static_cast<int64_t>(ip0); ip < static_cast<int64_t>(ip1); ++ip) {
      for (int64_t b = 0; b < p.nb; ++b) {
        double* dst = p.a.data() + (ip * p.nb + b) * bs * MR;
        double* sa = p.sa.data() + (ip * p.nb + b) * MR;
        int16_t* xa = p.xa.data() + (ip * p.nb + b) * MR;
        const int64_t k0 = b * bs;
        for (int r = 0; r < MR; ++r) {
          const int64_t i = ip * MR + r;
          const bool real = i < p.m;
          const uint8_t sc = real ? qa.scales[static_cast<size_t>(i * p.nb + b)] : uint8_t{127};
          sa[r] = mx_scale_value(sc);
          xa[r] = mx_scale_exponent(sc);
          const uint8_t* codes = real ? qa.codes.data() + i * p.k : nullptr;
          for (int64_t kk = 0; kk < bs; ++kk) {
            const int64_t k = k0 + kk;
            dst[kk * MR + r] = (real && k < p.k) ? qa.lut[codes[k]] : 0.0;
          }
        }
      }
    }
  });
}

// Float B: [N/NR][K][NR].
void pack_fp_b(const QuantOperand& qb, int threads, PreparedWeights& w) {
  if (static_cast<size_t>(qb.rows * qb.cols) < kParallelMin) threads = 1;
  constexpr int NR = kFpNR;
  const int64_t k = qb.rows, n = qb.cols;
  w.np = round_up(std::max<int64_t>(n, 1), NR);
  w.fp_b = ScratchBuf<float>(static_cast<size_t>(w.np * k));
  num::parallel_for(static_cast<size_t>(w.np / NR), threads, [&](size_t jp0, size_t jp1) {
    for (int64_t jp = static_cast<int64_t>(jp0); jp < static_cast<int64_t>(jp1); ++jp) {
      const int64_t j0 = jp * NR, nreal = std::min<int64_t>(NR, n - j0);
      float* dst = w.fp_b.data() + jp * k * NR;
      for (int64_t kk = 0; kk < k; ++kk) {
        const float* src = qb.fvals.data() + kk * n + j0;
        for (int q = 0; q < NR; ++q) dst[kk * NR + q] = q < nreal ? src[q] : 0.0f;
      }
    }
  });
}

// Float A: [M/MR][K][MR].
void pack_fp(const QuantOperand& qa, const PreparedWeights& w, int threads, FpPacked& p) {
  if (static_cast<size_t>(qa.rows * qa.cols) < kParallelMin) threads = 1;
  constexpr int MR = kFpMR;
  p.m = qa.rows;
  p.k = qa.cols;
  p.n = w.qb.cols;
  p.mp = round_up(std::max<int64_t>(p.m, 1), MR);
  p.np = w.np;
  p.a = ScratchBuf<float>(static_cast<size_t>(p.mp * p.k));
  p.b = w.fp_b.data();
  num::parallel_for(static_cast<size_t>(p.mp / MR), threads, [&](size_t ip0, size_t ip1) {
    for (int64_t ip = static_cast<int64_t>(ip0); ip < static_cast<int64_t>(ip1); ++ip) {
      float* dst = p.a.data() + ip * p.k * MR;
      for (int r = 0; r < MR; ++r) {
        const int64_t i = ip * MR + r;
        const float* src = i < p.m ? qa.fvals.data() + i * p.k : nullptr;
        for (int64_t k = 0; k < p.k; ++k) dst[k * MR + r] = src ? src[k] : 0.0f;
      }
    }
  });
}

// Integer B: [N/NR][steps][NR][2] int16 pairs.
void pack_int_b(const QuantOperand& qb, int threads, PreparedWeights& w) {
  if (static_cast<size_t>(qb.rows * qb.cols) < kParallelMin) threads = 1;
  constexpr int NR = kIntNR;
  const int64_t k = qb.rows, n = qb.cols, steps = (k + 1) / 2;
  w.np = round_up(std::max<int64_t>(n, 1), NR);
  w.int_b = ScratchBuf<int16_t>(static_cast<size_t>(w.np * steps * 2));
  num::parallel_for(static_cast<size_t>(w.np / NR), threads, [&](size_t jp0, size_t jp1) {
    for (int64_t jp = static_cast<int64_t>(jp0); jp < static_cast<int64_t>(jp1); ++jp) {
      const int64_t j0 = jp * NR, nreal = std::min<int64_t>(NR, n - j0);
      int16_t* dst = w.int_b.data() + jp * steps * NR * 2;
      for (int64_t s = 0; s < steps; ++s) {
        for (int half = 0; half < 2; ++half) {
          const int64_t kx = 2 * s + half;
          const int32_t* src = kx < k ? qb.ivals.data() + kx * n + j0 : nullptr;
          for (int q = 0; q < NR; ++q) dst[(s * NR + q) * 2 + half] = static_cast<int16_t>((src && q < nreal) ? src[q] : 0);
        }
      }
    }
  });
}

// Integer A: [M/MR][steps][MR] int32 = (a[2t] & 0xffff) | a[2t+1] << 16.
void pack_int(const QuantOperand& qa, const PreparedWeights& w, int threads, IntPacked& p) {
  if (static_cast<size_t>(qa.rows * qa.cols) < kParallelMin) threads = 1;
  constexpr int MR = kIntMR;
  p.m = qa.rows;
  p.k = qa.cols;
  p.n = w.qb.cols;
  p.steps = (p.k + 1) / 2;
  p.mp = round_up(std::max<int64_t>(p.m, 1), MR);
  p.np = w.np;
  p.exp_sum = qa.exponent + w.qb.exponent;
  p.a = ScratchBuf<int32_t>(static_cast<size_t>(p.mp * p.steps));
  p.b = w.int_b.data();
  num::parallel_for(static_cast<size_t>(p.mp / MR), threads, [&](size_t ip0, size_t ip1) {
    for (int64_t ip = static_cast<int64_t>(ip0); ip < static_cast<int64_t>(ip1); ++ip) {
      int32_t* dst = p.a.data() + ip * p.steps * MR;
      for (int r = 0; r < MR; ++r) {
        const int64_t i = ip * MR + r;
        const int32_t* src = i < p.m ? qa.ivals.data() + i * p.k : nullptr;
        for (int64_t s = 0; s < p.steps; ++s) {
          const int32_t lo = src ? src[2 * s] : 0, hi = (src && 2 * s + 1 < p.k) ? src[2 * s + 1] : 0;
          dst[s * MR + r] =
              static_cast<int32_t>((static_cast<uint32_t>(lo) & 0xffffu) | (static_cast<uint32_t>(hi) << 16));
        }
      }
    }
  });
}

// Runs kernel(t0, t1, &overflows, &skip_counts) over all tiles on `threads` threads; returns the overflow count
// and adds the skip counts (zero for the dense kernels) to *counters.
template <class Kernel>
uint64_t run_tiles(int64_t tiles, int threads, GemmCounters* counters, const std::function<void(double)>& progress,
                   Kernel&& kernel) {
  std::atomic<uint64_t> total{0}, zero{0}, skipped{0}, steps{0};
  std::atomic<int64_t> done{0};
  const std::thread::id caller = std::this_thread::get_id();
  num::parallel_for(static_cast<size_t>(tiles), threads, [&](size_t t0, size_t t1) {
    uint64_t ovf = 0;
    SkipCounts sk;
    // With a progress callback each thread's range runs in slices (the kernels add to ovf and sk), so the
    // caller's thread can report between them.
    const size_t slice = progress ? std::max<size_t>(1, (t1 - t0) / 64) : std::max<size_t>(1, t1 - t0);
    for (size_t s0 = t0; s0 < t1; s0 += slice) {
      const size_t s1 = std::min(t1, s0 + slice);
      kernel(static_cast<int64_t>(s0), static_cast<int64_t>(s1), &ovf, &sk);
      done += static_cast<int64_t>(s1 - s0);
      if (progress && std::this_thread::get_id() == caller) progress(static_cast<double>(done) / static_cast<double>(tiles));
    }
    total += ovf;
    zero += sk.zero_products;
    skipped += sk.macs_skipped;
    steps += sk.steps_skipped;
  });
  counters->zero_products += zero;
  counters->macs_skipped += skipped;
  counters->steps_skipped += steps;
  return total;
}

}  // namespace
}  // namespace pe_detail

namespace {

void prepare_into(const ResolvedPe& r, const float* b, int64_t k, int64_t n, int threads, PreparedWeights& w) {
  w.r = r;
  w.k = k;
  w.n = n;
  w.qb = quantize_operand(r, r.b, true, b, k, n, threads);
  if (r.mode == PeMode::kMx) pack_mx_b(w.qb, r.params.mx_block, threads, w);
  else if (r.mode == PeMode::kFloat) pack_fp_b(w.qb, threads, w);
  else pack_int_b(w.qb, threads, w);
}

}  // namespace

GemmResult run_gemm(const GemmOrder& order, const float* a, const PreparedWeights& w, int64_t m,
                    const GemmRunOptions& run) {
  const ResolvedPe& r = w.r;
  const int64_t n = w.n, k = w.k;
  if (m < 0) throw std::invalid_argument("run_gemm: negative GEMM size");
  const bool stationary = order.dataflow != Dataflow::kOS;
  if (stationary && order.array_rows < 1) throw std::invalid_argument("run_gemm: array rows must be >= 1");
  const int threads = thread_count(run.threads);
  const bool skip = run.skip_zero_products;  // sparse PE: portable skip kernels
  const bool fast = run.kernel == GemmKernel::kAuto && !skip && avx512_available();

  GemmResult res;
  res.m = m;
  res.n = n;
  res.k = k;
  res.c.assign(static_cast<size_t>(m * n), 0.0f);
  if (m == 0 || n == 0) return res;

  const QuantOperand qa = quantize_operand(r, r.a, false, a, m, k, threads);
  const QuantOperand& qb = w.qb;
  res.counters.saturations_a = qa.saturations;
  res.counters.saturations_b = qb.saturations;
  res.counters.underflows_a = qa.underflows;
  res.counters.underflows_b = qb.underflows;
  res.descale = descale_of(qa, qb);

  OutputStage out;
  // Integer operands with power-of-two scales leave 2^(E_A+E_B) to the INT32 -> FP32 conversion; exact scales
  // (exponents 0) are undone here like float ones.
  out.descale = r.mode == PeMode::kFloat || (r.mode == PeMode::kInt && (qa.scale != 1.0f || qb.scale != 1.0f))
                    ? static_cast<float>(res.descale)
                    : 1.0f;
  out.out = FormatRounder{r.out, r.out == num::kFP32};
  const FormatRounder acc{r.acc, r.acc_is_fp32};
  const int64_t rows = stationary ? order.array_rows : 0;

  if (r.mode == PeMode::kMx) {
    MxPacked p;
    pack_mx(qa, w, r.params.mx_block, threads, p);
    MxJob j{&p, rows, acc, out, res.c.data()};
    const bool vec = fast && p.exact_double;
    const int64_t tiles = (p.mp / kMxMR) * (p.np / kMxNR);
    res.counters.acc_overflows =
        run_tiles(tiles, threads, &res.counters, run.progress, [&](int64_t t0, int64_t t1, uint64_t* o, SkipCounts* sk) {
          if (skip) return mx_tiles_skip(j, t0, t1, o, sk);
          vec ? mx_tiles_avx512(j, t0, t1, o) : mx_tiles_portable(j, t0, t1, o);
        });
  } else if (r.mode == PeMode::kFloat) {
    FpPacked p;
    pack_fp(qa, w, threads, p);
    FpJob j{&p, rows, acc, out, res.c.data()};
    const bool vec = fast && acc.fp32;
    const int64_t tiles = (p.mp / kFpMR) * (p.np / kFpNR);
    res.counters.acc_overflows =
        run_tiles(tiles, threads, &res.counters, run.progress, [&](int64_t t0, int64_t t1, uint64_t* o, SkipCounts* sk) {
          if (skip) return fp_tiles_skip(j, t0, t1, o, sk);
          vec ? fp_tiles_avx512(j, t0, t1, o) : fp_tiles_portable(j, t0, t1, o);
        });
  } else {
    IntPacked p;
    pack_int(qa, w, threads, p);
    IntJob j{&p, r.params.int32_policy, rows, r.params.spill_interval, out, res.c.data()};
    const int64_t tiles = (p.mp / kIntMR) * (p.np / kIntNR);
    res.counters.acc_overflows =
        run_tiles(tiles, threads, &res.counters, run.progress, [&](int64_t t0, int64_t t1, uint64_t* o, SkipCounts* sk) {
          if (skip) return int_tiles_skip(j, t0, t1, o, sk);
          fast ? int_tiles_avx512(j, t0, t1, o) : int_tiles_portable(j, t0, t1, o);
        });
    if (r.params.int32_policy == Int32Policy::kSpill && p.steps > 0) {
      // One spill per spill_interval steps and one at the end of each fold's chain (if it has steps left).
      const int64_t fold = rows > 0 ? rows : p.steps;
      const int64_t full = p.steps / fold, rest = p.steps % fold;
      const int64_t per_fold = (fold + r.params.spill_interval - 1) / r.params.spill_interval;
      const int64_t per_rest = (rest + r.params.spill_interval - 1) / r.params.spill_interval;
      res.counters.spills = static_cast<uint64_t>(m * n * (full * per_fold + per_rest));
    }
  }
  uint64_t nans = 0;
  for (float v : res.c) nans += std::isnan(v) ? 1 : 0;
  res.counters.nan_outputs = nans;
  return res;
}

std::shared_ptr<const PreparedWeights> prepare_weights(const PeParams& p, const float* b, int64_t k, int64_t n,
                                                       int threads) {
  if (k < 0 || n < 0) throw std::invalid_argument("prepare_weights: negative GEMM size");
  auto w = std::make_shared<PreparedWeights>();
  prepare_into(resolve(p), b, k, n, thread_count(threads), *w);
  return w;
}

GemmResult run_gemm(const PeParams& params, const GemmOrder& order, const float* a, const float* b, int64_t m,
                    int64_t n, int64_t k, const GemmRunOptions& run) {
  const ResolvedPe r = resolve(params);
  if (m < 0 || n < 0 || k < 0) throw std::invalid_argument("run_gemm: negative GEMM size");
  if (order.dataflow != Dataflow::kOS && order.array_rows < 1)  // before anything reads the operands
    throw std::invalid_argument("run_gemm: array rows must be >= 1");
  PreparedWeights w;
  if (m == 0 || n == 0) {  // nothing to compute, nothing quantized (as before: zero counters)
    w.r = r, w.k = k, w.n = n;
  } else {
    prepare_into(r, b, k, n, thread_count(run.threads), w);
  }
  return run_gemm(order, a, w, m, run);
}

double prepared_weights_bytes(const PeParams& p, int64_t k, int64_t n) {
  const ResolvedPe r = resolve(p);
  const double kd = static_cast<double>(k), nd = static_cast<double>(n);
  if (r.mode == PeMode::kMx) {
    const double bs = r.params.mx_block, nb = std::ceil(kd / bs), np = std::ceil(nd / kMxNR) * kMxNR;
    return np * nb * bs * 8 + np * nb * 10 + kd * nd + nb * nd;
  }
  if (r.mode == PeMode::kFloat) return std::ceil(nd / kFpNR) * kFpNR * kd * 4 + kd * nd * 4;
  return std::ceil(nd / kIntNR) * kIntNR * std::ceil(kd / 2) * 4 + kd * nd * 4;
}


double gemm_memory_bytes(const PeParams& params, int64_t m, int64_t n, int64_t k) {
  const ResolvedPe r = resolve(params);
  const double M = static_cast<double>(m), N = static_cast<double>(n), K = static_cast<double>(k);
  const double mk = M * K, kn = K * N, mn = M * N;
  double quant = 0, packed = 0;  // run_gemm's own quantized operands and packed panels (padding included)
  if (r.mode == PeMode::kMx) {
    const double bs = r.params.mx_block, kp = std::ceil(K / bs) * bs;
    const double mp = static_cast<double>(round_up(std::max<int64_t>(m, 1), kMxMR));
    const double np = static_cast<double>(round_up(std::max<int64_t>(n, 1), kMxNR));
    quant = mk + kn + (mk + kn) / bs;                           // 1-byte codes + scales
    packed = 8 * (mp + np) * kp + 10 * (mp + np) * kp / bs;      // doubles + double/int16 scales
  } else if (r.mode == PeMode::kFloat) {
    const double mp = static_cast<double>(round_up(std::max<int64_t>(m, 1), kFpMR));
    const double np = static_cast<double>(round_up(std::max<int64_t>(n, 1), kFpNR));
    quant = 4 * (mk + kn);
    packed = 4 * (mp + np) * K;
  } else {
    const double mp = static_cast<double>(round_up(std::max<int64_t>(m, 1), kIntMR));
    const double np = static_cast<double>(round_up(std::max<int64_t>(n, 1), kIntNR));
    quant = 4 * (mk + kn);
    packed = 4 * (mp + np) * std::ceil(K / 2);
  }
  const double dequant = 8 * (mk + kn);  // QuantizedOperands (doubles), kept by callers for accuracy/sparsity
  const double datapath = dequant + quant + packed + 4 * mn;      // run_gemm
  const double accuracy = dequant + 4 * mn + 8 * mn + 4 * mn;     // output, FP64 reference, ideal emulation
  return std::max(datapath, accuracy);
}

QuantizedOperands quantize_operands(const PeParams& params, const float* a, const float* b, int64_t m, int64_t n,
                                    int64_t k, int threads) {
  const ResolvedPe r = resolve(params);
  threads = thread_count(threads);
  const QuantOperand qa = quantize_operand(r, r.a, false, a, m, k, threads);
  const QuantOperand qb = quantize_operand(r, r.b, true, b, k, n, threads);
  QuantizedOperands q;
  q.a = dequantize(qa, r.params.mx_block, false);
  q.b = dequantize(qb, r.params.mx_block, true);
  q.descale = descale_of(qa, qb);
  q.counters.saturations_a = qa.saturations;
  q.counters.saturations_b = qb.saturations;
  q.counters.underflows_a = qa.underflows;
  q.counters.underflows_b = qb.underflows;
  return q;
}

}  // namespace lpsim::model
