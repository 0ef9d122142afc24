// Bit-true processing-element arithmetic of the systolic array: what the MAC datapath computes for one GEMM
// C (M x N) = A (M x K, activations) * B (K x N, weights), in the order the dataflow implies.
//
// Modes (README.md in this directory states each rule and its source):
//  - MX dot unit (OCP MX v1.0 §6.1, papers.md §1.4): per block of `mx_block` elements along K, exact sum of the
//    element products, times 2^(X_A + X_B), added into the accumulator with one RNE rounding. NaN scale -> NaN.
//  - Float MAC (FP8 E4M3/E5M2, BF16, FP16, FP32 reference; papers.md §2, §3): exact product, one rounding into
//    the accumulator format per MAC (a fused multiply-add); optional per-tensor scales undone at the output.
//  - Integer FMA (papers.md §4, Das et al. 1802.00930): DFP operands, VNNI step = two products added, then
//    accumulated into INT32 with the wrap / saturate / spill policy.
// Values depend only on the formats, the dataflow and (for ws/is) the number of array rows R; never on array
// columns, SRAM sizes, threads or the CPU's vector width.
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "array/timing.h"  // model::Dataflow
#include "numerics/format.h"
#include "numerics/metrics.h"
#include "numerics/mx.h"
#include "numerics/rounding.h"
#include "numerics/scaled.h"

namespace lpsim::model {

// ---- parameters ------------------------------------------------------------------------------------------------

enum class Int32Policy : uint8_t {
  kWrap,      // two's complement wrap-around (VPDPWSSD)
  kSaturate,  // clamp each accumulation to [-2^31, 2^31 - 1] (VPDPWSSDS)
  kSpill,     // every spill_interval accumulations: INT32 partial -> FP32 with 2^(E_A+E_B), summed in FP32
};
const char* to_string(Int32Policy p);  // "wrap" | "saturate" | "spill"
std::optional<Int32Policy> parse_int32_policy(std::string_view s);

struct PeParams {
  std::string format_a = "mxfp8_e4m3";  // activations (A); names: pe_operand_format_names()
  std::string format_b = "mxfp8_e4m3";  // weights (B); may differ from A within the same family
  int mx_block = 32;                     // MX block size along K
  num::ScaleRule mx_scale_rule = num::ScaleRule::kFloor;  // MX v1.0 §6.3 floor rule (ceil: never clips)
  num::Rounding rounding = num::Rounding::kNearestEven;   // operand quantization (accumulators are always RNE)
  uint64_t seed = 0;                                       // stochastic operand rounding only
  std::string acc;                       // accumulator: "" = fp32 (int32 for integer operands); bf16, fp16, eXmY
  std::string out = "fp32";              // output format: fp32, bf16, fp16, e4m3, ..., eXmY (values fit in float32)
  Int32Policy int32_policy = Int32Policy::kWrap;
  int spill_interval = 16;               // spill: VNNI accumulations (2 products each) per INT32 partial
  int dfp_add_shift = 0;                 // DFP headroom: extra input right shift (libxsmm add_shift), bits
  // Per-tensor scale of int8 and of float operands of 8 bits or fewer (FP8 paper §4, papers.md §2), the rule
  // `lpsim quantize --tensor-scale` applies too: pow2 = 2^-E with E the DFP exponent (int8: libxsmm's rule,
  // floor(log2 amax) - 6) or the largest 2^k <= max/amax (floats); exact = max/amax in float32 (int8: 127/amax);
  // none = no scale (floats only). bf16/fp16/fp32 are cast; int16 is DFP16 (always a power of two).
  num::TensorScale tensor_scale = num::TensorScale::kPow2;
};

enum class PeMode : uint8_t { kMx, kFloat, kInt };
const char* to_string(PeMode m);  // "mx" | "float" | "int"

// Operand formats accepted by PeParams::format_a/format_b (canonical names, as in `lpsim quantize`):
// mxfp8_e4m3 mxfp8_e5m2 mxfp6_e3m2 mxfp6_e2m3 mxfp4_e2m1 mxint8 | fp8_e4m3 fp8_e5m2 fp6_e3m2 fp6_e2m3 fp4_e2m1
// bf16 fp16 fp32 | int8 int16 (DFP). Aliases: numerics names (e4m3, bfloat16, float8_e4m3fn, ...), dfp16, dfp8.
const std::vector<std::string>& pe_operand_format_names();

// A bad parameter: `key` names the PeParams field ("format_a", "format_b", "acc", "out", "mx_block",
// "spill_interval", "dfp_add_shift", "tensor_scale") so callers can attach a file/line/key; what() does not repeat the key and
// lists the valid choices.
class PeParamError : public std::invalid_argument {
 public:
  PeParamError(std::string key, const std::string& what) : std::invalid_argument(what), key_(std::move(key)) {}
  const std::string& key() const { return key_; }

