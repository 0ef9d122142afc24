// accelerator.memory.model through `lpsim run` end to end (issue 22): reuse is the default of a YAML config and
// scalesim of a SCALE-Sim .cfg; the model shows in validate, the report header and the memory_model/tiling columns;
// one shared DRAM channel from presets; activations kept on chip; bad memory keys exit 2 naming the key and line
// with nothing written. The reuse model's own properties are tests/array/test_reuse_model.cpp.
#include <catch2/catch.hpp>

#include <cmath>
#include <fstream>
#include <map>
#include <string>

#include "../cli_run.h"
#include "csv_rows.h"

namespace {

using cli_test::Result;
using cli_test::has;
namespace fs = std::filesystem;

std::string data(const std::string& rel) { return std::string(LPSIM_TEST_DATA) + "/" + rel; }
std::string src(const std::string& rel) { return std::string(LPSIM_SOURCE_DIR) + "/" + rel; }

fs::path write(const std::string& name, const std::string& text) {
  fs::path p = cli_test::scratch("memmodel") / name;
  std::ofstream(p) << text;
  return p;
}

// The FC layer (M=1, N=1000, K=1280) followed by a 1000 -> 10 GEMV that reads its output, on a 32x32 ws
// array with 256/256/128 KiB SRAMs and 8-bit words.
fs::path fc_config(const std::string& extra = "") {
  write("fc.yaml",
        "name: fc\nops:\n  - {name: fc, type: gemm, m: 1, n: 1000, k: 1280}\n"
        "  - {name: head, type: gemm, m: 1, n: 10, k: 1000}\n");
  return write("fc_cfg.yaml",
               "accelerator:\n"
               "  array: {rows: 32, cols: 32, dataflow: ws}\n"
               "  memory:\n"
               "    ifmap: {sram_kib: 256, word_bits: 8}\n"
               "    filter: {sram_kib: 256, word_bits: 8}\n"
               "    ofmap: {sram_kib: 128, word_bits: 8}\n" +
                   extra + "workload: {trace: fc.yaml}\n");
}

std::vector<csv_test::Row> run_rows(const fs::path& cfg, const std::string& sets, const std::string& tag) {
  fs::path out = cli_test::scratch("memmodel") / ("out_" + tag);
  fs::remove_all(out);
  Result r = cli_test::run_lpsim("run " + cfg.string() + " --format none --out " + out.string() + " " + sets, "memmodel");
  INFO(r.err);
  REQUIRE(r.code == 0);
  return csv_test::read_csv((out / "layers.csv").string());
}

using csv_test::num;

}  // namespace

TEST_CASE("memory model: reuse is the YAML default and shows in validate, the header and the columns",
          "[sim][memory]") {
  const fs::path cfg = fc_config();
  Result v = cli_test::run_lpsim("validate " + cfg.string(), "memmodel");
  INFO(v.out + v.err);
  REQUIRE(v.code == 0);
  CHECK(has(v.out, "model: reuse"));
  CHECK(has(v.out, "type: lpddr5_6400"));
  Result t = cli_test::run_lpsim("run " + cfg.string() + " --out " + (cli_test::scratch("memmodel") / "hdr").string(),
                                 "memmodel");
  REQUIRE(t.code == 0);
  CHECK(has(t.out, "memory: reuse: lpddr5_6400 x 1 = 51.2 GB/s"));
  const auto rows = run_rows(cfg, "", "cols");
  REQUIRE(rows.size() == 3);
  CHECK(rows[0].at("memory_model") == "reuse");
  CHECK(has(rows[0].at("tiling"), "order="));
  const auto s = run_rows(cfg, "--set accelerator.memory.model=scalesim", "cols_s");
  CHECK(s[0].at("memory_model") == "scalesim");
}

TEST_CASE("memory model: a GEMV's weights are read once under reuse and 41x under scalesim", "[sim][memory]") {
  const fs::path cfg = fc_config();
  const auto reuse = run_rows(cfg, "", "gemv_r");
  CHECK(num(reuse[0], "dram_filter_reads_bytes") == 1280.0 * 1000);
  CHECK(num(reuse[1], "dram_filter_reads_bytes") == 1000.0 * 10);
  // SCALE-Sim's model re-fetches the weights through its prefetch window (issue 22: 41.1x at 8-bit words).
  const auto ss = run_rows(cfg, "--set accelerator.memory.model=scalesim", "gemv_s");
  CHECK(num(ss[0], "dram_filter_reads_bytes") / (1280.0 * 1000) == Approx(41.06).margin(0.01));
}

