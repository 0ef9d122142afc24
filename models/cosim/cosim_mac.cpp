// Co-verification of the MAC-type blocks (fp8_mac, bf16_mac, int16_fma, mx_dot): input generators and the
// models, which are models/pe's step functions (pe_step.h) on operands decoded by the numerics codec.
#include <algorithm>
#include <array>
#include <memory>
#include <random>
#include <stdexcept>

#include "cosim/cosim.h"
#include "cosim/cosim_stream.h"
#include "numerics/convert.h"
#include "numerics/format.h"
#include "pe/pe_step.h"

namespace lpsim::model {

using namespace cosim_detail;

namespace {

// ---- shared generator pieces -----------------------------------------------------------------------------------

using Rng = std::mt19937_64;

inline uint64_t below(Rng& g, uint64_t n) { return g() % n; }
inline bool chance(Rng& g, double p) { return std::uniform_real_distribution<double>(0, 1)(g) < p; }

// Chain lengths for random:N: mostly long chains (the "long accumulation chains"), some short ones so
// that chain starts with every kind of in_acc are frequent.
inline uint64_t chain_length(Rng& g, uint64_t max_long) {
  return chance(g, 0.5) ? 1 + below(g, max_long) : 1 + below(g, 16);
}

// Chain bookkeeping of the random generators: next() says whether this step starts a new chain.
struct Chain {
  uint64_t max_long = 64;
  uint64_t left = 0;
  bool next(Rng& g) {
    const bool first = left == 0;
    if (first) left = chain_length(g, max_long);
    --left;
    return first;
  }
};

// A chain's starting FP32 accumulator: +0 with probability p_zero, else a corner value or random bits (half each).
uint32_t start_acc(Rng& g, double p_zero);

// A chain whose operand formats (one bit per operand) are drawn at its start, with its accumulator (+0 60%).
struct FormatChain {
  Chain chain;
  bool fa = false, fb = false;
  // True at a chain start, when *acc receives the start value.
  bool next(Rng& g, uint32_t* acc) {
    if (!chain.next(g)) return false;
    fa = g() & 1;
    fb = g() & 1;
    *acc = start_acc(g, 0.6);
    return true;
  }
};

// A list of vectors as a Source.
template <class In>
Source<In> list_source(std::vector<In> v) {
  auto data = std::make_shared<std::vector<In>>(std::move(v));
  auto pos = std::make_shared<size_t>(0);
  return [data, pos](In* buf, size_t max) {
    const size_t n = std::min(max, data->size() - *pos);
    std::copy(data->begin() + static_cast<std::ptrdiff_t>(*pos), data->begin() + static_cast<std::ptrdiff_t>(*pos + n),
              buf);
    *pos += n;
    return n;
  };
}

// N vectors from a per-vector generator.
template <class In, class Gen>
Source<In> count_source(uint64_t total, Gen gen) {
  auto done = std::make_shared<uint64_t>(0);
  auto g = std::make_shared<Gen>(std::move(gen));
  return [total, done, g](In* buf, size_t max) {
    const size_t n = static_cast<size_t>(std::min<uint64_t>(max, total - *done));
    for (size_t i = 0; i < n; ++i) buf[i] = (*g)();
    *done += n;
    return n;
  };
}

std::string random_desc(const CosimInputs& in, const std::string& what) {
  return "random: " + std::to_string(in.count) + " " + what + ", seed " + std::to_string(in.seed);
}

[[noreturn]] void no_exhaustive(const std::string& block, const std::string& why) {
  throw std::invalid_argument(block + " has no exhaustive input set (" + why + "); use corners or random:N");
}

// FP32 accumulator values that the specials and corner runs pair with every operand pair.
const std::vector<uint32_t> kAccCorners = {
    0x00000000u,  // +0
    0x80000000u,  // -0
    0x00000001u,  // +min subnormal
    0x807fffffu,  // -max subnormal
    0x00800000u,  // +min normal
    0x3f800000u,  // 1
    0xbf800001u,  // -(1 + 2^-23)
    0x4b800001u,  // 2^24 + 2: ulp 2, odd integer products make ties
    0x33800000u,  // 2^-24: half an ulp of 1, ties with products near 1
    0xc3000000u,  // -128: exact cancellation with products of 128
    0x461c4000u,  // 10000
    0x7f000000u,  // 2^127 (near overflow)
    0x7f7fffffu,  // +max finite
    0xff7fffffu,  // -max finite
    0x7f800000u,  // +Inf
    0xff800000u,  // -Inf
    0x7fc00000u,  // quiet NaN
    0xffa00001u,  // signalling NaN pattern, negative
};

uint32_t start_acc(Rng& g, double p_zero) {
  if (chance(g, p_zero)) return 0u;
  return chance(g, 0.5) ? kAccCorners[below(g, kAccCorners.size())] : static_cast<uint32_t>(g());
}

// ---- FP8 MAC ------------------------------------------------------------------------------------------------------

inline const num::FloatFormat& fp8_format(bool e5m2) { return e5m2 ? num::kE5M2 : num::kE4M3; }
inline bool fp8_is_nan_or_inf(bool e5m2, uint8_t c) {
  return e5m2 ? ((c & 0x7c) == 0x7c) : ((c & 0x7f) == 0x7f);
}
const char* fp8_name(bool e5m2) { return e5m2 ? "e5m2" : "e4m3"; }

// OFP8 codes that matter: zeros, subnormals, the normal boundary, 1, largest, Inf and NaN.
std::vector<uint8_t> fp8_corner_codes(bool e5m2) {
  std::vector<uint8_t> v = e5m2 ? std::vector<uint8_t>{0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x3c, 0x3d, 0x7a, 0x7b,
                                                       0x7c, 0x7d, 0x7e, 0x7f}
                                : std::vector<uint8_t>{0x00, 0x01, 0x02, 0x06, 0x07, 0x08, 0x09, 0x38, 0x39, 0x77,
                                                       0x7d, 0x7e, 0x7f};
  const size_t n = v.size();
  for (size_t i = 0; i < n; ++i) v.push_back(static_cast<uint8_t>(v[i] | 0x80));
  return v;
}

Source<Fp8MacIn> fp8_source(const CosimInputs& in, uint64_t* total, std::string* desc) {
  const auto& accs = kAccCorners;
  if (in.kind == CosimInputKind::kExhaustive) {
    // Every pair of codes of every format combination, each as the first step of a chain from every corner acc.
    *total = 4ull * accs.size() * 65536;
    *desc = "exhaustive: all 65536 operand pairs of e4m3 x e4m3, e5m2 x e5m2, e4m3 x e5m2, e5m2 x e4m3, each with " +
            std::to_string(accs.size()) + " accumulator values (+-0, subnormal, tie makers, near overflow, +-max, "
            "+-Inf, NaN)";
    auto pos = std::make_shared<uint64_t>(0);
    const uint64_t n_total = *total;
    return [pos, n_total](Fp8MacIn* buf, size_t max) {
      const size_t n = static_cast<size_t>(std::min<uint64_t>(max, n_total - *pos));
      for (size_t i = 0; i < n; ++i) {
        const uint64_t x = *pos + i;
        const uint64_t pair = x & 0xffff, rest = x >> 16;
        const uint64_t acc = rest % kAccCorners.size(), combo = rest / kAccCorners.size();
        Fp8MacIn& v = buf[i];
        v.first = true;
        v.fmt_a = (combo == 1 || combo == 3);
        v.fmt_b = (combo == 1 || combo == 2);
        v.a = static_cast<uint8_t>(pair >> 8);
        v.b = static_cast<uint8_t>(pair);
        v.acc = kAccCorners[acc];
      }
      *pos += n;
      return n;
    };
  }
  if (in.kind == CosimInputKind::kCorners) {
    std::vector<Fp8MacIn> v;
    for (int combo = 0; combo < 4; ++combo) {
      const bool fa = combo == 1 || combo == 3, fb = combo == 1 || combo == 2;
      for (uint8_t a : fp8_corner_codes(fa)) {
        for (uint8_t b : fp8_corner_codes(fb)) {
          for (uint32_t acc : accs) v.push_back({true, fa, fb, a, b, acc});
        }
      }
    }
    *total = v.size();
    *desc = "corners: special and boundary codes of both formats (zeros, subnormals, min normal, 1, max, Inf, NaN) "
            "in all 4 format combinations, with " + std::to_string(accs.size()) + " accumulator values";
    return list_source(std::move(v));
  }
  *total = in.count;
  *desc = random_desc(in, "steps in accumulation chains (lengths 1..4096 and 1..16, random formats per chain, "
                          "uniform codes with Inf/NaN mostly redrawn)");
  struct Gen {
    Rng g;
    FormatChain c{Chain{4096}};
    Fp8MacIn operator()() {
      Fp8MacIn v;
      v.first = c.next(g, &v.acc);
      v.fmt_a = c.fa;
      v.fmt_b = c.fb;
      do v.a = static_cast<uint8_t>(g()); while (fp8_is_nan_or_inf(c.fa, v.a) && !chance(g, 0.03));
      do v.b = static_cast<uint8_t>(g()); while (fp8_is_nan_or_inf(c.fb, v.b) && !chance(g, 0.03));
      return v;
    }
  };
  return count_source<Fp8MacIn>(in.count, Gen{Rng(in.seed)});
}

// ---- BF16 MAC ----------------------------------------------------------------------------------------------------

std::vector<uint16_t> bf16_corner_codes() {
  std::vector<uint16_t> v = {0x0000, 0x0001, 0x007f, 0x0080, 0x0081, 0x3f80, 0x3f81, 0x4000, 0x5f80,
                             0x1f80, 0x7f00, 0x7f7f, 0x7f80, 0x7fc0, 0x7f81};
  const size_t n = v.size();
  for (size_t i = 0; i < n; ++i) v.push_back(static_cast<uint16_t>(v[i] | 0x8000));
  return v;
}

// A BF16 operand: 10% uniform bits, 60% moderate (|exp| <= 20), 10% tiny (subnormal range and just above),
// 10% huge, 10% a special or boundary code.
uint16_t random_bf16(Rng& g) {
  const uint64_t k = below(g, 10);
  const uint16_t sign_man = static_cast<uint16_t>(g() & 0x807f);
  if (k == 0) return static_cast<uint16_t>(g());
  if (k <= 6) return static_cast<uint16_t>(sign_man | (107 + below(g, 41)) << 7);
  if (k == 7) return static_cast<uint16_t>(sign_man | below(g, 4) << 7);
  if (k == 8) return static_cast<uint16_t>(sign_man | (200 + below(g, 55)) << 7);
  const auto c = bf16_corner_codes();
  return c[below(g, c.size())];
}

Source<Bf16MacIn> bf16_source(const CosimInputs& in, uint64_t* total, std::string* desc) {
  if (in.kind == CosimInputKind::kExhaustive) no_exhaustive("bf16_mac", "2^48 operand and accumulator patterns");
  if (in.kind == CosimInputKind::kCorners) {
    std::vector<Bf16MacIn> v;
    const auto codes = bf16_corner_codes();
    for (uint16_t a : codes) {
      for (uint16_t b : codes) {
        for (uint32_t acc : kAccCorners) v.push_back({true, a, b, acc});
      }
    }
    // Exact cancellation (acc = -(a*b), exact in FP32: a 16-bit significand product) -> +0, and ties: a product
    // whose lowest bit is exactly half an ulp of acc, for accumulators around 1 and near FP32's extremes.
    Rng g(7);
    for (int i = 0; i < 4000; ++i) {
      Bf16MacIn t;
      t.a = static_cast<uint16_t>((g() & 0x807f) | (110 + below(g, 30)) << 7);
      t.b = static_cast<uint16_t>((g() & 0x807f) | (110 + below(g, 30)) << 7);
      const float p = cosim_detail::bits_f32(static_cast<uint32_t>(t.a) << 16) *
                      cosim_detail::bits_f32(static_cast<uint32_t>(t.b) << 16);
      t.acc = cosim_detail::f32_bits(-p);
      v.push_back(t);
      // Tie: acc with exponent e (ulp 2^(e-23)); a = odd significand m * 2^(ea), b = 2^eb with
      // lsb(a*b) = 2^(e-24): the product's last bit is exactly half an ulp of acc.
      const int e = static_cast<int>(below(g, 200)) - 100;
      const uint32_t acc = (static_cast<uint32_t>(e + 127) << 23) | (g() & 0x807fffffu);
      const uint16_t ma = static_cast<uint16_t>((g() & 0x3f) << 1 | 1);  // odd 7-bit fraction -> lsb 2^(ea-7)
      const int ea = static_cast<int>(below(g, 20)) - 10;
      const int eb = (e - 24) - (ea - 7);
      if (eb < -126 || eb > 127) continue;
      Bf16MacIn u;
      u.a = static_cast<uint16_t>((g() & 0x8000) | (ea + 127) << 7 | ma);
      u.b = static_cast<uint16_t>((g() & 0x8000) | (eb + 127) << 7);
      u.acc = acc;
      v.push_back(u);
    }
    *total = v.size();
    *desc = "corners: " + std::to_string(codes.size()) + " special/boundary BF16 codes squared with " +
            std::to_string(kAccCorners.size()) + " accumulator values, plus exact cancellations and rounding ties";
    return list_source(std::move(v));
  }
  *total = in.count;
  *desc = random_desc(in, "steps in accumulation chains (lengths 1..1024 and 1..16; operands uniform, moderate, "
                          "tiny, huge and special; 5% cancelling and 5% tie-making steps)");
  struct Gen {
    Rng g;
    Chain chain{1024};
    Bf16MacIn operator()() {
      Bf16MacIn v;
      v.first = chain.next(g);
      if (v.first) v.acc = start_acc(g, 0.5);
      v.a = random_bf16(g);
      v.b = random_bf16(g);
      if (v.first && chance(g, 0.05)) {  // cancel exactly
        v.acc = f32_bits(-(bits_f32(static_cast<uint32_t>(v.a) << 16) * bits_f32(static_cast<uint32_t>(v.b) << 16)));
      }
      return v;
    }
  };
  return count_source<Bf16MacIn>(in.count, Gen{Rng(in.seed)});
}

// ---- INT16 FMA ---------------------------------------------------------------------------------------------------

inline uint32_t pair(int16_t lo, int16_t hi) {
  return static_cast<uint32_t>(static_cast<uint16_t>(lo)) | static_cast<uint32_t>(static_cast<uint16_t>(hi)) << 16;
}
inline int16_t lo16(uint32_t p) { return static_cast<int16_t>(p & 0xffff); }
inline int16_t hi16(uint32_t p) { return static_cast<int16_t>(p >> 16); }

const std::vector<int16_t> kInt16Corners = {0, 1, -1, 181, -256, 32767, -32767, -32768};
const std::vector<int32_t> kInt32Corners = {0,           1,          -1,          INT32_MAX,  INT32_MIN,
                                            INT32_MAX - 1, INT32_MIN + 1, 1 << 30, -(1 << 30), 0x7fff0000};

Source<Int16FmaIn> int16_source(const CosimInputs& in, uint64_t* total, std::string* desc) {
  if (in.kind == CosimInputKind::kExhaustive) no_exhaustive("int16_fma", "2^96 operand and accumulator patterns");
  if (in.kind == CosimInputKind::kCorners) {
    std::vector<Int16FmaIn> v;
    for (int16_t a0 : kInt16Corners)
      for (int16_t a1 : kInt16Corners)
        for (int16_t b0 : kInt16Corners)
          for (int16_t b1 : kInt16Corners)
            for (int32_t acc : kInt32Corners) {
              v.push_back({true, pair(a0, a1), pair(b0, b1), static_cast<uint32_t>(acc)});
            }
    *total = v.size();
    *desc = "corners: all VNNI pairs over {0, 1, -1, 181, -256, 32767, -32767, -32768} with accumulators 0, +-1, "
            "INT32 limits and neighbours, +-2^30, 0x7fff0000 (overflow both ways for both policies)";
    return list_source(std::move(v));
  }
  *total = in.count;
  *desc = random_desc(in, "VNNI steps in accumulation chains (lengths 1..1024 and 1..16; per chain full-range, "
                          "small or extreme operands; accumulators from 0, random or near the INT32 limits)");
  struct Gen {
    Rng g;
    Chain chain{1024};
    int mode = 0;
    int16_t value() {
      switch (mode) {
        case 0: return static_cast<int16_t>(g());
        case 1: return static_cast<int16_t>(static_cast<int>(below(g, 512)) - 256);
        default: return kInt16Corners[below(g, kInt16Corners.size())];
      }
    }
    Int16FmaIn operator()() {
      Int16FmaIn v;
      v.first = chain.next(g);
      if (v.first) {
        mode = static_cast<int>(below(g, 3));
        const uint64_t k = below(g, 4);
        v.acc = k == 0 ? 0u : k == 1 ? static_cast<uint32_t>(g())
                                     : static_cast<uint32_t>(kInt32Corners[below(g, kInt32Corners.size())]);
      }
      v.a = pair(value(), value());
      v.b = pair(value(), value());
      return v;
    }
  };
  return count_source<Int16FmaIn>(in.count, Gen{Rng(in.seed)});
}

// ---- MX dot ----------------------------------------------------------------------------------------------------

// Element values of all 256 codes through the numerics codec (the decode run_gemm's element tables use).
struct MxLuts {
  std::array<double, 256> e4m3{}, int8{};
  MxLuts() {
    for (uint32_t c = 0; c < 256; ++c) {
      e4m3[c] = num::decode(num::kE4M3, c);
      int8[c] = num::decode(num::kMxInt8, c);
    }
  }
  const std::array<double, 256>& of(bool int8_fmt) const { return int8_fmt ? int8 : e4m3; }
};
const MxLuts& mx_luts() {
  static const MxLuts l;
  return l;
}

void mx_fill(Rng& g, bool int8_fmt, int mode, std::array<uint8_t, 32>& x) {
  for (auto& c : x) {
    switch (mode) {
      case 0:  // uniform codes, E4M3 NaN mostly redrawn
        do c = static_cast<uint8_t>(g()); while (!int8_fmt && (c & 0x7f) == 0x7f && !chance(g, 0.005));
        break;
      case 1:  // small magnitudes (E4M3 subnormals and the lowest binades; INT8 within +-8)
        c = int8_fmt ? static_cast<uint8_t>(static_cast<int>(below(g, 17)) - 8)
                     : static_cast<uint8_t>((g() & 0x80) | below(g, 24));
        break;
      case 2:  // the largest magnitudes (E4M3 448, INT8 127 / -128)
        c = int8_fmt ? (chance(g, 0.5) ? 0x7f : 0x80) : static_cast<uint8_t>((g() & 0x80) | 0x7e);
        break;
      default:  // sparse: three quarters zeros
        c = chance(g, 0.75) ? 0 : static_cast<uint8_t>(g());
        if (!int8_fmt && (c & 0x7f) == 0x7f) c = 0x7e;
        break;
    }
  }
}

uint8_t mx_random_scale(Rng& g) {
  const uint64_t k = below(g, 1000);
  if (k < 850) return static_cast<uint8_t>(119 + below(g, 17));
  if (k < 950) return static_cast<uint8_t>(below(g, 255));
  if (k < 997) {
    static const uint8_t ext[] = {0, 1, 253, 254};
    return ext[below(g, 4)];
  }
  return 0xff;  // NaN: rare, because it poisons the rest of its chain
}

Source<MxDotIn> mx_source(const CosimInputs& in, uint64_t* total, std::string* desc) {
  if (in.kind == CosimInputKind::kExhaustive) no_exhaustive("mx_dot", "2^528 element, scale and accumulator patterns");
  if (in.kind == CosimInputKind::kCorners) {
    std::vector<MxDotIn> v;
    const uint8_t scales[] = {0, 1, 126, 127, 128, 254, 255};
    const uint32_t accs[] = {0x00000000u, 0x80000000u, 0x00000001u, 0x3f800000u, 0x3f800001u,
                             0x7f7fffffu, 0xff7fffffu, 0x7f800000u, 0xff800000u, 0x7fc00000u};
    Rng g(11);
    // Element patterns per format pair: all zero, all largest (same sign / alternating: exact cancellation),
    // smallest nonzero, one NaN element (E4M3), sign mixes, random.
    for (int fa = 0; fa < 2; ++fa) {
      for (int fb = 0; fb < 2; ++fb) {
        for (int pat = 0; pat < 7; ++pat) {
          MxDotIn base;
          base.fmt_a = fa;
          base.fmt_b = fb;
          for (int k = 0; k < 32; ++k) {
            const uint8_t big_a = fa ? 0x80 : 0x7e, big_b = fb ? 0x80 : 0x7e;
            switch (pat) {
              case 0: base.a[k] = base.b[k] = 0; break;
              case 1: base.a[k] = big_a; base.b[k] = big_b; break;
              case 2: base.a[k] = static_cast<uint8_t>(big_a ^ ((k & 1) && !fa ? 0x80 : 0));
                      base.b[k] = (k & 1) && fa ? 0x7f : big_b; break;  // +-max pairs cancel (INT8: -128*-128 vs
                                                                        // -128*127 do not: a near-cancellation)
              case 3: base.a[k] = 0x01; base.b[k] = static_cast<uint8_t>(k == 5 ? 0x81 : 0x01); break;
              case 4: base.a[k] = static_cast<uint8_t>(g()); base.b[k] = static_cast<uint8_t>(g());
                      if (!fa && k == 17) base.a[k] = 0x7f;  // NaN element (E4M3 only)
                      break;
              case 5: base.a[k] = static_cast<uint8_t>(k); base.b[k] = static_cast<uint8_t>(0x80 | k); break;
              default: base.a[k] = static_cast<uint8_t>(g()); base.b[k] = static_cast<uint8_t>(g()); break;
            }
            if (pat != 4) {
              if (!fa && (base.a[k] & 0x7f) == 0x7f) base.a[k] = 0x7e;
              if (!fb && (base.b[k] & 0x7f) == 0x7f) base.b[k] = 0x7e;
            }
          }
          for (uint8_t xa : scales) {
            for (uint8_t xb : scales) {
              for (uint32_t acc : accs) {
                MxDotIn t = base;
                t.xa = xa;
                t.xb = xb;
                t.acc = acc;
                v.push_back(t);
              }
            }
          }
        }
      }
    }
    // Rounding ties at the accumulator: one product of 2^-18 (smallest E4M3 subnormals) scaled to exactly half
    // an ulp of acc = 1 or 1 + 2^-23 (ties to even go down / up), and a quarter / three quarters of an ulp.
    for (uint32_t acc : {0x3f800000u, 0x3f800001u, 0xbf800001u}) {
      for (int x = 96; x <= 130; ++x) {  // X_A + X_B - 18 = -24 at X_A = X_B - ... (scan around the tie)
        MxDotIn t;
        t.a[3] = 0x01;
        t.b[3] = 0x01;
        t.a[9] = 0x01;
        t.b[9] = static_cast<uint8_t>(x & 1 ? 0x02 : 0x01);
        t.xa = static_cast<uint8_t>(x);
        t.xb = 127;
        t.acc = acc;
        v.push_back(t);
      }
    }
    *total = v.size();
    *desc = "corners: 7 element patterns (zeros, largest, cancelling, smallest, NaN element, sign mixes, random) "
            "x all 4 format pairs x scales {0, 1, 126, 127, 128, 254, 255 = NaN} squared x 10 accumulator values, "
            "plus rounding ties";
    return list_source(std::move(v));
  }
  *total = in.count;
  *desc = random_desc(in, "blocks in accumulation chains (lengths 1..64 and 1..16; per block uniform, small, "
                          "largest or sparse elements; scales mostly near 127, some anywhere, at the extremes, NaN)");
  struct Gen {
    Rng g;
    FormatChain c{Chain{64}};
    MxDotIn operator()() {
      MxDotIn v;
      v.first = c.next(g, &v.acc);
      v.fmt_a = c.fa;
      v.fmt_b = c.fb;
      mx_fill(g, c.fa, static_cast<int>(below(g, 4)), v.a);
      mx_fill(g, c.fb, static_cast<int>(below(g, 4)), v.b);
      if (chance(g, 0.05)) {  // exact cancellation: the second half negates the first
        for (int k = 0; k < 16; ++k) {
          v.a[16 + k] = c.fa ? static_cast<uint8_t>(-static_cast<int8_t>(v.a[k] == 0x80 ? 0x81 : v.a[k]))
                             : static_cast<uint8_t>(v.a[k] ^ 0x80);
          if (c.fa && v.a[k] == 0x80) v.a[k] = 0x81;
          v.b[16 + k] = v.b[k];
        }
      }
      v.xa = mx_random_scale(g);
      v.xb = mx_random_scale(g);
      return v;
    }
  };
  return count_source<MxDotIn>(in.count, Gen{Rng(in.seed)});
}

std::string mx_bytes(const std::array<uint8_t, 32>& x) {
  std::string s = "[";
  char buf[4];
  for (int k = 0; k < 32; ++k) {
    std::snprintf(buf, sizeof buf, "%02x", x[static_cast<size_t>(k)]);
    s += buf;
    if (k < 31) s += ' ';
  }
  return s + "]";
}

// The "wrong model" of the float MACs (CosimFault::variant): the exact sum rounded to nearest with ties away from
// zero instead of to even, a plausible slip that differs from RNE only on exact ties. `odd` is the exact sum
// rounded to odd (53 bits), so a tie is exactly representable and every other value rounds as it should.
float round_ties_away(double odd) {
  const float f = static_cast<float>(odd);
  if (!std::isfinite(f) || static_cast<double>(f) == odd) return f;
  const float g = std::nextafter(f, odd > static_cast<double>(f) ? INFINITY : -INFINITY);
  const bool tie = std::fabs(odd - static_cast<double>(f)) == std::fabs(static_cast<double>(g) - odd);
  return tie && std::fabs(g) > std::fabs(f) ? g : f;
}
float mac_ties_away(float acc, float a, float b) {
  return round_ties_away(pe_detail::add_round_odd(acc, static_cast<double>(a) * static_cast<double>(b)));
}

std::string acc_before(bool first, uint32_t in_acc, const uint32_t* prev) {
  return first ? "first, acc=" + hex(in_acc, 8) : "chained, acc=" + (prev ? hex(*prev, 8) : std::string("?"));
}

}  // namespace

// ---- runners -------------------------------------------------------------------------------------------------------

const std::vector<uint32_t>& fp8_mac_acc_corners() { return kAccCorners; }

namespace {

BlockCosimResult new_result(const char* block, const char* unit, const char* rtl, const std::string& model,
                            const char* cycle_rule) {
  BlockCosimResult r;
  r.block = block;
  r.vector_unit = unit;
  r.rtl_desc = rtl;
  r.model_desc = model;
  r.cycle_rule = cycle_rule;
  return r;
}

// The StepCheck of a block whose result is one FP32 accumulator: bits compared as they are (model NaN canonical).
template <class In>
StepCheck<In, uint32_t> fp32_check(uint64_t (*rtl)(const In*, size_t, uint32_t*),
                                   std::function<uint32_t(const In&, float acc_before)> model,
                                   std::function<std::string(const In&)> operands) {
  StepCheck<In, uint32_t> chk;
  chk.rtl = rtl;
  chk.model = [model](const In& v, const uint32_t* prev) {
    return model(v, bits_f32(v.first || !prev ? v.acc : *prev));
  };
  chk.equal = [](uint32_t x, uint32_t y) { return x == y; };
  chk.flip = [](uint32_t& x, int bit) { x ^= 1u << (bit & 31); };
  chk.inputs = [operands](const In& v, const uint32_t* prev) {
    return operands(v) + " " + acc_before(v.first, v.acc, prev);
  };
  chk.show = [](uint32_t x) { return f32_str(x); };
  return chk;
}

// A float MAC's model: pe_mac_step on the accumulator before the step and the decoded operands, or (fault
// injection) the ties-away slip.
uint32_t float_mac_model(float acc, float a, float b, const CosimFault& fault) {
  if (fault.variant) return canonical_f32(mac_ties_away(acc, a, b));
  return canonical_f32(static_cast<float>(pe_mac_step(fp32_accumulator(), acc, a, b)));
}

const char* const kTiesAway = "WRONG MODEL (fault injection): accumulator rounding ties away from zero";

}  // namespace

BlockCosimResult cosim_fp8_mac(const CosimInputs& in, const CosimFault& fault, const CosimProgress& progress) {
  BlockCosimResult r = new_result(
      "fp8_mac", "steps",
      "rtl/fp8_mac.sv (fp8_mul.sv, fp32_acc_pipe.sv, fp32_add.sv) verilated (SystemC), latency 3 cycles",
      fault.variant ? kTiesAway : "models/pe pe_mac_step, FP32 accumulator, operands decoded by numerics (e4m3/e5m2)",
      "latency 3 + one step per cycle");
  uint64_t total = 0;
  const Source<Fp8MacIn> src = fp8_source(in, &total, &r.input_desc);
  const auto chk = fp32_check<Fp8MacIn>(
      rtl_fp8_mac,
      [&fault](const Fp8MacIn& v, float acc) {
        return float_mac_model(acc, num::decode_float(fp8_format(v.fmt_a), v.a),
                               num::decode_float(fp8_format(v.fmt_b), v.b), fault);
      },
      [](const Fp8MacIn& v) {
        return std::string(fp8_name(v.fmt_a)) + " x " + fp8_name(v.fmt_b) + ": a=" + hex(v.a, 2) + " b=" + hex(v.b, 2);
      });
  run_steps(r, total, src, chk, fault, progress);
  return r;
}

BlockCosimResult cosim_bf16_mac(const CosimInputs& in, const CosimFault& fault, const CosimProgress& progress) {
  BlockCosimResult r = new_result(
      "bf16_mac", "steps",
      "rtl/bf16_mac.sv (bf16_mul.sv, fp32_acc_pipe.sv, fp32_add.sv) verilated (SystemC), latency 3 cycles",
      fault.variant ? kTiesAway : "models/pe pe_mac_step, FP32 accumulator, operands decoded by numerics (bf16)",
      "latency 3 + one step per cycle");
  uint64_t total = 0;
  const Source<Bf16MacIn> src = bf16_source(in, &total, &r.input_desc);
  const auto chk = fp32_check<Bf16MacIn>(
      rtl_bf16_mac,
      [&fault](const Bf16MacIn& v, float acc) {
        return float_mac_model(acc, num::decode_float(num::kBF16, v.a), num::decode_float(num::kBF16, v.b), fault);
      },
      [](const Bf16MacIn& v) { return "a=" + hex(v.a, 4) + " b=" + hex(v.b, 4); });
  run_steps(r, total, src, chk, fault, progress);
  return r;
}

BlockCosimResult cosim_int16_fma(const CosimInputs& in, const CosimFault& fault, const CosimProgress& progress) {
  BlockCosimResult r = new_result(
      "int16_fma", "steps",
      "rtl/int16_fma.sv verilated twice (SATURATE = 0 wrap, 1 saturate; SystemC), same inputs, latency 3 cycles",
      fault.variant ? "WRONG MODEL (fault injection): the two INT32 policies swapped"
                    : "models/pe pe_vnni_step, INT32 wrap and saturate",
      "latency 3 + one VNNI step per cycle");
  uint64_t total = 0;
  const Source<Int16FmaIn> src = int16_source(in, &total, &r.input_desc);
  const Int32Policy pw = fault.variant ? Int32Policy::kSaturate : Int32Policy::kWrap;
  const Int32Policy ps = fault.variant ? Int32Policy::kWrap : Int32Policy::kSaturate;
  uint64_t ovf_wrap = 0, ovf_sat = 0;
  StepCheck<Int16FmaIn, Int16FmaOut> chk;
  chk.rtl = rtl_int16_fma;
  chk.model = [&](const Int16FmaIn& v, const Int16FmaOut* prev) {
    const bool chained = !v.first && prev;
    const int32_t aw = static_cast<int32_t>(chained ? prev->acc_wrap : v.acc);
    const int32_t as = static_cast<int32_t>(chained ? prev->acc_sat : v.acc);
    Int16FmaOut o;
    o.acc_wrap = static_cast<uint32_t>(pe_vnni_step(aw, lo16(v.a), hi16(v.a), lo16(v.b), hi16(v.b), pw, &o.ovf_wrap));
    o.acc_sat = static_cast<uint32_t>(pe_vnni_step(as, lo16(v.a), hi16(v.a), lo16(v.b), hi16(v.b), ps, &o.ovf_sat));
    return o;
  };
  chk.equal = [](const Int16FmaOut& x, const Int16FmaOut& y) {
    return x.acc_wrap == y.acc_wrap && x.acc_sat == y.acc_sat && x.ovf_wrap == y.ovf_wrap && x.ovf_sat == y.ovf_sat;
  };
  chk.flip = [](Int16FmaOut& x, int bit) { x.acc_wrap ^= 1u << (bit & 31); };
  chk.inputs = [](const Int16FmaIn& v, const Int16FmaOut* prev) {
    const std::string acc = v.first || !prev ? "first, acc=" + hex(v.acc, 8)
                                             : "chained, acc wrap=" + hex(prev->acc_wrap, 8) + " sat=" +
                                                   hex(prev->acc_sat, 8);
    return "a={" + hex(static_cast<uint16_t>(lo16(v.a)), 4) + "," + hex(static_cast<uint16_t>(hi16(v.a)), 4) +
           "} b={" + hex(static_cast<uint16_t>(lo16(v.b)), 4) + "," + hex(static_cast<uint16_t>(hi16(v.b)), 4) +
           "} " + acc;
  };
  chk.show = [](const Int16FmaOut& x) {
    return "wrap " + hex(x.acc_wrap, 8) + (x.ovf_wrap ? " ovf" : "") + " / sat " + hex(x.acc_sat, 8) +
           (x.ovf_sat ? " ovf" : "");
  };
  chk.observe = [&](const Int16FmaOut& x) {
    ovf_wrap += x.ovf_wrap;
    ovf_sat += x.ovf_sat;
  };
  run_steps(r, total, src, chk, fault, progress);
  r.details.push_back("overflow steps (RTL out_ovf): " + std::to_string(ovf_wrap) + " wrap, " +
                      std::to_string(ovf_sat) + " saturate");
  return r;
}

BlockCosimResult cosim_mx_dot(const CosimInputs& in, const CosimFault& fault, const CosimProgress& progress) {
  BlockCosimResult r = new_result(
      "mx_dot", "blocks",
      "rtl/mx_dot.sv (mx_elem_decode.sv, fp32_acc_pipe.sv, fp32_add.sv) verilated (SystemC), 32 elements, latency 3 "
      "cycles",
      fault.variant ? "WRONG MODEL (fault injection): NaN scale (0xff) read as 2^128"
                    : "models/pe pe_mx_block_step, FP32 accumulator, elements decoded by numerics (e4m3 / mxint8), "
                      "E8M0 scales",
      "latency 3 + one block per cycle");
  uint64_t total = 0;
  const Source<MxDotIn> src = mx_source(in, &total, &r.input_desc);
  const MxLuts& luts = mx_luts();
  uint64_t nan_results = 0;
  auto chk = fp32_check<MxDotIn>(
      rtl_mx_dot,
      [&luts, &fault](const MxDotIn& v, float acc) {
        double a[32], b[32];
        for (int k = 0; k < 32; ++k) {
          a[k] = luts.of(v.fmt_a)[v.a[static_cast<size_t>(k)]];
          b[k] = luts.of(v.fmt_b)[v.b[static_cast<size_t>(k)]];
        }
        const AccRounder acc32 = fp32_accumulator();
        if (fault.variant && (v.xa == 0xff || v.xb == 0xff)) {
          const auto sv = [](uint8_t c) { return std::ldexp(1.0, int(c) - 127); };  // 0xff -> 2^128
          return canonical_f32(static_cast<float>(
              pe_detail::mx_acc_step(acc32, acc, pe_detail::mx_block_sum(a, 1, b, 1, 32), sv(v.xa), sv(v.xb))));
        }
        return canonical_f32(static_cast<float>(pe_mx_block_step(acc32, acc, a, b, 32, v.xa, v.xb)));
      },
      [](const MxDotIn& v) {
        return std::string(v.fmt_a ? "int8" : "e4m3") + " x " + (v.fmt_b ? "int8" : "e4m3") + ": xa=" +
               hex(v.xa, 2) + " xb=" + hex(v.xb, 2) + " a=" + mx_bytes(v.a) + " b=" + mx_bytes(v.b);
      });
  chk.observe = [&](uint32_t x) { nan_results += x == 0x7fc00000u; };
  run_steps(r, total, src, chk, fault, progress);
  r.details.push_back("NaN results (NaN scale, NaN element or NaN accumulator): " + std::to_string(nan_results));
  return r;
}

}  // namespace lpsim::model
