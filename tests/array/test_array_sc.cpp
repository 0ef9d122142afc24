// The SystemC array model (controller, SRAM double buffers, DRAM channel) on the oracle's ws_16x16_small
// rows: one run_timing call per process (SystemC elaborates once), shared by the test cases.
#include <systemc>

#include <catch2/catch.hpp>

#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "array/array_sc.h"
#include "array/scalesim_engine.h"
#include "oracle_data.h"

int sc_main(int, char*[]) { return 0; }  // libsystemc needs the symbol; Catch2 provides main()

namespace {

struct Run {
  oracle::Config cfg;
  std::vector<const oracle::Row*> rows;
  std::vector<lpsim::model::LayerShape> layers;
  std::vector<lpsim::model::LayerTiming> timing;
  std::vector<std::pair<size_t, size_t>> progress;
};

// Every oracle row of one configuration (13 layers, 6 of them with stalls), simulated in one SystemC run.
const Run& the_run() {
  static const Run* run = [] {
    auto* r = new Run;
    r->cfg = oracle::read_cfg("ws_16x16_small");
    for (const oracle::Row& row : oracle::results().rows)
      if (row.s("config_name") == r->cfg.name) {
        r->rows.push_back(&row);
        r->layers.push_back(oracle::layer_of(row));
      }
    r->timing = lpsim::model::run_timing(r->cfg.array, r->cfg.mem, r->layers,
                                         [r](size_t done, size_t total) { r->progress.emplace_back(done, total); });
    return r;
  }();
  return *run;
}

}  // namespace

TEST_CASE("array systemc: run_timing equals estimate_layer and SCALE-Sim layer by layer", "[array][systemc]") {
  const Run& r = the_run();
  REQUIRE(r.layers.size() == 13);
  REQUIRE(r.timing.size() == r.layers.size());
  int stalled = 0;
  for (size_t i = 0; i < r.layers.size(); ++i) {
    INFO(r.layers[i].name);
    const lpsim::model::LayerTiming e = lpsim::model::estimate_layer(r.cfg.array, r.cfg.mem, r.layers[i]);
    const lpsim::model::LayerTiming& s = r.timing[i];
    CHECK(s.compute_cycles == e.compute_cycles);
    CHECK(s.stall_cycles == e.stall_cycles);
    CHECK(s.total_cycles == e.total_cycles);
    CHECK(s.folds == e.folds);
    CHECK(s.compute_util == e.compute_util);
    CHECK(s.mapping_eff == e.mapping_eff);
    for (int op = 0; op < 3; ++op) {
      CHECK(s.traffic[op].sram_reads == e.traffic[op].sram_reads);
      CHECK(s.traffic[op].sram_writes == e.traffic[op].sram_writes);
      CHECK(s.traffic[op].dram_reads == e.traffic[op].dram_reads);
      CHECK(s.traffic[op].dram_writes == e.traffic[op].dram_writes);
    }
    CHECK(static_cast<int64_t>(s.total_cycles) == r.rows[i]->i("total_cycles"));
    CHECK(static_cast<int64_t>(s.stall_cycles) == r.rows[i]->i("stall_cycles"));
    CHECK(static_cast<int64_t>(s.traffic[2].dram_writes) == r.rows[i]->i("dram_ofmap_writes"));
    if (s.stall_cycles > 0) ++stalled;
  }
  CHECK(stalled == 6);
}

TEST_CASE("array systemc: progress is reported after every layer", "[array][systemc]") {
  const Run& r = the_run();
  REQUIRE(r.progress.size() == r.layers.size());
  for (size_t i = 0; i < r.progress.size(); ++i) {
    CHECK(r.progress[i].first == i + 1);
    CHECK(r.progress[i].second == r.layers.size());
  }
}

TEST_CASE("array systemc: a second run_timing in the same process is refused", "[array][systemc]") {
  (void)the_run();
  lpsim::model::LayerShape s;
  CHECK_THROWS_AS(lpsim::model::run_timing(lpsim::model::ArrayParams{}, lpsim::model::MemoryParams{}, {s}),
                  std::logic_error);
}
