// SystemC benches around the verilated blocks (rtl_benches.h). Every bench is a CycleBench whose signals have
// exactly the types of the verilated ports (Verilator --sc: bool for 1 bit, uint32_t up to 32 bits, uint64_t up
// to 64, sc_bv<W> beyond), so one set of word-copy helpers serves every block and tile size.
#include "cosim/rtl_benches.h"

#include <Vbf16_mac.h>
#include <Vfp8_mac.h>
#include <Vint16_fma_sat.h>
#include <Vint16_fma_wrap.h>
#include <Vmx_dot.h>
#include <lpsim_rtl_tiles.h>

#include <memory>
#include <stdexcept>
#include <string>
#include <type_traits>

#include "cosim/cycle_bench.h"

namespace lpsim::model {

namespace {

constexpr double kPeriodNs = 10.0;  // bench clock; only cycles matter to callers

// The signal type that binds to a verilated port (sc_in<T> / sc_out<T>; Verilator 5 declares ports as references).
template <class Port>
using SignalOf = sc_core::sc_signal<typename std::remove_reference_t<Port>::data_type>;

// Word-wise copies between uint32_t arrays and port values of any width.
[[maybe_unused]] inline void put(sc_core::sc_signal<bool>& s, const uint32_t* w) { s.write((w[0] & 1u) != 0); }
[[maybe_unused]] inline void put(sc_core::sc_signal<uint32_t>& s, const uint32_t* w) { s.write(w[0]); }
[[maybe_unused]] inline void put(sc_core::sc_signal<uint64_t>& s, const uint32_t* w) {
  s.write(static_cast<uint64_t>(w[0]) | static_cast<uint64_t>(w[1]) << 32);
}
template <int W>
void put(sc_core::sc_signal<sc_dt::sc_bv<W>>& s, const uint32_t* w) {
  sc_dt::sc_bv<W> v;
  for (int i = 0; i < (W + 31) / 32; ++i) v.set_word(i, w[i]);
  s.write(v);
}
[[maybe_unused]] inline void get(const sc_core::sc_signal<bool>& s, uint32_t* w) { w[0] = s.read() ? 1u : 0u; }
[[maybe_unused]] inline void get(const sc_core::sc_signal<uint32_t>& s, uint32_t* w) { w[0] = s.read(); }
[[maybe_unused]] inline void get(const sc_core::sc_signal<uint64_t>& s, uint32_t* w) {
  const uint64_t v = s.read();
  w[0] = static_cast<uint32_t>(v);
  w[1] = static_cast<uint32_t>(v >> 32);
}
template <int W>
void get(const sc_core::sc_signal<sc_dt::sc_bv<W>>& s, uint32_t* w) {
  const sc_dt::sc_bv<W>& v = s.read();
  for (int i = 0; i < (W + 31) / 32; ++i) w[i] = v.get_word(i);
}

// A block that takes one step per cycle and returns one result per step, kRtlMacLatency cycles later, in order.
// Cycle 0 of a job resets the valid pipeline; steps enter in cycles 1..n; the job runs until the last result
// has come out (plus one edge to read it).
template <class In, class Out>
class StreamBench : public CycleBench {
 public:
  uint64_t stream(const In* in, size_t n, Out* out) {
    if (n == 0) return 0;
    in_ = in;
    out_ = out;
    n_ = n;
    seen_ = 0;
    last_ = 0;
    extra_ = false;
    run_edges(1 + n + kRtlMacLatency + 1);
    if (extra_ || seen_ != n) {
      throw std::runtime_error(std::string(name()) + ": " + std::to_string(seen_) + " results for " +
                               std::to_string(n) + " steps" + (extra_ ? " (and more)" : ""));
    }
    return last_;  // the first step entered in cycle 1
  }

 protected:
  explicit StreamBench(sc_core::sc_module_name name) : CycleBench(name, kPeriodNs) {}
  virtual void write_step(const In* in, bool rst) = 0;  // in == nullptr: idle cycle (valid low)
  virtual bool read_result(Out* out) = 0;              // out_valid during the cycle that just ended

