// Line-by-line replay of SCALE-Sim v2's memory system (double_buffered_scratchpad_mem.py,
// read_buffer.py, write_buffer.py at commit 22f88b17). One step per demand line and word: slow, used to
// validate the event-driven engine in scalesim_engine.cpp. Written from the documented mechanics, not
// translated code.
#include <algorithm>
#include <stdexcept>
#include <vector>

#include "array/scalesim_engine.h"
#include "array/scalesim_geometry.h"

namespace lpsim::model {
namespace {

using detail::BufferSizing;
using detail::ceil_div;
using detail::Geometry;
using detail::StreamDef;

// Double-buffered read buffer: the prefetch stream (valid addresses in fold order) is cut into sets of
// set_words valid entries; the active window is A consecutive sets (circular), each miss slides it by P sets
// and issues one prefetch of ceil(other/line) lines that starts right after the previous one finished.
class ReadBufferReplay {
 public:
  ReadBufferReplay(const Geometry& g, const StreamDef& sd, const BufferSizing& bs) : bs_(bs) {
    std::vector<int64_t> stream;
    int64_t cells = 0, max_addr = 0;
    auto visit = [&](int64_t b, int64_t u, int64_t j) {
      ++cells;
      const int64_t a = detail::cell_addr(g, sd, b, u, j);
      if (a >= 0) {
        stream.push_back(a);
        max_addr = std::max(max_addr, a);
      }
    };
    const int64_t rows = sd.nb * sd.Tlen;
    if (sd.diagonal) {
      for (int64_t d = 0; d < rows + sd.W - 1; ++d)
        for (int64_t r = std::min(d, rows - 1); r >= 0 && d - r < sd.W; --r) visit(r / sd.Tlen, r % sd.Tlen, d - r);
    } else {
      for (int64_t r = 0; r < rows; ++r)
        for (int64_t j = 0; j < sd.W; ++j) visit(r / sd.Tlen, r % sd.Tlen, j);
    }
    const int64_t E = bs.set_words;
    nsets_ = static_cast<int64_t>(stream.size()) / E + 1;
    occ_start_.assign(static_cast<size_t>(max_addr + 2), 0);
    for (int64_t a : stream) ++occ_start_[static_cast<size_t>(a + 1)];
    for (size_t i = 1; i < occ_start_.size(); ++i) occ_start_[i] += occ_start_[i - 1];
    occ_.resize(stream.size());
    std::vector<int64_t> fill(occ_start_.begin(), occ_start_.end() - 1);
    for (size_t p = 0; p < stream.size(); ++p)
      occ_[static_cast<size_t>(fill[static_cast<size_t>(stream[p])]++)] = static_cast<int64_t>(p) / E;
    A_ = std::min(ceil_div(bs.active, E), nsets_);
    P_ = std::min(ceil_div(bs.other, E), nsets_ - A_);
    start_ = 0;
    end_ = A_ % nsets_;
    const int64_t fetch_rows = ceil_div(cells, bs.line);
    const int64_t init_lines = std::min(ceil_div(bs.active, bs.line), fetch_rows);
    dram_words_ = static_cast<uint64_t>(init_lines * bs.line);
    pf_lines_ = ceil_div(bs.other, bs.line);
    last_ready_ = -1;  // the initial fill ends at cycle -1 (it is scheduled before cycle 0)
  }

  // Returns the stall of this demand line issued at `cycle`.
  int64_t service(const std::vector<int64_t>& addrs, int64_t cycle) {
    int64_t offset = 1;  // hit latency
    for (int64_t a : addrs) {
      if (a < 0) continue;
      while (!hit(a)) {
        if (P_ == 0) throw std::invalid_argument("array timing: the SRAM prefetch half holds no word (SRAM too small)");
        start_ = (start_ + P_) % nsets_;
        end_ = (start_ + A_) % nsets_;
        dram_words_ += static_cast<uint64_t>(pf_lines_ * bs_.line);
        last_ready_ += bs_.cycles(pf_lines_) + bs_.latency;
        ++prefetches_;
        const int64_t wait = last_ready_ - (cycle + offset);
        if (wait > 0) offset += wait;
      }
    }
    return offset - 1;
  }
  uint64_t dram_words() const { return dram_words_; }
  int64_t prefetches() const { return prefetches_; }

