// lpsim run / import / validate on ONNX models, end to end through the built binary.
#include <catch2/catch.hpp>

#include <cstring>
#include <map>

#include "../cli_run.h"
#include "../sim/csv_rows.h"
#include "io/npy.h"

namespace {

using namespace cli_test;

std::string data(const std::string& f) { return std::string(LPSIM_TEST_DATA) + "/" + f; }

// A config in the scratch directory; `workload` is the YAML of the workload section.
std::string write_config(const std::string& name, const std::string& accel, const std::string& workload,
                         const std::string& tag = "onnx") {
  const fs::path p = scratch(tag) / name;
  std::ofstream(p) << "accelerator:\n" << accel << "workload:\n" << workload;
  return p.string();
}

std::map<std::string, std::map<std::string, std::string>> rows_by_layer(const std::string& csv_path) {
  std::map<std::string, std::map<std::string, std::string>> out;
  for (const auto& r : csv_test::read_csv(csv_path)) out[r.at("layer")] = r;
  return out;
}

}  // namespace

TEST_CASE("onnx cli: an imported model's conv and gemm layers take the cycles of the same layers as a native trace",
          "[onnx][cli]") {
  // Both memory models (reuse without keep_activations: a trace's layers have no tensors to chain the same way).
  // (The reuse model's smallest tiles are one array load: its SRAMs are larger.)
  for (const std::string mem :
       {"ifmap: {sram_kib: 2}, filter: {sram_kib: 2}, ofmap: {sram_kib: 1}, model: scalesim, "
        "dram: {bandwidth_bytes_per_cycle: 2}",
        "ifmap: {sram_kib: 4}, filter: {sram_kib: 4}, ofmap: {sram_kib: 2}, model: reuse, keep_activations: false, "
        "dram: {type: custom, bandwidth_gbs: 2, latency_ns: 5}"}) {
  INFO(mem);
  const std::string accel = "  array: {rows: 8, cols: 8, dataflow: ws}\n  memory: {" + mem + "}\n";
  // cnn_folded at batch 1: the conv layers in conv form (padding folded in), the dilated conv and the FC layer in
  // the GEMM view, written by hand as classic ops.
  const fs::path trace = scratch("onnx") / "cnn_layers.yaml";
  std::ofstream(trace) << "ops:\n"
                          "  - {name: /conv1/Conv, type: conv2d, in_h: 20, in_w: 20, in_c: 3, out_c: 16, kernel_h: 3, kernel_w: 3, pad: 1}\n"
                          "  - {name: /dw/Conv, type: conv2d, in_h: 20, in_w: 20, in_c: 16, out_c: 16, kernel_h: 3, kernel_w: 3, stride: 2, pad: 1, groups: 16}\n"
                          "  - {name: /pw/Conv, type: conv2d, in_h: 10, in_w: 10, in_c: 16, out_c: 32, kernel_h: 1, kernel_w: 1}\n"
                          "  - {name: /res/Conv, type: gemm, m: 100, n: 32, k: 288}\n"
                          "  - {name: /grp/Conv, type: conv2d, in_h: 10, in_w: 10, in_c: 32, out_c: 32, kernel_h: 3, kernel_w: 3, pad: 1, groups: 4}\n"
                          "  - {name: /fc/Gemm, type: gemm, m: 1, n: 10, k: 32}\n";
  const std::string cm = write_config("cyc_model.yaml", accel, "  model: " + data("onnx/cnn_folded.onnx") + "\n");
  const std::string ct = write_config("cyc_trace.yaml", accel, "  trace: cnn_layers.yaml\n");
  REQUIRE(run_lpsim("run " + cm + " --out om --format none", "onnx").code == 0);
  REQUIRE(run_lpsim("run " + ct + " --out ot --format none", "onnx").code == 0);
  auto m = rows_by_layer((scratch("onnx") / "om/layers.csv").string());
  auto t = rows_by_layer((scratch("onnx") / "ot/layers.csv").string());
  REQUIRE(t.size() == 7);  // 6 layers + TOTAL
  for (const auto& [name, row] : t) {
    if (name == "TOTAL") continue;
    INFO(name);
    REQUIRE(m.count(name));
    for (const char* col : {"folds", "compute_cycles", "stall_cycles", "macs", "dram_read_bytes",
                            "dram_write_bytes", "sram_ifmap_reads_words", "sram_filter_reads_words"})
      CHECK(m[name].at(col) == row.at(col));
    // The model's total adds the vector unit's bias epilogue (these convs have biases: BN folded in).
    CHECK(std::stoll(m[name].at("total_cycles")) - std::stoll(m[name].at("vector_cycles")) ==
          std::stoll(row.at("total_cycles")));
  }
  CHECK(std::stoll(t["TOTAL"].at("stall_cycles")) > 0);  // the small SRAMs make the comparison cover stalls
  }
}

