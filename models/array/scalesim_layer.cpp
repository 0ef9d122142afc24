// Event-driven SCALE-Sim v2 memory model. Facts from SCALE-Sim v2 (commit 22f88b17):
//  * read buffers (read_buffer.py): the prefetch stream is hashed into sets of ceil(total/100) valid words;
//    the active window is A sets, a miss slides it by P sets (circularly) and issues a prefetch of
//    ceil(prefetch_half/bw) lines that starts right after the previous prefetch finished (DRAM latency 1);
//    the demand line waits until that prefetch is done.
//  * write buffer (write_buffer.py): words are packed into lines of bw words; with more than the active
//    half occupied and no drain running a drain of up to ceil(drain_half/bw) lines starts; a word that finds
//    the buffer full during a drain waits for its end.
//  * per demand line the array waits for the slowest of the three (double_buffered_scratchpad_mem.py).
// Which demand line triggers which prefetch depends only on addresses, never on time, so the read side is
// computed first as a list of (line, prefetch count) triggers with one step per prefetch (binary searches
// over the closed-form stream positions of the fold's demand). The time line is then walked from trigger
// to trigger and from drain event to drain event; lines in between advance time by one cycle each, in O(1).
#include "array/scalesim_layer.h"

#include <algorithm>

#include "base/checked.h"
#include <deque>
#include <memory>
#include <stdexcept>
#include <utility>
#include <vector>

namespace lpsim::model::detail {

int64_t& stream_table_limit() {
  static int64_t limit = int64_t{1} << 20;
  return limit;
}

namespace {


// Stream positions: pos(cell) = number of valid cells before `cell` in stream order (defined for invalid
// cells too). The count of valid cells on all diagonals (rows) before a given one has a closed form, so the
// index holds no table and costs the same for a stream of 10^3 or 10^12 words:
//   all cells of the nb*Tlen x W grid with r + c < x   (sums of min/max ramps)
//   - padding columns of the last, partial block       (the same form on a sub-rectangle)
//   - conv window elements past the input (ceil output sizes, IFMAP only): with SCALE-Sim's ceil rule only the
//     last output row and the last output column reach past the input, so an invalid cell is "last output row
//     and kernel row >= crl" or "last output column and kernel column >= ccl"; both are ranges or periodic sets
//     whose counts over prefixes are closed forms (inclusion-exclusion for cells in both).
// Counts inside one diagonal/row are closed forms too, except on irregular (conv-overhang) streams, where the
// W cells of one diagonal are checked one by one.
class StreamIndex {
 public:
  StreamIndex(const Geometry& g, const StreamDef& sd) : g_(g), sd_(sd) {
    rows_ = chk::mul(sd.nb, sd.Tlen, "operand stream rows");
    wlast_ = sd.s_lim - (sd.nb - 1) * sd.W;
    r0_ = (sd.nb - 1) * sd.Tlen;
    n_ = sd.diagonal ? rows_ + sd.W - 1 : rows_;
    irregular_ = sd.op == kIfmap && ((g.Eh - 1) * g.Sh + g.Fh > g.H || (g.Ew - 1) * g.Sw + g.Fw > g.Wd);
    if (irregular_) {
      // The closed form relies on SCALE-Sim's ceil output size: no output row/column before the last one may
      // reach past the input.
      if ((g.Eh >= 2 && (g.Eh - 2) * g.Sh + g.Fh > g.H) || (g.Ew >= 2 && (g.Ew - 2) * g.Sw + g.Fw > g.Wd))
        throw std::invalid_argument("array timing: the output is larger than the input allows (more than the last "
                                    "output row/column reaches past the input)");
      // kernel rows >= crl are past the input in the last output row, kernel columns >= ccl in the last output
      // column (0: the last window starts past the input, every kernel row/column is outside)
      const int64_t crl = std::max<int64_t>(0, g.H - (g.Eh - 1) * g.Sh);
      const int64_t ccl = std::max<int64_t>(0, g.Wd - (g.Ew - 1) * g.Sw);
      kP0_ = crl < g.Fh ? crl * g.Fw * g.Ch : g.K;
      qlo_ = ccl < g.Fw ? ccl * g.Ch : g.Fw * g.Ch;
      mA_ = (g.Eh - 1) * g.Ew;
      if (n_ <= stream_table_limit()) {  // small streams: a prefix table is faster than the closed form
        pre_.assign(static_cast<size_t>(n_ + 1), 0);
        for (int64_t x = 0; x < n_; ++x)
          pre_[static_cast<size_t>(x + 1)] =
              pre_[static_cast<size_t>(x)] + (sd.diagonal ? count_diag(x, sd.W) : count_row(x, sd.W));
      }
    }
    total_ = before(n_);
  }
  int64_t total() const { return total_; }
  bool valid(int64_t b, int64_t u, int64_t j) const { return cell_addr(g_, sd_, b, u, j) >= 0; }
  // Position of cell (b, u, j) in the stream.
  int64_t pos(int64_t b, int64_t u, int64_t j) const {
    const int64_t r = b * sd_.Tlen + u;
    if (sd_.diagonal) return before(r + j) + count_diag(r + j, j);
    return before(r) + count_row(r, j);
  }
  // Diagonal d: valid cells with column < j (columns start at jlo = max(0, d - rows + 1)).
  int64_t count_diag(int64_t d, int64_t j) const {
    const int64_t jlo = std::max<int64_t>(0, d - rows_ + 1);
    const int64_t jend = std::min(j, std::min(sd_.W, d + 1));
    if (jend <= jlo) return 0;
    if (irregular_) {
      int64_t n = 0;
      for (int64_t c = jlo; c < jend; ++c) {
        const int64_t r = d - c;
        n += valid(r / sd_.Tlen, r % sd_.Tlen, c) ? 1 : 0;
      }
      return n;
    }
    // padding: columns >= wlast of the last block (rows >= (nb-1)*Tlen, i.e. c <= d - (nb-1)*Tlen)
    const int64_t plo = std::max(jlo, wlast_), phi = std::min(jend - 1, d - r0_);
    return (jend - jlo) - std::max<int64_t>(0, phi - plo + 1);
  }
  int64_t count_row(int64_t r, int64_t j) const {
    const int64_t b = r / sd_.Tlen, u = r % sd_.Tlen;
    if (irregular_) {
      int64_t n = 0;
      for (int64_t c = 0; c < std::min(j, sd_.W); ++c) n += valid(b, u, c) ? 1 : 0;
      return n;
    }
    return b == sd_.nb - 1 ? std::min(j, wlast_) : std::min(j, sd_.W);
  }
  const StreamDef& def() const { return sd_; }

