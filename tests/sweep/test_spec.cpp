// Sweep files: point expansion (product, zip, groups, tied keys, explicit lists), stable ids, spec errors with
// file:line: key, config checks re-reported at the sweep file's line, and the results table helpers.
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <regex>
#include <string>

#include "sweep/csv_table.h"
#include "sweep/results.h"
#include "sweep/spec.h"

namespace fs = std::filesystem;
using namespace lpsim;

namespace {

std::string data(const std::string& rel) { return std::string(LPSIM_TEST_DATA) + "/sweep/" + rel; }

// Writes a sweep file into a scratch folder; `base:` lines name the test base config by absolute path.
std::string sweep_file(const std::string& name, const std::string& body) {
  fs::path d = fs::temp_directory_path() / ("lpsim_sweep_spec_" + std::to_string(::getpid()));
  fs::create_directories(d);
  fs::path p = d / name;
  std::ofstream(p) << body;
  return p.string();
}

std::string base_line(const std::string& file = "base.yaml") { return "base: " + data(file) + "\n"; }

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const InputError& e) {
    return e.what();
  }
  return "<no error>";
}

std::string cell(const sweep::Point& p, const std::string& col) {
  for (const auto& c : p.columns)
    if (c.first == col) return c.second;
  return "<missing>";
}

}  // namespace

TEST_CASE("sweep spec: a product runs the last axis fastest, with set: first in every point", "[sweep][spec]") {
  std::string f = sweep_file("product.yaml", base_line() +
                                                 "set: {workload.synthetic: normal}\n"
                                                 "axes:\n"
                                                 "  accelerator.array.rows: [8, 16, 32]\n"
                                                 "  accelerator.array.dataflow: [os, ws]\n");
  sweep::Spec s = sweep::read_spec(f);
  REQUIRE(s.points.size() == 6);
  CHECK(s.mode == "product");
  CHECK(s.axis_columns == std::vector<std::string>{"accelerator.array.rows", "accelerator.array.dataflow"});
  const char* expect[6][2] = {{"8", "os"}, {"8", "ws"}, {"16", "os"}, {"16", "ws"}, {"32", "os"}, {"32", "ws"}};
  for (size_t i = 0; i < 6; ++i) {
    INFO(i);
    CHECK(s.points[i].index == i);
    CHECK(cell(s.points[i], "accelerator.array.rows") == expect[i][0]);
    CHECK(cell(s.points[i], "accelerator.array.dataflow") == expect[i][1]);
    REQUIRE(s.points[i].settings.size() == 3);
    CHECK(s.points[i].settings[0].key == "workload.synthetic");
  }
  CHECK(s.points[3].label == "rows=16 dataflow=ws");
  CHECK(s.name == "product");
  sweep::validate(s);  // every point is a valid config
}

TEST_CASE("sweep spec: ids are index + hash, stable across reads, and change only with the point", "[sweep][spec]") {
  // FNV-1a 64 of "abc" is 0xe71fa2190541574b (from the FNV spec constants: offset basis 0xcbf29ce484222325,
  // prime 0x100000001b3); folded to 32 bits: 0xe71fa219 ^ 0x0541574b = 0xe25ef552.
  CHECK(sweep::point_id(3, "abc") == "0003-e25ef552");
  CHECK(sweep::point_id(12345, "abc") == "12345-e25ef552");
  std::string body = base_line() + "axes:\n  accelerator.array.rows: [8, 16]\n  accelerator.array.cols: [8, 16]\n";
  sweep::Spec a = sweep::read_spec(sweep_file("ids_a.yaml", body));
  sweep::Spec b = sweep::read_spec(sweep_file("ids_b.yaml", body));
  std::regex shape("[0-9]{4}-[0-9a-f]{8}");
  for (size_t i = 0; i < a.points.size(); ++i) {
    CHECK(std::regex_match(a.points[i].id, shape));
    CHECK(a.points[i].id == b.points[i].id);
    CHECK(a.points[i].id.substr(0, 4) == "000" + std::to_string(i));
  }
  // Change the second value of cols: points with cols=8 keep their ids, the others get new ones.
  sweep::Spec c = sweep::read_spec(sweep_file(
      "ids_c.yaml", base_line() + "axes:\n  accelerator.array.rows: [8, 16]\n  accelerator.array.cols: [8, 32]\n"));
  CHECK(c.points[0].id == a.points[0].id);
  CHECK(c.points[1].id != a.points[1].id);
  CHECK(c.points[2].id == a.points[2].id);
  CHECK(c.points[3].id != a.points[3].id);
}

