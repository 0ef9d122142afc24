// Overflow-checked 64-bit arithmetic and range-checked double -> integer conversion.
//
// Every shape, MAC, traffic and cycle figure of lpsim is a 64-bit integer. Inputs are allowed to be large, so
// a product such as M*N*K or folds*L can leave the range; C++ then gives undefined behaviour (signed) or a
// silently wrapped number (unsigned). These helpers make that an exception instead: LimitError, a limit of
// the input (exit 2 at the CLI), not a bug. The sim layer converts it into an InputError naming the file,
// line and key that produced the figure (sim/driver/preflight.cpp).
//
//   int64_t macs = chk::mul(chk::mul(m, n, "M*N"), k, "M*N*K");       // throws LimitError on overflow
//   if (!chk::mul_ok(a, b, &p)) ...                                     // or test without throwing
//   std::optional<int64_t> w = chk::to_int64(x);                       // nullopt: NaN, Inf, out of range
#pragma once
#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <stdexcept>
#include <string>

namespace lpsim {

// A figure the input asks for does not fit the range lpsim computes in (e.g. more than 2^63-1 cycles).
class LimitError : public std::overflow_error {
 public:
  using std::overflow_error::overflow_error;
};

namespace chk {

constexpr int64_t kMax = std::numeric_limits<int64_t>::max();

[[noreturn]] inline void overflow(const char* what) {
  throw LimitError(std::string(what) + " would exceed the 64-bit range (2^63-1 = 9.2e18)");
}

// Non-throwing forms: false when the exact result does not fit.
inline bool add_ok(int64_t a, int64_t b, int64_t* r) { return !__builtin_add_overflow(a, b, r); }
inline bool sub_ok(int64_t a, int64_t b, int64_t* r) { return !__builtin_sub_overflow(a, b, r); }
inline bool mul_ok(int64_t a, int64_t b, int64_t* r) { return !__builtin_mul_overflow(a, b, r); }
inline bool add_ok(uint64_t a, uint64_t b, uint64_t* r) { return !__builtin_add_overflow(a, b, r); }
inline bool mul_ok(uint64_t a, uint64_t b, uint64_t* r) { return !__builtin_mul_overflow(a, b, r); }

// Throwing forms; `what` names the figure in the message ("M*N*K of layer conv1" reads well).
template <class T>
T checked(bool (*ok)(T, T, T*), T a, T b, const char* what) {
  T r;
  if (!ok(a, b, &r)) overflow(what);
  return r;
}
inline int64_t add(int64_t a, int64_t b, const char* what = "sum") { return checked<int64_t>(add_ok, a, b, what); }
inline int64_t sub(int64_t a, int64_t b, const char* what = "difference") { return checked<int64_t>(sub_ok, a, b, what); }
inline int64_t mul(int64_t a, int64_t b, const char* what = "product") { return checked<int64_t>(mul_ok, a, b, what); }
inline uint64_t addu(uint64_t a, uint64_t b, const char* what = "sum") {
  uint64_t r;
  if (!add_ok(a, b, &r) || r > static_cast<uint64_t>(kMax)) overflow(what);  // reports are signed 64-bit
  return r;
}
inline uint64_t mulu(uint64_t a, uint64_t b, const char* what = "product") {
  uint64_t r;
  if (!mul_ok(a, b, &r) || r > static_cast<uint64_t>(kMax)) overflow(what);
  return r;
}

// ceil(a / b) for a >= 0, b > 0 without the overflow of (a + b - 1) / b.
constexpr int64_t ceil_div(int64_t a, int64_t b) { return a / b + (a % b != 0 ? 1 : 0); }

// double -> int64: the integer part (toward zero) when it is representable, nullopt for NaN, +-Inf and values
// outside [-2^63, 2^63). Casting such a double directly is undefined behaviour (UBSan: float-cast-overflow).
inline std::optional<int64_t> to_int64(double v) {
  // 2^63 is exactly representable; every double below it in magnitude truncates into range.
  constexpr double kLimit = 9223372036854775808.0;
  if (!(v > -kLimit && v < kLimit)) return std::nullopt;  // also false for NaN
  return static_cast<int64_t>(v);
}
// The same for a value that must be a whole number (e.g. "64" written as 64.0 or 6.4e1).
inline std::optional<int64_t> to_int64_exact(double v) {
  auto r = to_int64(v);
  if (!r || static_cast<double>(*r) != v) return std::nullopt;
  return r;
}
// ceil(v) as int64 for v >= 0, or nullopt (e.g. a cycle count computed in double).
inline std::optional<int64_t> ceil_to_int64(double v) {
  if (!(v >= 0)) return std::nullopt;
  return to_int64(std::ceil(v));
}
// int64 -> int for parameters stored as int (word sizes, lanes): nullopt outside int's range.
inline std::optional<int> to_int(int64_t v) {
  if (v < std::numeric_limits<int>::min() || v > std::numeric_limits<int>::max()) return std::nullopt;
  return static_cast<int>(v);
}

}  // namespace chk
}  // namespace lpsim
