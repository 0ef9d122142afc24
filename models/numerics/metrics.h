// Error of a quantized (or otherwise approximated) tensor against an FP64 reference. Shared by `lpsim
// quantize` and the bit-true datapath models.
#pragma once
#include <cstddef>
#include <string>

namespace lpsim::num {

struct ErrorMetrics {
  size_t count = 0;           // elements
  size_t compared = 0;        // pairs where reference and result are both finite (basis of the error figures)
  double sqnr_db = 0;         // 10 log10(sum ref^2 / sum (ref - q)^2) over compared pairs; +inf when exact,
                              // NaN when nothing was compared
  double max_abs_error = 0;   // in the data's units
  double mean_abs_error = 0;  // in the data's units
  double max_rel_error = 0;   // |q - ref| / |ref| over compared pairs with ref != 0 (a ratio)
  size_t saturated = 0;       // clamped to the format's max: not derivable from values, set by the quantizer
  size_t flushed_to_zero = 0; // finite nonzero reference, zero result
  size_t nan_in = 0, inf_in = 0;    // NaN / +-Inf in the reference
  size_t nan_out = 0, inf_out = 0;  // NaN / +-Inf in the result
};

// The same figures accumulated over several arrays (batches of a data set, instances of a layer): add() every
// (reference, result) pair, then metrics(). error_metrics() is one add().
class ErrorAccumulator {
 public:
  void add(const double* ref, const double* result, size_t n);
  void add(const double* ref, const float* result, size_t n);
  void add(const float* ref, const float* result, size_t n);
  ErrorMetrics metrics() const;
  double mean_rel_error() const;     // mean of |q - ref| / |ref| over compared pairs with ref != 0
  double cosine_similarity() const;  // <ref, q> / (|ref| |q|) over compared pairs (1 when both are zero)
  bool empty() const { return m_.count == 0; }
  ErrorAccumulator& operator+=(const ErrorAccumulator& o);  // pairs of both (maxima of both)

 private:
  template <class R, class Q>
  void add_impl(const R* ref, const Q* q, size_t n);
  ErrorMetrics m_;
  double signal_ = 0, noise_ = 0, sum_abs_ = 0, sum_rel_ = 0, dot_ = 0, nq_ = 0;
  size_t rel_n_ = 0;
};

ErrorMetrics error_metrics(const double* ref, const double* result, size_t n);
ErrorMetrics error_metrics(const float* ref, const float* result, size_t n);  // computed in double

// Multi-line "name value unit" text, e.g. "SQNR            38.21 dB".
std::string to_text(const ErrorMetrics& m);

}  // namespace lpsim::num
