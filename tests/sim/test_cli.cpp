// End-to-end: spawn the built lpsim binary like a user would and check exit codes, messages and output files.
#include <catch2/catch.hpp>

#include "../cli_run.h"
#include "csv_rows.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <algorithm>
#include <string>
#include <vector>

namespace fs = std::filesystem;

namespace {

using cli_test::Result;
using cli_test::scratch;
using cli_test::slurp;

Result lpsim(const std::string& args) { return cli_test::run_lpsim(args); }

std::string data(const std::string& rel) { return std::string(LPSIM_TEST_DATA) + "/" + rel; }
std::string src(const std::string& rel) { return std::string(LPSIM_SOURCE_DIR) + "/" + rel; }

}  // namespace

TEST_CASE("cli: --version, --help and every subcommand's --help", "[sim][cli]") {
  Result v = lpsim("--version");
  CHECK(v.code == 0);
  CHECK(v.out.rfind("lpsim ", 0) == 0);
  Result h = lpsim("--help");
  CHECK(h.code == 0);
  CHECK(h.out.find("run") != std::string::npos);
  for (const char* cmd : {"run", "validate", "quantize", "gemm", "cosim"}) {
    Result r = lpsim(std::string(cmd) + " --help");
    INFO(cmd);
    CHECK(r.code == 0);
    CHECK(r.out.find("examples:") != std::string::npos);
  }
  Result u = lpsim("rnu");
  CHECK(u.code == 2);
  CHECK(u.err.find("did you mean 'run'?") != std::string::npos);
}

TEST_CASE("cli: every shipped config runs and writes its three report files", "[sim][cli][e2e]") {
  for (const auto& entry : fs::directory_iterator(src("configs"))) {
    if (entry.path().extension() != ".yaml") continue;
    fs::path out = scratch() / entry.path().stem();
    fs::remove_all(out);
    Result r = lpsim("run " + entry.path().string() + " --out " + out.string() + " --format json");
    INFO(entry.path().string() << "\n" << r.err);
    REQUIRE(r.code == 0);
    CHECK(r.out.find("\"total\"") != std::string::npos);
    CHECK(fs::exists(out / "report.json"));
    CHECK(fs::exists(out / "layers.csv"));
    CHECK(fs::exists(out / "report.txt"));
    CHECK(!fs::exists(out / "report.json.tmp"));
    fs::remove_all(out);
  }
}

TEST_CASE("cli: table output has units and a TOTAL row, validate echoes the resolved config", "[sim][cli]") {
  fs::path out = scratch() / "table";
  Result r = lpsim("run " + src("configs/default.yaml") + " --out " + out.string());
  REQUIRE(r.code == 0);
  CHECK(r.out.find("[cycles]") != std::string::npos);
  CHECK(r.out.find("TOTAL") != std::string::npos);
  std::string csv = slurp((out / "layers.csv").string());
  CHECK(csv.rfind("layer,type,gemm_shape,repeat,m,n,k,folds,compute_cycles,stall_cycles,total_cycles,time_us", 0) ==
        0);
  fs::remove_all(out);
  Result v = lpsim("validate " + src("configs/default.yaml") + " --set accelerator.array.rows=16");
  CHECK(v.code == 0);
  CHECK(v.out.find("rows: 16") != std::string::npos);
  CHECK(v.out.find("# ok") != std::string::npos);
}