TEST_CASE("memory model: one shared channel bounds a memory-bound layer from below and above", "[sim][memory]") {
  // ws GEMV on HBM3 at 2 channels: 2 x 819.2 GB/s at 1 GHz = 1638.4 B/cycle shared; latency 80 ns = 80 cycles.
  const fs::path cfg = fc_config();
  for (const std::string dram : {"ddr4_3200", "hbm3"}) {
    const auto rows = run_rows(cfg, "--set accelerator.memory.dram.type=" + dram +
                                        " --set accelerator.memory.dram.channels=2 --set accelerator.array.dataflow=os",
                               "bw_" + dram);
    const double bw = (dram == "hbm3" ? 819.2 : 25.6) * 2;  // B/cycle at 1000 MHz
    const double lat = dram == "hbm3" ? 80 : 50;
    for (size_t i = 0; i < 2; ++i) {
      const auto& r = rows[i];
      INFO(dram << " " << r.at("layer"));
      const double bytes = num(r, "dram_read_bytes") + num(r, "dram_write_bytes");
      const double total = num(r, "total_cycles") + 1, compute = num(r, "compute_cycles") + 1;
      CHECK(total >= std::max(compute, std::ceil(bytes / bw)));
      CHECK(total <= compute + bytes / bw + lat + 1);
      CHECK(num(r, "stall_cycles") == num(r, "total_cycles") - num(r, "compute_cycles"));
    }
  }
  // DDR4 at one channel: the GEMV streams 1.28 MB at 25.6 B/cycle = 50,000 cycles; an os GEMV computes in 40
  // folds x (1280 + 62) cycles = 53,680: both near, so the layer takes about max, not the sum.
  const auto one = run_rows(cfg, "--set accelerator.memory.dram.type=ddr4_3200 --set accelerator.array.dataflow=os",
                            "ddr4_1");
  CHECK(num(one[0], "total_cycles") < 53680 + 50000 * 0.5);
}

TEST_CASE("memory model: activations stay on chip for the next array op (keep_activations)", "[sim][memory]") {
  // The ONNX MLP: /a/Gemm -> /Tanh -> /b/MatMul. The hidden activations stay in the ofmap SRAM: /a/Gemm writes
  // nothing, /b/MatMul reads no activation. /b/MatMul's output feeds several ops, and /c/Gemm's is a graph output:
  // both are written.
  auto by_layer = [](const std::vector<csv_test::Row>& rows) {
    std::map<std::string, csv_test::Row> m;
    for (const auto& r : rows) m[r.at("layer")] = r;
    return m;
  };
  const std::string model = "--model " + data("onnx/tanh_mlp.onnx");
  auto keep = by_layer(run_rows(src("configs/default.yaml"), model, "keep_model"));
  auto nokeep = by_layer(run_rows(src("configs/default.yaml"), model + " --set accelerator.memory.keep_activations=false",
                                  "nokeep_model"));
  CHECK(num(keep["/a/Gemm"], "dram_ofmap_writes_bytes") == 0);
  CHECK(num(keep["/b/MatMul"], "dram_ifmap_reads_bytes") == 0);
  CHECK(num(nokeep["/a/Gemm"], "dram_ofmap_writes_bytes") > 0);
  CHECK(num(nokeep["/b/MatMul"], "dram_ifmap_reads_bytes") > 0);
  CHECK(num(keep["/a/Gemm"], "dram_kept_bytes") == num(nokeep["/a/Gemm"], "dram_ofmap_writes_bytes"));
  CHECK(num(keep["/b/MatMul"], "dram_kept_bytes") == num(nokeep["/b/MatMul"], "dram_ifmap_reads_bytes"));
  CHECK(num(keep["/b/MatMul"], "dram_ofmap_writes_bytes") > 0);
  CHECK(num(keep["/c/Gemm"], "dram_ofmap_writes_bytes") > 0);
  CHECK(num(keep["TOTAL"], "dram_read_bytes") + num(keep["TOTAL"], "dram_write_bytes") +
            num(keep["TOTAL"], "dram_kept_bytes") ==
        num(nokeep["TOTAL"], "dram_read_bytes") + num(nokeep["TOTAL"], "dram_write_bytes"));
  CHECK(num(nokeep["TOTAL"], "dram_kept_bytes") == 0);
  // A classic trace names no tensors: nothing is kept (the FC layer's output is written, the head reads its input).
  const auto trace = run_rows(fc_config(), "", "keep_trace");
  CHECK(num(trace[0], "dram_ofmap_writes_bytes") == 1000);
  CHECK(num(trace[1], "dram_ifmap_reads_bytes") == 1000);
  CHECK(num(trace[2], "dram_kept_bytes") == 0);
  // SCALE-Sim's model has no such reuse: the key is refused there.
  Result bad = cli_test::run_lpsim("run " + fc_config().string() +
                                       " --set accelerator.memory.model=scalesim"
                                       " --set accelerator.memory.keep_activations=true",
                                   "memmodel");
  CHECK(bad.code == 2);
  CHECK(has(bad.err, "accelerator.memory.keep_activations: applies to accelerator.memory.model: reuse only"));
}