// The figure after `label` on its row of lpsim gemm's report ("  total cycles    6015").
std::string gemm_figure(const std::string& report, const std::string& label) {
  const size_t at = report.find("  " + label + " ");
  if (at == std::string::npos) return "<no " + label + ">";
  std::istringstream row(report.substr(at + label.size() + 2));
  std::string v;
  row >> v;
  return v;
}

TEST_CASE("onnx cli: a one-GEMM model gives lpsim gemm's bits and cycles", "[onnx][cli]") {
  // Three formats and dataflows; bf16 on 4-wide dot-product PEs. The run's memory is lpsim gemm's default
  // memory (8 MiB per operand, 100 B/cycle), so both time the GEMM with the bits per element of its formats.
  for (const char* fmt : {"mxfp8_e4m3", "bf16", "int16"}) {
    INFO(fmt);
    const bool bf16 = std::string(fmt) == "bf16";
    const std::string df = bf16 ? "ws" : "os";
    const std::string w = bf16 ? "4" : "1";
    const std::string cfg = write_config(std::string("gemm_") + fmt + ".yaml",
                                         "  array: {rows: 16, cols: 16, dataflow: " + df + "}\n  pe: {activations: " +
                                             fmt + ", weights: " + fmt + ", dot_width: " + w + "}\n"
                                             "  memory: {ifmap: {sram_kib: 8192}, filter: {sram_kib: 8192}, ofmap: "
                                             "{sram_kib: 8192}, model: scalesim, dram: {bandwidth_bytes_per_cycle: 100}}\n",
                                         "  model: " + data("onnx/one_gemm.onnx") + "\n  input: " +
                                             data("onnx/one_gemm.input.npy") + "\n");
    const std::string out = std::string("g_") + fmt;
    REQUIRE(run_lpsim("run " + cfg + " --out " + out + " --format csv --dump-outputs", "onnx").code == 0);
    const Result g = run_lpsim("gemm --a " + data("onnx/one_gemm.input.npy") + " --b " +
                                   data("onnx/one_gemm.weight.npy") + " --format " + fmt + " --array 16x16 --dataflow " +
                                   df + " --dot-width " + w + " --out " + out + "/gemm.npy",
                               "onnx");
    REQUIRE(g.code == 0);
    const auto rows = csv_test::read_csv((scratch("onnx") / out / "layers.csv").string());
    REQUIRE(rows.size() == 2);  // the GEMM and TOTAL
    CHECK(gemm_figure(g.out, "folds") == rows[0].at("folds"));
    CHECK(gemm_figure(g.out, "compute cycles") == rows[0].at("compute_cycles"));
    CHECK(gemm_figure(g.out, "stall cycles") == rows[0].at("stall_cycles"));
    CHECK(gemm_figure(g.out, "MACs") == rows[0].at("macs"));
    CHECK(has(g.out, bf16 ? "bits per element A 16, B 16, C 32; 4-wide dot-product PEs"
                          : std::string(fmt) == "int16" ? "bits per element A 16, B 16, C 32)"
                                                        : "bits per element A 8.25, B 8.25, C 32)"));
    const auto a = lpsim::io::read_npy_f32((scratch("onnx") / out / "outputs/output.npy").string());
    const auto b = lpsim::io::read_npy_f32((scratch("onnx") / out / "gemm.npy").string());
    REQUIRE(a.shape == b.shape);
    REQUIRE(a.data.size() == 64 * 48);
    CHECK(std::memcmp(a.data.data(), b.data.data(), a.data.size() * sizeof(float)) == 0);
  }
}

TEST_CASE("onnx cli: lpsim import writes a graph trace that runs exactly as the model", "[onnx][cli]") {
  const Result imp = run_lpsim("import " + data("onnx/cnn_bn.onnx") + " --out imported", "onnx");
  REQUIRE(imp.code == 0);
  CHECK(has(imp.out, "23 ops"));
  const std::string yaml = slurp(scratch("onnx") / "imported/cnn_bn.yaml");
  CHECK(has(yaml, "type: batch_norm"));
  CHECK(has(yaml, "inputs: [input, conv1.weight]"));
  CHECK(fs::exists(scratch("onnx") / "imported/cnn_bn_weights/conv1.weight.npy"));
  const std::string accel = "  array: {rows: 16, cols: 16}\n  vector: {format: bf16}\n";
  const std::string in = "  input: " + data("onnx/cnn_bn.input.npy") + "\n";
  const std::string cm = write_config("imp_model.yaml", accel, "  model: " + data("onnx/cnn_bn.onnx") + "\n" + in);
  const std::string ct = write_config("imp_trace.yaml", accel, "  trace: imported/cnn_bn.yaml\n" + in);
  REQUIRE(run_lpsim("run " + cm + " --out im --format none", "onnx").code == 0);
  REQUIRE(run_lpsim("run " + ct + " --out it --format none", "onnx").code == 0);
  CHECK(slurp(scratch("onnx") / "im/layers.csv") == slurp(scratch("onnx") / "it/layers.csv"));
}

