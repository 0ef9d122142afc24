#include "numerics/convert_array.h"

#include <atomic>
#include <stdexcept>
#include <vector>

#include "numerics/convert.h"
#include "numerics/kernel_util.h"
#include "numerics/parallel.h"

namespace lpsim::num {

namespace {

using detail::Encoded;

struct Job {
  const float* x;
  float scale;
  Overflow overflow;
  Subnormals subnormals;
  int random_bits;
  uint64_t seed;
  size_t index0;
  void* codes;  // CodeT*, may be null (round_array)
  float* out;   // round_array only
};

// The loops read every job field into a local first: stores through uint8_t/float pointers may alias the job,
// and reloading its fields inside the loop would block vectorisation.
template <class Elem, class CodeT>
LPSIM_NUM_INLINE ArrayCounts encode_impl(const Elem& elem, Rounding rounding, const Job& j, size_t b, size_t e) {
  CodeT* const codes = static_cast<CodeT*>(j.codes);
  const float* const x = j.x;
  const float scale = j.scale;
  const Overflow ov = j.overflow;
  const Subnormals sn = j.subnormals;
  const int rb = j.random_bits;
  const uint64_t seed = j.seed;
  const size_t index0 = j.index0;
  uint32_t over = 0, flushed = 0;
  for (size_t i = b; i < e; ++i) {
    const uint32_t rnd = rounding == Rounding::kStochastic ? random_bits_at(seed, index0 + i) : 0u;
    const Encoded r = elem(x[i] * scale, rounding, ov, sn, rnd, rb);
    codes[i] = static_cast<CodeT>(r.code);
    over += r.flags & Encoded::kOverflowFlag;
    flushed += (r.flags & Encoded::kFlushedFlag) >> 1;
  }
  return ArrayCounts{over, flushed};
}

// kCodes: also store the codes (separate loop bodies keep each loop free of branches).
template <bool kCodes, class Elem>
LPSIM_NUM_INLINE ArrayCounts round_loop(const Elem& elem, Rounding rounding, const Job& j, size_t b, size_t e) {
  uint32_t* const codes = static_cast<uint32_t*>(j.codes);
  const float* const x = j.x;
  float* const out = j.out;
  const float scale = j.scale;
  const Overflow ov = j.overflow;
  const Subnormals sn = j.subnormals;
  const int rb = j.random_bits;
  const uint64_t seed = j.seed;
  const size_t index0 = j.index0;
  uint32_t over = 0, flushed = 0;
  for (size_t i = b; i < e; ++i) {
    const uint32_t rnd = rounding == Rounding::kStochastic ? random_bits_at(seed, index0 + i) : 0u;
    const Encoded r = elem(x[i] * scale, rounding, ov, sn, rnd, rb);
    out[i] = elem.decode(r.code) / scale;
    if constexpr (kCodes) codes[i] = r.code;
    over += r.flags & Encoded::kOverflowFlag;
    flushed += (r.flags & Encoded::kFlushedFlag) >> 1;
  }
  return ArrayCounts{over, flushed};
}

template <class Elem>
LPSIM_NUM_INLINE ArrayCounts round_impl(const Elem& elem, Rounding rounding, const Job& j, size_t b, size_t e) {
  return j.codes ? round_loop<true>(elem, rounding, j, b, e) : round_loop<false>(elem, rounding, j, b, e);
}

template <class Elem, Rounding R, class CodeT>
LPSIM_NUM_CLONES ArrayCounts encode_fixed(const Job& j, size_t b, size_t e) {
  return encode_impl<Elem, CodeT>(Elem{}, R, j, b, e);
}
template <class Elem, Rounding R>
LPSIM_NUM_CLONES ArrayCounts round_fixed(const Job& j, size_t b, size_t e) {
  return round_impl<Elem>(Elem{}, R, j, b, e);
}

using Kernel = ArrayCounts (*)(const Job&, size_t, size_t);

template <class Elem, class CodeT>
Kernel pick_rounding(Rounding r, bool round) {
  switch (r) {
    case Rounding::kNearestEven:
      return round ? &round_fixed<Elem, Rounding::kNearestEven> : &encode_fixed<Elem, Rounding::kNearestEven, CodeT>;
    case Rounding::kNearestAway:
      return round ? &round_fixed<Elem, Rounding::kNearestAway> : &encode_fixed<Elem, Rounding::kNearestAway, CodeT>;
    case Rounding::kTowardZero:
      return round ? &round_fixed<Elem, Rounding::kTowardZero> : &encode_fixed<Elem, Rounding::kTowardZero, CodeT>;
    case Rounding::kStochastic:
      return round ? &round_fixed<Elem, Rounding::kStochastic> : &encode_fixed<Elem, Rounding::kStochastic, CodeT>;
  }
  return nullptr;
}

template <class CodeT>
Kernel pick_float(const FloatFormat& f, Rounding r, bool round) {
  if (f == kE4M3) return pick_rounding<detail::FixedFloatElem<kE4M3>, CodeT>(r, round);
  if (f == kE5M2) return pick_rounding<detail::FixedFloatElem<kE5M2>, CodeT>(r, round);
  if (f == kE3M2) return pick_rounding<detail::FixedFloatElem<kE3M2>, CodeT>(r, round);
  if (f == kE2M3) return pick_rounding<detail::FixedFloatElem<kE2M3>, CodeT>(r, round);
  if (f == kE2M1) return pick_rounding<detail::FixedFloatElem<kE2M1>, CodeT>(r, round);
  if (f == kBF16) return pick_rounding<detail::FixedFloatElem<kBF16>, CodeT>(r, round);
  if (f == kFP16) return pick_rounding<detail::FixedFloatElem<kFP16>, CodeT>(r, round);
  return nullptr;
}

// Formats without a fixed kernel: the same element code, descriptor at run time (float path when it fits,
// else the double path, exact for float32 inputs).
struct GenericFloatElem {
  FloatFormat f;
  bool float_path;
  Encoded operator()(float y, Rounding r, Overflow o, Subnormals s, uint32_t rnd, int rb) const {
    return float_path ? detail::encode_core<float>(y, f, r, o, s, rnd, rb)
                      : detail::encode_core<double>(y, f, r, o, s, rnd, rb);
  }
  float decode(uint32_t code) const {
    return float_path && f.emax <= 127 ? detail::decode_float_fast(f, code) : detail::decode_float_core(f, code);
  }
};

ArrayCounts run(size_t n, int threads, const Job& j, Kernel k) {
  std::atomic<size_t> over{0}, flushed{0};
  parallel_for(n, threads, [&](size_t b, size_t e) {
    const ArrayCounts c = k(j, b, e);
    over += c.overflow;
    flushed += c.flushed;
  });
  return ArrayCounts{over.load(), flushed.load()};
}

template <class GenericElem>
ArrayCounts run_generic(size_t n, int threads, const Job& j, const GenericElem& elem, Rounding r, bool round,
                        int code_bytes) {
  std::atomic<size_t> over{0}, flushed{0};
  parallel_for(n, threads, [&](size_t b, size_t e) {
    ArrayCounts c;
    if (round) {
      c = round_impl(elem, r, j, b, e);
    } else if (code_bytes == 1) {
      c = encode_impl<GenericElem, uint8_t>(elem, r, j, b, e);
    } else if (code_bytes == 2) {
      c = encode_impl<GenericElem, uint16_t>(elem, r, j, b, e);
    } else {
      c = encode_impl<GenericElem, uint32_t>(elem, r, j, b, e);
    }
    over += c.overflow;
    flushed += c.flushed;
  });
  return ArrayCounts{over.load(), flushed.load()};
}

void check(const ArrayOptions& o) {
  if (o.round.rounding == Rounding::kStochastic && (o.round.random_bits < 1 || o.round.random_bits > 32)) {
    throw std::invalid_argument("stochastic rounding needs 1..32 random bits");
  }
}

Job make_job(const float* x, const ArrayOptions& o, void* codes, float* out) {
  Job j{};
  j.x = x;
  j.scale = o.scale;
  j.overflow = o.round.overflow;
  j.subnormals = o.round.subnormals;
  j.random_bits = o.round.random_bits;
  j.seed = o.seed;
  j.index0 = o.index0;
  j.codes = codes;
  j.out = out;
  return j;
}

template <class CodeT>
ArrayCounts encode_float_array(const FloatFormat& f, const float* x, size_t n, CodeT* codes, const ArrayOptions& o) {
  check(o);
  if (f.width > static_cast<int>(8 * sizeof(CodeT))) throw std::invalid_argument("code type too narrow for format");
  const Job j = make_job(x, o, codes, nullptr);
  if (Kernel k = pick_float<CodeT>(f, o.round.rounding, false)) return run(n, o.threads, j, k);
  return run_generic(n, o.threads, j, GenericFloatElem{f, detail::fits_float_path(f)}, o.round.rounding, false,
                     sizeof(CodeT));
}

}  // namespace

ArrayCounts encode_array(const FloatFormat& f, const float* x, size_t n, uint8_t* codes, const ArrayOptions& o) {
  return encode_float_array(f, x, n, codes, o);
}
ArrayCounts encode_array(const FloatFormat& f, const float* x, size_t n, uint16_t* codes, const ArrayOptions& o) {
  return encode_float_array(f, x, n, codes, o);
}
ArrayCounts encode_array(const FloatFormat& f, const float* x, size_t n, uint32_t* codes, const ArrayOptions& o) {
  return encode_float_array(f, x, n, codes, o);
}

ArrayCounts encode_array(const IntFormat& f, const float* x, size_t n, uint32_t* codes, const ArrayOptions& o) {
  check(o);
  const Job j = make_job(x, o, codes, nullptr);
  return run_generic(n, o.threads, j, detail::RuntimeIntElem{f}, o.round.rounding, false, 4);
}

ArrayCounts round_array(const FloatFormat& f, const float* x, size_t n, float* out, uint32_t* codes,
                        const ArrayOptions& o) {
  check(o);
  const Job j = make_job(x, o, codes, out);
  if (Kernel k = pick_float<uint32_t>(f, o.round.rounding, true)) return run(n, o.threads, j, k);
  return run_generic(n, o.threads, j, GenericFloatElem{f, detail::fits_float_path(f)}, o.round.rounding, true, 4);
}

ArrayCounts round_array(const IntFormat& f, const float* x, size_t n, float* out, uint32_t* codes,
                        const ArrayOptions& o) {
  check(o);
  std::vector<uint32_t> tmp;
  if (!codes) {
    tmp.resize(n);
    codes = tmp.data();
  }
  const ArrayCounts c = encode_array(f, x, n, codes, o);
  const double lsb = decode(f, 1u);  // 2^-frac_bits
  const uint32_t sign = 1u << (f.bits - 1);
  for (size_t i = 0; i < n; ++i) {
    const uint32_t code = codes[i] & f.code_mask();
    const int64_t k = (code & sign) ? static_cast<int64_t>(code) - (int64_t{1} << f.bits) : static_cast<int64_t>(code);
    out[i] = static_cast<float>(static_cast<double>(k) * lsb) / o.scale;
  }
  return c;
}

}  // namespace lpsim::num
