// Internal: how SCALE-Sim v2 lays a layer onto the array (folds, operand address matrices, the prefetch
// streams of the two read buffers and the per-fold demand lines). Shared by the closed-form engine and the
// line-level replay. Facts from SCALE-Sim v2 (scalesim/compute/operand_matrix.py, systolic_compute_{os,ws,is}.py,
// memory/read_buffer.py, write_buffer.py); see models/array/README.md.
#pragma once
#include <cmath>
#include <cstdint>

#include "array/timing.h"

namespace lpsim::model::detail {

inline int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }

struct Geometry {
  Dataflow df = Dataflow::kOS;
  int64_t R = 1, C = 1;      // array rows / columns
  int64_t M = 1, N = 1, K = 1;
  int64_t Sr = 1, Sc = 1, T = 1;  // spatial rows / spatial cols / temporal extent of this dataflow
  int64_t row_folds = 1, col_folds = 1, folds = 1;
  int64_t L = 1;             // demand lines (cycles) per fold
  // Conv view of the layer (ifmap addresses; SCALE-Sim operand_matrix.py).
  int64_t H = 1, Wd = 1, Fh = 1, Fw = 1, Ch = 1, Sh = 1, Sw = 1, Eh = 1, Ew = 1;
};

Geometry make_geometry(const ArrayParams& a, const LayerShape& s);

// Operand address matrices (per buffer; SCALE-Sim's operand offsets only separate the operands).
// IFMAP element (m, k) of the M x K matrix: -1 when the window runs past the input (ceil output size).
inline int64_t ifmap_addr(const Geometry& g, int64_t m, int64_t k) {
  const int64_t oy = m / g.Ew, ox = m % g.Ew;
  const int64_t crow = k / (g.Fw * g.Ch), rem = k % (g.Fw * g.Ch);
  const int64_t ccol = rem / g.Ch, cch = rem % g.Ch;
  const int64_t y = oy * g.Sh + crow, x = ox * g.Sw + ccol;
  if (y >= g.H || x >= g.Wd) return -1;
  return (y * g.Wd + x) * g.Ch + cch;
}
inline int64_t filter_addr(const Geometry& g, int64_t k, int64_t n) { return n * g.K + k; }

// A read operand's prefetch stream: nb blocks (one per fold index of that operand) of Tlen x W cells,
// concatenated vertically, then flattened either along anti-diagonals (rows descending within a diagonal)
// or row by row. Cell (b, u, j) is spatial index b*W + j (valid if < s_lim) and temporal index u.
struct StreamDef {
  int op = kIfmap;
  bool diagonal = true;
  int64_t nb = 1, Tlen = 1, W = 1, s_lim = 1;
  bool spatial_is_m = false;  // ifmap only: spatial index is m (os, is) or k (ws)
  int64_t pre = 0;            // skewed demand: lines before the first temporal element (0 os, R ws/is)
  bool block_is_fr = true;    // which fold index selects the block (the other one is "sub")
};

StreamDef stream_def(const Geometry& g, int op);

// Address of stream cell (b, u, j); -1 for padding or an out-of-range conv window element.
inline int64_t cell_addr(const Geometry& g, const StreamDef& sd, int64_t b, int64_t u, int64_t j) {
  const int64_t s = b * sd.W + j;
  if (j >= sd.W || s >= sd.s_lim || u < 0 || u >= sd.Tlen) return -1;
  if (sd.op == kFilter) {
    // os/ws: spatial n, temporal k;  is: spatial k, temporal n
    return g.df == Dataflow::kIS ? filter_addr(g, s, u) : filter_addr(g, u, s);
  }
  return sd.spatial_is_m ? ifmap_addr(g, s, u) : ifmap_addr(g, u, s);
}

// Stream cell demanded by fold (fc, fr) at line t, column c, as (b, u, j); returns false if none.
inline bool demand_cell(const Geometry& g, const StreamDef& sd, int64_t fc, int64_t fr, int64_t t, int64_t c,
                        int64_t& b, int64_t& u) {
  b = sd.block_is_fr ? fr : fc;
  if (sd.diagonal) {  // skewed demand: column c is delayed by c lines
    u = t - sd.pre - c;
    return u >= 0 && u < sd.Tlen && c < sd.W;
  }
  // stationary tile load: R lines, bottom row of the tile first
  const int64_t sub = sd.block_is_fr ? fc : fr;
  if (t >= g.R) return false;
  u = sub * g.R + (g.R - 1 - t);
  return u < sd.Tlen && c < sd.W;
}

// Number of OFMAP words written at line t of fold (fc, fr).
int64_t ofmap_line_writes(const Geometry& g, int64_t fc, int64_t fr, int64_t t);

// One operand buffer as SCALE-Sim sizes it (single_layer_sim.py: active fraction 0.5; read_buffer.py: the
// prefetch stream is hashed into sets of ceil(total/100) words). DRAM moves one line of `line` words per
// `line`/`bw` cycles (SCALE-Sim: integer bandwidth, one line of `bandwidth` words per cycle).
struct BufferSizing {
  int64_t total = 1, active = 1, other = 0;  // words; other = prefetch (read) or drain (write) half
  int64_t line = 1;                          // words per DRAM line
  double bw = 1;                             // words per cycle
  int64_t set_words = 1;                     // read buffers: words per hashed set
  int64_t latency = 1;                       // read: DRAM latency per prefetch (SCALE-Sim read_port: 1)
  // Cycles to move n lines (exactly n when bw is an integer, as in SCALE-Sim).
  int64_t cycles(int64_t n) const {
    if (static_cast<double>(line) == bw) return n;
    return static_cast<int64_t>(std::ceil(static_cast<double>(n) * static_cast<double>(line) / bw - 1e-9));
  }
};
BufferSizing buffer_sizing(const MemoryParams& mem, int op);

// Compute-only part of a layer's timing: folds, compute cycles, utilisations, SRAM counts (no stalls).
LayerTiming compute_part(const Geometry& g, const LayerShape& s);

}  // namespace lpsim::model::detail