TEST_CASE("onnx cli: a model run reports compounded and local SQNR per layer and dumps its outputs", "[onnx][cli]") {
  const std::string cfg = write_config("enc.yaml", "  pe: {activations: mxfp8_e4m3, weights: mxfp8_e4m3}\n",
                                       "  model: " + data("onnx/encoder.onnx") + "\n  synthetic: normal\n");
  const Result r = run_lpsim("run " + cfg + " --out enc --dump-outputs", "onnx");
  REQUIRE(r.code == 0);
  CHECK(has(r.out, "local"));
  auto rows = rows_by_layer((scratch("onnx") / "enc/layers.csv").string());
  // The last Add's error is mostly inherited: its compounded SQNR is far below its local one.
  const double comp = std::stod(rows.at("/Add_2").at("sqnr_db")), local = std::stod(rows.at("/Add_2").at("sqnr_local_db"));
  CHECK(comp < 40);
  CHECK(local > comp + 10);
  CHECK(rows.at("/Erf_gelu").at("type") == "gelu");
  CHECK(rows.at("/ln1/LayerNormalization").at("unit") == "vector");
  const auto out = lpsim::io::read_npy_f32((scratch("onnx") / "enc/outputs/output.npy").string());
  CHECK(out.shape == std::vector<size_t>{2, 8, 32});
}

TEST_CASE("onnx cli: bad models and inputs exit 2 with the file (and node) named, and write nothing", "[onnx][cli]") {
  const fs::path d = scratch("onnx_bad");
  // A truncated and a corrupt copy of a real model.
  const std::string good = slurp(data("onnx/cnn_bn.onnx"));
  std::ofstream(d / "truncated.onnx", std::ios::binary) << good.substr(0, good.size() / 2);
  std::ofstream(d / "corrupt.onnx", std::ios::binary) << std::string(4096, '\xff');
  const std::string bad = data("bad_inputs/onnx/");
  struct Case {
    std::string workload, expect;
  };
  const std::vector<Case> cases = {
      {"  model: truncated.onnx\n", "truncated.onnx: not a valid ONNX model"},
      {"  model: corrupt.onnx\n", "corrupt.onnx: not a valid ONNX model"},
      {"  model: " + bad + "missing_initializer.onnx\n",
       "missing_initializer.onnx: node 'mm' (MatMul): reads tensor 'w_missing'"},
      {"  model: " + bad + "unsupported_op.onnx\n", "unsupported_op.onnx: node 'the_cos' (Cos): unsupported operator"},
      {"  model: " + bad + "cyclic.onnx\n", "cyclic.onnx: node 'add_a' (Add): the graph has a cycle"},
      {"  model: " + bad + "tiny_matmul.onnx\n  input: " + data("onnx/one_gemm.input.npy") + "\n",
       "one_gemm.input.npy has batch 64 (its first dimension), but input 'x' of"},
      {"  model: " + bad + "tiny_matmul.onnx\n  overrides:\n    - {ops: [mm, nope*], pe: {activations: bf16, weights: bf16}}\n",
       ":6: workload.overrides[0]: no op of"},
      {"  model: missing.onnx\n", "cannot read model file"},
      {"  model: " + bad + "tiny_matmul.onnx\n  input_shape: [2, 4, 1]\n", "has rank 2, got a shape of rank 3"},
  };
  int i = 0;
  for (const auto& c : cases) {
    INFO(c.workload);
    const std::string cfg = write_config("bad" + std::to_string(i) + ".yaml", "  array: {rows: 8, cols: 8}\n",
                                         c.workload, "onnx_bad");
    const std::string out = "out" + std::to_string(i++);
    const Result r = run_lpsim("run " + cfg + " --out " + out, "onnx_bad");
    CHECK(r.code == 2);
    CHECK(has(r.err, c.expect));
    CHECK(!has(r.err, "internal error"));
    CHECK(!fs::exists(d / out));
  }
  // lpsim import of a bad model: the same message, no files.
  const Result r = run_lpsim("import " + bad + "unsupported_op.onnx --out imp_bad", "onnx_bad");
  CHECK(r.code == 2);
  CHECK(has(r.err, "node 'the_cos' (Cos)"));
  CHECK(!fs::exists(d / "imp_bad"));
}