TEST_CASE("cli: bad input exits with code 2, one clear message, and no output files", "[sim][cli][errors]") {
  struct Case {
    std::string args;
    std::string message;
  } cases[] = {
      {data("bad_inputs/syntax.yaml"), "syntax.yaml:3: YAML syntax error"},
      {data("bad_inputs/unknown_key.yaml"), "unknown key 'aray' (did you mean 'array'?)"},
      {data("bad_inputs/negative_rows.yaml"), "accelerator.array.rows: expected a positive integer, got \"-4\""},
      {data("bad_inputs/wrong_type.yaml"), "accelerator.array.cols: expected a positive integer"},
      {data("bad_inputs/zero_sram.yaml"), "accelerator.memory.filter.sram_kib: expected a positive number"},
      {data("bad_inputs/tiny_sram.yaml"), "fewer than one array row of operands"},
      {data("bad_inputs/bad_dataflow.yaml"), "accelerator.array.dataflow: expected one of os, ws, is"},
      {data("bad_inputs/missing_trace.yaml"), "missing_trace.yaml:2: workload.trace: cannot read trace file"},
      {data("bad_inputs/bad_csv_value.yaml"), "bad_value.csv:3: column 'Filter Height'"},
      {data("bad_inputs/bad_csv_columns.yaml"), "short_row.csv:2: expected 8 columns"},
      {data("bad_inputs/bad_op.yaml"), "unknown key 'kernal_h' (did you mean 'kernel_h'?)"},
      {data("bad_inputs/unknown_layer.yaml"), "workload.layers: no op named 'C9'"},
      {data("bad_inputs/bad_pe_area.yaml"), "bad_pe_area.yaml:6: accelerator.cost.pe_area: synth: no synthesized RTL "
                                            "for a fp16 x fp16 PE"},
      {data("bad_inputs/unknown_cfg_key.cfg") + " --trace " + data("traces/small_conv.csv"),
       "unknown SCALE-Sim key 'ArrayWidht'"},
      {data("no_such_config.yaml"), "no_such_config.yaml: cannot read config file: no such file"},
      {data("bad_inputs/bad_run_name.yaml"),
       "bad_run_name.yaml:4: run.name: expected a folder name (no '/', not '.' or '..'), got \"../elsewhere\""},
      {data("scalesim/configs/os_8x8_big.cfg"), "os_8x8_big.cfg: a SCALE-Sim .cfg has no workload; give the topology "
                                                "with --trace TOPOLOGY.csv"},
      {src("configs/default.yaml") + " --set accelerator.array.rows=0", "--set: accelerator.array.rows"},
      {src("configs/default.yaml") + " --format xml", "--format: expected one of table, json, csv, none"},
      {src("configs/default.yaml") + " --bogus", "lpsim run: unrecognised option '--bogus'"},
  };
  for (const auto& c : cases) {
    fs::path out = scratch() / "bad_out";
    fs::remove_all(out);
    Result r = lpsim("run " + c.args + " --out " + out.string());
    INFO(c.args << "\nstderr: " << r.err);
    CHECK(r.code == 2);
    CHECK(r.err.find(c.message) != std::string::npos);
    CHECK(r.err.find("internal error") == std::string::npos);
    CHECK(r.out.empty());
    CHECK(!fs::exists(out));
  }
}

using csv_test::csv_column;

TEST_CASE("cli: accuracy depends on formats and order, not on timing parameters", "[sim][cli][accuracy]") {
  // Output-stationary: array size, SRAM sizes, bandwidth and clock change cycles but not one output bit, so every
  // accuracy figure (computed from the output bits) is identical.
  fs::path a = scratch() / "acc_a", b = scratch() / "acc_b", c = scratch() / "acc_c";
  std::string base = "run " + src("configs/tiny_gemm_accuracy.yaml") + " --format none --set accelerator.array.dataflow=os";
  REQUIRE(lpsim(base + " --out " + a.string()).code == 0);
  REQUIRE(lpsim(base + " --set accelerator.array.rows=64 --set accelerator.array.cols=8"
                       " --set accelerator.memory.ifmap.sram_kib=4 --set accelerator.memory.dram.type=ddr4_3200"
                       " --set accelerator.array.clock_mhz=700 --out " + b.string()).code == 0);
  // A different operand format must change them (the comparison can fail).
  REQUIRE(lpsim(base + " --set accelerator.pe.weights=mxfp6_e3m2 --out " + c.string()).code == 0);
  for (const char* key : {"sqnr_db", "sqnr_vs_ideal_db", "max_abs_err", "bit_identical_outputs", "cosine_sim"}) {
    INFO(key);
    auto va = csv_column((a / "layers.csv").string(), key), vb = csv_column((b / "layers.csv").string(), key);
    CHECK(va.size() == 4);  // 3 GEMMs + TOTAL
    CHECK(va == vb);
  }
  CHECK(csv_column((a / "layers.csv").string(), "total_cycles") !=
        csv_column((b / "layers.csv").string(), "total_cycles"));
  CHECK(csv_column((a / "layers.csv").string(), "sqnr_db") != csv_column((c / "layers.csv").string(), "sqnr_db"));
  // Weight-stationary: columns and memory do not matter; the row count R does (partial sums leave the column
  // every R steps and are added in the accumulator, models/pe/README.md).
  std::string ws = "run " + src("configs/tiny_gemm_accuracy.yaml") + " --format none --set accelerator.array.dataflow=ws"
                   " --set workload.synthetic=normal --set accelerator.pe.accumulator=bf16";
  REQUIRE(lpsim(ws + " --out " + a.string()).code == 0);
  REQUIRE(lpsim(ws + " --set accelerator.array.cols=64 --set accelerator.memory.filter.sram_kib=4 --out " +
                b.string()).code == 0);
  CHECK(csv_column((a / "layers.csv").string(), "max_abs_err") ==
        csv_column((b / "layers.csv").string(), "max_abs_err"));
  fs::remove_all(a), fs::remove_all(b), fs::remove_all(c);
}

TEST_CASE("cli: .npy operands in traces are shape-checked", "[sim][cli][errors]") {
  Result r = lpsim("run " + data("bad_inputs/bad_npy_shape.yaml") + " --out " + (scratch() / "npy").string());
  CHECK(r.code == 2);
  CHECK(r.err.find("npy_trace.yaml:8: ops[0](g).a: ") != std::string::npos);
  CHECK(r.err.find("has shape (4, 4), expected (4, 8) (M x K activations)") != std::string::npos);
}