 private:
  std::string key_;
};

struct OperandFormat {
  std::string name;         // canonical: "mxfp8_e4m3", "fp8_e4m3", "bf16", "int16", ...
  PeMode family = PeMode::kMx;
  num::NumberFormat element;  // MX element / float format / integer (DFP width = element.integer.bits)
};

// The parameters after validation: formats resolved, defaults filled in.
struct ResolvedPe {
  PeParams params;
  PeMode mode = PeMode::kMx;
  OperandFormat a, b;
  std::string acc_name, out_name;  // canonical
  num::FloatFormat acc{};          // float accumulator (kMx, kFloat); FP32 for kInt spill
  bool acc_is_fp32 = true;
  num::FloatFormat out{};
};

// What the user calls the two operand formats (config keys or CLI options), for messages that name both.
struct PeKeyNames {
  std::string format_a = "accelerator.pe.activations";
  std::string format_b = "accelerator.pe.weights";
};

// Throws PeParamError on anything invalid (unknown names list the valid ones).
ResolvedPe resolve(const PeParams& p, const PeKeyNames& names = {});
// One operand format by any accepted name or alias (canonical name, family, element); PeParamError(key, ...)
// for an unknown name.
OperandFormat operand_format(const std::string& key, const std::string& name);
// accelerator.pe.format: both operand formats, the matching accumulator (int32 for integer operands, fp32 for
// float and MX) and an fp32 output. PeParamError("format", ...) for an unknown name.
void apply_format(PeParams& p, const std::string& name);
// "eXmY" -> IEEE-style float (bias 2^(X-1)-1, Inf/NaN, subnormals) or a named float format; nullopt otherwise.
std::optional<num::NumberFormat> parse_float_format(std::string_view name);

// ---- storage -------------------------------------------------------------------------------------------------------

// Bits one element of a GEMM operand occupies in SRAM and DRAM (`word_bits: auto`, README "Bits per element"):
//   A, B (op 0, 1): MX: element bits + 8 / mx_block (OCP MX v1.0 sec. 5: one 8-bit E8M0 scale per block, packed
//                   with its elements: MXFP8 8.25, MXFP6 6.25, MXFP4 4.25 bits); float: the format's width, + 32 /
//                   tensor_elements with per-tensor scaling (one fp32 scale per tensor); integer (DFP, Das et al.
//                   2018 sec. 3): the width + 8 / tensor_elements (one 8-bit shared exponent per tensor).
//   C (op 2):       the output format's width; the accumulator's (int32: 32) when partial sums leave the array
//                   (`partial_sums`: ws/is with more than one fold along K).
// tensor_elements = 0 leaves the per-tensor terms out (a design-level figure with no layer in view).
ElementBits operand_bits(const ResolvedPe& r, int op, uint64_t tensor_elements, bool partial_sums);

// ---- one GEMM ----------------------------------------------------------------------------------------------------

// Accumulation order (README.md "Accumulation order"): output-stationary = one chain over all of K inside one PE;
// weight-/input-stationary = K split into folds of R PE steps, each fold summed down a column in PE order from
// zero, fold results added in fold order. `array_rows` (R) is ignored for os.
struct GemmOrder {
  Dataflow dataflow = Dataflow::kOS;
  int64_t array_rows = 32;
};

struct GemmCounters {
  uint64_t saturations_a = 0, saturations_b = 0;  // operand elements clamped to the format's max on quantization
  uint64_t underflows_a = 0, underflows_b = 0;    // nonzero finite operand elements quantized to zero
  uint64_t acc_overflows = 0;  // INT32: accumulations whose exact result left int32 range; float acc: outputs
                               // whose accumulator overflowed to Inf
  uint64_t spills = 0;         // INT32 -> FP32 spill conversions (spill policy)
  uint64_t nan_outputs = 0;    // NaN outputs (NaN MX scales, NaN inputs)
  // Zero skipping (GemmRunOptions::skip_zero_products; all 0 otherwise). Element products of real (unpadded)
  // operands; README.md "Zero skipping and the sign of zero".
  uint64_t zero_products = 0;  // products with a zero (+-0) operand
  uint64_t macs_skipped = 0;   // of those, not computed: the partner is finite (0 x Inf/NaN = NaN is computed)
  uint64_t steps_skipped = 0;  // PE steps whose accumulation was skipped whole: float MACs, VNNI steps with both
                               // products skipped, MX blocks with every product skipped (block value +0)
  uint64_t saturations() const { return saturations_a + saturations_b; }
  uint64_t underflows() const { return underflows_a + underflows_b; }
};

struct GemmResult {
  int64_t m = 0, n = 0, k = 0;
  std::vector<float> c;  // M x N row-major, values of the output format
  GemmCounters counters;
  double descale = 1.0;  // factor applied at the output (per-tensor scales; 1 otherwise), float32 value
};

enum class GemmKernel : uint8_t { kAuto, kPortable };  // kPortable: scalar code (tests compare it with kAuto)

// Thread count used wherever a caller passes threads = 0 (GEMM kernels, quantizing, accuracy, sparsity
// analysis): n > 0 fixes it for the process (run.threads), 0 restores "every core". Bits never depend on it.
void set_default_threads(int n);
int default_threads();

struct GemmRunOptions {
  int threads = 0;  // 0 = default_threads()
  GemmKernel kernel = GemmKernel::kAuto;
  // Sparse PE: skip the MAC work of every product with a zero operand (portable kernels), counted in
  // GemmCounters; outputs keep exactly the dense bits, sign of zero included (README.md, "Zero skipping").
  bool skip_zero_products = false;
  // Called on the calling thread with the share of output tiles done (0..1), about 64 times per run; tiles are
  // independent, so reporting changes no bit. For progress bars of long GEMMs.
  std::function<void(double)> progress;
};

// A: M x K row-major, B: K x N row-major (float32). Throws PeParamError for bad params, std::invalid_argument for
// bad shapes (negative sizes, array_rows < 1).
GemmResult run_gemm(const PeParams& p, const GemmOrder& order, const float* a, const float* b, int64_t m,
                    int64_t n, int64_t k, const GemmRunOptions& run = {});

// A weight operand B (K x N) quantized and packed once, for GEMMs that reuse it: every batch of a network and
// its local run. run_gemm(order, a, *prepare_weights(p, b, k, n), m) gives exactly the bits and counters of
// run_gemm(p, order, a, b, m, n, k): the prepared weights carry the PE parameters they were made for.
struct PreparedWeights;
std::shared_ptr<const PreparedWeights> prepare_weights(const PeParams& p, const float* b, int64_t k, int64_t n,
                                                       int threads = 0);
GemmResult run_gemm(const GemmOrder& order, const float* a, const PreparedWeights& w, int64_t m,
                    const GemmRunOptions& run = {});
// Bytes the packed copy of a K x N weight takes (its quantized codes included).
double prepared_weights_bytes(const PeParams& p, int64_t k, int64_t n);

// Bytes run_gemm + quantize_operands + gemm_accuracy allocate at their peak for an M x N x K GEMM (the caller's
// float32 inputs not included): quantized copies, packed panels (padded to the kernels' register tiles, so a
// skinny GEMM costs about (tile rows + tile cols) x K x 8 bytes), output, FP64 reference. A double so that huge
// shapes compare against a budget without overflowing.
double gemm_memory_bytes(const PeParams& p, int64_t m, int64_t n, int64_t k);

// ---- accuracy ------------------------------------------------------------------------------------------------------

// Operands as the PE sees them, dequantized to real values (exact in double) and row-major like the inputs.
struct QuantizedOperands {
  std::vector<double> a, b;
  double descale = 1.0;  // per-tensor output factor (1/(s_A s_B) as float32; int pow2: 2^(E_A+E_B); MX: 1)
  GemmCounters counters;  // saturations and underflows
};
QuantizedOperands quantize_operands(const PeParams& p, const float* a, const float* b, int64_t m, int64_t n,
                                    int64_t k, int threads = 0);

// FP64 GEMM of the unquantized inputs (sum in k order).
std::vector<double> reference_gemm_fp64(const float* a, const float* b, int64_t m, int64_t n, int64_t k,
                                        int threads = 0);
std::vector<double> reference_gemm_fp64(const double* a, const double* b, int64_t m, int64_t n, int64_t k,
                                        int threads = 0);
// FP64 activations times float32 weights (converted exactly), as a model's reference run computes an array op.
std::vector<double> reference_gemm_fp64(const double* a, const float* b, int64_t m, int64_t n, int64_t k,
                                        int threads = 0);
// What a format emulator computes: quantized operands, products summed in FP64 (k order), times descale, rounded
// once to FP32 and then to the output format.
std::vector<float> ideal_gemm(const ResolvedPe& r, const QuantizedOperands& q, int64_t m, int64_t n, int64_t k,
                              int threads = 0, const std::function<void(double)>& progress = {});

struct ErrorSummary {
  num::ErrorMetrics metrics;     // SQNR, max/mean abs error, max rel error, NaN/Inf counts
  double mean_rel_error = 0;     // mean of |q - ref| / |ref| over compared pairs with ref != 0
  double cosine_similarity = 0;  // <ref, q> / (|ref| |q|) over compared pairs (1 when both are zero)
};
ErrorSummary error_summary(const double* ref, const float* result, size_t n);
ErrorSummary summarize(const num::ErrorAccumulator& a);  // the same from accumulated pairs

struct GemmAccuracy {
  ErrorSummary vs_fp64;   // against reference_gemm_fp64
  ErrorSummary vs_ideal;  // against ideal_gemm
  uint64_t outputs = 0;
  uint64_t bit_identical_to_ideal = 0;  // outputs with the same float32 bits as ideal_gemm (NaN == NaN)
  GemmCounters counters;                // from the GemmResult
};
GemmAccuracy gemm_accuracy(const PeParams& p, const float* a, const float* b, int64_t m, int64_t n, int64_t k,
                           const GemmResult& result, int threads = 0,
                           const std::function<void(double)>& progress = {});  // share of the two FP64 GEMMs done
// The same with the operands already quantized (q = quantize_operands(p, a, b, m, n, k)), for callers that need
// them too (the run driver's sparsity analysis).
GemmAccuracy gemm_accuracy(const PeParams& p, const float* a, const float* b, int64_t m, int64_t n, int64_t k,
                           const QuantizedOperands& q, const GemmResult& result, int threads = 0,
                           const std::function<void(double)>& progress = {});

}  // namespace lpsim::model