 private:
  void on_edge(size_t e) override {
    if (e > 0) {
      Out o;
      if (read_result(&o)) {
        if (seen_ < n_) out_[seen_++] = o;
        else extra_ = true;
        last_ = e - 1;
      }
    }
    if (e == 0) write_step(nullptr, true);
    else if (e <= n_) write_step(&in_[e - 1], false);
    else write_step(nullptr, false);
  }

  const In* in_ = nullptr;
  Out* out_ = nullptr;
  size_t n_ = 0, seen_ = 0;
  uint64_t last_ = 0;
  bool extra_ = false;
};

// The ports every MAC-type block has (clk, rst, in_valid, in_first, in_a, in_b, in_acc, out_valid, out_acc), as
// signals of V's port types; derived benches bind their extra ports and pack in_a / in_b.
template <class V, class In, class Out>
class MacBench : public StreamBench<In, Out> {
 protected:
  explicit MacBench(sc_core::sc_module_name name) : StreamBench<In, Out>(name), dut_(new V("dut")) {
    bind(dut_, out_valid_, out_acc_);
  }
  // Binds a DUT with V's input ports to the shared input signals and to the given outputs.
  template <class D, class Acc>
  void bind(D* d, sc_core::sc_signal<bool>& valid, Acc& acc) {
    d->clk(this->clk_);
    d->rst(rst_);
    d->in_valid(in_valid_);
    d->in_first(in_first_);
    d->in_a(a_);
    d->in_b(b_);
    d->in_acc(acc_);
    d->out_valid(valid);
    d->out_acc(acc);
  }
  // The shared part of write_step; false on an idle cycle (nothing else to write).
  bool write_common(const In* in, bool rst, const uint32_t* a, const uint32_t* b) {
    rst_.write(rst);
    in_valid_.write(in != nullptr);
    if (!in) return false;
    in_first_.write(in->first);
    put(a_, a);
    put(b_, b);
    put(acc_, &in->acc);
    return true;
  }
  sc_core::sc_signal<bool> rst_{"rst"}, in_valid_{"in_valid"}, in_first_{"in_first"}, out_valid_{"out_valid"};
  SignalOf<decltype(V::in_a)> a_{"in_a"};
  SignalOf<decltype(V::in_b)> b_{"in_b"};
  SignalOf<decltype(V::in_acc)> acc_{"in_acc"};
  SignalOf<decltype(V::out_acc)> out_acc_{"out_acc"};
  V* dut_;  // never destroyed (the bench lives until exit)
};

class Fp8MacBench final : public MacBench<Vfp8_mac, Fp8MacIn, uint32_t> {
 public:
  explicit Fp8MacBench(sc_core::sc_module_name name) : MacBench(name) {
    dut_->in_fmt_a(fmt_a_);
    dut_->in_fmt_b(fmt_b_);
  }

 private:
  void write_step(const Fp8MacIn* in, bool rst) override {
    const uint32_t a = in ? in->a : 0, b = in ? in->b : 0;
    if (!write_common(in, rst, &a, &b)) return;
    fmt_a_.write(in->fmt_a);
    fmt_b_.write(in->fmt_b);
  }
  bool read_result(uint32_t* out) override {
    get(out_acc_, out);
    return out_valid_.read();
  }
  sc_core::sc_signal<bool> fmt_a_{"in_fmt_a"}, fmt_b_{"in_fmt_b"};
};

class Bf16MacBench final : public MacBench<Vbf16_mac, Bf16MacIn, uint32_t> {
 public:
  explicit Bf16MacBench(sc_core::sc_module_name name) : MacBench(name) {}