TEST_CASE("memory model: a SCALE-Sim .cfg runs the scalesim model", "[sim][memory]") {
  fs::path out = cli_test::scratch("memmodel") / "cfg_out";
  fs::remove_all(out);
  Result r = cli_test::run_lpsim("run " + data("scalesim/configs/os_16x16_big.cfg") + " --trace " + src("traces/alexnet.csv") +
                                     " --format none --out " + out.string(),
                                 "memmodel");
  INFO(r.err);
  REQUIRE(r.code == 0);
  const auto rows = csv_test::read_csv((out / "layers.csv").string());
  CHECK(rows[0].at("memory_model") == "scalesim");
  CHECK(rows[0].at("tiling") == "scalesim");
}

TEST_CASE("memory model: bad memory keys exit 2 naming the key and line, nothing written", "[sim][memory]") {
  struct Case {
    std::string extra, sets, want;
  };
  const Case cases[] = {
      {"    dram: {bandwidth_bytes_per_cycle: 32}\n", "",
       "fc_cfg.yaml:7: accelerator.memory.dram.bandwidth_bytes_per_cycle: applies to accelerator.memory.model: "
       "scalesim only"},
      {"    dram: {type: ddr5}\n", "", "fc_cfg.yaml:7: accelerator.memory.dram.type: expected one of ddr4_3200"},
      {"    dram: {type: custom, bandwidth_gbs: 10}\n", "",
       "accelerator.memory.dram.type: type custom needs accelerator.memory.dram.latency_ns"},
      {"    dram: {bandwidth_gbs: 0}\n", "", "fc_cfg.yaml:7: accelerator.memory.dram.bandwidth_gbs: "},
      {"    dram: {bandwidth_gbs: 1e9}\n", "", "fc_cfg.yaml:7: accelerator.memory.dram.bandwidth_gbs: "},
      {"    dram: {latency_ns: -3}\n", "", "fc_cfg.yaml:7: accelerator.memory.dram.latency_ns: "},
      {"    dram: {channels: 0}\n", "", "fc_cfg.yaml:7: accelerator.memory.dram.channels: "},
      {"    model: scalesim\n    keep_activations: true\n", "",
       "fc_cfg.yaml:8: accelerator.memory.keep_activations: applies to accelerator.memory.model: reuse only"},
      {"    modle: reuse\n", "", "did you mean 'model'"},
      {"", "--set run.scalesim_reports=true", "run.scalesim_reports: SCALE-Sim's report files describe its own memory"},
  };
  for (const auto& c : cases) {
    const fs::path cfg = fc_config(c.extra);
    fs::path out = cli_test::scratch("memmodel") / "bad_out";
    fs::remove_all(out);
    Result r = cli_test::run_lpsim("run " + cfg.string() + " --out " + out.string() + " " + c.sets, "memmodel");
    INFO(c.extra << " -> " << r.err);
    CHECK(r.code == 2);
    CHECK(has(r.err, c.want));
    CHECK(!fs::exists(out));
  }
  // A convolution over a 4096-wide input: its smallest ifmap tile (3 input rows x 4096 columns) does not fit half of
  // an 8 KiB ifmap SRAM (4096 words).
  write("wide.yaml", "name: wide\nops:\n  - {name: wide, type: conv2d, in_h: 8, in_w: 4096, in_c: 1, out_c: 8, "
                     "kernel_h: 3, kernel_w: 3}\n");
  const fs::path cfg = write("wide_cfg.yaml",
                             "accelerator:\n  memory:\n    ifmap: {sram_kib: 8, word_bits: 8}\nworkload: {trace: wide.yaml}\n");
  fs::path out = cli_test::scratch("memmodel") / "wide_out";
  fs::remove_all(out);
  Result r = cli_test::run_lpsim("run " + cfg.string() + " --out " + out.string(), "memmodel");
  INFO(r.err);
  CHECK(r.code == 2);
  CHECK(has(r.err, "wide_cfg.yaml:3: accelerator.memory.ifmap.sram_kib: op 'wide'"));
  CHECK(has(r.err, "half of its SRAM (double buffered) holds"));
  CHECK(!fs::exists(out));
}