 private:
  __extension__ typedef __int128 i128;  // exact products of two 64-bit counts
  // sum over c in [0, w) of max(y - c, 0)
  static i128 ramp(i128 y, i128 w) {
    if (y <= 0) return 0;
    if (y >= w) return w * y - w * (w - 1) / 2;
    return y * (y + 1) / 2;
  }
  // cells (r, c) of an h x w rectangle with r + c < y
  static i128 tri(i128 y, i128 w, i128 h) { return ramp(y, w) - ramp(y - h, w); }

  // Valid cells on diagonals (rows) before x.
  int64_t before(int64_t x) const {
    if (!pre_.empty()) return pre_[static_cast<size_t>(std::clamp<int64_t>(x, 0, n_))];
    i128 v;
    if (sd_.diagonal) {
      v = tri(x, sd_.W, rows_);
      if (wlast_ < sd_.W) v -= tri(static_cast<i128>(x) - r0_ - wlast_, sd_.W - wlast_, sd_.Tlen);
    } else {
      const int64_t xr = std::clamp<int64_t>(x, 0, rows_);
      v = static_cast<i128>(xr) * sd_.W - static_cast<i128>(std::max<int64_t>(0, xr - r0_)) * (sd_.W - wlast_);
    }
    if (irregular_) v -= sd_.diagonal ? invalid_diag(x) : invalid_row(x);
    return static_cast<int64_t>(v);
  }