 private:
  void write_step(const Bf16MacIn* in, bool rst) override {
    const uint32_t a = in ? in->a : 0, b = in ? in->b : 0;
    write_common(in, rst, &a, &b);
  }
  bool read_result(uint32_t* out) override {
    get(out_acc_, out);
    return out_valid_.read();
  }
};

// Both INT32 policies, driven by the same input signals (dut_ wraps, sat_ saturates).
class Int16FmaBench final : public MacBench<Vint16_fma_wrap, Int16FmaIn, Int16FmaOut> {
 public:
  explicit Int16FmaBench(sc_core::sc_module_name name) : MacBench(name), sat_(new Vint16_fma_sat("dut_sat")) {
    bind(sat_, out_valid_sat_, out_sat_);
    dut_->out_ovf(ovf_wrap_);
    sat_->out_ovf(ovf_sat_);
  }
  uint64_t run(const Int16FmaIn* in, size_t n, Int16FmaOut* out) {
    valid_differs_ = false;
    const uint64_t cycles = stream(in, n, out);
    if (valid_differs_) throw std::runtime_error("int16_fma_bench: the two policies' valid pipelines differ");
    return cycles;
  }

 private:
  void write_step(const Int16FmaIn* in, bool rst) override {
    write_common(in, rst, in ? &in->a : nullptr, in ? &in->b : nullptr);
  }
  bool read_result(Int16FmaOut* out) override {
    get(out_acc_, &out->acc_wrap);
    get(out_sat_, &out->acc_sat);
    out->ovf_wrap = ovf_wrap_.read();
    out->ovf_sat = ovf_sat_.read();
    valid_differs_ |= out_valid_.read() != out_valid_sat_.read();
    return out_valid_.read();
  }
  sc_core::sc_signal<bool> out_valid_sat_{"out_valid_sat"}, ovf_wrap_{"out_ovf_wrap"}, ovf_sat_{"out_ovf_sat"};
  SignalOf<decltype(Vint16_fma_sat::out_acc)> out_sat_{"out_acc_sat"};
  Vint16_fma_sat* sat_;
  bool valid_differs_ = false;
};

class MxDotBench final : public MacBench<Vmx_dot, MxDotIn, uint32_t> {
 public:
  explicit MxDotBench(sc_core::sc_module_name name) : MacBench(name) {
    dut_->in_fmt_a(fmt_a_);
    dut_->in_fmt_b(fmt_b_);
    dut_->in_xa(xa_);
    dut_->in_xb(xb_);
  }

 private:
  void write_step(const MxDotIn* in, bool rst) override {
    uint32_t wa[8] = {}, wb[8] = {};
    for (int k = 0; in && k < 32; ++k) {
      wa[k / 4] |= static_cast<uint32_t>(in->a[static_cast<size_t>(k)]) << (8 * (k % 4));
      wb[k / 4] |= static_cast<uint32_t>(in->b[static_cast<size_t>(k)]) << (8 * (k % 4));
    }
    if (!write_common(in, rst, wa, wb)) return;
    fmt_a_.write(in->fmt_a);
    fmt_b_.write(in->fmt_b);
    const uint32_t xa = in->xa, xb = in->xb;
    put(xa_, &xa);
    put(xb_, &xb);
  }
  bool read_result(uint32_t* out) override {
    get(out_acc_, out);
    return out_valid_.read();
  }
  sc_core::sc_signal<bool> fmt_a_{"in_fmt_a"}, fmt_b_{"in_fmt_b"};
  SignalOf<decltype(Vmx_dot::in_xa)> xa_{"in_xa"};
  SignalOf<decltype(Vmx_dot::in_xb)> xb_{"in_xb"};
};

// ---- tiles ------------------------------------------------------------------------------------------------------

class TileBenchBase : public CycleBench {
 public:
  TileBenchBase(sc_core::sc_module_name name, TileConfig cfg) : CycleBench(name, kPeriodNs), cfg_(cfg) {}
  const TileConfig& config() const { return cfg_; }