TEST_CASE("onnx cli: workload.overrides give ops their own formats, in a model and in a native trace", "[onnx][cli]") {
  // The common recipe: first conv and last FC in BF16, the rest MXFP4.
  const std::string cfg = write_config(
      "ovr.yaml", "  array: {rows: 16, cols: 16}\n  pe: {activations: mxfp4_e2m1, weights: mxfp4_e2m1}\n",
      "  model: " + data("onnx/cnn_folded.onnx") + "\n  synthetic: normal\n  overrides:\n"
      "    - {ops: [/conv1/Conv, \"/fc/*\"], pe: {activations: bf16, weights: bf16}}\n");
  const Result r = run_lpsim("run " + cfg + " --out ovr", "onnx");
  REQUIRE(r.code == 0);
  CHECK(has(r.out, "formats"));  // the per-layer formats column is shown when overrides exist
  auto rows = rows_by_layer((scratch("onnx") / "ovr/layers.csv").string());
  CHECK(rows.at("/conv1/Conv").at("pe_formats") == "bf16 x bf16 -> fp32 -> fp32");
  CHECK(rows.at("/fc/Gemm").at("pe_formats") == "bf16 x bf16 -> fp32 -> fp32");
  CHECK(rows.at("/pw/Conv").at("pe_formats") == "mxfp4_e2m1 x mxfp4_e2m1 -> fp32 -> fp32");
  // BF16 layers add far less error than MXFP4 ones, and cost more energy per MAC.
  CHECK(std::stod(rows.at("/conv1/Conv").at("sqnr_local_db")) > std::stod(rows.at("/pw/Conv").at("sqnr_local_db")) + 20);
  CHECK(std::stod(rows.at("/fc/Gemm").at("energy_per_mac_pj")) > 0);
  // The same override on a classic trace.
  const fs::path trace = scratch("onnx") / "ovr_trace.yaml";
  std::ofstream(trace) << "tensors: {a: {dist: normal}, b: {dist: normal}}\nops:\n"
                          "  - {name: first, type: gemm, m: 32, n: 32, k: 64}\n"
                          "  - {name: middle, type: gemm, m: 32, n: 32, k: 64}\n";
  const std::string ct = write_config("ovr_t.yaml", "  pe: {activations: mxfp4_e2m1, weights: mxfp4_e2m1}\n",
                                      "  trace: ovr_trace.yaml\n  overrides:\n    - {ops: [first], pe: {activations: bf16, weights: bf16}}\n");
  REQUIRE(run_lpsim("run " + ct + " --out ovr_t --format none", "onnx").code == 0);
  auto tr = rows_by_layer((scratch("onnx") / "ovr_t/layers.csv").string());
  CHECK(tr.at("first").at("pe_formats") == "bf16 x bf16 -> fp32 -> fp32");
  CHECK(tr.at("middle").at("pe_formats") == "mxfp4_e2m1 x mxfp4_e2m1 -> fp32 -> fp32");
  CHECK(std::stod(tr.at("first").at("sqnr_db")) > std::stod(tr.at("middle").at("sqnr_db")) + 20);
}

TEST_CASE("onnx cli: a model's report is the same with 1 and 2 threads (concurrent reference, simulated and timing "
          "stages) and with sparsity or an SFU op (stages in sequence)", "[onnx][cli]") {
  // cnn_bn: convs, BatchNorm, residual add (2 threads: reference GEMMs on a second thread, values next to the timing
  // stage); tanh_mlp: SFU ops keep the timing stage first; the skip scheme's analysis needs the timing results.
  struct Case {
    const char* name;
    const char* model;
    const char* extra;
  };
  for (const Case& k : {Case{"thr_cnn", "onnx/cnn_bn.onnx", ""}, Case{"thr_mlp", "onnx/tanh_mlp.onnx", ""},
                        Case{"thr_skip", "onnx/cnn_bn.onnx", "  sparsity: {scheme: skip}\n"}}) {
    INFO(k.name);
    const std::string accel = std::string("  array: {rows: 16, cols: 16}\n  pe: {activations: mxfp8_e4m3, weights: "
                                          "mxfp8_e4m3}\n") + k.extra;
    const std::string cfg = write_config(std::string(k.name) + ".yaml", accel,
                                         std::string("  model: ") + data(k.model) + "\n  synthetic: relu\n");
    std::string first;
    for (int threads : {1, 2, 2}) {
      const std::string out = std::string(k.name) + "_" + std::to_string(threads);
      REQUIRE(run_lpsim("run " + cfg + " --out " + out + " --format none --set run.threads=" + std::to_string(threads),
                        "onnx").code == 0);
      const std::string csv = slurp(scratch("onnx") / out / "layers.csv");
      CHECK(has(csv, "sqnr_local_db"));
      if (first.empty()) first = csv;
      CHECK(csv == first);
    }
  }
}