  // ---- conv-overhang cells (irregular IFMAP streams): counts of invalid (m, k) pairs ----
  // k side: P(k) = kernel row past the input in the last output row (k >= kP0, a suffix of [0, K));
  //         Q(k) = kernel column past the input in the last output column ((k / Ch) mod Fw >= ccl).
  // m side: A(m) = last output row (m >= mA); B(m) = last output column (m mod Ew == Ew - 1).
  // invalid(m, k) = A(m) P(k) or B(m) Q(k).
  int64_t cnt_p(int64_t t) const { return std::max<int64_t>(0, std::clamp<int64_t>(t, 0, g_.K) - kP0_); }
  int64_t cnt_q(int64_t t) const {
    const int64_t per = g_.Fw * g_.Ch, tt = std::clamp<int64_t>(t, 0, g_.K);
    return tt / per * (per - qlo_) + std::max<int64_t>(0, tt % per - qlo_);
  }
  int64_t cnt_pq(int64_t t) const { return cnt_q(std::max(t, kP0_)) - cnt_q(kP0_); }
  int64_t cnt_a(int64_t m) const { return std::max<int64_t>(0, std::clamp<int64_t>(m, 0, g_.M) - mA_); }
  int64_t cnt_b(int64_t m) const { return std::clamp<int64_t>(m, 0, g_.M) / g_.Ew; }
  int64_t cnt_ab(int64_t m) const { return cnt_b(std::max(std::clamp<int64_t>(m, 0, g_.M), mA_)) - cnt_b(mA_); }
  // Invalid cells with spatial index < s and temporal index < t.
  i128 invalid_pairs(int64_t s, int64_t t) const {
    if (s <= 0 || t <= 0) return 0;
    if (sd_.spatial_is_m)
      return static_cast<i128>(cnt_a(s)) * cnt_p(t) + static_cast<i128>(cnt_b(s)) * cnt_q(t) -
             static_cast<i128>(cnt_ab(s)) * cnt_pq(t);
    return static_cast<i128>(cnt_p(s)) * cnt_a(t) + static_cast<i128>(cnt_q(s)) * cnt_b(t) -
           static_cast<i128>(cnt_pq(s)) * cnt_ab(t);
  }
  // Invalid cells of spatial index s with temporal index < t.
  i128 invalid_one(int64_t s, int64_t t) const { return invalid_pairs(s + 1, t) - invalid_pairs(s, t); }
  // Invalid cells on diagonals < x: blocks whose every cell lies before x count whole (one closed form), the
  // few blocks the boundary cuts count column by column.
  i128 invalid_diag(int64_t x) const {
    const int64_t T = sd_.Tlen, W = sd_.W;
    const int64_t full = x - W + 1 - T >= 0 ? std::min(sd_.nb, (x - W + 1 - T) / T + 1) : 0;
    i128 v = invalid_pairs(std::min(full * W, sd_.s_lim), T);
    for (int64_t b = full; b < sd_.nb && b * T < x; ++b) {
      for (int64_t j = 0; j < W && b * W + j < sd_.s_lim; ++j) {
        const int64_t t = std::min(T, x - b * T - j);
        if (t <= 0) break;
        v += invalid_one(b * W + j, t);
      }
    }
    return v;
  }
  i128 invalid_row(int64_t x) const {
    const int64_t T = sd_.Tlen, W = sd_.W, xr = std::clamp<int64_t>(x, 0, rows_);
    const int64_t b = xr / T, u = xr % T;
    const int64_t s0 = std::min(b * W, sd_.s_lim), s1 = std::min((b + 1) * W, sd_.s_lim);
    return invalid_pairs(s0, T) + invalid_pairs(s1, u) - invalid_pairs(s0, u);
  }

  const Geometry& g_;
  StreamDef sd_;
  int64_t rows_ = 0, wlast_ = 0, r0_ = 0, n_ = 0, total_ = 0;
  bool irregular_ = false;
  int64_t kP0_ = 0, qlo_ = 0, mA_ = 0;
  std::vector<int64_t> pre_;  // irregular streams within table_limit(): valid cells before each diagonal/row
};

struct Trigger {
  int64_t line;   // global demand line index
  int64_t count;  // prefetches issued so far (after this line's misses)
};

// Replays the read buffer's window over the demand at prefetch granularity.
class ReadSide {
 public:
  ReadSide(const Geometry& g, const StreamDef& sd, const BufferSizing& bs) : g_(g), sd_(sd), bs_(bs) {
    index_ = std::make_unique<StreamIndex>(g, sd);
    V_ = index_->total();
    E_ = bs.set_words;
    ns_ = V_ / E_ + 1;
    A_ = std::min(ceil_div(bs.active, E_), ns_);
    P_ = std::min(ceil_div(bs.other, E_), ns_ - A_);
    // Duplicate addresses exist only for conv IFMAPs whose windows overlap.
    dups_ = sd.op == kIfmap && ((g.Fh > g.Sh && g.Eh > 1) || (g.Fw > g.Sw && g.Ew > 1));
    const int64_t cells = sd.nb * sd.Tlen * sd.W;
    const int64_t fetch_rows = ceil_div(cells, bs.line);
    init_words_ = std::min(ceil_div(bs.active, bs.line), fetch_rows) * bs.line;
    pf_lines_ = ceil_div(bs.other, bs.line);
  }

