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
#include <map>
#include <unordered_map>
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
  bool binds = true;  // the line may have to wait for prefetch `count` (else it has surely arrived)
};

// One fold's reads, relative to the fold: triggers as (line offset in the fold, prefetches issued since the
// fold began), and the window start afterwards relative to the fold's base set (see ReadSide::fold_key).
struct FoldRead {
  std::vector<std::pair<int64_t, int64_t>> trig;
  int64_t dj = 0;         // prefetches issued by the fold
  int64_t rel_after = 0;  // window start after the fold minus the fold's base set, mod ns
};

// Replays the read buffer's window over the demand at prefetch granularity, one fold at a time (the read side
// depends on addresses only, never on time, so it can be evaluated fold by fold as the time walk reaches it).
// Folds whose demand is a translated copy of another's (same shape, same offset of the window and of the set
// boundaries relative to the fold's first word) read identically: their result is memoised.
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
    const int64_t cells = chk::mul(chk::mul(sd.nb, sd.Tlen, "operand stream"), sd.W, "operand stream");
    const int64_t fetch_rows = ceil_div(cells, bs.line);
    init_words_ = std::min(ceil_div(bs.active, bs.line), fetch_rows) * bs.line;
    pf_lines_ = ceil_div(bs.other, bs.line);
    pf_cycles_ = chk::add(bs_.cycles(pf_lines_), bs_.latency, "cycles of one prefetch");
    irregular_ = sd.op == kIfmap && ((g.Eh - 1) * g.Sh + g.Fh > g.H || (g.Ew - 1) * g.Sw + g.Fw > g.Wd);
  }

  bool fits() const { return ns_ <= A_; }  // the whole stream sits in the active half: every access hits
  int64_t prefetches() const { return j_; }
  int64_t fill_lines() const { return init_words_ / bs_.line; }
  int64_t prefetch_words() const { return pf_lines_ * bs_.line; }
  uint64_t dram_words() const {
    return static_cast<uint64_t>(chk::add(init_words_, chk::mul(j_, prefetch_words(), "DRAM read words"),
                                          "DRAM read words"));
  }
  int64_t prefetch_cycles() const { return pf_cycles_; }
  // Cycle at which prefetch number k has arrived (the initial fill arrives at -1).
  int64_t ready(int64_t k) const { return chk::add(-1, chk::mul(k, pf_cycles_, "prefetch arrival cycle"), "cycle"); }


  // The key of fold (fc, fr)'s read behaviour given the current window: equal keys read identically (same
  // relative triggers and window movement). False when the fold is not a translated copy of others: the first
  // and last blocks of a stream, conv streams with duplicate or overhanging windows, folds near the stream's
  // wrap-around point. Appends the key's words to `key`; *base_set is the fold's base set.
  bool fold_key(int64_t fc, int64_t fr, std::vector<int64_t>* key, int64_t* base_set) const {
    const int64_t b = sd_.block_is_fr ? fr : fc;
    if (fits()) {
      key->push_back(-1);
      *base_set = 0;
      return true;
    }
    if (sd_.diagonal && !sd_.block_is_fr) {
      // the same block in every fold of a column fold: identical demand, only the window matters
      key->push_back(-2);
      key->push_back(b);
      key->push_back(start_);
      *base_set = 0;
      return true;
    }
    if (dups_ || irregular_) return false;
    int64_t base = 0, words = 0;
    if (sd_.diagonal) {
      // block b's positions depend on its neighbours' shapes (diagonals interleave adjacent blocks)
      // (diagonal d holds rows d-W+1..d, so blocks within ceil(W/Tlen) of b must be whole blocks too)
      const bool last_full = index_->def().s_lim == sd_.nb * sd_.W;
      const int64_t reach = (sd_.W - 1) / sd_.Tlen + 1;
      if (b < reach || b + reach > sd_.nb - (last_full ? 1 : 2)) return false;
      base = index_->pos(b, 0, 0);
      words = (sd_.Tlen + 2 * sd_.W) * sd_.W;
    } else {
      const int64_t sub = sd_.block_is_fr ? fc : fr;
      const bool full_block = b < sd_.nb - 1 || index_->def().s_lim == sd_.nb * sd_.W;
      if (!full_block || (sub + 1) * g_.R > sd_.Tlen) return false;
      base = index_->pos(b, sub * g_.R, 0);
      words = g_.R * sd_.W;
    }
    const int64_t bs = base / E_, span = words / E_ + 2, margin = A_ + P_ + 2;
    if (bs < margin || bs + span + margin >= ns_ - 1) return false;  // near the wrap-around point
    key->push_back(sd_.diagonal ? -3 : -4);
    key->push_back(base % E_);                        // set boundaries relative to the fold's first word
    key->push_back(((start_ - bs) % ns_ + ns_) % ns_);  // window relative to the fold
    *base_set = bs;
    return true;
  }

  // The first fold in [f_lo, f_hi) (global fold indices, column folds outer) that may miss in the current window
  // (f_hi if none): folds before it read every word from the window, issue no prefetch and leave the window
  // where it is, so the time walk skips them whole. A fold's demand is a contiguous stretch of its operand
  // stream (diagonal order: increasing positions; a stationary tile: one row range), and later folds' stretches
  // lie further on (or are the same block again) while the block index follows the column fold; so "the stretch
  // ends before the window piece does" is monotone in the fold: bisection. A stream whose block follows the row
  // fold starts over at the next column fold, so the search stops there. Conservative where positions do not
  // behave so simply (duplicate or overhanging conv windows): the next fold.
  int64_t first_miss_fold(int64_t f_lo, int64_t f_hi) const {
    if (f_lo >= f_hi || fits()) return f_hi;
    if (dups_ || irregular_) return f_lo;
    const int64_t rf = g_.row_folds;
    if (sd_.block_is_fr) f_hi = std::min(f_hi, (f_lo / rf + 1) * rf);
    auto stretch = [&](int64_t f, int64_t* first, int64_t* end) {  // [first, end) positions of fold f's demand
      const int64_t fc = f / rf, fr = f % rf;
      const int64_t b = sd_.block_is_fr ? fr : fc, sub = sd_.block_is_fr ? fc : fr;
      if (sd_.diagonal) {
        *first = index_->pos(b, 0, 0);
        *end = index_->pos(b, sd_.Tlen - 1, sd_.W - 1) + 1;  // last cell of the block in stream order
      } else {
        const int64_t u_lo = sub * g_.R, u_hi = std::min(sd_.Tlen, u_lo + g_.R);
        *first = index_->pos(b, u_lo, 0);
        *end = index_->pos(b, u_hi - 1, sd_.W);
      }
    };
    int64_t first = 0, end = 0;
    stretch(f_lo, &first, &end);
    if (end <= first || !in_window(first)) return f_lo;
    const int64_t X = piece_end(first);
    if (end > X) return f_lo;
    int64_t lo = f_lo + 1, hi = f_hi;  // first fold whose stretch passes X
    while (lo < hi) {
      const int64_t mid = lo + (hi - lo) / 2;
      stretch(mid, &first, &end);
      if (end > X || end <= first) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }

  // Reads fold (fc, fr), whose first line is line0: appends its triggers (absolute line, prefetch count).
  void fold(int64_t fc, int64_t fr, int64_t line0, std::vector<Trigger>* out) {
    if (fits()) return;
    key_.clear();
    int64_t base_set = 0;
    const bool keyed = fold_key(fc, fr, &key_, &base_set);
    if (keyed) {
      auto it = memo_.find(key_);
      if (it != memo_.end()) {
        const FoldRead& r = it->second;
        for (const auto& [t, dj] : r.trig) out->push_back({line0 + t, j_ + dj});
        j_ = chk::add(j_, r.dj, "prefetch count");
        start_ = ((base_set + r.rel_after) % ns_ + ns_) % ns_;
        return;
      }
    }
    const size_t first = out->size();
    const int64_t j0 = j_;
    out_ = out;
    out_first_ = first;
    line0_ = line0;
    if (sd_.diagonal) diag_fold(fc, fr);
    else tile_fold(fc, fr);
    out_ = nullptr;
    if (!keyed) return;
    if (memo_words_ > kMemoLimit) memo_.clear(), memo_words_ = 0;  // bounded memory: start over
    FoldRead r;
    for (size_t i = first; i < out->size(); ++i) r.trig.emplace_back((*out)[i].line - line0, (*out)[i].count - j0);
    r.dj = j_ - j0;
    r.rel_after = ((start_ - base_set) % ns_ + ns_) % ns_;
    memo_words_ += r.trig.size() + 4;
    memo_.emplace(key_, std::move(r));
  }

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
    if (out_->size() > out_first_ && out_->back().line == line) out_->back().count = j_;
    else out_->push_back({line, j_});
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
  bool dups_ = false, irregular_ = false;
  int64_t last_dcr_ = 0, last_dcc_ = 0;  // shift of the last duplicate that hit
  int64_t init_words_ = 0, pf_lines_ = 1, pf_cycles_ = 1;
  std::vector<Trigger>* out_ = nullptr;  // where access() records triggers while a fold is read
  size_t out_first_ = 0;
  static constexpr size_t kMemoLimit = size_t{1} << 21;  // stored trigger words (~32 MB) before the memo restarts
  struct KeyHash {
    size_t operator()(const std::vector<int64_t>& k) const {
      uint64_t h = 0;
      for (int64_t v : k) {  // splitmix64 of each word, chained
        uint64_t z = h + static_cast<uint64_t>(v) + 0x9E3779B97F4A7C15ull;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
        h = z ^ (z >> 31);
      }
      return static_cast<size_t>(h);
    }
  };
  std::unordered_map<std::vector<int64_t>, FoldRead, KeyHash> memo_;
  size_t memo_words_ = 0;
  std::vector<int64_t> key_;
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
  // Smallest line whose cumulative count reaches w (1 <= w <= total()): the fold by division (words before a
  // fold grow linearly within a column fold), the line by bisection inside the fold.
  int64_t line_of(int64_t w) const {
    const bool os = g_.df == Dataflow::kOS;
    const int64_t per_col = os ? g_.M : g_.T * g_.row_folds;  // words per output column, whole column fold
    __extension__ typedef __int128 i128;
    int64_t fc = static_cast<int64_t>(std::min<i128>((w - 1) / (static_cast<i128>(g_.C) * per_col), g_.col_folds - 1));
    while (fc > 0 && before_fold(fc, 0) >= w) --fc;  // guards the partial last column fold
    const int64_t cu = cols_used(fc);
    const int64_t per_fold = os ? g_.R * cu : g_.T * cu;
    int64_t fr = std::min((w - 1 - before_fold(fc, 0)) / per_fold, g_.row_folds - 1);
    while (fr > 0 && before_fold(fc, fr) >= w) --fr;
    const int64_t base = before_fold(fc, fr), line0 = (fc * g_.row_folds + fr) * g_.L;
    int64_t lo = 0, hi = g_.L - 1;
    while (lo < hi) {
      const int64_t mid = lo + (hi - lo) / 2;
      if (base + in_fold(fc, fr, mid) >= w) hi = mid;
      else lo = mid + 1;
    }
    return line0 + lo;
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
  int64_t state_credit() const { return credit_; }
  int64_t words_done() const { return w_done_; }
  void skip_to(int64_t w) { w_done_ = w; }
  // Whole state, for the fold-level fast-forward (words are absolute counts since the layer began).
  struct State {
    int64_t w_done = 0, w_flushed = 0, credit = 0, drain_end = 0, pending = 0;
    std::deque<std::pair<int64_t, int64_t>> q;
    uint64_t dram = 0;
  };
  State state() const { return {w_done_, w_flushed_, credit_, drain_end_, pending_, q_, dram_}; }
  void set_state(const State& st) {
    w_done_ = st.w_done, w_flushed_ = st.w_flushed, credit_ = st.credit, drain_end_ = st.drain_end;
    pending_ = st.pending, q_ = st.q, dram_ = st.dram;
  }
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
      : g(make_geometry(array, layer)), result(compute_part(g, layer)), ow(g), ws(buffer_sizing(mem, kOfmap)),
        rd{ReadSide(g, stream_def(g, kIfmap), buffer_sizing(mem, kIfmap)),
           ReadSide(g, stream_def(g, kFilter), buffer_sizing(mem, kFilter))} {
    for (int op = 0; op < 2; ++op) {
      const BufferSizing bs = buffer_sizing(mem, op);
      result.dram_peak_words_per_cycle[op] = bs.bw;
      plan[op].fill_cycles = bs.cycles(rd[op].fill_lines());
      plan[op].prefetch_cycles = rd[op].prefetch_cycles();
      plan[op].fill_words = rd[op].fill_lines() * bs.line;
      plan[op].prefetch_words = rd[op].prefetch_words();
    }
    result.dram_peak_words_per_cycle[kOfmap] = buffer_sizing(mem, kOfmap).bw;
    nlines = g.folds * g.L;  // checked in make_geometry
  }

  int64_t fold_end() const { return std::min(nlines, (i / g.L + 1) * g.L); }

  // Reads the fold of line i when the time walk enters it (the read side never depends on time).
  void ensure_fold() {
    const int64_t f = i / g.L;
    if (f == loaded || i >= nlines) return;
    loaded = f;
    for (int op = 0; op < 2; ++op) {
      ft[op].clear();
      fi[op] = fb[op] = 0;
      rd[op].fold(f / g.row_folds, f % g.row_folds, f * g.L, &ft[op]);
      // A prefetch that arrives before the earliest cycle its line can issue cannot delay it: such triggers are
      // no events for the time walk (line l issues at tau + 1 + (l - i) or later).
      for (Trigger& t : ft[op]) t.binds = rd[op].ready(t.count) - 1 > tau + 1 + (t.line - i);
    }
  }

  // Consumes the triggers of lines before `line` (after a skip): their prefetches are needed by now.
  void consume_until(int64_t line) {
    for (int op = 0; op < 2; ++op)
      while (fi[op] < ft[op].size() && ft[op][fi[op]].line < line) needed[op] = ft[op][fi[op]++].count;
  }

  // First line at or after i with an event, assuming one cycle per line from i on (within the current fold).
  int64_t next_event() {
    ensure_fold();
    int64_t next_read = nlines;
    bool pending = false;  // a trigger left in this fold that can delay its line
    for (int op = 0; op < 2; ++op) {
      size_t& k = fb[op];  // the next binding trigger (only moves forward: amortised O(1))
      k = std::max(k, fi[op]);
      while (k < ft[op].size() && !ft[op][k].binds) ++k;
      if (k < ft[op].size()) next_read = std::min(next_read, ft[op][k].line), pending = true;
    }
    if (!pending && i < nlines) {
      // Nothing left in this fold that can delay a line: the next read event is at the start of the next fold
      // that may miss (folds in between read nothing new). Cached until the walk enters another fold.
      const int64_t f = i / g.L;
      if (miss_for != f) {
        int64_t f_next = g.folds;
        for (int op = 0; op < 2; ++op) f_next = std::min(f_next, rd[op].first_miss_fold(f + 1, g.folds));
        miss_line = f_next * g.L;
        miss_for = f;
      }
      next_read = std::min(next_read, miss_line);
    }
    return std::min(ofmap_event(), next_read);
  }

  // The next OFMAP event line (a drain starts or the buffer is full), cached while nothing it depends on changed:
  // the drain credit, the running drain's end and, while a drain runs, the lag of issue behind line index.
  int64_t ofmap_event() {
    const int64_t issue_i = tau + 1;
    const bool running = issue_i < ws.drain_end();
    const int64_t credit = ws.state_credit();
    if (ev_line > i && ev_credit == credit && ev_drain_end == ws.drain_end() && ev_running == running &&
        (!running || ev_lag == tau - i))
      return ev_line;
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
    ev_line = ev, ev_credit = credit, ev_drain_end = ws.drain_end(), ev_lag = tau - i, ev_running = running;
    return ev;
  }

  Geometry g;
  LayerTiming result;
  OfmapWrites ow;
  WriteSide ws;
  ReadSide rd[2];
  ReadPlan plan[2];
  std::vector<Trigger> ft[2];  // triggers of the loaded fold, by operand
  size_t fi[2] = {0, 0};
  size_t fb[2] = {0, 0};  // next trigger that binds, >= fi
  int64_t loaded = -1;
  int64_t nlines = 0, i = 0, tau = -1, last_out = 0;
  LineStep cur;
  int64_t ev_line = -1, ev_credit = 0, ev_drain_end = 0, ev_lag = 0;  // ofmap_event() cache
  int64_t miss_for = -1, miss_line = 0;  // next_event(): the next fold that may miss, for fold miss_for
  int64_t needed[2] = {0, 0};            // prefetches the lines before i needed (for the SystemC buffers)
  bool ev_running = false;
};

LayerRun::LayerRun(const ArrayParams& array, const MemoryParams& mem, const LayerShape& layer)
    : p_(std::make_unique<Impl>(array, mem, layer)) {}
LayerRun::~LayerRun() = default;

const Geometry& LayerRun::geometry() const { return p_->g; }
int64_t LayerRun::lines() const { return p_->nlines; }
int64_t LayerRun::next_line() const { return p_->i; }
int64_t LayerRun::next_issue() const { return p_->tau + 1; }
int64_t LayerRun::needed(int op) const { return p_->needed[op]; }
const ReadPlan& LayerRun::read_plan(int op) const { return p_->plan[op]; }

int64_t LayerRun::quiet_lines(int64_t limit) {
  Impl& s = *p_;
  return std::min(limit, std::min(s.next_event(), s.nlines) - s.i);
}

void LayerRun::skip(int64_t n) {
  Impl& s = *p_;
  if (n <= 0) return;
  s.i += n;
  s.tau = chk::add(s.tau, n, "layer cycles");
  s.last_out = s.tau;
  s.ws.skip_to(s.ow.upto(s.i - 1));
  s.consume_until(s.i);
}

const LineStep& LayerRun::step() {
  Impl& s = *p_;
  s.ensure_fold();
  LineStep& st = s.cur;
  st.line = s.i;
  st.issue = s.tau + 1;
  st.drains.clear();
  st.need[0] = st.need[1] = 0;
  s.ws.skip_to(s.ow.upto(s.i - 1));
  st.ofmap_done = s.ws.line(st.issue, s.ow.upto(s.i), &st.drains);
  // tau: SCALE-Sim's cycle of the line's last service; a read waits for the prefetch minus the hit latency
  int64_t done = st.ofmap_done;
  for (int op = 0; op < 2; ++op) {
    while (s.fi[op] < s.ft[op].size() && s.ft[op][s.fi[op]].line == s.i) {
      const Trigger& t = s.ft[op][s.fi[op]++];
      st.need[op] = std::max(st.need[op], t.count);
      s.needed[op] = t.count;
      done = std::max(done, s.rd[op].ready(t.count) - 1);
    }
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
  for (int op = 0; op < 2; ++op) {
    t.traffic[op].dram_reads = s.rd[op].dram_words();
    s.plan[op].prefetches = s.rd[op].prefetches();
  }
  t.traffic[kOfmap].dram_writes = s.ws.finish(s.last_out, final_drains);
  t.stall_cycles = static_cast<uint64_t>(s.tau - (s.nlines - 1));
  t.total_cycles = static_cast<uint64_t>(s.last_out);
  t.overall_util = static_cast<double>(t.macs) /
                   (static_cast<double>(t.total_cycles) * static_cast<double>(s.g.R) * static_cast<double>(s.g.C));
  return t;
}

}  // namespace lpsim::model::detail