  TileFoldOut run(const TileFold& f) {
    const int R = cfg_.rows, C = cfg_.cols;
    if (f.steps < 1) throw std::invalid_argument("rtl_tile_fold: a fold needs at least one step");
    if (f.a.size() != static_cast<size_t>(f.steps * R) || f.b.size() != static_cast<size_t>(f.steps * C)) {
      throw std::invalid_argument("rtl_tile_fold: operand sizes do not match steps x rows / steps x cols");
    }
    fold_ = &f;
    out_.c.assign(static_cast<size_t>(R * C), 0);
    next_row_.assign(static_cast<size_t>(C), 0);
    last_ = 0;
    error_.clear();
    // Cycle 0 resets; beats in cycles 1..steps; results by cycle steps + R + C (+ margin to see extras).
    run_edges(static_cast<size_t>(1 + f.steps + R + C + 8));
    fold_ = nullptr;
    if (!error_.empty()) throw std::runtime_error(std::string(name()) + ": " + error_);
    for (int c = 0; c < C; ++c) {
      if (next_row_[static_cast<size_t>(c)] != R) {
        throw std::runtime_error(std::string(name()) + ": column " + std::to_string(c) + " returned " +
                                 std::to_string(next_row_[static_cast<size_t>(c)]) + " of " + std::to_string(R) +
                                 " results");
      }
    }
    out_.cycles = last_;  // the first beat entered in cycle 1
    return out_;
  }

 protected:
  virtual void write_beat(bool valid, bool rst, bool first, bool last, bool fmt_a, bool fmt_b, const uint32_t* a,
                          const uint32_t* b) = 0;
  // out_valid bits (one per column) and the column words of the cycle that just ended.
  virtual uint32_t read_results(uint32_t* data) = 0;

 private:
  void on_edge(size_t e) override {
    const TileFold& f = *fold_;
    const int R = cfg_.rows, C = cfg_.cols;
    if (e > 0) {
      uint32_t data[32];
      const uint32_t v = read_results(data);
      for (int c = 0; c < C; ++c) {
        if (!(v >> c & 1u)) continue;
        int& r = next_row_[static_cast<size_t>(c)];
        if (r >= R) {
          error_ = "column " + std::to_string(c) + " returned more than " + std::to_string(R) + " results";
          continue;
        }
        out_.c[static_cast<size_t>(r * C + c)] = data[c];
        ++r;
        last_ = e - 1;
      }
    }
    const int64_t t = static_cast<int64_t>(e) - 1;  // beat index of cycle e
    if (t >= 0 && t < f.steps) {
      write_beat(true, false, t == 0, t == f.steps - 1, f.fmt_a, f.fmt_b, &f.a[static_cast<size_t>(t * R)],
                 &f.b[static_cast<size_t>(t * C)]);
    } else {
      write_beat(false, e == 0, false, false, f.fmt_a, f.fmt_b, nullptr, nullptr);
    }
  }

  TileConfig cfg_;
  const TileFold* fold_ = nullptr;
  TileFoldOut out_;
  std::vector<int> next_row_;  // per column: rows returned so far (column c returns rows 0, 1, ... in order)
  uint64_t last_ = 0;
  std::string error_;
};

template <class V, int KIND, int R, int C>
class TileBench final : public TileBenchBase {
 public:
  static_assert(C <= 32, "tile benches read out_valid as one 32-bit word");
  explicit TileBench(sc_core::sc_module_name name)
      : TileBenchBase(name, {static_cast<TilePe>(KIND), R, C}), dut_(new V("dut")) {
    dut_->clk(clk_);
    dut_->rst(rst_);
    dut_->in_valid(valid_);
    dut_->in_first(first_);
    dut_->in_last(last_);
    dut_->in_fmt_a(fmt_a_);
    dut_->in_fmt_b(fmt_b_);
    dut_->in_a(a_);
    dut_->in_b(b_);
    dut_->out_valid(out_valid_);
    dut_->out_data(out_data_);
  }