TEST_CASE("sweep spec: tied keys, labelled groups, list groups and zip", "[sweep][spec]") {
  sweep::Spec s = sweep::read_spec(sweep_file(
      "groups.yaml", base_line() +
                         "axes:\n"
                         "  format:\n"
                         "    fp8: {accelerator.pe.activations: fp8_e4m3, accelerator.pe.weights: fp8_e4m3}\n"
                         "    int16:\n"
                         "      accelerator.pe.activations: int16\n"
                         "      accelerator.pe.weights: int16\n"
                         "      accelerator.pe.accumulator: int32\n"
                         "  accelerator.array.rows, accelerator.array.cols: [8, 16]\n"));
  REQUIRE(s.points.size() == 4);
  CHECK(s.axis_columns == std::vector<std::string>{"format", "accelerator.pe.activations", "accelerator.pe.weights",
                                                   "accelerator.pe.accumulator", "accelerator.array.rows",
                                                   "accelerator.array.cols"});
  CHECK(cell(s.points[0], "format") == "fp8");
  CHECK(cell(s.points[0], "accelerator.pe.accumulator").empty());  // the fp8 value leaves it at the base's value
  CHECK(cell(s.points[3], "accelerator.pe.accumulator") == "int32");
  CHECK(cell(s.points[3], "accelerator.array.cols") == "16");
  CHECK(s.points[3].label == "format=int16 rows,cols=16");
  sweep::validate(s);

  sweep::Spec l = sweep::read_spec(sweep_file(
      "list_group.yaml", base_line() +
                             "axes:\n"
                             "  fmt:\n"
                             "    - {accelerator.pe.activations: bf16, accelerator.pe.weights: bf16}\n"
                             "    - {label: e4m3, accelerator.pe.activations: fp8_e4m3}\n"));
  REQUIRE(l.points.size() == 2);
  CHECK(cell(l.points[0], "fmt") == "bf16/bf16");
  CHECK(cell(l.points[1], "fmt") == "e4m3");

  sweep::Spec z = sweep::read_spec(sweep_file(
      "zip.yaml", base_line() + "mode: zip\naxes:\n  accelerator.array.rows: [8, 16, 32]\n"
                                "  accelerator.array.cols: [32, 16, 8]\n"));
  REQUIRE(z.points.size() == 3);
  CHECK(cell(z.points[2], "accelerator.array.rows") == "32");
  CHECK(cell(z.points[2], "accelerator.array.cols") == "8");
}

TEST_CASE("sweep spec: an explicit points list with labels and a union of columns", "[sweep][spec]") {
  sweep::Spec s = sweep::read_spec(sweep_file(
      "points.yaml", base_line() +
                         "points:\n"
                         "  - {label: small, accelerator.array.rows: 8}\n"
                         "  - {label: wide, accelerator.array.cols: 32, workload.layers: [g]}\n"
                         "  - {label: trace, workload.trace: tiny_trace.yaml}\n"));
  REQUIRE(s.points.size() == 3);
  CHECK(s.mode == "list");
  CHECK(s.axis_columns ==
        std::vector<std::string>{"label", "accelerator.array.rows", "accelerator.array.cols", "workload.layers",
                                 "workload.trace"});
  CHECK(cell(s.points[1], "accelerator.array.rows").empty());
  CHECK(cell(s.points[1], "workload.layers") == "[g]");
  CHECK(s.points[1].label == "wide");
  // workload.trace in a sweep file is relative to the sweep file (here: the scratch folder, where it is absent).
  CHECK(s.points[2].settings.back().value == (fs::path(s.file).parent_path() / "tiny_trace.yaml").string());
  std::string e = error_of([&] { sweep::validate(s); });
  CHECK(e.find("points.yaml:") != std::string::npos);
  CHECK(e.find("tiny_trace.yaml") != std::string::npos);
}

