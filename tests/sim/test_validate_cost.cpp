// lpsim validate-cost: the shipped validation table, --check, JSON, and bad manifests (file:line: key: message,
// exit 2). The bounds themselves are held by the ctest validate_cost_table (README's table and every band).
#include <catch2/catch.hpp>
#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "../cli_run.h"

namespace fs = std::filesystem;

namespace {

using cli_test::has;
using cli_test::Result;

Result lpsim(const std::string& args) { return cli_test::run_lpsim(args, "costval"); }
std::string src(const std::string& rel) { return std::string(LPSIM_SOURCE_DIR) + "/" + rel; }

// A manifest in the scratch directory naming the shipped TPU v1 config; `rows` is the rows list's YAML.
std::string manifest(const std::string& name, const std::string& rows, const std::string& extra = "") {
  const fs::path p = cli_test::scratch("costval") / (name + ".yaml");
  std::ofstream(p) << "designs:\n"
                   << "  - name: TPU\n"
                   << "    source: test\n"
                   << "    config: " << src("configs/validation/tpu_v1.yaml") << "\n"
                   << extra << "    rows:\n"
                   << rows;
  return p.string();
}

}  // namespace

TEST_CASE("validate-cost: the shipped table names every design, both models and every source", "[sim][costval]") {
  Result r = lpsim("validate-cost --check --json " + (cli_test::scratch("costval") / "v.json").string());
  INFO(r.err);
  REQUIRE(r.code == 0);
  for (const char* s : {"TPU v1", "Eyeriss v1", "NVDLA", "matrix multiply unit", "before", "ratio", "band",
                        "Jouppi et al., ISCA 2017", "rows within their band"})
    CHECK(has(r.out, s));
  const YAML::Node j = YAML::LoadFile((cli_test::scratch("costval") / "v.json").string());
  REQUIRE(j["designs"].size() == 3);
  CHECK(j["rows_out_of_band"].as<int>() == 0);
  for (const auto& d : j["designs"])
    for (const auto& row : d["rows"]) {
      INFO(row["component"].as<std::string>());
      CHECK(row["in_band"].as<bool>());
      CHECK(row["predicted"].as<double>() > 0);
      CHECK(row["ratio"].as<double>() == Approx(row["predicted"].as<double>() / row["published"].as<double>()));
      CHECK(!row["source"].as<std::string>().empty());
    }
  // The implementation terms change what they should: the TPU accumulators (a two-port buffer) and nothing of
  // the unified buffer (single port, no logic).
  const YAML::Node tpu = j["designs"][0]["rows"];
  REQUIRE(tpu[2]["component"].as<std::string>() == "unified buffer (24 MiB)");
  CHECK(tpu[2]["predicted"].as<double>() == tpu[2]["before"].as<double>());
  REQUIRE(tpu[3]["component"].as<std::string>() == "accumulators (4 MiB)");
  CHECK(tpu[3]["predicted"].as<double>() == Approx(2.2 * tpu[3]["before"].as<double>()));
  // A row's own overrides: the synthesized PE (issue 16) under the same implementation terms is larger.
  REQUIRE(tpu[1]["component"].as<std::string>() == "matrix unit, PE area from synthesis");
  CHECK(tpu[1]["predicted"].as<double>() > tpu[0]["predicted"].as<double>());
}

TEST_CASE("validate-cost: a ratio outside its band fails --check and is marked", "[sim][costval]") {
  const std::string m = manifest("tight", "      - {component: ub, predicted: area sram_ifmap, published: 96.0, "
                                          "unit: mm^2, source: Fig. 2, band: [0.9, 1.1]}\n");
  Result r = lpsim("validate-cost " + m + " --check");
  CHECK(r.code == 1);
  CHECK(has(r.out, "OUT"));
  CHECK(has(r.out, "0 of 1 rows within their band"));
  Result md = lpsim("validate-cost " + m + " --format markdown");
  CHECK(md.code == 0);  // without --check a row out of band is reported, not an error
  CHECK(has(md.out, "| TPU | ub | 96.00 mm^2 | 53.55 | 0.56 | 53.55 | 0.56 | 0.9-1.1 **out** |"));
}