  void run() {
    if (ns_ <= A_) return;  // the whole stream sits in the active half: every access hits
    for (int64_t fc = 0; fc < g_.col_folds; ++fc)
      for (int64_t fr = 0; fr < g_.row_folds; ++fr) {
        line0_ = (fc * g_.row_folds + fr) * g_.L;
        if (sd_.diagonal) diag_fold(fc, fr);
        else tile_fold(fc, fr);
      }
  }
  const std::vector<Trigger>& triggers() const { return trig_; }
  int64_t prefetches() const { return j_; }
  int64_t fill_lines() const { return init_words_ / bs_.line; }
  int64_t prefetch_words() const { return pf_lines_ * bs_.line; }
  uint64_t dram_words() const { return static_cast<uint64_t>(init_words_ + j_ * pf_lines_ * bs_.line); }
  // Cycle at which prefetch number k has arrived (the initial fill arrives at -1).
  int64_t ready(int64_t k) const { return -1 + k * (bs_.cycles(pf_lines_) + bs_.latency); }

 private:
  bool in_window(int64_t p) const { return ((p / E_ - start_) % ns_ + ns_) % ns_ < A_; }
  // End (exclusive) of the contiguous window part holding position p (p must be in the window).
  int64_t piece_end(int64_t p) const {
    const int64_t s = p / E_;
    int64_t end_set;
    if (start_ + A_ <= ns_) end_set = start_ + A_;
    else end_set = s >= start_ ? ns_ : start_ + A_ - ns_;
    return std::min(end_set * E_, V_);
  }
  // Calls f(position) for the other stream cells holding the same input word as cell (b, u, j) (overlapping conv
  // windows: window element (cr, cc) of the output pixel whose window covers the same input pixel), the shift
  // that matched last time first (neighbouring accesses usually match through the same one); stops when f
  // returns true and then returns true.
  template <class F>
  bool for_each_duplicate(int64_t b, int64_t u, int64_t j, F&& f) {
    const int64_t s = b * sd_.W + j;
    const int64_t m = sd_.spatial_is_m ? s : u, k = sd_.spatial_is_m ? u : s;
    const int64_t oy = m / g_.Ew, ox = m % g_.Ew;
    const int64_t crow = k / (g_.Fw * g_.Ch), ccol = (k / g_.Ch) % g_.Fw, ch = k % g_.Ch;
    const int64_t y = oy * g_.Sh + crow, x = ox * g_.Sw + ccol;
    auto visit = [&](int64_t cr, int64_t cc) {
      const int64_t yy = y - cr, xx = x - cc;
      if (cr < 0 || cr >= g_.Fh || cc < 0 || cc >= g_.Fw || (cr == crow && cc == ccol)) return false;
      if (yy < 0 || yy % g_.Sh != 0 || yy / g_.Sh >= g_.Eh) return false;
      if (xx < 0 || xx % g_.Sw != 0 || xx / g_.Sw >= g_.Ew) return false;
      const int64_t m2 = (yy / g_.Sh) * g_.Ew + xx / g_.Sw, k2 = (cr * g_.Fw + cc) * g_.Ch + ch;
      const int64_t s2 = sd_.spatial_is_m ? m2 : k2, u2 = sd_.spatial_is_m ? k2 : m2;
      if (!f(index_->pos(s2 / sd_.W, u2, s2 % sd_.W))) return false;
      last_dcr_ = cr - crow, last_dcc_ = cc - ccol;
      return true;
    };
    if (visit(crow + last_dcr_, ccol + last_dcc_)) return true;
    for (int64_t cr = 0; cr < g_.Fh; ++cr)
      for (int64_t cc = 0; cc < g_.Fw; ++cc)
        if (visit(cr, cc)) return true;
    return false;
  }
  // Does some occurrence of the address of cell (b, u, j) lie in the window?
  bool hits(int64_t b, int64_t u, int64_t j, int64_t p) {
    if (in_window(p)) return true;
    return dups_ && for_each_duplicate(b, u, j, [&](int64_t q) { return in_window(q); });
  }
  // Slides until stream position q is in the window: the window starts A sets wide at start and moves P <= A
  // sets per slide, so the first slide count that covers q's set (circular distance d >= A) is
  // ceil((d - A + 1) / P), reached before the window passes q. O(1), however far round the stream it travels.
  int64_t slides_to(int64_t q) const {
    const int64_t d = ((q / E_ - start_) % ns_ + ns_) % ns_;
    return d < A_ ? 0 : chk::ceil_div(d - A_ + 1, P_);
  }
  // Slides the window until the access hits (the nearest occurrence of its word decides); records the line if
  // any prefetch was issued.
  void access(int64_t line, int64_t b, int64_t u, int64_t j, int64_t p) {
    if (hits(b, u, j, p)) return;
    if (P_ == 0) throw std::invalid_argument("array timing: the SRAM prefetch half holds no word (SRAM too small)");
    int64_t n = slides_to(p);
    if (dups_)
      for_each_duplicate(b, u, j, [&](int64_t q) {
        n = std::min(n, slides_to(q));
        return false;  // visit them all
      });
    start_ = chk::add(start_, n * P_, "window position") % ns_;  // n * P <= d < ns
    j_ = chk::add(j_, n, "prefetch count");
    if (!trig_.empty() && trig_.back().line == line) trig_.back().count = j_;
    else trig_.push_back({line, j_});
  }

