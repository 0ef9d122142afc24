// Cycle-level behaviour of the verilated K-TanH pipeline (rtl/ktanh.sv through KtanhSfu::drive): latency,
// bubbles in the valid stream, synchronous reset, multi-lane ordering, batch cycle counts. The bench is built
// once per process (SystemC elaborates once); every case starts with a reset cycle.
#include <catch2/catch.hpp>

#include <random>

#include "sfu/ktanh_ref.h"
#include "sfu/ktanh_sfu.h"

using namespace lpsim::model;

namespace {

KtanhCycleIn reset_cycle() {
  KtanhCycleIn c;
  c.rst = true;
  return c;
}

}  // namespace

TEST_CASE("ktanh rtl: latency is 2 cycles", "[cosim][pipeline]") {
  std::vector<KtanhCycleIn> in(6);
  in[0] = reset_cycle();
  in[3].valid = 1;
  in[3].data[0] = 0x3f80;  // 1.0 -> 0x3f41
  const auto out = KtanhSfu::instance().drive(in, 4);
  for (size_t c = 0; c < out.size(); ++c) {
    INFO("cycle " << c);
    CHECK(out[c].valid == (c == 3 + kSfuLatencyCycles ? 1u : 0u));
  }
  CHECK(out[5].data[0] == 0x3f41);
}

TEST_CASE("ktanh rtl: bubbles in the valid stream come out unchanged, 2 cycles later", "[cosim][pipeline]") {
  std::mt19937 rng(42);
  const int lanes = 4;
  std::vector<KtanhCycleIn> in(200);
  in[0] = reset_cycle();
  for (size_t c = 1; c < in.size(); ++c) {
    in[c].valid = rng() & 0xf;  // random per-lane bubbles, including fully idle cycles
    for (int l = 0; l < lanes; ++l) in[c].data[l] = static_cast<uint16_t>(rng());
  }
  const auto out = KtanhSfu::instance().drive(in, kSfuLatencyCycles);
  for (size_t c = 0; c < out.size(); ++c) {
    INFO("cycle " << c);
    const uint32_t want = c >= kSfuLatencyCycles + 1 ? in[c - kSfuLatencyCycles].valid : 0u;
    REQUIRE(out[c].valid == want);
    for (int l = 0; l < lanes; ++l) {
      if (want >> l & 1u) REQUIRE(out[c].data[l] == ktanh_bf16(in[c - kSfuLatencyCycles].data[l]));
    }
  }
}

TEST_CASE("ktanh rtl: synchronous reset drops words in flight", "[cosim][pipeline]") {
  // Cycle 1: word A enters; cycle 2: reset (A sits in stage 1) with word B presented; cycle 3: word C.
  // The reset edge at the end of cycle 2 clears both valid stages: A and B never come out, C does in cycle 5.
  std::vector<KtanhCycleIn> in(4);
  in[0] = reset_cycle();
  in[1].valid = 1;
  in[1].data[0] = 0x3f80;
  in[2].rst = true;
  in[2].valid = 1;
  in[2].data[0] = 0x4000;
  in[3].valid = 1;
  in[3].data[0] = 0x3f00;  // 0.5 -> 0x3ef0
  const auto out = KtanhSfu::instance().drive(in, 4);
  for (size_t c = 0; c < out.size(); ++c) {
    INFO("cycle " << c);
    CHECK(out[c].valid == (c == 5 ? 1u : 0u));
  }
  CHECK(out[5].data[0] == 0x3ef0);

  // Reset held for several cycles while inputs keep arriving: nothing comes out.
  std::vector<KtanhCycleIn> held(6);
  for (auto& c : held) {
    c.rst = true;
    c.valid = 0xffffffffu;
  }
  for (const auto& o : KtanhSfu::instance().drive(held, 3)) CHECK(o.valid == 0u);
}

TEST_CASE("ktanh rtl: lanes keep their own order and never mix", "[cosim][pipeline]") {
  // Lane l gets its own input sequence with its own valid pattern; each lane's outputs, in order, must be the
  // model of that lane's inputs, in order.
  const int lanes = kKtanhRtlLanes;
  std::mt19937 rng(7);
  std::vector<KtanhCycleIn> in(64);
  in[0] = reset_cycle();
  std::vector<std::vector<uint16_t>> sent(lanes);
  for (size_t c = 1; c < in.size(); ++c) {
    for (int l = 0; l < lanes; ++l) {
      if ((rng() % (l + 2)) == 0) continue;  // lane-dependent bubble rate
      const auto x = static_cast<uint16_t>(l << 11 | (c & 0x7ff));  // the lane number is visible in the word
      in[c].valid |= 1u << l;
      in[c].data[l] = x;
      sent[l].push_back(x);
    }
  }
  const auto out = KtanhSfu::instance().drive(in, kSfuLatencyCycles);
  std::vector<std::vector<uint16_t>> got(lanes);
  for (const auto& o : out) {
    for (int l = 0; l < lanes; ++l) {
      if (o.valid >> l & 1u) got[l].push_back(o.data[l]);
    }
  }
  for (int l = 0; l < lanes; ++l) {
    INFO("lane " << l);
    REQUIRE(got[l].size() == sent[l].size());
    for (size_t k = 0; k < sent[l].size(); ++k) REQUIRE(got[l][k] == ktanh_bf16(sent[l][k]));
  }
}

TEST_CASE("ktanh rtl: a batch takes latency + ceil(n / lanes) cycles, results in input order", "[cosim][pipeline]") {
  std::mt19937 rng(3);
  for (size_t n : {1, 2, 7, 8, 9, 100, 257}) {
    std::vector<uint16_t> x(n);
    for (auto& v : x) v = static_cast<uint16_t>(rng());
    for (int lanes : {1, 3, 8, 32, 33, 64, 100}) {
      INFO("n " << n << ", lanes " << lanes);
      const KtanhSfu::Batch b = KtanhSfu::instance().run(x, lanes);
      CHECK(b.cycles == kSfuLatencyCycles + (n + lanes - 1) / lanes);
      REQUIRE(b.out.size() == n);
      for (size_t i = 0; i < n; ++i) REQUIRE(b.out[i] == ktanh_bf16(x[i]));
    }
  }
  CHECK(KtanhSfu::instance().run({}, 4).cycles == 0);
  CHECK_THROWS_AS(KtanhSfu::instance().run({0x3f80}, 0), std::invalid_argument);
}