TEST_CASE("sweep spec: malformed sweep files name file, line and key", "[sweep][spec][errors]") {
  auto err = [](const std::string& name, const std::string& body) {
    return error_of([&] { sweep::read_spec(sweep_file(name, body)); });
  };
  CHECK_THAT(err("e1.yaml", base_line() + "axis:\n  accelerator.array.rows: [8]\n"),
             Catch::Contains("e1.yaml:2: axis: unknown key 'axis' (did you mean 'axes'?)"));
  CHECK_THAT(err("e2.yaml", base_line() + "axes: {}\n"), Catch::Contains("e2.yaml:2: axes: no axes"));
  CHECK_THAT(err("e3.yaml", base_line() + "axes:\n  accelerator.array.rows:\n"),
             Catch::Contains("e3.yaml:3: axes.accelerator.array.rows: no values"));
  CHECK_THAT(err("e4.yaml", base_line() + "axes:\n  accelerator.array.rows: 8\n"),
             Catch::Contains("e4.yaml:3: axes.accelerator.array.rows: expected values"));
  CHECK_THAT(err("e5.yaml", base_line() + "axes: {accelerator.array.rows: [8]}\npoints: [{accelerator.array.rows: 8}]\n"),
             Catch::Contains("e5.yaml:1: give either axes: (a product of values) or points:"));
  CHECK_THAT(err("e6.yaml", "axes: {accelerator.array.rows: [8]}\n"), Catch::Contains("e6.yaml:1: base: missing"));
  CHECK_THAT(err("e7.yaml", base_line() + "axes:\n  accelerator.array.rows: [8, 16, 8]\n"),
             Catch::Contains("e7.yaml:3: axes.accelerator.array.rows: value 8 appears twice"));
  CHECK_THAT(err("e8.yaml", base_line() + "axes:\n  accelerator.pe:\n    - {activations: bf16}\n"),
             Catch::Contains("e8.yaml:3: axes.accelerator.pe: the values are mappings of config keys"));
  CHECK_THAT(err("e9.yaml", base_line() + "axes:\n  f:\n    - {accelerator.array.rows: 8}\n    - 16\n"),
             Catch::Contains("e9.yaml:3: axes.f: mixes mappings"));
  CHECK_THAT(err("e10.yaml", base_line() + "mode: grid\naxes: {accelerator.array.rows: [8]}\n"),
             Catch::Contains("e10.yaml:2: mode: expected product or zip, got \"grid\""));
  CHECK_THAT(err("e11.yaml", base_line() + "axes:\n  accelerator.array.rows: [8]\n  run.formats: [[json]]\n"),
             Catch::Contains("e11.yaml:4: axes.run.formats: set by lpsim sweep"));
  CHECK_THAT(err("e12.yaml", base_line() + "axes:\n  macs:\n    a: {accelerator.array.rows: 8}\n"),
             Catch::Contains("e12.yaml:3: axes.macs: 'macs' is taken by a results.csv column"));
  CHECK_THAT(err("e13.yaml", base_line() + "axes: [1, 2\n"), Catch::Contains("e13.yaml:") &&
                                                                 Catch::Contains(": YAML syntax error"));
  CHECK_THAT(error_of([] { sweep::read_spec("/nonexistent/s.yaml"); }),
             Catch::Contains("/nonexistent/s.yaml: cannot read sweep file: no such file"));
}