 private:
  static constexpr int kAw = KIND == 0 ? 8 : 32;  // operand bits per row / column
  void write_beat(bool valid, bool rst, bool first, bool last, bool fmt_a, bool fmt_b, const uint32_t* a,
                  const uint32_t* b) override {
    rst_.write(rst);
    valid_.write(valid);
    if (!valid) return;
    first_.write(first);
    last_.write(last);
    fmt_a_.write(fmt_a);
    fmt_b_.write(fmt_b);
    pack(a, R, wa_);
    pack(b, C, wb_);
    put(a_, wa_);
    put(b_, wb_);
  }
  static void pack(const uint32_t* x, int n, uint32_t* w) {
    for (int i = 0; i < (n * kAw + 31) / 32 + 1; ++i) w[i] = 0;
    for (int i = 0; i < n; ++i) {
      const uint32_t v = kAw == 32 ? x[i] : (x[i] & 0xffu);
      w[i * kAw / 32] |= v << (i * kAw % 32);
    }
  }
  uint32_t read_results(uint32_t* data) override {
    uint32_t v = 0;
    get(out_valid_, &v);
    get(out_data_, data);
    return v;
  }
  sc_core::sc_signal<bool> rst_{"rst"}, valid_{"in_valid"}, first_{"in_first"}, last_{"in_last"},
      fmt_a_{"in_fmt_a"}, fmt_b_{"in_fmt_b"};
  SignalOf<decltype(V::in_a)> a_{"in_a"};
  SignalOf<decltype(V::in_b)> b_{"in_b"};
  SignalOf<decltype(V::out_valid)> out_valid_{"out_valid"};
  SignalOf<decltype(V::out_data)> out_data_{"out_data"};
  uint32_t wa_[(R * kAw + 31) / 32 + 2] = {}, wb_[(C * kAw + 31) / 32 + 2] = {};
  V* dut_;
};

struct Benches {
  // Each bench is constructed with its sc_module_name alive, so its signals and DUT are its children.
  Fp8MacBench fp8{"fp8_mac_bench"};
  Bf16MacBench bf16{"bf16_mac_bench"};
  Int16FmaBench int16{"int16_fma_bench"};
  MxDotBench mx{"mx_dot_bench"};
  std::vector<std::unique_ptr<TileBenchBase>> tiles;
  Benches() {
#define LPSIM_MAKE_TILE(V, KIND, R, C) tiles.push_back(std::make_unique<TileBench<V, KIND, R, C>>("bench_" #V));
    LPSIM_RTL_TILES(LPSIM_MAKE_TILE)
#undef LPSIM_MAKE_TILE
  }
};

Benches& benches() {
  static Benches* b = nullptr;
  if (!b) {
    if (sc_core::sc_get_status() != sc_core::SC_ELABORATION) {
      throw std::logic_error(
          "RTL benches: SystemC has already started; build them (rtl_benches_prepare()) before the first "
          "sc_start() of the process");
    }
    b = new Benches;  // never deleted: avoids static-destruction order problems at exit
  }
  return *b;
}

}  // namespace

void rtl_benches_prepare() { benches(); }

uint64_t rtl_fp8_mac(const Fp8MacIn* in, size_t n, uint32_t* out) { return benches().fp8.stream(in, n, out); }
uint64_t rtl_bf16_mac(const Bf16MacIn* in, size_t n, uint32_t* out) { return benches().bf16.stream(in, n, out); }
uint64_t rtl_int16_fma(const Int16FmaIn* in, size_t n, Int16FmaOut* out) {
  return benches().int16.run(in, n, out);
}
uint64_t rtl_mx_dot(const MxDotIn* in, size_t n, uint32_t* out) { return benches().mx.stream(in, n, out); }

const char* to_string(TilePe pe) { return pe == TilePe::kFp8 ? "fp8" : "int16"; }

const std::vector<TileConfig>& rtl_tile_configs() {
  static const std::vector<TileConfig> v = {
#define LPSIM_TILE_CFG(V, KIND, R, C) {static_cast<TilePe>(KIND), R, C},
      LPSIM_RTL_TILES(LPSIM_TILE_CFG)
#undef LPSIM_TILE_CFG
  };
  return v;
}

TileFoldOut rtl_tile_fold(const TileFold& f) {
  for (auto& t : benches().tiles) {
    const TileConfig& c = t->config();
    if (c.pe == f.pe && c.rows == f.rows && c.cols == f.cols) return t->run(f);
  }
  throw std::invalid_argument(std::string("rtl_tile_fold: no ") + to_string(f.pe) + " tile of " +
                              std::to_string(f.rows) + "x" + std::to_string(f.cols) + " was verilated");
}

}  // namespace lpsim::model