  // Skewed demand of a streamed operand: line t needs the block-b part of diagonal b*Tlen + t - pre,
  // columns c in [c0(t), c1(t)], in stream order. Positions increase monotonically through the fold.
  void diag_fold(int64_t fc, int64_t fr) {
    const int64_t b = sd_.block_is_fr ? fr : fc, T = sd_.Tlen, W = sd_.W, pre = sd_.pre;
    const int64_t t_first = pre, t_last = pre + T + W - 2;
    auto c0 = [&](int64_t t) { return std::max<int64_t>(0, t - pre - T + 1); };
    auto c1 = [&](int64_t t) { return std::min(W - 1, t - pre); };
    auto d_of = [&](int64_t t) { return b * T + t - pre; };
    // position just after the block part of line t
    auto pos_after = [&](int64_t t) {
      const int64_t d = d_of(t);
      return index_->pos(b, d - b * T - (c1(t) + 1), c1(t) + 1);  // cell (d - c, c) with c = c1 + 1
    };
    int64_t t = t_first, c = c0(t);
    while (t <= t_last) {
      // current cell (t, c); skip invalid cells
      if (c > c1(t)) {
        ++t;
        if (t > t_last) break;
        c = c0(t);
        continue;
      }
      const int64_t u = t - pre - c;
      if (!index_->valid(b, u, c)) {
        ++c;
        continue;
      }
      const int64_t p = index_->pos(b, u, c);
      access(line0_ + t, b, u, c, p);
      if (!in_window(p)) {  // hit through a duplicate: look at the next access
        ++c;
        continue;
      }
      // every access from here up to position X hits: jump to the first one at or beyond X
      const int64_t X = piece_end(p);
      if (pos_after(t) > X) {
        ++c;  // the crossing is in this line; scan it
        int64_t q = index_->pos(b, t - pre - c, c);
        while (c <= c1(t) && q < X) {
          q += index_->valid(b, t - pre - c, c) ? 1 : 0;
          ++c;
        }
        continue;
      }
      int64_t lo = t + 1, hi = t_last + 1;  // first line whose block part extends past X
      while (lo < hi) {
        const int64_t mid = lo + (hi - lo) / 2;
        if (pos_after(mid) > X) hi = mid;
        else lo = mid + 1;
      }
      t = lo;
      if (t > t_last) break;
      c = c0(t);
      int64_t q = index_->pos(b, t - pre - c, c);
      while (c <= c1(t) && q < X) {
        q += index_->valid(b, t - pre - c, c) ? 1 : 0;
        ++c;
      }
    }
  }

  // Stationary tile load: R lines, row sub*R + R-1-t of block b at line t, columns in stream order.
  void tile_fold(int64_t fc, int64_t fr) {
    const int64_t b = sd_.block_is_fr ? fr : fc, sub = sd_.block_is_fr ? fc : fr;
    const int64_t u_lo = sub * g_.R, u_hi = std::min(sd_.Tlen, u_lo + g_.R);  // rows [u_lo, u_hi)
    // Whole tile in one window piece: every access hits.
    const int64_t p_lo = index_->pos(b, u_lo, 0), p_end = index_->pos(b, u_hi - 1, sd_.W);
    if (p_end > p_lo && in_window(p_lo) && piece_end(p_lo) >= p_end) return;
    for (int64_t t = 0; t < g_.R; ++t) {
      const int64_t u = u_lo + (g_.R - 1 - t);
      if (u >= u_hi) continue;
      int64_t c = 0;
      while (c < sd_.W) {
        if (!index_->valid(b, u, c)) {
          ++c;
          continue;
        }
        const int64_t p = index_->pos(b, u, c);
        access(line0_ + t, b, u, c, p);
        if (!in_window(p)) {
          ++c;
          continue;
        }
        const int64_t X = piece_end(p);
        ++c;
        int64_t q = p + 1;
        while (c < sd_.W && (q < X || !index_->valid(b, u, c))) {
          q += index_->valid(b, u, c) ? 1 : 0;
          ++c;
        }
      }
    }
  }

