// Issue 15 (part A): one format key, one per-tensor scale rule in quantize/gemm/run, no accuracy without values,
// synthetic outliers. End to end through the built lpsim binary, and config loading at library level.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "../cli_run.h"
#include "config/config.h"
#include "io/npy.h"
#include "pe/tensor_gen.h"
#include "csv_rows.h"

namespace cfg = lpsim::cfg;
namespace io = lpsim::io;
namespace model = lpsim::model;
using lpsim::InputError;
using cli_test::has;

namespace {

std::string src(const std::string& rel) { return std::string(LPSIM_SOURCE_DIR) + "/" + rel; }

cli_test::Result run_cli(const std::string& args) { return cli_test::run_lpsim(args, "formats"); }

std::filesystem::path dir() { return cli_test::scratch("formats"); }

void write(const std::filesystem::path& p, const std::string& text) {
  std::ofstream os(p);
  os << text;
}

void write_npy(const std::filesystem::path& p, const std::vector<float>& v, std::vector<size_t> shape) {
  write(p, io::npy_f32_bytes(v.data(), shape));
}

std::vector<uint32_t> bits_of(const std::vector<float>& v) {
  std::vector<uint32_t> b(v.size());
  std::memcpy(b.data(), v.data(), v.size() * 4);
  return b;
}

// A = 16 x 64 N(0,1) with 1 % outliers of about 40 sigma (so that the scale rules differ), I = 64 x 64 identity:
// lpsim gemm and lpsim run compute C = A x I, whose values are A as the PE quantized it.
void write_operands() {
  model::TensorGenSpec g;
  g.seed = 3;
  g.outlier_fraction = 0.01;
  g.outlier_size = 40;
  write_npy(dir() / "a.npy", model::generate_tensor(g, 0, 16 * 64), {16, 64});
  std::vector<float> eye(64 * 64, 0.0f);
  for (int i = 0; i < 64; ++i) eye[i * 64 + i] = 1.0f;
  write_npy(dir() / "i.npy", eye, {64, 64});
  // The same GEMM as a one-op graph trace, so `lpsim run --dump-outputs` writes C.
  write(dir() / "g.yaml",
        "name: one_matmul\ninputs: [{name: x, shape: [16, 64]}]\noutputs: [y]\nweights:\n  w: {file: i.npy}\nops:\n"
        "  - {name: mm, type: matmul, inputs: [x, w], outputs: [y], shape: [16, 64], gemm: {m: 16, n: 64, k: 64, "
        "repeat: 1}}\n");
}

std::vector<float> load_npy(const std::string& name) { return io::read_npy_f32((dir() / name).string()).data; }

// quantize's codes.csv: (signed code, scale) of each element.
std::vector<std::pair<int, double>> codes(const std::string& name) {
  std::vector<std::pair<int, double>> v;
  for (const csv_test::Row& r : csv_test::read_csv((dir() / name).string())) {
    const int c = static_cast<int>(std::stoul(r.at("code"), nullptr, 16));
    v.push_back({c > 127 ? c - 256 : c, std::stod(r.at("scale"))});
  }
  return v;
}

std::string config_text(const std::string& pe) {
  return "accelerator:\n  pe: " + pe + "\nworkload:\n  trace: " + src("traces/tiny_gemm.yaml") + "\n";
}

cfg::Config load_pe(const std::string& pe, const std::vector<cfg::Override>& o = {}) {
  write(dir() / "pe.yaml", config_text(pe));
  return cfg::load_config((dir() / "pe.yaml").string(), o);
}

std::string load_error(const std::string& pe, const std::vector<cfg::Override>& o = {}) {
  try {
    load_pe(pe, o);
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("formats: quantize, gemm and run give the same int8 and fp8 bits for the same tensor", "[sim][formats]") {
  write_operands();
  write(dir() / "run.yaml", "accelerator:\n  pe: {format: int8}\nworkload:\n  trace: g.yaml\n  input: a.npy\n");
  struct Case {
    const char* format;  // as given to all three (aliases included)
    const char* scale;   // "" = each command's default
  };
  for (const Case& c : {Case{"int8", ""}, Case{"dfp8", "pow2"}, Case{"int8", "exact"}, Case{"fp8_e4m3", ""},
                        Case{"fp8_e4m3", "exact"}}) {
    const std::string s = c.scale;
    INFO(c.format << " " << s);
    auto q = run_cli("quantize --format " + std::string(c.format) + " --in a.npy --out q.npy --codes codes.csv" +
                   (s.empty() ? "" : " --tensor-scale " + s));
    REQUIRE(q.code == 0);
    // The header prints the rule actually used (never "127/amax" for a power-of-two scale).
    const bool pow2 = s.empty() || s == "pow2";
    CHECK(has(q.out, pow2 ? "(pow2: " : "(exact: "));
    if (std::string(c.format) != "fp8_e4m3") CHECK(has(q.out, pow2 ? "the DFP exponent" : "127/amax"));
    auto g = run_cli("gemm --a a.npy --b i.npy --format " + std::string(c.format) + " --out c.npy" +
                   (s.empty() ? "" : " --tensor-scale " + s));
    REQUIRE(g.code == 0);
    CHECK(has(g.out, std::string("tensor scale ") + (pow2 ? "pow2" : "exact")));
    auto r = run_cli("run run.yaml --out r --dump-outputs --quiet --set accelerator.pe.format=" + std::string(c.format) +
                   (s.empty() ? "" : " --set accelerator.pe.tensor_scale=" + s));
    REQUIRE(r.code == 0);
    const std::vector<float> qv = load_npy("q.npy"), cv = load_npy("c.npy"), rv = load_npy("r/outputs/y.npy");
    // C = A x I: the dequantized A. With power-of-two scales (the identity's too) the same float32 bits from
    // all three; with exact scales the output stage rounds x s_A s_I / (s_A s_I) once more, so gemm and run
    // agree bit for bit and quantize within that rounding (far below the spacing of the codes).
    CHECK(bits_of(rv) == bits_of(cv));
    if (pow2) {
      CHECK(bits_of(cv) == bits_of(qv));
    } else {
      REQUIRE(cv.size() == qv.size());
      size_t close = 0;
      for (size_t i = 0; i < cv.size(); ++i) close += std::fabs(cv[i] - qv[i]) <= std::fabs(qv[i]) * 0x1p-20;
      CHECK(close == cv.size());
    }
    if (std::string(c.format) == "int8" && s == "exact") {
      // The integer codes themselves: round(C * s_A) is quantize's code for every element.
      const auto k = codes("codes.csv");
      REQUIRE(k.size() == cv.size());
      size_t same = 0;
      for (size_t i = 0; i < k.size(); ++i) same += std::lround(cv[i] * k[i].second) == k[i].first;
      CHECK(same == k.size());
    }
  }
  // The scale rules differ on this tensor, so the comparison above can fail.
  REQUIRE(run_cli("quantize --format int8 --in a.npy --out p.npy").code == 0);
  REQUIRE(run_cli("quantize --format int8 --tensor-scale exact --in a.npy --out e.npy").code == 0);
  CHECK(bits_of(load_npy("p.npy")) != bits_of(load_npy("e.npy")));
  // Same checks on the option in all three.
  CHECK(has(run_cli("quantize --format int8 --tensor-scale none --in a.npy --out x.npy").err,
            "--tensor-scale: int8 needs a per-tensor scale"));
  CHECK(has(run_cli("gemm --a a.npy --b i.npy --format int8 --tensor-scale none").err,
            "--tensor-scale: integer operands (int8) need a per-tensor scale"));
  CHECK(has(run_cli("quantize --format dfp16 --tensor-scale exact --in a.npy --out x.npy").err, "int16 is DFP16"));
  CHECK(has(run_cli("gemm --a a.npy --b i.npy --format dfp16 --tensor-scale exact").err, "int16 is DFP16"));
  CHECK(has(run_cli("run run.yaml --out x --set accelerator.pe.format=dfp16 --set accelerator.pe.tensor_scale=exact").err,
            "accelerator.pe.tensor_scale: int16 is DFP16"));
}

TEST_CASE("formats: accelerator.pe.format sets the four PE keys, detailed keys override", "[sim][formats][config]") {
  cfg::Config c = load_pe("{format: int8}");
  CHECK(c.pe.format_a == "int8");
  CHECK(c.pe.format_b == "int8");
  CHECK(c.pe.acc == "int32");
  CHECK(c.pe.out == "fp32");
  c = load_pe("{format: mxfp4, output: bf16}");  // alias, canonical name stored
  CHECK(c.pe.format_a == "mxfp4_e2m1");
  CHECK(c.pe.format_b == "mxfp4_e2m1");
  CHECK(c.pe.acc == "fp32");
  CHECK(c.pe.out == "bf16");
  c = load_pe("{format: bf16, weights: fp8_e4m3, accumulator: fp16}");
  CHECK(c.pe.format_a == "bf16");
  CHECK(c.pe.format_b == "fp8_e4m3");
  CHECK(c.pe.acc == "fp16");
  // --set outranks the file: a format given there replaces detailed keys written in the file, and detailed keys
  // given there replace it.
  c = load_pe("{activations: mxfp8_e4m3, weights: mxfp8_e4m3, accumulator: fp32, output: bf16}",
           {{"accelerator.pe.format", "int16"}});
  CHECK(c.pe.format_a == "int16");
  CHECK(c.pe.format_b == "int16");
  CHECK(c.pe.acc == "int32");
  CHECK(c.pe.out == "fp32");
  c = load_pe("{format: int8}", {{"accelerator.pe.activations", "bf16"}, {"accelerator.pe.weights", "bf16"}});
  CHECK(c.pe.acc == "fp32");  // the accumulator follows the activations finally chosen
  c = load_pe("{format: int8}", {{"accelerator.pe.format", "fp8_e5m2"}, {"accelerator.pe.output", "bf16"}});
  CHECK(c.pe.format_b == "fp8_e5m2");
  CHECK(c.pe.out == "bf16");
  CHECK_THAT(load_error("{format: int9}"), Catch::Contains("pe.yaml:2: accelerator.pe.format: unknown operand format 'int9'"));
  // Per-op overrides take the key too, with the same rule inside the override.
  write(dir() / "ov.yaml", config_text("{format: mxfp8_e4m3, output: bf16}") +
                               "  overrides:\n    - {ops: [g_64x64x64], pe: {format: int8}}\n");
  c = cfg::load_config((dir() / "ov.yaml").string(), {});
  REQUIRE(c.workload.overrides.size() == 1);
  CHECK(c.workload.overrides[0].pe->format_a == "int8");
  CHECK(c.workload.overrides[0].pe->acc == "int32");
  CHECK(c.workload.overrides[0].pe->out == "fp32");
}

TEST_CASE("formats: switching only the format of a config without an explicit accumulator works",
          "[sim][formats][config]") {
  // INT8 <-> MXFP8 through the format key and through the detailed keys (accumulator auto).
  CHECK(load_error("{format: mxfp8_e4m3}", {{"accelerator.pe.format", "int8"}}).empty());
  CHECK(load_error("{format: int8}", {{"accelerator.pe.format", "mxfp8_e4m3"}}).empty());
  CHECK(load_error("{activations: mxfp8_e4m3, weights: mxfp8_e4m3}",
                   {{"accelerator.pe.activations", "int8"}, {"accelerator.pe.weights", "int8"}})
            .empty());
  CHECK(load_error("{activations: int8, weights: int8}",
                   {{"accelerator.pe.activations", "mxfp8_e4m3"}, {"accelerator.pe.weights", "mxfp8_e4m3"}})
            .empty());
  // Every shipped config that sets a format switches to each family with --set accelerator.pe.format alone.
  for (const char* f : {"configs/bert_base_mxfp8.yaml", "configs/bert_base_sparse24.yaml",
                        "configs/resnet50_int16_dfp.yaml", "configs/tiny_gemm_accuracy.yaml"})
    for (const char* fmt : {"int8", "mxfp8_e4m3", "bf16", "int16", "mxfp4_e2m1"}) {
      INFO(f << " -> " << fmt);
      try {
        cfg::load_config(src(f), {{"accelerator.pe.format", fmt}});
      } catch (const InputError& e) {
        FAIL(e.what());
      }
    }
  // Mixed families: the message names the user's keys, never the internal format_a/format_b.
  const std::string e = load_error("{activations: int8, weights: fp8_e4m3}");
  CHECK_THAT(e, Catch::Contains("accelerator.pe.weights: 'fp8_e4m3' (float) cannot be combined with "
                                "accelerator.pe.activations 'int8' (int)"));
  CHECK(!has(e, "format_a"));
  write_operands();
  const auto g = run_cli("gemm --a a.npy --b i.npy --format int8 --format-b bf16");
  CHECK(g.code == 2);
  CHECK(has(g.err, "--format-b: 'bf16' (float) cannot be combined with --format 'int8' (int)"));
  // An explicit accumulator of the other family still wins, and the message says how to follow the operands.
  CHECK_THAT(load_error("{activations: mxfp8_e4m3, weights: mxfp8_e4m3, accumulator: fp32}",
                        {{"accelerator.pe.activations", "int8"}, {"accelerator.pe.weights", "int8"}}),
             Catch::Contains("accelerator.pe.accumulator: integer operands (int8, int8) accumulate in int32; got "
                             "'fp32' (auto, the default, follows the operand formats)"));
}

TEST_CASE("formats: a timing-only run has empty accuracy columns in every row", "[sim][formats][accuracy]") {
  // BERT-base with synthetic operands off: GEMMs and the GELU compute no values.
  const auto r = run_cli("run " + src("configs/bert_base_mxfp8.yaml") +
                       " --set workload.synthetic=off --set accelerator.sfu.impl=model --out t --format csv --quiet");
  REQUIRE(r.code == 0);
  const auto rows = csv_test::read_csv((dir() / "t" / "layers.csv").string());
  REQUIRE(rows.size() > 2);
  size_t checked = 0;
  for (const auto& row : rows) {
    for (const char* col : {"sqnr_db", "sqnr_local_db", "accuracy_scope", "sqnr_vs_ideal_db", "max_abs_err",
                            "mean_abs_err", "max_rel_err", "mean_rel_err", "cosine_sim", "bit_identical_pct",
                            "saturations", "underflows", "acc_overflows"}) {
      INFO(row.at("layer") << " " << col);
      CHECK(row.at(col).empty());
      ++checked;
    }
  }
  CHECK(checked > 20);
  // The same run with values has them (the test above can fail).
  const auto v = run_cli("run " + src("configs/tiny_gemm_accuracy.yaml") + " --out v --format csv --quiet");
  REQUIRE(v.code == 0);
  CHECK(!csv_test::read_csv((dir() / "v" / "layers.csv").string()).back().at("sqnr_db").empty());
}

TEST_CASE("formats: workload.synthetic_outliers changes the synthetic operands, relu is a distribution",
          "[sim][formats][synthetic]") {
  // N(0,1) operands: INT8 beats MXFP8. One outlier of about 50 sigma in a thousand flips the ranking: the
  // per-tensor INT8 scale follows the outlier, MX scales only its block (README, "Comparing formats").
  const std::string base = "run " + src("configs/tiny_gemm_accuracy.yaml") +
                           " --set workload.synthetic=normal --format csv --quiet --out ";
  const std::string outl = " --set workload.synthetic_outliers.fraction=0.001 --set workload.synthetic_outliers.size=50";
  std::map<std::string, double> sqnr;
  for (const char* f : {"int8", "mxfp8_e4m3"})
    for (bool o : {false, true}) {
      const std::string name = std::string(f) + (o ? "_o" : "");
      const auto r = run_cli(base + name + " --set accelerator.pe.format=" + f + (o ? outl : ""));
      REQUIRE(r.code == 0);
      sqnr[name] = std::stod(csv_test::read_csv((dir() / name / "layers.csv").string()).back().at("sqnr_db"));
    }
  CHECK(sqnr["int8"] > sqnr["mxfp8_e4m3"]);
  CHECK(sqnr["int8_o"] < sqnr["mxfp8_e4m3_o"]);
  CHECK(sqnr["int8_o"] < sqnr["int8"] - 10);
  // relu: half the activations are zero.
  const auto r = run_cli(base + "relu --set workload.synthetic=relu --set accelerator.pe.format=bf16");
  CHECK(r.code == 0);
  // Both numbers or neither, and only with synthetic operands.
  auto e = run_cli(base + "x --set workload.synthetic_outliers.fraction=0.001");
  CHECK(e.code == 2);
  CHECK(has(e.err, "workload.synthetic_outliers.fraction: workload.synthetic_outliers needs both fraction and size"));
  e = run_cli(base + "x --set workload.synthetic=off" + outl);
  CHECK(e.code == 2);
  CHECK(has(e.err, "outliers apply to synthetic operands"));
  e = run_cli(base + "x --set workload.synthetic_outliers.fraction=2 --set workload.synthetic_outliers.size=5");
  CHECK(e.code == 2);
  CHECK(has(e.err, "workload.synthetic_outliers.fraction: expected a number from"));
}