TEST_CASE("validate-cost: bad manifests exit 2 naming file, line and key", "[sim][costval][errors]") {
  auto err = [](const std::string& path) {
    Result r = lpsim("validate-cost " + path);
    INFO(r.out);
    CHECK(r.code == 2);
    return r.err;
  };
  std::string m = manifest("unknown_key", "      - {component: ub, predicted: area sram_ifmap, published: 96.0, "
                                          "unit: mm^2, source: x, nots: y}\n");
  CHECK(has(err(m), m + ":6: designs[0].rows[0].nots: unknown key 'nots' (did you mean 'note'?)"));
  m = manifest("quantity", "      - {component: ub, predicted: area sram_ifmp, published: 96.0, unit: mm^2, source: x}\n");
  CHECK(has(err(m), m + ":6: designs[0].rows[0].predicted: unknown area group 'sram_ifmp' (did you mean "
                        "'sram_ifmap'?)"));
  m = manifest("unit", "      - {component: ub, predicted: area sram_ifmap, published: 96.0, unit: mW, source: x}\n");
  CHECK(has(err(m), ": designs[0].rows[0].unit: 'area sram_ifmap' is in mm^2, but the published figure is given in mW"));
  m = manifest("run", "      - {component: e, predicted: run resnet onchip_uj, published: 1, unit: uJ, source: x}\n",
               "    runs: {resnet50: {}}\n");
  CHECK(has(err(m), ": designs[0].rows[0].predicted: no run 'resnet' in this design (did you mean 'resnet50'?)"));
  m = manifest("band", "      - {component: ub, predicted: area sram_ifmap, published: 96.0, unit: mm^2, source: x, "
                       "band: [2, 3]}\n");
  CHECK(has(err(m), ": designs[0].rows[0].band: expected low < 1 < high"));
  m = manifest("published", "      - {component: ub, predicted: area, published: -3, unit: mm^2, source: x}\n");
  CHECK(has(err(m), ": designs[0].rows[0].published: expected a positive number, got \"-3\""));
  // A run that lpsim rejects: the run's line and lpsim's own message.
  m = manifest("failing_run", "      - {component: e, predicted: run r onchip_uj, published: 1, unit: uJ, source: x}\n",
               "    runs: {r: {set: {accelerator.array.rows: -4}}}\n");
  const std::string e = err(m);
  CHECK(has(e, ":5: designs[0].runs.r: run 'r' failed: --set: "));
  CHECK(has(e, "accelerator.array.rows: expected a positive integer, got \"-4\""));
  CHECK(has(err(src("configs/validation/nope.yaml")), "nope.yaml: cannot read validation manifest: no such file"));
  // A design config that does not exist.
  const fs::path p = cli_test::scratch("costval") / "no_config.yaml";
  std::ofstream(p) << "designs:\n  - {name: x, source: y, config: missing.yaml, rows: []}\n";
  CHECK(has(err(p.string()), p.string() + ":2: designs[0].config: cannot read "));
}

TEST_CASE("cost keys: voltage, overheads and scratchpads are checked and echoed", "[sim][costval][errors]") {
  const std::string cfg = src("configs/validation/eyeriss_v1.yaml");
  Result v = lpsim("validate " + cfg);
  REQUIRE(v.code == 0);
  CHECK(has(v.out, "voltage_v: 1"));
  CHECK(has(v.out, "overheads: true"));
  CHECK(has(v.out, "pe_scratchpad_bytes: 520"));
  Result bad = lpsim("validate " + cfg + " --set accelerator.cost.voltage_v=high");
  CHECK(bad.code == 2);
  CHECK(has(bad.err, "accelerator.cost.voltage_v: expected 'table' or a positive voltage in volts, got \"high\""));
  bad = lpsim("validate " + cfg + " --set accelerator.cost.pe_scratchpad_bytes=-1");
  CHECK(bad.code == 2);
  CHECK(has(bad.err, "accelerator.cost.pe_scratchpad_bytes: expected a non-negative integer"));
  bad = lpsim("validate " + cfg + " --set accelerator.cost.node_nm=90");
  CHECK(bad.code == 2);
  CHECK(has(bad.err, "accelerator.cost.node_nm: node 90"));
}