  const Geometry& g_;
  StreamDef sd_;
  BufferSizing bs_;
  std::unique_ptr<StreamIndex> index_;
  int64_t V_ = 0, E_ = 1, ns_ = 1, A_ = 1, P_ = 0, start_ = 0, j_ = 0, line0_ = 0;
  bool dups_ = false;
  int64_t last_dcr_ = 0, last_dcc_ = 0;  // shift of the last duplicate that hit
  int64_t init_words_ = 0, pf_lines_ = 1;
  std::vector<Trigger> trig_;
};

// OFMAP words written per line in closed form: the per-fold write pattern is a band of `len` lines
// starting at line p in column 0, skewed by one line per column, over `cu` used columns.
class OfmapWrites {
 public:
  explicit OfmapWrites(const Geometry& g) : g_(g) {}
  // Words written in lines [0, line] (global line index, inclusive).
  int64_t upto(int64_t line) const {
    if (line < 0) return 0;
    const int64_t f = line / g_.L, t = line % g_.L;
    const int64_t fc = f / g_.row_folds, fr = f % g_.row_folds;
    return before_fold(fc, fr) + in_fold(fc, fr, t);
  }
  int64_t total() const { return before_fold(g_.col_folds, 0); }
  // Smallest line whose cumulative count reaches w (w >= 1).
  int64_t line_of(int64_t w) const {
    int64_t lo = 0, hi = g_.folds * g_.L - 1;
    while (lo < hi) {
      const int64_t mid = lo + (hi - lo) / 2;
      if (upto(mid) >= w) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }

 private:
  int64_t cols_used(int64_t fc) const {
    const int64_t lim = g_.df == Dataflow::kIS ? g_.M : g_.N;
    return std::min(g_.C, lim - fc * g_.C);
  }
  int64_t rows_used(int64_t fr) const { return std::min(g_.R, g_.M - fr * g_.R); }
  int64_t before_fold(int64_t fc, int64_t fr) const {
    const int64_t cols_before = std::min(fc * g_.C, g_.df == Dataflow::kIS ? g_.M : g_.N);
    if (fc >= g_.col_folds) fc = g_.col_folds, fr = 0;
    if (g_.df == Dataflow::kOS) {
      const int64_t rows_before = std::min(fr * g_.R, g_.M);
      return cols_before * g_.M + (fc < g_.col_folds ? rows_before * cols_used(fc) : 0);
    }
    return cols_before * g_.T * g_.row_folds + (fc < g_.col_folds ? fr * g_.T * cols_used(fc) : 0);
  }
  // sum over c in [0, cu) of max(0, y - c)
  static int64_t ramp(int64_t y, int64_t cu) {
    if (y <= 0) return 0;
    if (y >= cu) return cu * y - cu * (cu - 1) / 2;
    return y * (y + 1) / 2;
  }
  int64_t in_fold(int64_t fc, int64_t fr, int64_t t) const {
    int64_t p, len;
    if (g_.df == Dataflow::kOS) {
      const int64_t ru = rows_used(fr);
      p = g_.K - 1 + g_.R - ru;  // first line with a write in column 0
      len = ru;
    } else {
      p = 2 * g_.R - 1;
      len = g_.T;
    }
    const int64_t cu = cols_used(fc), y = t - p + 1;
    return ramp(y, cu) - ramp(y - len, cu);
  }
  const Geometry& g_;
};

// OFMAP write buffer at drain granularity.
class WriteSide {
 public:
  explicit WriteSide(const BufferSizing& bs) : bs_(bs), nd_(ceil_div(bs.other, bs.line)) {}