TEST_CASE("sweep spec: config errors are re-reported at the sweep file's line of the value", "[sweep][spec][errors]") {
  auto check = [](const std::string& name, const std::string& body) {
    sweep::Spec s = sweep::read_spec(sweep_file(name, body));
    return error_of([&] { sweep::validate(s); });
  };
  CHECK_THAT(check("v1.yaml", base_line() + "axes:\n  accelerator.array.rowz: [8, 16]\n"),
             Catch::Contains("v1.yaml:3: axes.accelerator.array.rowz: unknown key (did you mean "
                             "'accelerator.array.rows'?)"));
  // The bad value is on line 5; the good one on line 4 is fine.
  std::string v2 = sweep_file("v2.yaml", base_line() + "axes:\n  accelerator.array.rows:\n    - 8\n    - -4\n");
  std::string e = check("v2.yaml", base_line() + "axes:\n  accelerator.array.rows:\n    - 8\n    - -4\n");
  CHECK_THAT(e, Catch::StartsWith(v2 + ":5: axes.accelerator.array.rows: expected a positive integer, got \"-4\""));
  // Reported once although two points (one per dataflow) carry it.
  e = check("v3.yaml", base_line() + "axes:\n  accelerator.array.rows: [0]\n  accelerator.array.dataflow: [os, ws]\n");
  CHECK(e.find("v3.yaml:3") == e.rfind("v3.yaml:3"));
  // A combination error names the first point where it happens.
  CHECK_THAT(check("v4.yaml", base_line() + "axes:\n  accelerator.pe.activations: [fp8_e4m3, int16]\n"),
             Catch::Contains("v4.yaml:2: point 1 (activations=int16): " + data("base.yaml") +
                             ":4: accelerator.pe.weights: 'fp8_e4m3' (float) cannot be combined with accelerator.pe.activations "
                             "'int16' (int)"));
  // When both keys come from the sweep file, the message points at the sweep file and names the point.
  CHECK_THAT(check("v4b.yaml", base_line() + "axes:\n  accelerator.pe.activations: [fp8_e4m3, int16]\n"
                                             "  accelerator.pe.weights: [fp8_e4m3]\n"),
             Catch::Contains("v4b.yaml:4: axes.accelerator.pe.weights: 'fp8_e4m3' (float) cannot be combined") &&
                 Catch::Contains("(point 1: activations=int16 weights=fp8_e4m3)"));
  CHECK_THAT(check("v5.yaml", base_line() + "set: {accelerator.array.dataflow: xs}\naxes: {accelerator.array.rows: [8]}\n"),
             Catch::Contains("v5.yaml:2: set.accelerator.array.dataflow: expected one of os, ws, is"));
}

TEST_CASE("sweep spec: a base with custom formats is checked point by point in child processes", "[sweep][spec]") {
  // Loading custom_base.yaml registers acc_e6m9; a second load in this process would fail ("already taken").
  sweep::Spec s = sweep::read_spec(
      sweep_file("custom.yaml", base_line("custom_base.yaml") + "axes:\n  accelerator.array.rows: [8, 16, 32]\n"));
  CHECK_NOTHROW(sweep::validate(s));
  CHECK_NOTHROW(sweep::validate(s));
  sweep::Spec bad = sweep::read_spec(
      sweep_file("custom_bad.yaml", base_line("custom_base.yaml") + "axes:\n  accelerator.pe.accumulator: [acc_e6m9, "
                                                                   "acc_e6m10]\n"));
  CHECK_THAT(error_of([&] { sweep::validate(bad); }), Catch::Contains("custom_bad.yaml:3: axes.accelerator.pe."
                                                                      "accumulator:"));
}

TEST_CASE("sweep run arguments: base, every override, the trace and the point's folder", "[sweep][spec]") {
  std::string f = sweep_file("args.yaml", base_line() + "trace: " + data("tiny_trace.yaml") +
                                              "\naxes: {accelerator.array.rows: [8]}\n");
  sweep::Spec s = sweep::read_spec(f);
  std::vector<std::string> a = sweep::run_args(s, s.points[0], "OUT/points/x");
  std::vector<std::string> expect = {"run",     data("base.yaml"),   "--set",    "accelerator.array.rows=8",
                                     "--set",   "run.formats=[table, json, csv]", "--trace", data("tiny_trace.yaml"),
                                     "--out",   "OUT/points/x",      "--format", "none"};
  CHECK(a == expect);
}

