// First/last SRAM and DRAM access cycles per operand (DETAILED_ACCESS_REPORT.csv) against every row of the
// SCALE-Sim v2 oracle, with and without stalls.
#include <catch2/catch.hpp>

#include "array/access_spans.h"
#include "oracle_data.h"

using namespace lpsim::model;

TEST_CASE("access spans: SRAM and DRAM start/stop cycles equal SCALE-Sim on every oracle row", "[array][oracle]") {
  const char* names[3] = {"ifmap", "filter", "ofmap"};
  size_t rows = 0, stall_rows = 0;
  for (const oracle::Row& r : oracle::results().rows) {
    const oracle::Config& c = oracle::config_of(r);
    const AccessSpans s = access_spans(c.array, c.mem, oracle::layer_of(r));
    ++rows;
    stall_rows += r.i("stall_cycles") > 0 ? 1 : 0;
    for (int op = 0; op < 3; ++op) {
      const std::string sram = std::string("sram_") + names[op], dram = std::string("dram_") + names[op];
      INFO(r.s("config_name") << "/" << r.s("layer") << " " << names[op]);
      CHECK(s.sram_known[op]);
      CHECK(s.sram_start[op] == r.i(sram + "_start"));
      CHECK(s.sram_stop[op] == r.i(sram + "_stop"));
      CHECK(s.dram_start[op] == r.i(dram + "_start"));
      CHECK(s.dram_stop[op] == r.i(dram + "_stop"));
    }
  }
  CHECK(rows == 375);
  CHECK(stall_rows == 58);  // the spans shift with the stalls before the first/last access
}