  // Stores the words (w_done, w_end] of one line issued at `cycle`; returns the cycle the line completes.
  int64_t line(int64_t cycle, int64_t w_end, std::vector<Drain>* log) {
    log_ = log;
    int64_t cur = cycle;
    while (w_done_ < w_end) {
      if (cur < drain_end_) {
        const int64_t wf = bs_.total + credit_;  // this word leaves no free space
        if (wf > w_end) break;
        w_done_ = std::max(wf, w_done_ + 1);
        cur = drain_end_;
      } else {
        const int64_t wa = std::max(w_done_ + 1, bs_.total - bs_.active + credit_ + 1);  // occupancy > active half
        if (wa > w_end) break;
        w_done_ = wa;
        start_drain(cur);
      }
    }
    w_done_ = w_end;
    return cur;
  }
  // Next word (> w_done) that is an event if issued at a cycle before / at-or-after drain_end.
  int64_t full_word() const { return std::max(bs_.total + credit_, w_done_ + 1); }
  int64_t drain_word() const { return std::max(w_done_ + 1, bs_.total - bs_.active + credit_ + 1); }
  int64_t drain_end() const { return drain_end_; }
  int64_t words_done() const { return w_done_; }
  void skip_to(int64_t w) { w_done_ = w; }
  uint64_t finish(int64_t cycle, std::vector<Drain>* log) {
    // SCALE-Sim's empty_all_buffers: the rest goes out in drains back to back after the last line
    flush(w_done_);
    while (pending_ > 0) {
      const int64_t n = std::min(nd_, pending_);
      const int64_t words = take(n);
      const int64_t end = cycle + bs_.cycles(n) - 1;
      if (log) log->push_back({cycle, n, end, words});
      cycle = end + 1;
    }
    return dram_;
  }

 private:
  void flush(int64_t w) {
    const int64_t full = (w - w_flushed_) / bs_.line, rem = (w - w_flushed_) % bs_.line;
    if (full > 0) push(bs_.line, full);
    if (rem > 0) push(rem, 1);
    w_flushed_ = w;
  }
  void push(int64_t valid, int64_t n) {
    if (!q_.empty() && q_.back().first == valid) q_.back().second += n;
    else q_.emplace_back(valid, n);
    pending_ += n;
  }
  // Drains up to n lines; SCALE-Sim counts whole lines minus the empty slots of the last one.
  int64_t take(int64_t n) {
    n = std::min(n, pending_);
    int64_t left = n, last_valid = bs_.line;
    while (left > 0) {
      auto& fr = q_.front();
      const int64_t k = std::min(left, fr.second);
      last_valid = fr.first;
      fr.second -= k;
      left -= k;
      if (fr.second == 0) q_.pop_front();
    }
    pending_ -= n;
    const int64_t data = n * bs_.line - (bs_.line - last_valid);
    dram_ += static_cast<uint64_t>(data);
    return data;
  }
  void start_drain(int64_t cur) {
    flush(w_done_);
    const int64_t n = std::min(nd_, pending_);
    const int64_t words = take(n);
    credit_ += words;
    drain_end_ = cur + bs_.cycles(n) - 1;
    if (log_) log_->push_back({cur, n, drain_end_, words});
  }

  BufferSizing bs_;
  int64_t nd_;
  int64_t w_done_ = 0, w_flushed_ = 0, credit_ = 0, drain_end_ = 0, pending_ = 0;
  std::deque<std::pair<int64_t, int64_t>> q_;  // (valid words per line, lines)
  uint64_t dram_ = 0;
  std::vector<Drain>* log_ = nullptr;
};

}  // namespace

struct LayerRun::Impl {
  Impl(const ArrayParams& array, const MemoryParams& mem, const LayerShape& layer)
      : g(make_geometry(array, layer)), result(compute_part(g, layer)), ow(g), ws(buffer_sizing(mem, kOfmap)) {
    for (int op = 0; op < 2; ++op) {
      const BufferSizing bs = buffer_sizing(mem, op);
      ReadSide rs(g, stream_def(g, op), bs);
      rs.run();
      result.traffic[op].dram_reads = rs.dram_words();
      result.dram_peak_words_per_cycle[op] = bs.bw;
      plan[op].fill_cycles = bs.cycles(rs.fill_lines());
      plan[op].prefetches = rs.prefetches();
      plan[op].prefetch_cycles = rs.ready(1) + 1;
      plan[op].fill_words = rs.fill_lines() * bs.line;
      plan[op].prefetch_words = rs.prefetch_words();
      for (const Trigger& tr : rs.triggers()) {
        need.push_back({tr.line, op, tr.count});
        plan[op].needed.push_back(tr.count);
      }
    }
    std::sort(need.begin(), need.end(), [](const Need& a, const Need& b) { return a.line < b.line; });
    result.dram_peak_words_per_cycle[kOfmap] = buffer_sizing(mem, kOfmap).bw;
    nlines = g.folds * g.L;
  }