TEST_CASE("sweep results: CSV round trip, report.json totals, column order", "[sweep][results]") {
  sweep::Table t;
  t.columns = {"point", "id", "error"};
  t.rows.push_back({{"point", "0"}, {"id", "0000-1"}, {"error", "a, \"b\"\nc"}});
  std::string text = sweep::render_table(t);
  CHECK(text == "point,id,error\n0,0000-1,\"a, \"\"b\"\" c\"\n");
  sweep::Table back = sweep::parse_table(text, "x.csv");
  CHECK(back.rows.at(0).at("error") == "a, \"b\" c");
  CHECK_THAT(error_of([] { sweep::parse_table("a,b\n1,2,3\n", "x.csv"); }),
             Catch::Contains("x.csv:2: row has 3 cells but the header has 2 columns"));
  CHECK_THAT(error_of([] { sweep::parse_table("a,b\n1,\"2\n", "x.csv"); }), Catch::Contains("x.csv:2: unterminated"));

  // Without cost figures: the core columns only; null becomes an empty cell.
  std::string plain = R"({"units": {}, "layers": [], "total": {"layer": "TOTAL", "sqnr_db": null, "total_cycles": 183,
                         "time_us": 0.183, "macs": 8192, "dram_read_bytes": 1024}})";
  std::vector<std::string> order;
  sweep::Row m = sweep::metrics_from_report_json(plain, &order);
  CHECK(m.at("sqnr_db").empty());
  CHECK(m.at("total_cycles") == "183");
  CHECK(m.at("stall_cycles").empty());  // absent from the report: still a column
  CHECK(m.count("area_mm2") == 0);
  CHECK(order.empty());
  // With cost figures and component breakdowns, in report.json's order.
  std::string cost = R"({"total": {"total_cycles": 61, "area_mm2": 3.9, "energy_uj": 0.2, "energy_pe_uj": 0.05,
                        "energy_dram_uj": 0.15, "area_sram_mm2": 1.5, "tops_per_w": 0.07}, "power_mw": 3668.9})";
  sweep::Row c = sweep::metrics_from_report_json(cost, &order);
  CHECK(c.at("power_mw") == "3668.9");  // a cost figure kept outside the TOTAL row
  CHECK(order == std::vector<std::string>{"area_mm2", "energy_uj", "energy_pe_uj", "energy_dram_uj", "area_sram_mm2",
                                          "tops_per_w", "power_mw"});
  CHECK_THROWS(sweep::metrics_from_report_json("{\"layers\": []}"));
  // A run's warnings become one cell, placed just before wall_s, and only where some point has one.
  sweep::Row w = sweep::metrics_from_report_json(R"({"total": {"total_cycles": 5}, "warnings": ["a, b", "c"]})");
  CHECK(w.at("warnings") == "a, b | c");
  CHECK(m.count("warnings") == 0);
  w["point"] = "0", w["id"] = "w", w["status"] = "ok";
  const std::vector<std::string> wcols = sweep::result_columns({}, {w, m});
  REQUIRE(wcols.size() >= 4);
  CHECK(wcols[wcols.size() - 4] == "warnings");
  CHECK(sweep::is_reserved_column("warnings"));

  sweep::Row r1 = m, r2 = c;
  r1["point"] = "1", r1["id"] = "b", r1["rows"] = "16", r1["status"] = "ok";
  r2["point"] = "0", r2["id"] = "a", r2["rows"] = "8", r2["status"] = "ok", r2["legacy_col"] = "x";
  std::vector<std::string> cols = sweep::result_columns({"rows"}, {r1, r2}, order);
  std::vector<std::string> expect = {"point", "id", "rows"};
  expect.insert(expect.end(), sweep::kCoreColumns.begin(), sweep::kCoreColumns.end());
  for (const char* k : {"area_mm2", "energy_uj", "power_mw", "tops_per_w", "energy_pe_uj", "energy_dram_uj",
                        "area_sram_mm2", "legacy_col", "wall_s", "status", "error"})
    expect.push_back(k);
  CHECK(cols == expect);
  CHECK(sweep::result_columns({"rows"}, {r1}, {}).size() == 3 + sweep::kCoreColumns.size() + 3);  // no cost: none

  sweep::Table rt;
  rt.columns = cols;
  CHECK(sweep::axis_columns_of(rt) == std::vector<std::string>{"rows"});
  std::vector<sweep::Row> rows = {r1, r2};
  sweep::sort_rows(rows);
  CHECK(rows[0].at("id") == "a");
}
