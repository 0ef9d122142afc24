// Reuse-aware memory model: closed forms for a tiled loop nest above the array (see reuse_model.h, README
// "Memory models"). Every count here is exact for the loop nest and buffer rules in the header; the brute-force
// replay in tests/array/test_reuse_model.cpp walks the same nest tile by tile and must agree to the word.
#include "array/reuse_model.h"

#include <algorithm>
#include <cmath>
#include <sstream>
#include <vector>

#include "array/scalesim_engine.h"
#include "array/scalesim_geometry.h"
#include "base/checked.h"

namespace lpsim::model {

const char* to_string(MemoryModel m) { return m == MemoryModel::kReuse ? "reuse" : "scalesim"; }

namespace {

enum Dim { kM = 0, kN = 1, kK = 2 };
const char kDimName[3] = {'m', 'n', 'k'};

// The layer in convolution terms. SCALE-Sim's GEMM form (an M x K ifmap, filters 1 x K, one channel) becomes a
// 1 x 1 convolution over an M x 1 input with K channels, so that K can be tiled like channels.
struct Geo {
  int64_t H, W, Fh, Fw, sh, sw, C, OH, OW, N;
};

Geo geometry(const LayerShape& s) {
  if (s.channels == 1 && s.filter_h == 1 && s.filter_w == s.ifmap_w && s.ofmap_w == 1)
    return Geo{s.ofmap_h, 1, 1, 1, 1, 1, s.filter_w, s.ofmap_h, 1, s.num_filters};
  return Geo{s.ifmap_h, s.ifmap_w, s.filter_h, s.filter_w, s.stride_h, s.stride_w, s.channels,
             s.ofmap_h, s.ofmap_w, s.num_filters};
}

// sum_{j=0}^{n-1} clamp(lim - (a + j d), 0, c) for d >= 1: input rows (columns) of n windows of c rows spaced d
// apart from row a that lie inside an input of `lim` rows. O(c / d) steps.
int64_t clamp_sum(int64_t n, int64_t a, int64_t d, int64_t c, int64_t lim) {
  if (n <= 0) return 0;
  int64_t full = 0;  // windows wholly inside: lim - a - j d >= c
  if (lim - a - c >= 0) full = std::min(n, (lim - a - c) / d + 1);
  int64_t total = chk::mul(full, c, "input rows");
  for (int64_t j = full; j < n; ++j) {
    const int64_t left = lim - a - j * d;
    if (left <= 0) break;
    total += std::min(left, c);
  }
  return total;
}

// Input rows the windows of output rows [i0, i0 + t) touch (their union).
int64_t band_rows(const Geo& g, int64_t i0, int64_t t) {
  if (t <= 0) return 0;
  if (g.sh >= g.Fh) return clamp_sum(t, i0 * g.sh, g.sh, g.Fh, g.H);  // disjoint windows
  return std::clamp<int64_t>(g.H - i0 * g.sh, 0, (t - 1) * g.sh + g.Fh);  // one contiguous stretch
}

int64_t touched_cols(const Geo& g) {
  if (g.sw >= g.Fw) return clamp_sum(g.OW, 0, g.sw, g.Fw, g.W);
  return std::min((g.OW - 1) * g.sw + g.Fw, g.W);
}

// Input rows read by one pass over all M tiles of `tm` output rows (halo rows read again by every band).
int64_t pass_rows(const Geo& g, int64_t tm) {
  if (g.sh >= g.Fh) return clamp_sum(g.OH, 0, g.sh, g.Fh, g.H);  // bands never share rows
  const int64_t full = g.OH / tm, rem = g.OH % tm;
  int64_t rows = clamp_sum(full, 0, chk::mul(tm, g.sh, "band stride"), (tm - 1) * g.sh + g.Fh, g.H);
  if (rem) rows += band_rows(g, full * tm, rem);
  return rows;
}

uint64_t u(int64_t v) { return static_cast<uint64_t>(v); }

struct Sizes {  // per-operand words (tile footprints, pass totals) of one tile triple
  int64_t tile[3];
  int64_t pass[3];  // one pass over all tiles of the operand
};

// Capacity of an operand's active half in words of `bits`.
int64_t half_words(const MemoryParams& mem, int op, const ElementBits& bits) {
  MemoryParams m = mem;
  m.word_bits[op] = bits;
  return m.sram_words(op) / 2;
}

// Everything about a schedule except its cycles.
struct Traffic {
  bool ok = false;
  int bad_op = -1;                // first operand whose tile does not fit
  bool resident[3] = {false, false, false};
  uint64_t reads[2] = {0, 0};     // A, B words from DRAM
  uint64_t c_final = 0, psum = 0; // C final writes (ofmap words); partial sums written = read (psum words)
  uint64_t bytes = 0;
  uint64_t loads[3] = {0, 0, 0};  // tile loads (A, B) and C tile visits
};

struct Ctx {
  const ArrayParams& array;
  const MemoryParams& mem;
  const ReuseOptions& opt;
  Geo g;
  int64_t cols;             // input columns touched
  uint64_t compulsory[3];
  int64_t half[3];          // active halves (C: final-output words)
  int64_t half_c_split;     // the ofmap half in partial sums (the wider of accumulator and output bits)
};

bool depends(int op, int d) {
  // A (ifmap): m, k; B (filter): k, n; C (ofmap): m, n
  return op == kIfmap ? d != kN : op == kFilter ? d != kM : d != kK;
}

// Whether a tile's outputs accumulate partial sums in the ofmap buffer although K is not split: ws and is fold the
// tile's K over the array rows (more than R elements of K), and each row fold adds to the outputs of the last.
bool c_accumulates(const Ctx& x, const int64_t tile[3]) {
  return x.array.dataflow != Dataflow::kOS && x.g.Fh * x.g.Fw * tile[kK] > x.array.rows;
}

// Ofmap buffer words one tile needs. With K split over tiles the whole output tile holds partial sums until its
// last K tile. Otherwise outputs leave the buffer as they are finished (double buffered): os finishes one fold's
// R x C outputs at a time; ws/is folding K over the rows hold the partial sums of one column fold (ws: the tile's
// pixels x C filters; is: C pixels x the tile's filters) until its last row fold.
int64_t c_words(const Ctx& x, const int64_t tile[3], bool split) {
  const int64_t m_pix = chk::mul(tile[kM], x.g.OW, "ofmap tile"), c_tile = chk::mul(m_pix, tile[kN], "ofmap tile");
  if (split) return c_tile;
  const int64_t R = x.array.rows, C = x.array.cols;
  if (!c_accumulates(x, tile)) return std::min(c_tile, chk::mul(R, C, "array outputs"));
  if (x.array.dataflow == Dataflow::kWS) return std::min(c_tile, chk::mul(m_pix, std::min(C, tile[kN]), "psums"));
  return std::min(c_tile, chk::mul(std::min(C, m_pix), tile[kN], "psums"));
}

Traffic traffic(const Ctx& x, const int64_t tile[3], const int64_t trips[3], const int order[3]) {
  Traffic t;
  const Geo& g = x.g;
  // footprints
  const int64_t a_tile = chk::mul(chk::mul(band_rows(g, 0, std::min(tile[kM], g.OH)), x.cols, "ifmap tile"),
                                  tile[kK], "ifmap tile");
  const int64_t b_tile = chk::mul(chk::mul(g.Fh * g.Fw, tile[kK], "filter tile"), tile[kN], "filter tile");
  const bool split = trips[kK] > 1;
  const int64_t c_half = split ? x.half_c_split : x.half[kOfmap];
  t.resident[kIfmap] = x.opt.ifmap_on_chip || x.compulsory[kIfmap] <= u(x.half[kIfmap]);
  t.resident[kFilter] = x.compulsory[kFilter] <= u(x.half[kFilter]);
  t.resident[kOfmap] = x.compulsory[kOfmap] <= u(c_half);
  if (!x.opt.ifmap_on_chip && a_tile > x.half[kIfmap]) { t.bad_op = kIfmap; return t; }
  if (b_tile > x.half[kFilter]) { t.bad_op = kFilter; return t; }
  if (c_words(x, tile, split) > (split || c_accumulates(x, tile) ? x.half_c_split : x.half[kOfmap])) {
    t.bad_op = kOfmap;
    return t;
  }
  t.ok = true;
  // Position of the innermost loop an operand depends on that has more than one trip; loads = product of the
  // trips of every loop at or outside it (a loop inside it leaves the operand's tile unchanged).
  for (int op = 0; op < 3; ++op) {
    int inner = -1;
    for (int p = 0; p < 3; ++p)
      if (depends(op, order[p]) && trips[order[p]] > 1) inner = p;
    uint64_t loads = 1, passes = 1;
    for (int p = 0; p <= inner; ++p) {
      loads *= u(trips[order[p]]);
      if (!depends(op, order[p])) passes = u(trips[order[p]]);
    }
    t.loads[op] = t.resident[op] ? 1 : loads;
    if (op == kOfmap) {
      const uint64_t visits = t.resident[op] ? 1 : passes;  // visits of each output tile
      const uint64_t mn = x.compulsory[kOfmap];
      t.c_final = x.opt.ofmap_stays ? 0 : mn;
      t.psum = chk::mulu(visits - 1, mn, "partial sums");
    } else if (op == kIfmap) {
      t.reads[op] = x.opt.ifmap_on_chip ? 0
                    : t.resident[op]    ? x.compulsory[op]
                                        : chk::mulu(passes, u(chk::mul(chk::mul(pass_rows(g, tile[kM]), x.cols, "ifmap"),
                                                                       g.C, "ifmap")), "ifmap reads");
      if (x.opt.ifmap_on_chip) t.loads[op] = 0;
    } else {
      t.reads[op] = t.resident[op] ? x.compulsory[op] : chk::mulu(passes, x.compulsory[op], "filter reads");
    }
  }
  t.bytes = chk::addu(chk::addu(x.mem.word_bits[kIfmap].bytes(t.reads[kIfmap]),
                                x.mem.word_bits[kFilter].bytes(t.reads[kFilter])),
                      chk::addu(x.mem.word_bits[kOfmap].bytes(t.c_final), x.opt.psum_bits.bytes(2 * t.psum)),
                      "DRAM bytes");
  return t;
}

// Tile sizes along a dimension of D: powers of two, even splits, multiples of the array's fold size, D itself; none
// below `least` (a dimension the dataflow maps onto the array is never tiled narrower than the array: such a tile
// leaves PEs idle in every fold, which the dataflow's own mapping never does; bytes-first would otherwise trade 4x
// the cycles for a few per cent of traffic). The set depends on the layer and the array only, never on the SRAM
// sizes or bits, so DRAM bytes are monotone in both.
std::vector<int64_t> candidates(int64_t D, std::initializer_list<int64_t> folds, int64_t least = 1) {
  std::vector<int64_t> v;
  for (int64_t p = 1; p < D; p *= 2) v.push_back(p);
  for (int64_t p = 1; p < D; p *= 2) v.push_back((D + p - 1) / p);  // even splits (D itself at p = 1)
  for (int64_t f : folds)
    if (f > 0)
      for (int64_t p = f; p < D; p *= 2) v.push_back(p);
  v.push_back(D);
  least = std::min(std::max<int64_t>(least, 1), D);
  v.erase(std::remove_if(v.begin(), v.end(), [least](int64_t t) { return t < least; }), v.end());
  std::sort(v.begin(), v.end());
  v.erase(std::unique(v.begin(), v.end()), v.end());
  return v;
}

// An m x n x k tile as the array maps it: the SCALE-Sim engine's own fold mapping of the GEMM (folds, cycles per
// fold L; make_geometry checks folds x L against 64 bits).
detail::Geometry tile_geometry(const ArrayParams& a, int64_t m, int64_t n, int64_t k) {
  LayerShape s;  // SCALE-Sim's GEMM form: an m x k ifmap, n filters of 1 x k
  s.ifmap_h = s.ofmap_h = m;
  s.ifmap_w = s.filter_w = k;
  s.num_filters = n;
  return detail::make_geometry(a, s);
}

// Array cycles of all tiles (SCALE-Sim fold formulas per tile, full and partial tiles counted by class) and folds.
void compute_of(const Ctx& x, const int64_t tile[3], uint64_t* cycles, uint64_t* folds) {
  const Geo& g = x.g;
  const int64_t D[3] = {g.OH, g.N, g.C};
  uint64_t cyc = 0, fl = 0;
  for (int cls = 0; cls < 8; ++cls) {
    int64_t size[3];
    uint64_t count = 1;
    for (int d = 0; d < 3; ++d) {
      const bool partial = (cls >> d) & 1;
      const int64_t n = partial ? (D[d] % tile[d] ? 1 : 0) : D[d] / tile[d];
      size[d] = partial ? D[d] % tile[d] : tile[d];
      count *= u(n);
    }
    if (count == 0) continue;
    const detail::Geometry tg = tile_geometry(x.array, size[kM] * g.OW, size[kN], g.Fh * g.Fw * size[kK]);
    cyc = chk::addu(cyc, chk::mulu(count, u(tg.folds * tg.L), "compute cycles"), "compute cycles");
    fl = chk::addu(fl, chk::mulu(count, u(tg.folds), "folds"), "folds");
  }
  *cycles = cyc;
  *folds = fl;
}

// Cycles of the pipelined nest: the first tiles' transfer (and the DRAM latency), then every tile's compute
// overlapping the next tile's transfers, then the last output tile's write-back. Per-tile transfers are the
// operand's average tile; iterations are grouped by the loop that advanced (closed-form counts).
double pipeline_cycles(const Ctx& x, const Traffic& t, const int64_t trips[3], const int order[3], uint64_t compute) {
  const double bw = x.mem.dram_bw_bytes_per_cycle;
  const double a_bytes = static_cast<double>(x.mem.word_bits[kIfmap].bytes(t.reads[kIfmap]));
  const double b_bytes = static_cast<double>(x.mem.word_bits[kFilter].bytes(t.reads[kFilter]));
  const double cw_bytes = static_cast<double>(x.mem.word_bits[kOfmap].bytes(t.c_final)) +
                          static_cast<double>(x.opt.psum_bits.bytes(t.psum));
  const double cr_bytes = static_cast<double>(x.opt.psum_bits.bytes(t.psum));
  const double total_bytes = a_bytes + b_bytes + cw_bytes + cr_bytes;
  const double iters = static_cast<double>(trips[0]) * static_cast<double>(trips[1]) * static_cast<double>(trips[2]);
  const double cbar = static_cast<double>(compute) / iters;
  if (total_bytes == 0) return static_cast<double>(compute);
  const double per[3] = {t.loads[kIfmap] ? a_bytes / static_cast<double>(t.loads[kIfmap]) : 0,
                         t.loads[kFilter] ? b_bytes / static_cast<double>(t.loads[kFilter]) : 0,
                         (cw_bytes + cr_bytes) / static_cast<double>(t.loads[kOfmap])};
  // iterations whose loop at position L advanced (the ones inside reset): t0 t1 (t2 - 1), t0 (t1 - 1), t0 - 1
  const double tp[3] = {static_cast<double>(trips[order[0]]), static_cast<double>(trips[order[1]]),
                        static_cast<double>(trips[order[2]])};
  const double count[3] = {tp[0] - 1, tp[0] * (tp[1] - 1), tp[0] * tp[1] * (tp[2] - 1)};
  double cycles = static_cast<double>(x.mem.dram_latency_cycles);
  // prologue: the first tile of every operand that is read (the first output tile reads no partial sums)
  cycles += (per[kIfmap] + per[kFilter]) / bw;
  double moved = per[kIfmap] + per[kFilter];
  for (int L = 0; L < 3; ++L) {
    if (count[L] <= 0) continue;
    double bytes = 0;
    for (int op = 0; op < 3; ++op) {
      if (t.resident[op] && op != kOfmap) continue;
      bool changes = false;
      for (int p = L; p < 3; ++p)
        if (depends(op, order[p]) && (p == L || trips[order[p]] > 1)) changes = true;
      if (op == kOfmap && t.resident[op]) changes = false;  // a resident output is written back once, at the end
      if (changes) bytes += per[op];
    }
    moved += count[L] * bytes;
    cycles += count[L] * std::max(cbar, bytes / bw);
  }
  cycles += cbar;                        // the last tile's compute
  cycles += (total_bytes - moved) / bw;  // what is left: the last output tile's write-back (all of a resident C)
  return cycles;
}

}  // namespace

uint64_t tile_fold_cycles(const ArrayParams& a, int64_t m, int64_t n, int64_t k) {
  const detail::Geometry g = tile_geometry(a, m, n, k);
  return u(g.folds * g.L);
}

std::string Tiling::str(const LayerShape& s, int64_t w) const {
  const Geo g = geometry(s);
  std::ostringstream os;
  os << "order=" << order[0] << order[1] << order[2] << " tile=" << std::min(tm, g.OH) * g.OW << 'x'
     << std::min(tn, g.N) << 'x' << g.Fh * g.Fw * std::min(tk, g.C) * std::max<int64_t>(1, w);
  const char* names[3] = {"A", "B", "C"};
  std::string keep;
  for (int op = 0; op < 3; ++op)
    if (resident[op]) keep += names[op];
  if (!keep.empty()) os << " keep=" << keep;
  return os.str();
}

namespace {

Ctx make_ctx(const ArrayParams& array, const MemoryParams& mem, const LayerShape& layer, const ReuseOptions& opt) {
  Ctx x{array, mem, opt, geometry(layer), 0, {0, 0, 0}, {0, 0, 0}, 0};
  const Geo& g = x.g;
  x.cols = touched_cols(g);
  const int64_t rows = g.sh >= g.Fh ? clamp_sum(g.OH, 0, g.sh, g.Fh, g.H) : std::min((g.OH - 1) * g.sh + g.Fh, g.H);
  x.compulsory[kIfmap] = u(chk::mul(chk::mul(rows, x.cols, "ifmap words"), g.C, "ifmap words"));
  x.compulsory[kFilter] = u(chk::mul(chk::mul(g.Fh * g.Fw, g.C, "filter words"), g.N, "filter words"));
  x.compulsory[kOfmap] = u(chk::mul(chk::mul(g.OH, g.OW, "ofmap words"), g.N, "ofmap words"));
  for (int op = 0; op < 3; ++op) x.half[op] = half_words(mem, op, mem.word_bits[op]);
  x.half_c_split = half_words(mem, kOfmap, opt.psum_bits.value() > mem.word_bits[kOfmap].value() ? opt.psum_bits
                                                                                                : mem.word_bits[kOfmap]);
  return x;
}

ReuseTiming finish(const Ctx& x, const LayerShape& layer, const Tiling& tl, const Traffic& t, uint64_t compute,
                   uint64_t folds, double pipeline, uint64_t evaluated) {
  ReuseTiming r;
  LayerTiming& lt = r.timing;
  lt = compute_timing(x.array, layer);  // mapping, utilisation, SRAM counts, MACs: the dataflow's, unchanged
  lt.folds = static_cast<int64_t>(folds);
  lt.compute_cycles = compute - 1;      // SCALE-Sim's convention: the 0-based index of the last cycle
  const double total = std::ceil(pipeline) - 1;
  if (!(total < 9.2e18)) chk::overflow("total cycles");
  lt.total_cycles = std::max(lt.compute_cycles, static_cast<uint64_t>(total));
  lt.stall_cycles = lt.total_cycles - lt.compute_cycles;
  lt.overall_util = static_cast<double>(lt.macs) /
                    (static_cast<double>(lt.total_cycles) * static_cast<double>(x.array.rows * x.array.cols));
  lt.traffic[kIfmap].dram_reads = t.reads[kIfmap];
  lt.traffic[kFilter].dram_reads = t.reads[kFilter];
  lt.traffic[kOfmap].dram_writes = t.c_final;
  // One channel: a transfer runs at its full rate; the rate is shared out by the operands' bytes.
  const double bytes[3] = {static_cast<double>(x.mem.word_bits[kIfmap].bytes(t.reads[kIfmap])),
                           static_cast<double>(x.mem.word_bits[kFilter].bytes(t.reads[kFilter])),
                           static_cast<double>(x.mem.word_bits[kOfmap].bytes(t.c_final))};
  const double all = bytes[0] + bytes[1] + bytes[2] + 2.0 * static_cast<double>(x.opt.psum_bits.bytes(t.psum));
  for (int op = 0; op < 3; ++op)
    lt.dram_peak_words_per_cycle[op] = all > 0 ? x.mem.dram_bw_words(op) * bytes[op] / all : 0;
  r.tiling = tl;
  for (int op = 0; op < 3; ++op) r.tiling.resident[op] = t.resident[op];
  r.psum_dram_reads = r.psum_dram_writes = t.psum;
  r.dram_bytes = t.bytes;
  for (int op = 0; op < 3; ++op) r.compulsory_words[op] = x.compulsory[op];
  r.candidates = evaluated;
  return r;
}


}  // namespace

ReuseTiming reuse_schedule(const ArrayParams& array, const MemoryParams& mem, const LayerShape& layer,
                           const Tiling& tl, const ReuseOptions& opt) {
  const Ctx x = make_ctx(array, mem, layer, opt);
  const int64_t D[3] = {x.g.OH, x.g.N, x.g.C};
  const int64_t tile[3] = {std::clamp<int64_t>(tl.tm, 1, D[0]), std::clamp<int64_t>(tl.tn, 1, D[1]),
                           std::clamp<int64_t>(tl.tk, 1, D[2])};
  int64_t trips[3];
  for (int d = 0; d < 3; ++d) trips[d] = (D[d] + tile[d] - 1) / tile[d];
  int order[3];
  for (int p = 0; p < 3; ++p) order[p] = tl.order[p] == 'm' ? kM : tl.order[p] == 'n' ? kN : kK;
  const Traffic t = traffic(x, tile, trips, order);
  if (!t.ok) throw TilingError(t.bad_op, std::string("the ") + operand_name(t.bad_op) + " tile does not fit its SRAM half");
  uint64_t compute = 0, folds = 0;
  compute_of(x, tile, &compute, &folds);
  Tiling out = tl;
  for (int d = 0; d < 3; ++d) out.trips[d] = trips[d];
  out.tm = tile[0], out.tn = tile[1], out.tk = tile[2];
  return finish(x, layer, out, t, compute, folds, pipeline_cycles(x, t, trips, order, compute), 1);
}

ReuseTiming reuse_layer(const ArrayParams& array, const MemoryParams& mem, const LayerShape& layer,
                        const ReuseOptions& opt) {
  const Ctx x = make_ctx(array, mem, layer, opt);
  const Geo& g = x.g;
  const int64_t R = array.rows, C = array.cols, OW = std::max<int64_t>(1, g.OW), win = g.Fh * g.Fw;
  // Fold-aligned sizes: M pixels map to rows (os) or columns (is), N to columns (os, ws), K to rows (ws, is).
  const bool os = array.dataflow == Dataflow::kOS, ws = array.dataflow == Dataflow::kWS;
  const int64_t m_fold = ws ? 0 : ((os ? R : C) + OW - 1) / OW;
  const int64_t k_fold = (R + win - 1) / win;
  const std::vector<int64_t> cm = candidates(g.OH, {m_fold}, m_fold);
  const std::vector<int64_t> cn = candidates(g.N, {os || ws ? C : 0}, os || ws ? C : 1);
  const std::vector<int64_t> ck = candidates(g.C, {os ? 0 : k_fold}, os ? 1 : k_fold);
  static const int kOrders[6][3] = {{kM, kN, kK}, {kM, kK, kN}, {kN, kM, kK}, {kN, kK, kM}, {kK, kM, kN}, {kK, kN, kM}};

  bool found = false;
  Traffic best;
  uint64_t best_compute = 0, best_folds = 0, evaluated = 0;
  double best_cycles = 0;
  int64_t best_tile[3] = {1, 1, 1}, best_trips[3] = {1, 1, 1};
  int best_order = 0, bad_op = -1;
  for (int64_t tm : cm)
    for (int64_t tn : cn)
      for (int64_t tk : ck) {
        const int64_t tile[3] = {tm, tn, tk};
        const int64_t trips[3] = {(g.OH + tm - 1) / tm, (g.N + tn - 1) / tn, (g.C + tk - 1) / tk};
        uint64_t compute = 0, folds = 0;
        bool have_compute = false;
        for (int o = 0; o < 6; ++o) {
          ++evaluated;
          const Traffic t = traffic(x, tile, trips, kOrders[o]);
          if (!t.ok) {
            if (bad_op < 0) bad_op = t.bad_op;
            break;  // fit does not depend on the order
          }
          if (found && t.bytes > best.bytes) continue;
          if (!have_compute) compute_of(x, tile, &compute, &folds), have_compute = true;
          const double cyc = pipeline_cycles(x, t, trips, kOrders[o], compute);
          if (!found || t.bytes < best.bytes || cyc < best_cycles) {
            found = true;
            best = t, best_cycles = cyc, best_compute = compute, best_folds = folds, best_order = o;
            std::copy(tile, tile + 3, best_tile);
            std::copy(trips, trips + 3, best_trips);
          }
        }
      }
  if (!found) {
    // Not even the smallest candidate fits: name the operand and what that tile needs of it.
    const int64_t tile[3] = {cm.front(), cn.front(), ck.front()};
    const int op = bad_op < 0 ? kIfmap : bad_op;
    const bool split = ck.front() < g.C;
    const int64_t need = op == kIfmap    ? band_rows(g, 0, tile[kM]) * x.cols * tile[kK]
                         : op == kFilter ? win * tile[kK] * tile[kN]
                                         : c_words(x, tile, split);
    const int64_t have = op == kOfmap && (split || c_accumulates(x, tile)) ? x.half_c_split : x.half[op];
    Tiling t;
    t.tm = tile[kM], t.tn = tile[kN], t.tk = tile[kK];
    throw TilingError(op, std::string("the smallest tile lpsim considers (M x N x K = ") + t.str(layer, 1).substr(15) + ") needs " +
                              std::to_string(need) + " words of the " + operand_name(op) +
                              " operand; half of its SRAM (double buffered) holds " + std::to_string(have));
  }
  Tiling tl;
  for (int p = 0; p < 3; ++p) tl.order[p] = kDimName[kOrders[best_order][p]];
  tl.tm = best_tile[kM], tl.tn = best_tile[kN], tl.tk = best_tile[kK];
  std::copy(best_trips, best_trips + 3, tl.trips);
  return finish(x, layer, tl, best, best_compute, best_folds, best_cycles, evaluated);
}

}  // namespace lpsim::model