 private:
  bool hit(int64_t a) const {
    const int64_t* lo = occ_.data() + occ_start_[static_cast<size_t>(a)];
    const int64_t* hi = occ_.data() + occ_start_[static_cast<size_t>(a) + 1];
    for (const int64_t* p = lo; p != hi; ++p) {
      const int64_t s = *p;
      if (start_ < end_ ? (s >= start_ && s < end_) : (s >= start_ || s < end_)) return true;
    }
    return false;
  }
  BufferSizing bs_;
  int64_t nsets_ = 1, A_ = 1, P_ = 0, start_ = 0, end_ = 0;
  std::vector<int64_t> occ_start_, occ_;
  uint64_t dram_words_ = 0;
  int64_t pf_lines_ = 1, last_ready_ = -1, prefetches_ = 0;
};

// OFMAP write buffer: words are packed into DRAM lines; when more than the active half is occupied and no
// drain is running, a drain of up to ceil(other/line) lines starts at the current cycle; a word that finds
// the buffer full while a drain runs waits for the drain's end.
class WriteBufferReplay {
 public:
  explicit WriteBufferReplay(const BufferSizing& bs) : bs_(bs), free_(bs.total) {}

  int64_t service(int64_t nwords, int64_t cycle) {
    int64_t cur = cycle;
    for (int64_t i = 0; i < nwords; ++i) {
      --free_;
      if (++partial_ == bs_.line) lines_.push_back(partial_), partial_ = 0;
      if (cur < drain_end_) {
        if (free_ <= 0) cur = drain_end_;
      } else if (free_ < bs_.total - bs_.other) {
        flush_partial();
        drain_end_ = drain(cur);
      }
    }
    return cur - cycle;
  }
  void finish(int64_t cycle) {
    flush_partial();
    while (head_ < lines_.size()) cycle = drain(cycle) + 1;
  }
  uint64_t dram_words() const { return dram_words_; }

 private:
  void flush_partial() {
    if (partial_ != 0) lines_.push_back(partial_), partial_ = 0;
  }
  int64_t drain(int64_t start) {
    const size_t n = std::min(static_cast<size_t>(ceil_div(bs_.other, bs_.line)), lines_.size() - head_);
    if (n == 0) return start;
    // SCALE-Sim counts whole lines and discounts only the empty slots of the last drained line.
    const int64_t data = static_cast<int64_t>(n) * bs_.line - (bs_.line - lines_[head_ + n - 1]);
    dram_words_ += static_cast<uint64_t>(data);
    free_ += data;
    head_ += n;
    return start + bs_.cycles(static_cast<int64_t>(n)) - 1;
  }
  BufferSizing bs_;
  int64_t free_;
  int64_t partial_ = 0, drain_end_ = 0;
  std::vector<int64_t> lines_;
  size_t head_ = 0;
  uint64_t dram_words_ = 0;
};

}  // namespace

LayerTiming replay_layer(const ArrayParams& array, const MemoryParams& mem, const LayerShape& layer) {
  const Geometry g = detail::make_geometry(array, layer);
  LayerTiming t = detail::compute_part(g, layer);
  const StreamDef sd[2] = {detail::stream_def(g, kIfmap), detail::stream_def(g, kFilter)};
  ReadBufferReplay rb[2] = {ReadBufferReplay(g, sd[0], detail::buffer_sizing(mem, kIfmap)),
                            ReadBufferReplay(g, sd[1], detail::buffer_sizing(mem, kFilter))};
  WriteBufferReplay wb(detail::buffer_sizing(mem, kOfmap));
  std::vector<int64_t> line;
  int64_t stall = 0, i = 0, last_out = 0;
  for (int64_t fc = 0; fc < g.col_folds; ++fc) {
    for (int64_t fr = 0; fr < g.row_folds; ++fr) {
      for (int64_t tl = 0; tl < g.L; ++tl, ++i) {
        const int64_t cycle = i + stall;
        int64_t worst = 0;
        for (int op = 0; op < 2; ++op) {
          line.clear();
          for (int64_t c = 0; c < sd[op].W; ++c) {
            int64_t b, u;
            line.push_back(detail::demand_cell(g, sd[op], fc, fr, tl, c, b, u) ? detail::cell_addr(g, sd[op], b, u, c)
                                                                              : -1);
          }
          worst = std::max(worst, rb[op].service(line, cycle));
        }
        const int64_t ws = wb.service(detail::ofmap_line_writes(g, fc, fr, tl), cycle);
        last_out = cycle + ws;
        stall += std::max(worst, ws);
      }
    }
  }
  wb.finish(last_out);
  t.stall_cycles = static_cast<uint64_t>(stall);
  t.total_cycles = static_cast<uint64_t>(last_out);
  t.overall_util = static_cast<double>(t.macs) /
                   (static_cast<double>(t.total_cycles) * static_cast<double>(g.R) * static_cast<double>(g.C));
  t.traffic[kIfmap].dram_reads = rb[0].dram_words();
  t.traffic[kFilter].dram_reads = rb[1].dram_words();
  t.traffic[kOfmap].dram_writes = wb.dram_words();
  return t;
}

}  // namespace lpsim::model