  // First line at or after i with an event, assuming one cycle per line from i on.
  int64_t next_event() const {
    const int64_t next_read = ni < need.size() ? need[ni].line : nlines;
    const int64_t issue_i = tau + 1;
    int64_t ev = nlines;
    if (issue_i < ws.drain_end()) {
      const int64_t i_end = i + (ws.drain_end() - issue_i);  // first line issued at or after drain_end
      const int64_t wf = ws.full_word();
      if (wf <= ow.total() && ow.line_of(wf) < i_end) {
        ev = ow.line_of(wf);  // the buffer fills up while the drain runs
      } else if (i_end < nlines) {  // the next drain starts with the first word issued after drain_end
        const int64_t w = std::max(ws.drain_word(), ow.upto(i_end - 1) + 1);
        if (w <= ow.total()) ev = ow.line_of(w);
      }
    } else if (ws.drain_word() <= ow.total()) {
      ev = std::max(i, ow.line_of(ws.drain_word()));
    }
    return std::min(ev, next_read);
  }

  struct Need {
    int64_t line;
    int op;
    int64_t count;
  };
  Geometry g;
  LayerTiming result;
  OfmapWrites ow;
  WriteSide ws;
  ReadPlan plan[2];
  std::vector<Need> need;  // read constraints sorted by line
  size_t ni = 0;
  int64_t nlines = 0, i = 0, tau = -1, last_out = 0;
  LineStep cur;
};

LayerRun::LayerRun(const ArrayParams& array, const MemoryParams& mem, const LayerShape& layer)
    : p_(std::make_unique<Impl>(array, mem, layer)) {}
LayerRun::~LayerRun() = default;

const Geometry& LayerRun::geometry() const { return p_->g; }
int64_t LayerRun::lines() const { return p_->nlines; }
int64_t LayerRun::next_line() const { return p_->i; }
int64_t LayerRun::next_issue() const { return p_->tau + 1; }
const ReadPlan& LayerRun::read_plan(int op) const { return p_->plan[op]; }

int64_t LayerRun::quiet_lines(int64_t limit) const {
  return std::min(limit, std::min(p_->next_event(), p_->nlines) - p_->i);
}

void LayerRun::skip(int64_t n) {
  Impl& s = *p_;
  if (n <= 0) return;
  s.i += n;
  s.tau += n;
  s.last_out = s.tau;
  s.ws.skip_to(s.ow.upto(s.i - 1));
}

const LineStep& LayerRun::step() {
  Impl& s = *p_;
  LineStep& st = s.cur;
  st.line = s.i;
  st.issue = s.tau + 1;
  st.drains.clear();
  st.need[0] = st.need[1] = 0;
  s.ws.skip_to(s.ow.upto(s.i - 1));
  st.ofmap_done = s.ws.line(st.issue, s.ow.upto(s.i), &st.drains);
  // tau: SCALE-Sim's cycle of the line's last service; a read waits for the prefetch minus the hit latency
  int64_t done = st.ofmap_done;
  while (s.ni < s.need.size() && s.need[s.ni].line == s.i) {
    const Impl::Need& n = s.need[s.ni++];
    st.need[n.op] = std::max(st.need[n.op], n.count);
    done = std::max(done, s.plan[n.op].arrival(n.count) - 1);
  }
  st.next_issue = done + 1;
  s.tau = done;
  s.last_out = st.ofmap_done;
  ++s.i;
  return st;
}

LayerTiming LayerRun::finish(std::vector<Drain>* final_drains) {
  Impl& s = *p_;
  if (s.i != s.nlines) throw std::logic_error("LayerRun::finish before the last line");
  s.ws.skip_to(s.ow.total());
  LayerTiming& t = s.result;
  t.traffic[kOfmap].dram_writes = s.ws.finish(s.last_out, final_drains);
  t.stall_cycles = static_cast<uint64_t>(s.tau - (s.nlines - 1));
  t.total_cycles = static_cast<uint64_t>(s.last_out);
  t.overall_util = static_cast<double>(t.macs) /
                   (static_cast<double>(t.total_cycles) * static_cast<double>(s.g.R) * static_cast<double>(s.g.C));
  return t;
}

}  // namespace lpsim::model::detail
