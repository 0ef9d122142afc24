#include "numerics/mx.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <limits>
#include <stdexcept>

#include "numerics/convert.h"
#include "numerics/kernel_util.h"
#include "numerics/parallel.h"

namespace lpsim::num {

const char* to_string(ScaleRule r) { return r == ScaleRule::kFloor ? "floor" : "ceil"; }

std::optional<ScaleRule> parse_scale_rule(std::string_view s) {
  if (s == "floor") return ScaleRule::kFloor;
  if (s == "ceil") return ScaleRule::kCeil;
  return std::nullopt;
}

MxElementInfo mx_element_info(const NumberFormat& element) {
  MxElementInfo info;
  if (element.is_float()) {
    const FloatFormat& f = element.flt;
    if (!f.is_signed || !f.has_subnormals || f.width > 8 || !detail::fits_float_path(f) ||
        f.emin - f.man_bits < -100 || f.emax > 100) {
      throw std::invalid_argument("'" + element.name +
                                  "' cannot be an MX element: need a signed float of at most 8 bits with "
                                  "subnormals and values between 2^-100 and 2^100");
    }
  } else {
    const IntFormat& f = element.integer;
    if (f.bits > 8 || f.frac_bits > 100 || f.frac_bits < -90) {
      throw std::invalid_argument("'" + element.name + "' cannot be an MX element: need an integer of at most 8 bits");
    }
  }
  info.emax = element.emax();
  info.max_value = element.max_value();
  info.max_mantissa = detail::bit_cast<uint32_t>(static_cast<float>(info.max_value)) & 0x7fffffu;
  return info;
}

namespace {

constexpr int kNanExponent = 1 << 30;  // "NaN scale" in the inline form below

LPSIM_NUM_INLINE int shared_exponent(uint32_t amax_bits, const MxElementInfo& info, ScaleRule rule) {
  amax_bits &= 0x7fffffffu;
  if (amax_bits >= 0x7f800000u) return kNanExponent;  // NaN/Inf in the block poisons its scale
  // floor(log2(amax)) and amax's normalised 23-bit mantissa, exactly from the bits.
  int e;
  uint32_t mant;
  if (amax_bits >= 0x00800000u) {
    e = static_cast<int>(amax_bits >> 23) - 127;
    mant = amax_bits & 0x7fffffu;
  } else if (amax_bits == 0) {
    e = -126;  // microxcaling takes max(amax, FLT_MIN_NORMAL)
    mant = 0;
  } else {
    const int p = 31 - __builtin_clz(amax_bits);  // amax = amax_bits * 2^-149
    e = p - 149;
    mant = (amax_bits << (23 - p)) & 0x7fffffu;
  }
  // MX v1.0 §6.3: X = floor(log2(amax)) - emax_elem. ceil: amax/max_elem = 2^(e-emax) * (1.mant / 1.max_mant),
  // and the ratio of significands is in (1/2, 2), so the ceiling is one more exactly when mant > max_mant.
  int x = e - info.emax;
  if (rule == ScaleRule::kCeil && amax_bits != 0 && mant > info.max_mantissa) ++x;
  if (x < -127) x = -127;  // E8M0 minimum 2^-127
  if (x > 127) {
    if (rule == ScaleRule::kFloor) return kNanExponent;  // microxcaling: exponent > 127 -> NaN scale
    x = 127;
  }
  return x;
}

}  // namespace

std::optional<int> mx_shared_exponent(uint32_t amax_bits, const MxElementInfo& info, ScaleRule rule) {
  const int x = shared_exponent(amax_bits, info, rule);
  if (x == kNanExponent) return std::nullopt;
  return x;
}

size_t MxTensor::blocks_per_line() const {
  const size_t len = axis == 1 ? cols : rows;
  return (len + static_cast<size_t>(block_size) - 1) / static_cast<size_t>(block_size);
}

size_t MxTensor::scale_index(size_t r, size_t c) const {
  const size_t bs = static_cast<size_t>(block_size);
  return axis == 1 ? r * blocks_per_line() + c / bs : (r / bs) * cols + c;
}

void validate(const MxOptions& opt) {
  if (opt.block_size < 1 || opt.block_size > 4096) throw std::invalid_argument("MX block size must be 1..4096");
  if (opt.axis != 0 && opt.axis != 1) throw std::invalid_argument("MX axis must be 0 (columns) or 1 (rows)");
  if (opt.rounding == Rounding::kStochastic && (opt.random_bits < 1 || opt.random_bits > 32)) {
    throw std::invalid_argument("stochastic rounding needs 1..32 random bits");
  }
  mx_element_info(opt.element);
}

namespace {

using detail::abs_bits;
using detail::bit_cast;
using detail::Encoded;
using detail::pow2f;

struct MxJob {
  const float* x;
  size_t rows, cols, bs, bpl;  // bpl: blocks per line
  uint8_t* codes;
  uint8_t* scales;
  float* values;  // may be null
  MxElementInfo info;
  ScaleRule rule;
  Rounding rounding;
  Overflow overflow;
  int random_bits;
  uint64_t seed;
  const NumberFormat* element;
};

constexpr uint32_t kQuietNan = 0x7fc00000u;

struct BlockScale {
  bool nan;
  uint8_t code;
  float inv;   // 2^-X (0 for NaN)
  float pow2;  // 2^X
};

LPSIM_NUM_INLINE BlockScale block_scale(uint32_t amax, const MxJob& j) {
  const int x = shared_exponent(amax, j.info, j.rule);
  if (x == kNanExponent) return BlockScale{true, kE8M0Nan, 0.0f, 0.0f};
  return BlockScale{false, static_cast<uint8_t>(x + 127), pow2f(-x), pow2f(x)};
}

// One element: y = x / 2^X (a float32 multiply; exact unless the quotient is below 2^-126, where every element
// format rounds it to zero anyway), then the element encoder with saturation.
// Per-call constants copied out of the job: the loops store through uint8_t pointers, which may alias
// anything, so reading them from the job inside a loop would block vectorisation.
struct ElemParams {
  Overflow overflow;
  int random_bits;
  uint64_t seed;
};

template <class Elem>
LPSIM_NUM_INLINE Encoded mx_element(const Elem& elem, Rounding rounding, ElemParams p, float xv, float inv,
                                    size_t index) {
  const float y = xv * inv;
  const uint32_t rnd = rounding == Rounding::kStochastic ? random_bits_at(p.seed, index) : 0u;
  Encoded e = elem(y, rounding, p.overflow, Subnormals::kKeep, rnd, p.random_bits);
  // README rule 7: a zero quotient gives +0. Arithmetic mask (1 when |y| != 0) rather than a select, which GCC
  // 12 does not vectorise here.
  e.code &= 0u - ((abs_bits(y) + 0x7fffffffu) >> 31);
  return e;
}

// Dequantized value; a nonzero input that rounds to zero keeps its sign (-0), also for integer elements.
template <class Elem>
LPSIM_NUM_INLINE float mx_value(const Elem& elem, uint32_t code, float xv, float inv, float p2) {
  const float v = elem.decode(code) * p2;  // exact: the product is a float32 value (README rule 6)
  const uint32_t y_bits = bit_cast<uint32_t>(xv * inv);
  const uint32_t keep_sign = ((abs_bits(v) == 0) & ((y_bits & 0x7fffffffu) != 0)) ? (y_bits & 0x80000000u) : 0u;
  return bit_cast<float>(bit_cast<uint32_t>(v) | keep_sign);
}

template <size_t kN>
LPSIM_NUM_INLINE uint32_t block_amax(const float* xb, size_t n_rt) {
  const size_t n = kN ? kN : n_rt;
  uint32_t amax = 0;
  for (size_t i = 0; i < n; ++i) amax = std::max(amax, abs_bits(xb[i]));
  return amax;
}

// Blocks along rows: blocks [b0, b1) in row-major block order. Consecutive blocks are contiguous in memory
// (also across rows), so the blocks are processed in chunks of about kChunk elements: pass 1 finds each
// block's scale and spreads 2^-X over a per-element array, pass 2 quantizes the whole chunk in one long
// vectorised loop (short per-block loops cost ~40% of the throughput).
constexpr size_t kChunk = 2048;

template <class Elem>
LPSIM_NUM_INLINE size_t mx_rows_impl(const Elem& elem, Rounding rounding, const MxJob& j, size_t b0, size_t b1) {
  const ElemParams p{j.overflow, j.random_bits, j.seed};
  std::vector<float> inv_buf(std::max(kChunk, j.bs) + j.bs), p2_buf(j.values ? inv_buf.size() : 0);
  std::vector<size_t> nan_blocks;
  size_t saturated = 0;
  size_t b = b0;
  while (b < b1) {
    // Pass 1: scales of the blocks of this chunk.
    const size_t start = (b / j.bpl) * j.cols + (b % j.bpl) * j.bs;  // element index of block b
    size_t m = 0;                                                     // elements in the chunk
    nan_blocks.clear();
    for (; b < b1 && (m == 0 || m + j.bs <= kChunk); ++b) {
      const size_t c0 = (b % j.bpl) * j.bs;
      const size_t n = std::min(j.bs, j.cols - c0);  // short last block of a row = zero-padded block
      const float* xb = j.x + start + m;
      const uint32_t amax = n == 32 ? block_amax<32>(xb, n) : n == 16 ? block_amax<16>(xb, n)
                                                          : n == 64 ? block_amax<64>(xb, n) : block_amax<0>(xb, n);
      const BlockScale s = block_scale(amax, j);
      j.scales[b] = s.code;
      if (s.nan) nan_blocks.push_back(m | (n << 32));
      std::fill(inv_buf.data() + m, inv_buf.data() + m + n, s.inv);
      if (j.values) std::fill(p2_buf.data() + m, p2_buf.data() + m + n, s.pow2);
      m += n;
    }
    // Pass 2: elements.
    const float* const xc = j.x + start;
    uint8_t* const cc = j.codes + start;
    const float* const inv = inv_buf.data();
    uint32_t sat = 0;
    if (!j.values) {
      for (size_t i = 0; i < m; ++i) {
        const Encoded e = mx_element(elem, rounding, p, xc[i], inv[i], start + i);
        cc[i] = static_cast<uint8_t>(e.code);
        sat += e.flags & Encoded::kOverflowFlag;
      }
    } else {
      float* const vc = j.values + start;
      const float* const p2 = p2_buf.data();
      for (size_t i = 0; i < m; ++i) {
        const Encoded e = mx_element(elem, rounding, p, xc[i], inv[i], start + i);
        cc[i] = static_cast<uint8_t>(e.code);
        sat += e.flags & Encoded::kOverflowFlag;
        vc[i] = mx_value(elem, e.code, xc[i], inv[i], p2[i]);
      }
    }
    // NaN-scale blocks (rare): codes 0, outputs NaN. Their 2^-X is 0, so y was 0 or NaN and nothing was
    // counted as saturated.
    for (const size_t nb : nan_blocks) {
      const size_t off = nb & 0xffffffffu, n = nb >> 32;
      std::fill(cc + off, cc + off + n, uint8_t{0});
      if (j.values) std::fill(j.values + start + off, j.values + start + off + n, bit_cast<float>(kQuietNan));
    }
    saturated += sat;
  }
  return saturated;
}

// Blocks along columns: columns [c0, c1) of every block row.
template <class Elem>
LPSIM_NUM_INLINE size_t mx_cols_impl(const Elem& elem, Rounding rounding, const MxJob& j, size_t c0, size_t c1) {
  const ElemParams p{j.overflow, j.random_bits, j.seed};
  const size_t w = c1 - c0;
  std::vector<uint32_t> amax(w);
  std::vector<float> inv(w), p2(w);
  std::vector<uint8_t> nan(w);
  size_t saturated = 0;
  for (size_t br = 0; br < j.bpl; ++br) {
    const size_t r0 = br * j.bs, r1 = std::min(j.rows, r0 + j.bs);
    std::fill(amax.begin(), amax.end(), 0u);
    for (size_t r = r0; r < r1; ++r) {
      const float* xr = j.x + r * j.cols + c0;
      for (size_t c = 0; c < w; ++c) amax[c] = std::max(amax[c], abs_bits(xr[c]));
    }
    for (size_t c = 0; c < w; ++c) {
      const BlockScale s = block_scale(amax[c], j);
      j.scales[br * j.cols + c0 + c] = s.code;
      inv[c] = s.inv;
      p2[c] = s.pow2;
      nan[c] = s.nan;
    }
    for (size_t r = r0; r < r1; ++r) {
      const size_t base = r * j.cols + c0;
      const float* xr = j.x + base;
      uint8_t* cr = j.codes + base;
      uint32_t sat = 0;
      for (size_t c = 0; c < w; ++c) {
        const Encoded e = mx_element(elem, rounding, p, xr[c], inv[c], base + c);
        cr[c] = nan[c] ? uint8_t{0} : static_cast<uint8_t>(e.code);
        sat += nan[c] ? 0u : (e.flags & Encoded::kOverflowFlag);
      }
      saturated += sat;
      if (j.values) {
        float* vr = j.values + base;
        for (size_t c = 0; c < w; ++c) {
          vr[c] = nan[c] ? bit_cast<float>(kQuietNan) : mx_value(elem, cr[c], xr[c], inv[c], p2[c]);
        }
      }
    }
  }
  return saturated;
}

using Kernel = size_t (*)(const MxJob&, size_t, size_t);

template <class Elem, Rounding R>
LPSIM_NUM_CLONES size_t rows_fixed(const MxJob& j, size_t b0, size_t b1) {
  return mx_rows_impl(Elem{}, R, j, b0, b1);
}
template <class Elem, Rounding R>
LPSIM_NUM_CLONES size_t cols_fixed(const MxJob& j, size_t c0, size_t c1) {
  return mx_cols_impl(Elem{}, R, j, c0, c1);
}

// Custom element formats: the same element code with the descriptor read at run time.

LPSIM_NUM_CLONES size_t rows_runtime(const MxJob& j, size_t b0, size_t b1) {
  if (j.element->is_float()) return mx_rows_impl(detail::RuntimeFloatElem{j.element->flt}, j.rounding, j, b0, b1);
  return mx_rows_impl(detail::RuntimeIntElem{j.element->integer}, j.rounding, j, b0, b1);
}
LPSIM_NUM_CLONES size_t cols_runtime(const MxJob& j, size_t c0, size_t c1) {
  if (j.element->is_float()) return mx_cols_impl(detail::RuntimeFloatElem{j.element->flt}, j.rounding, j, c0, c1);
  return mx_cols_impl(detail::RuntimeIntElem{j.element->integer}, j.rounding, j, c0, c1);
}

template <class Elem>
Kernel pick(Rounding r, bool rows) {
  switch (r) {
    case Rounding::kNearestEven:
      return rows ? &rows_fixed<Elem, Rounding::kNearestEven> : &cols_fixed<Elem, Rounding::kNearestEven>;
    case Rounding::kNearestAway:
      return rows ? &rows_fixed<Elem, Rounding::kNearestAway> : &cols_fixed<Elem, Rounding::kNearestAway>;
    case Rounding::kTowardZero:
      return rows ? &rows_fixed<Elem, Rounding::kTowardZero> : &cols_fixed<Elem, Rounding::kTowardZero>;
    case Rounding::kStochastic:
      return rows ? &rows_fixed<Elem, Rounding::kStochastic> : &cols_fixed<Elem, Rounding::kStochastic>;
  }
  return nullptr;
}

Kernel pick_kernel(const NumberFormat& e, Rounding r, bool rows) {
  if (e.is_float()) {
    if (e.flt == kE4M3) return pick<detail::FixedFloatElem<kE4M3>>(r, rows);
    if (e.flt == kE5M2) return pick<detail::FixedFloatElem<kE5M2>>(r, rows);
    if (e.flt == kE3M2) return pick<detail::FixedFloatElem<kE3M2>>(r, rows);
    if (e.flt == kE2M3) return pick<detail::FixedFloatElem<kE2M3>>(r, rows);
    if (e.flt == kE2M1) return pick<detail::FixedFloatElem<kE2M1>>(r, rows);
  } else if (e.integer == kMxInt8) {
    return pick<detail::FixedIntElem<kMxInt8>>(r, rows);
  }
  return nullptr;  // custom format: run-time kernel
}

}  // namespace

size_t mx_quantize_into(const MxOptions& opt, const float* x, size_t rows, size_t cols, uint8_t* codes,
                        uint8_t* scales, float* values) {
  validate(opt);
  const bool along_rows = opt.axis == 1;
  const size_t bs = static_cast<size_t>(opt.block_size);
  const size_t line = along_rows ? cols : rows;
  MxJob j{};
  j.x = x;
  j.rows = rows;
  j.cols = cols;
  j.bs = bs;
  j.bpl = (line + bs - 1) / bs;
  j.codes = codes;
  j.scales = scales;
  j.values = values;
  j.info = mx_element_info(opt.element);
  j.rule = opt.scale_rule;
  j.rounding = opt.rounding;
  j.overflow = opt.overflow;
  j.random_bits = opt.random_bits;
  j.seed = opt.seed;
  j.element = &opt.element;
  if (rows == 0 || cols == 0) return 0;

  Kernel k = pick_kernel(opt.element, opt.rounding, along_rows);
  const bool runtime = k == nullptr;
  if (runtime) k = along_rows ? &rows_runtime : &cols_runtime;
  const size_t work = along_rows ? rows * j.bpl : cols;  // blocks (rows) or columns (cols)
  std::atomic<size_t> total{0};
  parallel_for(work, opt.threads, [&](size_t b, size_t e) { total += k(j, b, e); });
  return total;
}

MxTensor mx_quantize(const MxOptions& opt, const float* x, size_t rows, size_t cols) {
  validate(opt);
  MxTensor t;
  t.rows = rows;
  t.cols = cols;
  t.axis = opt.axis;
  t.block_size = opt.block_size;
  t.codes.resize(rows * cols);
  t.values.resize(rows * cols);
  t.scales.resize(opt.axis == 1 ? rows * t.blocks_per_line() : t.blocks_per_line() * cols);
  t.saturated = mx_quantize_into(opt, x, rows, cols, t.codes.data(), t.scales.data(), t.values.data());
  return t;
}

}  // namespace lpsim::num
