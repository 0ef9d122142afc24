// Co-verification of the systolic tile (rtl/systolic_tile.sv): whole GEMMs against models/pe run_gemm with the
// os dataflow and the tile's size, fold by fold, and the cycles of every fold against lpsim's OS timing (the
// array geometry's per-fold line count L, models/array/scalesim_geometry.cpp) plus the PE's register stages.
#include <algorithm>
#include <random>
#include <stdexcept>

#include "array/scalesim_geometry.h"
#include "cosim/cosim.h"
#include "cosim/cosim_stream.h"
#include "numerics/convert.h"
#include "pe/pe_step.h"
#include "pe/tensor_gen.h"

namespace lpsim::model {

using namespace cosim_detail;

namespace {

// Cycles of one fold from the first beat in to the last result out, beyond lpsim's L: the last step's operands
// reach PE (R-1, C-1) in L's last cycle and pass three register stages (operand, product, accumulator) before
// its result is on the column bus (rtl/README.md, "Systolic tile").
constexpr uint64_t kTileExtraCycles = 3;

struct GemmCase {
  TileConfig tile;
  int64_t m = 1, n = 1, k = 1;
  std::string fa, fb;  // PeParams operand formats
  TensorGenSpec data;
};

std::string case_name(const GemmCase& c) {
  char buf[160];
  std::snprintf(buf, sizeof buf, "%s %dx%d: %lld x %lld x %lld, %s x %s, %s(%g)", to_string(c.tile.pe), c.tile.rows,
                c.tile.cols, static_cast<long long>(c.m), static_cast<long long>(c.n), static_cast<long long>(c.k),
                c.fa.c_str(), c.fb.c_str(), to_string(c.data.dist), c.data.scale);
  std::string s = buf;
  if (c.data.outlier_fraction > 0) {
    std::snprintf(buf, sizeof buf, " + %g%% outliers x%g", 100 * c.data.outlier_fraction, c.data.outlier_size);
    s += buf;
  }
  return s;
}

// lpsim's OS cycles per fold for T PE steps on an R x C array: the geometry's L = T + R + C - 2.
uint64_t lpsim_fold_lines(const TileConfig& t, int64_t steps) {
  LayerShape s;  // a GEMM R x C x T seen as SCALE-Sim's conv (models/array/timing.h)
  s.ifmap_h = t.rows;
  s.ifmap_w = steps;
  s.filter_w = steps;
  s.num_filters = t.cols;
  s.ofmap_h = t.rows;
  s.ofmap_w = 1;
  return static_cast<uint64_t>(detail::make_geometry(ArrayParams{t.rows, t.cols, Dataflow::kOS, 1000.0}, s).L);
}

std::vector<GemmCase> corner_cases(const std::vector<TileConfig>& tiles, uint64_t seed) {
  std::vector<GemmCase> v;
  static const char* const kFp8[4][2] = {
      {"fp8_e4m3", "fp8_e4m3"}, {"fp8_e5m2", "fp8_e5m2"}, {"fp8_e4m3", "fp8_e5m2"}, {"fp8_e5m2", "fp8_e4m3"}};
  static const char* const kInt[2][2] = {{"int16", "int16"}, {"int8", "int16"}};
  // normal; tiny (E4M3 subnormals below 2^-6); laplace with outliers (E4M3 saturation); wide: 10% outliers of
  // ~10^4 among values ~1, so products span more than FP32's 24 bits and the accumulation rounds (with narrower
  // data every FP32 partial sum of FP8 products is exact, and the order would not matter).
  const TensorGenSpec kData[4] = {{Distribution::kNormal, 0, 1.0, 0, 0},
                                  {Distribution::kNormal, 0, 0.01, 0, 0},
                                  {Distribution::kLaplace, 0, 100.0, 0.01, 20},
                                  {Distribution::kLaplace, 0, 1.0, 0.1, 1e4}};
  for (const TileConfig& t : tiles) {
    const int64_t R = t.rows, C = t.cols;
    const int64_t shapes[][3] = {{R, C, 1},
                                 {R, C, 2},
                                 {R, C, 33},
                                 {1, 1, 5},
                                 {std::max<int64_t>(R - 1, 1), std::max<int64_t>(C - 1, 1), 7},
                                 {R + 1, 2 * C + 1, 16},
                                 {2 * R, C, 64},
                                 {R, C, 100}};
    int i = 0;
    for (const auto& s : shapes) {
      GemmCase g;
      g.tile = t;
      g.m = s[0];
      g.n = s[1];
      g.k = s[2];
      if (t.pe == TilePe::kFp8) {
        g.fa = kFp8[i % 4][0];
        g.fb = kFp8[i % 4][1];
      } else {
        g.fa = kInt[i % 2][0];
        g.fb = kInt[i % 2][1];
      }
      g.data = kData[(i / 2 + i) % 4];
      g.data.seed = seed + static_cast<uint64_t>(v.size());
      v.push_back(g);
      ++i;
    }
  }
  return v;
}

std::vector<GemmCase> random_cases(const std::vector<TileConfig>& tiles, uint64_t count, uint64_t seed) {
  std::mt19937_64 g(seed);
  std::vector<GemmCase> v;
  static const char* const kFp8[2] = {"fp8_e4m3", "fp8_e5m2"};
  static const char* const kInt[2] = {"int16", "int8"};
  for (uint64_t i = 0; i < count; ++i) {
    GemmCase c;
    c.tile = tiles[g() % tiles.size()];
    c.m = 1 + static_cast<int64_t>(g() % static_cast<uint64_t>(2 * c.tile.rows + 1));
    c.n = 1 + static_cast<int64_t>(g() % static_cast<uint64_t>(2 * c.tile.cols + 1));
    c.k = 1 + static_cast<int64_t>(g() % 96);
    const bool fp8 = c.tile.pe == TilePe::kFp8;
    c.fa = fp8 ? kFp8[g() & 1] : kInt[g() & 1];
    c.fb = fp8 ? kFp8[g() & 1] : "int16";
    c.data.dist = static_cast<Distribution>(g() % 3);
    const double scales[] = {1.0, 0.01, 100.0, 3e3};
    c.data.scale = scales[g() % 4];
    if (g() % 3 == 0) {  // wide dynamic range: the FP32 accumulation rounds
      c.data.outlier_fraction = 0.1;
      c.data.outlier_size = 1e4;
    }
    c.data.seed = g();
    v.push_back(c);
  }
  return v;
}

std::string hex_list(const std::vector<uint32_t>& x, int digits) {
  std::string s = "[";
  const size_t show = std::min<size_t>(x.size(), 24);
  for (size_t i = 0; i < show; ++i) s += (i ? " " : "") + hex(x[i], digits).substr(2);
  if (show < x.size()) s += " ... (" + std::to_string(x.size()) + " in all)";
  return s + "]";
}

// Runs one GEMM on the tile and compares; returns the per-GEMM detail line.
std::string run_case(const GemmCase& c, uint64_t index, const CosimFault& fault, BlockCosimResult& r) {
  const int64_t M = c.m, N = c.n, K = c.k, R = c.tile.rows, C = c.tile.cols;
  const bool fp8 = c.tile.pe == TilePe::kFp8;
  const std::vector<float> A = generate_tensor(c.data, 0, static_cast<size_t>(M * K));
  const std::vector<float> B = generate_tensor(c.data, 1, static_cast<size_t>(K * N));
  PeParams p;
  p.format_a = c.fa;
  p.format_b = c.fb;
  // The RTL tile takes the operand codes as they are: FP8 unscaled, INT16 as DFP integers (power-of-two scale).
  p.tensor_scale = fp8 ? num::TensorScale::kNone : num::TensorScale::kPow2;
  const GemmOrder order{fault.variant ? Dataflow::kWS : Dataflow::kOS, R};
  const GemmResult model = run_gemm(p, order, A.data(), B.data(), M, N, K);
  const QuantizedOperands q = quantize_operands(p, A.data(), B.data(), M, N, K);
  const ResolvedPe rp = resolve(p);

  // Operand words as the tile takes them: FP8 codes (exact: q holds values of the formats), INT16 values.
  const auto code = [&](bool is_a, double v) -> uint32_t {
    if (!fp8) return static_cast<uint32_t>(static_cast<int32_t>(v)) & 0xffffu;
    const num::FloatFormat& f = (is_a ? rp.a : rp.b).element.flt;
    const uint32_t k = num::encode(f, v);
    if (!(num::decode(f, k) == v || (std::isnan(v) && std::isnan(num::decode(f, k))))) {
      throw std::logic_error("cosim_tile: quantized operand not exactly encodable");
    }
    return k;
  };
  const int exp_sum = fp8 ? 0 : std::ilogb(q.descale);
  const int64_t steps = fp8 ? K : (K + 1) / 2;
  const int64_t row_folds = (M + R - 1) / R, col_folds = (N + C - 1) / C;
  const uint64_t lines = lpsim_fold_lines(c.tile, steps);
  uint64_t mism = 0, cyc_min = UINT64_MAX, cyc_max = 0;
  for (int64_t fc = 0; fc < col_folds; ++fc) {
    for (int64_t fr = 0; fr < row_folds; ++fr) {
      TileFold f;
      f.pe = c.tile.pe;
      f.rows = c.tile.rows;
      f.cols = c.tile.cols;
      f.fmt_a = c.fa == "fp8_e5m2";
      f.fmt_b = c.fb == "fp8_e5m2";
      f.steps = steps;
      f.a.assign(static_cast<size_t>(steps * R), 0);
      f.b.assign(static_cast<size_t>(steps * C), 0);
      const auto a_at = [&](int64_t i, int64_t k) { return i < M && k < K ? code(true, q.a[i * K + k]) : 0u; };
      const auto b_at = [&](int64_t k, int64_t j) { return j < N && k < K ? code(false, q.b[k * N + j]) : 0u; };
      for (int64_t t = 0; t < steps; ++t) {
        for (int64_t rr = 0; rr < R; ++rr) {
          const int64_t i = fr * R + rr;
          f.a[t * R + rr] = fp8 ? a_at(i, t) : (a_at(i, 2 * t) | a_at(i, 2 * t + 1) << 16);
        }
        for (int64_t cc = 0; cc < C; ++cc) {
          const int64_t j = fc * C + cc;
          f.b[t * C + cc] = fp8 ? b_at(t, j) : (b_at(2 * t, j) | b_at(2 * t + 1, j) << 16);
        }
      }
      Stopwatch sw;
      const TileFoldOut o = rtl_tile_fold(f);
      r.rtl_seconds += sw.seconds();
      r.cycles += o.cycles;
      r.expected_cycles += lines + kTileExtraCycles;
      cyc_min = std::min(cyc_min, o.cycles);
      cyc_max = std::max(cyc_max, o.cycles);
      for (int64_t rr = 0; rr < R; ++rr) {
        for (int64_t cc = 0; cc < C; ++cc) {
          const int64_t i = fr * R + rr, j = fc * C + cc;
          if (i >= M || j >= N) continue;
          const uint32_t acc = o.c[static_cast<size_t>(rr * C + cc)];
          const uint32_t rtl = fp8 ? acc : canonical_f32(pe_int_output(static_cast<int32_t>(acc), exp_sum));
          uint32_t mod = canonical_f32(model.c[static_cast<size_t>(i * N + j)]);
          if (fault.flip && fault.vector == r.vectors) mod ^= 1u << (fault.bit & 31);
          ++r.vectors;
          if (rtl == mod) continue;
          ++mism;
          ++r.mismatches;
          if (r.first_mismatches.size() < BlockCosimResult::kMaxListed) {
            std::vector<uint32_t> arow, bcol;
            for (int64_t t = 0; t < steps; ++t) {
              arow.push_back(f.a[t * R + rr]);
              bcol.push_back(f.b[t * C + cc]);
            }
            r.first_mismatches.push_back("GEMM " + std::to_string(index) + " (" + case_name(c) + ") C[" +
                                         std::to_string(i) + "][" + std::to_string(j) + "], PE (" +
                                         std::to_string(rr) + ", " + std::to_string(cc) + "): A row " +
                                         hex_list(arow, fp8 ? 2 : 8) + ", B column " + hex_list(bcol, fp8 ? 2 : 8) +
                                         (fp8 ? "" : ", E_A+E_B " + std::to_string(exp_sum)) + " -> RTL " +
                                         f32_str(rtl) + ", model " + f32_str(mod));
          }
        }
      }
    }
  }
  char buf[160];
  std::snprintf(buf, sizeof buf,
                ": %lld folds, %lld outputs, %llu mismatches, %llu cycles/fold (lpsim L = %llu, +%llu)",
                static_cast<long long>(row_folds * col_folds), static_cast<long long>(M * N),
                static_cast<unsigned long long>(mism), static_cast<unsigned long long>(cyc_max),
                static_cast<unsigned long long>(lines), static_cast<unsigned long long>(kTileExtraCycles));
  std::string line = case_name(c) + buf;
  if (cyc_min != cyc_max) line += " (min " + std::to_string(cyc_min) + ")";
  return line;
}

}  // namespace

BlockCosimResult cosim_tile(const CosimInputs& in, const std::vector<TileConfig>& tiles, const CosimFault& fault,
                            const CosimProgress& progress) {
  if (in.kind == CosimInputKind::kExhaustive) {
    throw std::invalid_argument("tile has no exhaustive input set (GEMMs of any shape); use corners or random:N");
  }
  if (tiles.empty()) throw std::invalid_argument("cosim_tile: no tile selected");
  Stopwatch all;
  BlockCosimResult r;
  r.block = "tile";
  r.vector_unit = "outputs";
  std::string sizes;
  for (const TileConfig& t : tiles) {
    sizes += (sizes.empty() ? "" : ", ") + std::string(to_string(t.pe)) + " " + std::to_string(t.rows) + "x" +
             std::to_string(t.cols);
  }
  r.rtl_desc = "rtl/systolic_tile.sv (systolic_pe.sv, output stationary) verilated (SystemC): " + sizes;
  r.model_desc = fault.variant ? "WRONG MODEL (fault injection): run_gemm with dataflow ws"
                               : "models/pe run_gemm (what `lpsim gemm` computes), dataflow os, FP32 output; "
                                 "INT16: RTL INT32 accumulators through models/pe pe_int_output";
  r.cycle_rule = "per fold: lpsim's OS lines L = T + R + C - 2 (T = PE steps: K for FP8, ceil(K/2) VNNI pairs for "
                 "INT16) + 3 PE register stages";
  const std::vector<GemmCase> cases = in.kind == CosimInputKind::kCorners ? corner_cases(tiles, in.seed)
                                                                           : random_cases(tiles, in.count, in.seed);
  r.input_desc = in.kind == CosimInputKind::kCorners
                     ? "corners: " + std::to_string(cases.size()) +
                           " GEMMs per the shape list (full, partial and multi-fold tiles, K = 1, 2, 5, 7, 16, 33, "
                           "64, 100), all format pairs, normal / tiny / saturating / wide-range data, seed " +
                           std::to_string(in.seed)
                     : "random: " + std::to_string(in.count) +
                           " GEMMs (M up to 2R+1, N up to 2C+1, K up to 96, random formats and data), seed " +
                           std::to_string(in.seed);
  if (progress) progress(0, cases.size());
  for (size_t i = 0; i < cases.size(); ++i) {
    const std::string line = run_case(cases[i], i, fault, r);
    if (r.details.size() < 40) r.details.push_back(line);
    if (progress) progress(i + 1, cases.size());
  }
  if (cases.size() > 40) r.details.push_back("... (" + std::to_string(cases.size() - 40) + " more GEMMs)");
  r.seconds = all.seconds();
  return r;
}

}  // namespace lpsim::model
