#include <catch2/catch.hpp>

#include <fstream>
#include <string>

#include "config/config.h"
#include "config/pe_synth.h"
#include "numerics/convert.h"
#include "numerics/format.h"

using namespace lpsim;

namespace {
std::string data(const std::string& rel) { return std::string(LPSIM_TEST_DATA) + "/" + rel; }
std::string src(const std::string& rel) { return std::string(LPSIM_SOURCE_DIR) + "/" + rel; }

// Returns the InputError message of loading `path`, or "" if it loads.
std::string load_error(const std::string& path, const std::vector<cfg::Override>& o = {},
                       const std::string& trace = "") {
  try {
    cfg::load_config(path, o, trace);
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}
}  // namespace

TEST_CASE("config: default.yaml loads with the documented values", "[sim][config]") {
  cfg::Config c = cfg::load_config(src("configs/default.yaml"), {});
  CHECK(c.array.rows == 32);
  CHECK(c.array.cols == 32);
  CHECK(c.array.dataflow == model::Dataflow::kOS);
  CHECK(c.memory.sram_words(model::kIfmap) == 256 * 1024);
  CHECK(c.workload.trace == src("traces/alexnet.csv"));  // relative to the config file
}

TEST_CASE("config: missing keys take their defaults", "[sim][config]") {
  cfg::Config c = cfg::load_config(data("bad_inputs/bad_csv_value.yaml"), {});
  CHECK(c.array.rows == 32);
  CHECK(c.array.clock_mhz == 1000.0);
  // word_bits: auto follows the default formats: MXFP8 operands 8 + 8/32 bits, FP32 outputs
  CHECK(c.word_bits[model::kIfmap] == 0);
  CHECK(c.memory.word_bits[model::kIfmap] == model::ElementBits(264, 32));
  CHECK(c.memory.word_bits[model::kFilter].value() == 8.25);
  CHECK(c.memory.word_bits[model::kOfmap] == 32);
  // The reuse memory model with one LPDDR5-6400 channel: 51.2 GB/s at 1 GHz, 60 ns = 60 cycles.
  CHECK(c.memory_model == model::MemoryModel::kReuse);
  CHECK(c.keep_activations);
  CHECK(c.dram.type == "lpddr5_6400");
  CHECK(c.memory.dram_bw_bytes_per_cycle == Approx(51.2));
  CHECK(c.memory.dram_latency_cycles == 60);
  cfg::Config s = cfg::load_config(data("bad_inputs/bad_csv_value.yaml"),
                                   {cfg::parse_override("accelerator.memory.model=scalesim")});
  CHECK(s.memory.dram_bw_bytes_per_cycle == 32.0);  // SCALE-Sim's per-stream default
  CHECK(s.memory.dram_latency_cycles == 1);
  CHECK(!s.keep_activations);
  CHECK(c.run.seed == 1);
  CHECK(c.run.formats == std::vector<std::string>{"table", "json", "csv"});
}

TEST_CASE("config: --set overrides use the same keys and checks", "[sim][config]") {
  cfg::Config c = cfg::load_config(src("configs/default.yaml"),
                                   {cfg::parse_override("accelerator.array.rows=64"),
                                    cfg::parse_override("accelerator.array.dataflow=ws"),
                                    cfg::parse_override("run.formats=[json]")});
  CHECK(c.array.rows == 64);
  CHECK(c.array.dataflow == model::Dataflow::kWS);
  CHECK(c.run.formats == std::vector<std::string>{"json"});
  std::string e = load_error(src("configs/default.yaml"), {cfg::parse_override("accelerator.array.rows=-4")});
  CHECK(e == "--set: accelerator.array.rows: expected a positive integer, got \"-4\"");
  e = load_error(src("configs/default.yaml"), {cfg::parse_override("accelerator.array.row=4")});
  CHECK(e.find("did you mean 'accelerator.array.rows'") != std::string::npos);
  CHECK_THROWS_AS(cfg::parse_override("accelerator.array.rows"), InputError);
}

TEST_CASE("config: each error class names file, line and key path", "[sim][config][errors]") {
  struct Case {
    const char* file;
    const char* expected;
  } cases[] = {
      {"bad_inputs/syntax.yaml", "syntax.yaml:3: YAML syntax error"},
      {"bad_inputs/unknown_key.yaml", "unknown_key.yaml:2: accelerator.aray: unknown key 'aray' (did you mean 'array'?)"},
      {"bad_inputs/negative_rows.yaml",
       "negative_rows.yaml:3: accelerator.array.rows: expected a positive integer, got \"-4\""},
      {"bad_inputs/wrong_type.yaml",
       "wrong_type.yaml:4: accelerator.array.cols: expected a positive integer, got \"thirty-two\""},
      {"bad_inputs/zero_sram.yaml",
       "zero_sram.yaml:3: accelerator.memory.filter.sram_kib: expected a positive number, got \"0\""},
      {"bad_inputs/tiny_sram.yaml", "tiny_sram.yaml:4: accelerator.memory.ifmap.sram_kib: 0.125 KiB holds 124 words "
                                    "of 8.25 bits, fewer than one array row of operands"},
      {"bad_inputs/bad_word_bits.yaml",
       "bad_word_bits.yaml:3: accelerator.memory.ifmap.word_bits: expected a positive integer or auto, got \"eight\""},
      {"bad_inputs/bad_dot_sparsity.yaml",
       "bad_dot_sparsity.yaml:3: accelerator.pe.dot_width: dot-product PEs (dot_width 32) cannot be combined with "
       "accelerator.sparsity.scheme"},
      {"bad_inputs/bad_dataflow.yaml",
       "bad_dataflow.yaml:3: accelerator.array.dataflow: expected one of os, ws, is, got \"sw\""},
      {"bad_inputs/no_trace_key.yaml", "no_trace_key.yaml: workload: give workload.trace (a trace or SCALE-Sim topology) or workload.model"},
      {"bad_inputs/unknown_cfg_key.cfg",
       "unknown_cfg_key.cfg:6: architecture_presets.ArrayWidht: unknown SCALE-Sim key 'ArrayWidht' (did you mean "
       "'ArrayWidth'?)"},
  };
  for (const auto& c : cases) {
    INFO(c.file);
    std::string f = c.file;
    bool scalesim = f.size() > 4 && f.compare(f.size() - 4, 4, ".cfg") == 0;
    std::string e = load_error(data(c.file), {}, scalesim ? data("traces/small_conv.csv") : "");
    INFO(e);
    CHECK(e.find(c.expected) != std::string::npos);
    CHECK(e.rfind(data(c.file), 0) == 0);  // the message starts with the file's path
  }
}

TEST_CASE("config: SCALE-Sim .cfg maps onto the same keys", "[sim][config][scalesim]") {
  std::string path = std::string(LPSIM_TEST_DATA) + "/tmp_ws.cfg";
  {
    std::ofstream os(path);
    os << "[general]\nrun_name = t\n\n[architecture_presets]\nArrayHeight:    16\nArrayWidth:     64\n"
          "IfmapSramSzkB:    64\nFilterSramSzkB:   64\nOfmapSramSzkB:    32\nIfmapOffset:    0\n"
          "FilterOffset:   10000000\nOfmapOffset:    20000000\nBandwidth : 10\nDataflow : ws\nMemoryBanks:   1\n\n"
          "[run_presets]\nInterfaceBandwidth: USER\n";
  }
  cfg::Config c = cfg::load_config(path, {}, data("traces/small_conv.csv"));
  std::remove(path.c_str());
  CHECK(c.array.rows == 16);
  CHECK(c.array.cols == 64);
  CHECK(c.array.dataflow == model::Dataflow::kWS);
  CHECK(c.memory.sram_words(model::kOfmap) == 32 * 1024);  // kB of 1-byte words
  CHECK(c.memory.dram_bw_words(model::kIfmap) == 10.0);
  CHECK(c.workload.trace == data("traces/small_conv.csv"));
}

TEST_CASE("config: dump lists every key with its resolved value", "[sim][config]") {
  cfg::Config c = cfg::load_config(src("configs/default.yaml"), {cfg::parse_override("accelerator.array.cols=48")});
  std::string y = cfg::dump_config(c);
  CHECK(y.find("    cols: 48") != std::string::npos);
  CHECK(y.find("dataflow: os") != std::string::npos);
  CHECK(y.find("latency_ns: 60") != std::string::npos);
  CHECK(y.find("model: reuse") != std::string::npos);
  // the other model's keys are shown commented out, so the dump loads again
  CHECK(y.find("# latency_cycles: (not used under accelerator.memory.model reuse)") != std::string::npos);
  std::string md = cfg::schema_reference_markdown();
  CHECK(md.find("`accelerator.memory.dram.bandwidth_bytes_per_cycle`") != std::string::npos);
}

TEST_CASE("config: custom float formats declared in YAML serve as accumulator and output", "[sim][config][formats]") {
  cfg::Config c = cfg::load_config(data("bad_inputs/custom_format.yaml"), {});
  CHECK(c.pe.acc == "acc_e6m9");
  const num::NumberFormat& f = num::format_by_name("fp7_e4m2");
  CHECK(f.flt.bias == 7);  // default bias 2^(e-1) - 1
  CHECK(num::decode(f.flt, f.flt.max_mag) == 448.0);  // no specials: exponent field 15 is finite, 1.75 * 2^(15-7)
  CHECK(cfg::dump_config(c).find("acc_e6m9: {exp_bits: 6, man_bits: 9, bias: 31") != std::string::npos);
  CHECK(load_error(data("bad_inputs/bad_custom_format.yaml"))
            .find("bad_custom_format.yaml:2: formats.tiny: exponent bits must be in 1..11") != std::string::npos);
  CHECK(load_error(data("bad_inputs/bad_pe_format.yaml"))
            .find("bad_pe_format.yaml:4: accelerator.pe.weights: 'fp8_e4m3' (float) cannot be combined") !=
        std::string::npos);
}

TEST_CASE("config: accelerator.cost.pe_area synth picks the co-verified RTL block of the PE", "[config][cost]") {
  const auto synth = [](const std::string& a, const std::string& b, const std::string& policy = "wrap") {
    model::PeParams p;
    p.format_a = a;
    p.format_b = b;
    p.int32_policy = *model::parse_int32_policy(policy);
    return cfg::synth_pe_area(model::resolve(p));
  };
  CHECK(synth("fp8_e4m3", "fp8_e5m2").block == "fp8_mac");
  CHECK(synth("bf16", "bf16").block == "bf16_mac");
  CHECK(synth("int16", "int16").block == "int16_fma");
  CHECK(synth("int8", "int16", "saturate").block == "int16_fma_sat");
  CHECK(synth("int8", "int8").block == "int8_fma");
  CHECK(synth("int16", "int16", "spill").block == "int16_fma");
  const cfg::SynthPeArea mx = synth("mxfp8_e4m3", "mxint8");
  CHECK(mx.block == "mx_dot");
  CHECK(mx.macs_per_cycle == 32);
  CHECK(mx.nand2_eq_per_mac() == Approx(mx.block_nand2_eq / 32));
  CHECK(synth("int16", "int16").macs_per_cycle == 2);
  CHECK(synth("fp8_e4m3", "fp8_e4m3").block_nand2_eq > 1000);
  CHECK_THROWS_WITH(synth("fp16", "fp16"), Catch::Contains("no synthesized RTL for a fp16 x fp16 PE"));
  CHECK_THROWS_WITH(synth("int8", "int8", "saturate"), Catch::Contains("wrap only"));
  CHECK_THROWS_WITH(synth("mxfp8_e5m2", "mxfp8_e4m3"), Catch::Contains("element formats"));
}
