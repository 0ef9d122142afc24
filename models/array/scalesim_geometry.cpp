#include "array/scalesim_geometry.h"

#include <algorithm>

#include "base/checked.h"

namespace lpsim::model::detail {

Geometry make_geometry(const ArrayParams& a, const LayerShape& s) {
  Geometry g;
  g.df = a.dataflow;
  g.R = a.rows;
  g.C = a.cols;
  // Every product below is checked: a layer whose figures leave 64 bits is a LimitError, never a wrong number.
  g.M = chk::mul(s.ofmap_h, s.ofmap_w, "layer M (output pixels)");
  g.N = s.N();
  g.K = chk::mul(chk::mul(s.filter_h, s.filter_w, "layer K"), s.channels, "layer K");
  g.H = s.ifmap_h;
  g.Wd = s.ifmap_w;
  g.Fh = s.filter_h;
  g.Fw = s.filter_w;
  g.Ch = s.channels;
  g.Sh = s.stride_h;
  g.Sw = s.stride_w;
  g.Eh = s.ofmap_h;
  g.Ew = s.ofmap_w;
  // SCALE-Sim README "Mapping of the layer to the array": os maps (M, N) and streams K, ws maps (K, N) and
  // streams M, is maps (K, M) and streams N.
  switch (g.df) {
    case Dataflow::kOS: g.Sr = g.M, g.Sc = g.N, g.T = g.K; break;
    case Dataflow::kWS: g.Sr = g.K, g.Sc = g.N, g.T = g.M; break;
    case Dataflow::kIS: g.Sr = g.K, g.Sc = g.M, g.T = g.N; break;
  }
  g.row_folds = ceil_div(g.Sr, g.R);
  g.col_folds = ceil_div(g.Sc, g.C);
  g.folds = chk::mul(g.row_folds, g.col_folds, "array folds");
  // Demand lines per fold: os T + (R-1) skew + (C-1) drain; ws/is additionally R lines to load the
  // stationary tile (systolic_compute_*.py demand matrices).
  const int64_t edges = g.df == Dataflow::kOS ? g.R + g.C - 2 : 2 * g.R + g.C - 2;  // R, C <= 2^16
  g.L = chk::add(g.T, edges, "cycles per fold");
  chk::mul(g.folds, g.L, "compute cycles (folds x cycles per fold)");
  return g;
}

StreamDef stream_def(const Geometry& g, int op) {
  StreamDef d;
  d.op = op;
  const bool ifm = op == kIfmap;
  switch (g.df) {
    case Dataflow::kOS:  // both operands skewed; blocks: ifmap per row fold, filter per column fold
      d.diagonal = true;
      d.Tlen = g.K;
      d.W = ifm ? g.R : g.C;
      d.nb = ifm ? g.row_folds : g.col_folds;
      d.s_lim = ifm ? g.M : g.N;
      d.spatial_is_m = true;
      d.pre = 0;
      d.block_is_fr = ifm;
      break;
    case Dataflow::kWS:  // ifmap streamed (skewed), filter tile loaded row by row
      d.diagonal = ifm;
      d.Tlen = ifm ? g.M : g.K;
      d.W = ifm ? g.R : g.C;
      d.nb = ifm ? g.row_folds : g.col_folds;
      d.s_lim = ifm ? g.K : g.N;
      d.spatial_is_m = false;
      d.pre = g.R;
      d.block_is_fr = ifm;
      break;
    case Dataflow::kIS:  // ifmap tile loaded row by row, filter streamed (skewed)
      d.diagonal = !ifm;
      d.Tlen = ifm ? g.K : g.N;
      d.W = ifm ? g.C : g.R;
      d.nb = ifm ? g.col_folds : g.row_folds;
      d.s_lim = ifm ? g.M : g.K;
      d.spatial_is_m = true;
      d.pre = g.R;
      d.block_is_fr = !ifm;
      break;
  }
  return d;
}

int64_t ofmap_line_writes(const Geometry& g, int64_t fc, int64_t fr, int64_t t) {
  int64_t lo, hi, cu;
  if (g.df == Dataflow::kOS) {
    // rows leave the array bottom row first after the K-1 accumulation lines, skewed by column
    const int64_t ru = std::min(g.R, g.M - fr * g.R);
    cu = std::min(g.C, g.N - fc * g.C);
    lo = t - g.K + 2 - g.R;
    hi = t - g.K + 1 - g.R + ru;
  } else {
    // ws/is: partial sums of every row fold are written, one temporal element per line after 2R-1 lines
    const int64_t tl = g.T;
    cu = g.df == Dataflow::kWS ? std::min(g.C, g.N - fc * g.C) : std::min(g.C, g.M - fc * g.C);
    lo = t - 2 * g.R + 2 - tl;
    hi = t - 2 * g.R + 1;
  }
  lo = std::max<int64_t>(lo, 0);
  hi = std::min(hi, cu - 1);
  return hi >= lo ? hi - lo + 1 : 0;
}

BufferSizing buffer_sizing(const MemoryParams& mem, int op) {
  BufferSizing b;
  b.total = std::max<int64_t>(1, mem.sram_words(op));
  b.active = (b.total + 1) / 2;  // ceil(total * 0.5)
  b.other = b.total - b.active;
  b.bw = mem.dram_bw_words(op);
  b.line = std::max<int64_t>(1, static_cast<int64_t>(std::floor(b.bw + 1e-9)));
  b.set_words = ceil_div(b.total, 100);
  b.latency = mem.dram_latency_cycles;
  return b;
}

LayerTiming compute_part(const Geometry& g, const LayerShape& /*s*/) {
  LayerTiming t;
  const int64_t MK = chk::mul(g.M, g.K, "ifmap words (M x K)"), KN = chk::mul(g.K, g.N, "filter words (K x N)"),
                MN = chk::mul(g.M, g.N, "ofmap words (M x N)");
  const int64_t rf = g.row_folds, cf = g.col_folds;
  auto u = [](int64_t v) { return static_cast<uint64_t>(v); };
  t.row_folds = g.row_folds;
  t.col_folds = g.col_folds;
  t.folds = g.folds;
  t.compute_cycles = static_cast<uint64_t>(g.folds * g.L - 1);  // product checked in make_geometry
  t.total_cycles = t.compute_cycles;
  t.macs = u(chk::mul(MN, g.K, "MACs (M x N x K)"));
  const double pes = static_cast<double>(g.R) * static_cast<double>(g.C);
  const double used = static_cast<double>(g.Sr) * static_cast<double>(g.Sc);  // PE-folds summed over folds
  // SCALE-Sim averages per-fold ratios; their sums have closed forms because only the used PE count varies.
  // Compute util uses per-fold cycles T+R+C-2 (os) or 2R+2C+T-3 (ws/is: one C-1 more than the real L).
  const double lc = g.df == Dataflow::kOS ? static_cast<double>(g.T + g.R + g.C - 2)
                                          : static_cast<double>(2 * g.R + 2 * g.C + g.T - 3);
  t.mapping_eff = used / (static_cast<double>(g.folds) * pes);
  t.compute_util = used * static_cast<double>(g.T) / (static_cast<double>(g.folds) * pes * lc);
  t.overall_util = static_cast<double>(t.macs) / (static_cast<double>(t.total_cycles) * pes);
  // SRAM accesses by operand-matrix shape (README table); os OFMAP adds SCALE-Sim's folds*(R+C) artefact.
  switch (g.df) {
    case Dataflow::kOS:
      t.traffic[kIfmap].sram_reads = u(chk::mul(cf, MK, "ifmap SRAM reads"));
      t.traffic[kFilter].sram_reads = u(chk::mul(rf, KN, "filter SRAM reads"));
      t.traffic[kOfmap].sram_writes =
          u(chk::add(MN, chk::mul(g.folds, g.R + g.C, "ofmap SRAM writes"), "ofmap SRAM writes"));
      break;
    case Dataflow::kWS:
      t.traffic[kIfmap].sram_reads = u(chk::mul(cf, MK, "ifmap SRAM reads"));
      t.traffic[kFilter].sram_reads = u(KN);
      t.traffic[kOfmap].sram_writes = u(chk::mul(rf, MN, "ofmap SRAM writes"));
      break;
    case Dataflow::kIS:
      t.traffic[kIfmap].sram_reads = u(MK);
      t.traffic[kFilter].sram_reads = u(chk::mul(cf, KN, "filter SRAM reads"));
      t.traffic[kOfmap].sram_writes = u(chk::mul(rf, MN, "ofmap SRAM writes"));
      break;
  }
  return t;
}

}  // namespace lpsim::model::detail
