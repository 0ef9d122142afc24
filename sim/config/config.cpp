#include "config/config.h"
#include "config/pe_synth.h"

#include <algorithm>
#include <yaml-cpp/yaml.h>

#include <charconv>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <functional>
#include <set>
#include <sstream>
#include <unistd.h>

#include "array/dram.h"
#include "array/reuse_model.h"
#include "config/scalesim_cfg.h"
#include "config/tech.h"
#include "cost/cost_model.h"
#include "base/checked.h"
#include "util/text.h"
#include "util/yaml_input.h"
#include "numerics/format.h"

namespace fs = std::filesystem;

namespace lpsim::cfg {

Location Config::loc(const std::string& key) const {
  auto it = where.find(key);
  if (it != where.end()) return it->second;
  return Location{source_file, 0, key};
}

namespace {

// ---------------------------------------------------------------------------------------------------------
// Schema: one row per key. The reader, unknown-key check, dump and README reference all come from this table.
// ---------------------------------------------------------------------------------------------------------

enum class Type { kPosInt, kNonNegInt, kPosReal, kEnum, kString, kPath, kEnumList, kStringList, kBool, kIntList,
                  kRealList };

struct Value {
  int64_t i = 0;
  double d = 0;
  std::string s;
  std::vector<std::string> list;
  std::vector<int64_t> ints;
  std::vector<double> reals;
};

struct KeySpec {
  std::string path;
  Type type;
  std::string default_text;  // YAML text; "" with required=true means no default
  std::string unit;
  std::string help;
  std::vector<std::string> choices;  // kEnum / kEnumList
  std::function<void(Config&, const Value&)> set;
  std::function<std::string(const Config&)> get;  // YAML text of the current value
  bool required = false;
  // Accepted range of numeric keys (inclusive); a value outside is an error at load time, never truncated.
  double max = 0;             // 0: the type's own limit (int64 for integers)
  double min = 0;             // kPosReal: smallest accepted value (0: any positive number)
  std::string auto_text = "";  // a word accepted instead of a number (e.g. "auto"), stored as 0
};

std::string fmt_real(double v) {
  std::ostringstream os;
  os.precision(12);
  os << v;
  return os.str();
}

std::string fmt_list(const std::vector<std::string>& v) { return "[" + join(v) + "]"; }
std::string fmt_reals(const std::vector<double>& v) {
  std::vector<std::string> s;
  for (double x : v) s.push_back(fmt_real(x));
  return fmt_list(s);
}
std::string fmt_ints(const std::vector<int64_t>& v) {
  std::vector<std::string> s;
  for (int64_t x : v) s.push_back(std::to_string(x));
  return fmt_list(s);
}

const char* kOperandKeys[3] = {"ifmap", "filter", "ofmap"};

using model::dram_presets;
std::string dram_presets_help() {
  std::vector<std::string> v;
  for (const auto& d : dram_presets()) v.push_back(d.what);
  return join(v, "; ");
}

const std::vector<KeySpec>& schema() {
  static const std::vector<KeySpec> specs = [] {
    std::vector<KeySpec> s;
    s.push_back({"accelerator.array.rows", Type::kPosInt, "32", "PEs", "PE rows R of the systolic array", {},
                 [](Config& c, const Value& v) { c.array.rows = v.i; },
                 [](const Config& c) { return std::to_string(c.array.rows); }});
    s.push_back({"accelerator.array.cols", Type::kPosInt, "32", "PEs", "PE columns C of the systolic array", {},
                 [](Config& c, const Value& v) { c.array.cols = v.i; },
                 [](const Config& c) { return std::to_string(c.array.cols); }});
    s.push_back({"accelerator.array.dataflow", Type::kEnum, "os", "",
                 "os = output stationary, ws = weight stationary, is = input stationary", {"os", "ws", "is"},
                 [](Config& c, const Value& v) {
                   c.array.dataflow = v.s == "os" ? model::Dataflow::kOS
                                      : v.s == "ws" ? model::Dataflow::kWS
                                                    : model::Dataflow::kIS;
                 },
                 [](const Config& c) { return std::string(model::to_string(c.array.dataflow)); }});
    s.push_back({"accelerator.array.clock_mhz", Type::kPosReal, "1000", "MHz", "core clock; converts cycles to time",
                 {}, [](Config& c, const Value& v) { c.array.clock_mhz = v.d; },
                 [](const Config& c) { return fmt_real(c.array.clock_mhz); }});
    const char* sram_default[3] = {"256", "256", "128"};
    for (int op = 0; op < 3; ++op) {
      std::string base = std::string("accelerator.memory.") + kOperandKeys[op];
      s.push_back({base + ".sram_kib", Type::kPosReal, sram_default[op], "KiB",
                   std::string("SRAM for the ") + kOperandKeys[op] +
                       " operand (double buffered: half is active, half prefetches)",
                   {}, [op](Config& c, const Value& v) { c.memory.sram_kib[op] = v.d; },
                   [op](const Config& c) { return fmt_real(c.memory.sram_kib[op]); }});
      const char* from[3] = {"the activation format (accelerator.pe.activations)",
                             "the weight format (accelerator.pe.weights)",
                             ("the output format (accelerator.pe.output), or the accumulator's width where partial "
                              "sums leave the array (ws/is with more than one fold along K)")};
      KeySpec wb{base + ".word_bits", Type::kPosInt, "auto", "bits",
                 std::string("bits one ") + kOperandKeys[op] + " element occupies in SRAM and DRAM. auto = from " +
                     from[op] + ", shared scale bits amortised (MX: + 8/32 per element; DFP: one 8-bit exponent "
                     "per tensor); README \"Bits per element\". An integer overrides (SCALE-Sim .cfg: 8)",
                 {},
                 [op](Config& c, const Value& v) { c.word_bits[op] = static_cast<int>(v.i); },
                 [op](const Config& c) { return c.word_bits[op] > 0 ? std::to_string(c.word_bits[op]) : "auto"; }};
      wb.auto_text = "auto";
      s.push_back(wb);
    }
    s.push_back({"accelerator.memory.model", Type::kEnum, "reuse", "",
                 "memory system model. reuse = lpsim chooses a loop order and tile sizes per op that minimise DRAM "
                 "traffic (an operand that fits is fetched once), all operands share one DRAM channel "
                 "(accelerator.memory.dram.type), transfers overlap compute; scalesim = SCALE-Sim v2's "
                 "model exactly (per-operand bandwidth, its prefetch windows and re-fetches; the default of a "
                 "SCALE-Sim .cfg). README \"Memory models\"",
                 {"reuse", "scalesim"},
                 [](Config& c, const Value& v) {
                   c.memory_model = v.s == "scalesim" ? model::MemoryModel::kScaleSim : model::MemoryModel::kReuse;
                 },
                 [](const Config& c) { return std::string(model::to_string(c.memory_model)); }});
    s.push_back({"accelerator.memory.keep_activations", Type::kBool, "true", "",
                 "reuse model: an op's output that fits the ofmap SRAM and feeds the next array op (directly or "
                 "through vector/SFU ops) stays on chip: no DRAM write and re-read. Not available under scalesim",
                 {}, [](Config& c, const Value& v) { c.keep_activations = v.i != 0; },
                 [](const Config& c) { return std::string(c.keep_activations ? "true" : "false"); }});
    {
      std::vector<std::string> types;
      for (const auto& d : dram_presets()) types.push_back(d.name);
      types.push_back("custom");
      s.push_back({"accelerator.memory.dram.type", Type::kEnum, "lpddr5_6400", "",
                   "reuse model: the DRAM all operands share. Presets (per channel): " + dram_presets_help() +
                       "; custom = bandwidth_gbs and latency_ns as given. A preset also sets the DRAM energy per "
                       "bit (accelerator.cost.dram_type default)",
                   types, [](Config& c, const Value& v) { c.dram.type = v.s; },
                   [](const Config& c) { return c.dram.type; }});
    }
    s.push_back({"accelerator.memory.dram.channels", Type::kPosInt, "1", "channels",
                 "reuse model: channels (DDR/LPDDR) or stacks (HBM) of the DRAM type; they multiply its bandwidth",
                 {}, [](Config& c, const Value& v) { c.dram.channels = v.i; },
                 [](const Config& c) { return std::to_string(c.dram.channels); }});
    // Numbers of the shared channel that default to the preset's figure ("preset", stored as 0 until resolved).
    auto preset_number = [&s](const std::string& key, const std::string& unit, const std::string& help,
                              double DramConfig::*field) {
      KeySpec k{"accelerator.memory.dram." + key, Type::kPosReal, "preset", unit,
                "reuse model: " + help + "; preset = the type's figure, required with type custom", {},
                [field](Config& c, const Value& v) { c.dram.*field = v.d; },
                [field](const Config& c) { return c.dram.*field > 0 ? fmt_real(c.dram.*field) : "preset"; }};
      k.auto_text = "preset";
      s.push_back(k);
    };
    preset_number("bandwidth_gbs", "GB/s", "peak bandwidth of one channel (1 GB/s = 1e9 B/s)", &DramConfig::bandwidth_gbs);
    preset_number("latency_ns", "ns", "latency of a DRAM access, paid once per op (later transfers are prefetched)",
                  &DramConfig::latency_ns);
    s.push_back({"accelerator.memory.dram.bandwidth_bytes_per_cycle", Type::kPosReal, "32", "B/cycle",
                 "scalesim model only: DRAM <-> SRAM bandwidth available to EACH operand stream (SCALE-Sim's "
                 "Bandwidth x word bytes); an error under reuse (use dram.type/bandwidth_gbs)", {},
                 [](Config& c, const Value& v) { c.memory.dram_bw_bytes_per_cycle = v.d; },
                 [](const Config& c) { return fmt_real(c.memory.dram_bw_bytes_per_cycle); }});
    s.push_back({"accelerator.memory.dram.latency_cycles", Type::kPosInt, "1", "cycles",
                 "scalesim model only: latency of one DRAM request (under reuse: latency_ns)", {},
                 [](Config& c, const Value& v) { c.memory.dram_latency_cycles = v.i; },
                 [](const Config& c) { return std::to_string(c.memory.dram_latency_cycles); }});
    // Processing-element arithmetic (models/pe/README.md). Format names are validated by model::resolve().
    s.push_back({"accelerator.pe.format", Type::kString, "", "",
                 "one operand format for the whole PE (a name of accelerator.pe.activations): sets activations and weights to it, the accumulator to "
                 "int32 for integer formats (int8, int16) and fp32 otherwise, and the output to fp32. The four "
                 "detailed keys below override it when given at the same level (a config file, or --set / a "
                 "sweep point, which outranks the file)",
                 {}, [](Config& c, const Value& v) { c.pe_format = v.s; }, [](const Config& c) { return c.pe_format; }});
    s.push_back({"accelerator.pe.activations", Type::kString, "mxfp8_e4m3", "",
                 "activation operand format (A): mxfp8_e4m3 mxfp8_e5m2 mxfp6_e3m2 mxfp6_e2m3 mxfp4_e2m1 mxint8 "
                 "fp8_e4m3 fp8_e5m2 fp6_e3m2 fp6_e2m3 fp4_e2m1 bf16 fp16 fp32 int8 int16 (aliases: dfp8 = int8, "
                 "dfp16 = int16, mxfp8, mxfp6, mxfp4, e4m3, bfloat16, float8_e4m3fn, ...; the names of `lpsim "
                 "quantize` and `lpsim gemm`)", {},
                 [](Config& c, const Value& v) { c.pe.format_a = v.s; },
                 [](const Config& c) { return c.pe.format_a; }});
    s.push_back({"accelerator.pe.weights", Type::kString, "mxfp8_e4m3", "",
                 "weight operand format (B); same family as the activations (MX, float or integer)", {},
                 [](Config& c, const Value& v) { c.pe.format_b = v.s; },
                 [](const Config& c) { return c.pe.format_b; }});
    s.push_back({"accelerator.pe.accumulator", Type::kString, "auto", "",
                 "accumulator: auto (fp32; int32 for integer operands), fp32, bf16, fp16, or eXmY (custom float)",
                 {}, [](Config& c, const Value& v) { c.pe.acc = v.s == "auto" ? std::string() : v.s; },
                 [](const Config& c) { return c.pe.acc.empty() ? std::string("auto") : c.pe.acc; }});
    s.push_back({"accelerator.pe.output", Type::kString, "fp32", "", "output format written by the array: fp32, "
                 "bf16, fp16, fp8_e4m3, ..., eXmY", {},
                 [](Config& c, const Value& v) { c.pe.out = v.s; }, [](const Config& c) { return c.pe.out; }});
    s.push_back({"accelerator.pe.rounding", Type::kEnum, "rne", "",
                 "rounding when quantizing operands (accumulators always round to nearest even)",
                 {"rne", "away", "rtz", "stochastic"},
                 [](Config& c, const Value& v) { c.pe.rounding = *num::parse_rounding(v.s); },
                 [](const Config& c) { return std::string(num::to_string(c.pe.rounding)); }});
    s.push_back({"accelerator.pe.mx_block", Type::kEnum, "32", "elements", "MX block size along the reduction",
                 {"16", "32", "64"}, [](Config& c, const Value& v) { c.pe.mx_block = std::stoi(v.s); },
                 [](const Config& c) { return std::to_string(c.pe.mx_block); }});
    s.push_back({"accelerator.pe.mx_scale_rule", Type::kEnum, "floor", "",
                 "MX shared scale: floor (OCP MX v1.0 sec. 6.3) or ceil (never clips)", {"floor", "ceil"},
                 [](Config& c, const Value& v) { c.pe.mx_scale_rule = *num::parse_scale_rule(v.s); },
                 [](const Config& c) { return std::string(num::to_string(c.pe.mx_scale_rule)); }});
    s.push_back({"accelerator.pe.int32_overflow", Type::kEnum, "wrap", "",
                 "INT32 accumulator overflow policy: wrap, saturate, or spill to FP32 every spill_interval steps",
                 {"wrap", "saturate", "spill"},
                 [](Config& c, const Value& v) { c.pe.int32_policy = *model::parse_int32_policy(v.s); },
                 [](const Config& c) { return std::string(model::to_string(c.pe.int32_policy)); }});
    s.push_back({"accelerator.pe.dot_width", Type::kPosInt, "1", "elements/cycle",
                 "elements of K one PE consumes per cycle: a dot-product unit of this width (w multipliers, an adder "
                 "tree, one set of MX block logic per dot product). K streams in ceil(K/w) steps per PE (README "
                 "\"Dot-product PEs\"); 1 = one MAC per PE per cycle, SCALE-Sim's timing", {},
                 [](Config& c, const Value& v) { c.array.dot_width = v.i; },
                 [](const Config& c) { return std::to_string(c.array.dot_width); }});
    s.push_back({"accelerator.pe.spill_interval", Type::kPosInt, "16", "steps",
                 "spill policy: VNNI accumulations (2 products each) per INT32 partial sum", {},
                 [](Config& c, const Value& v) { c.pe.spill_interval = static_cast<int>(v.i); },
                 [](const Config& c) { return std::to_string(c.pe.spill_interval); }});
    s.push_back({"accelerator.pe.dfp_add_shift", Type::kNonNegInt, "0", "bits",
                 "DFP16 headroom: extra right shift of integer operands (libxsmm add_shift)", {},
                 [](Config& c, const Value& v) { c.pe.dfp_add_shift = static_cast<int>(v.i); },
                 [](const Config& c) { return std::to_string(c.pe.dfp_add_shift); }});
    s.push_back({"accelerator.pe.tensor_scale", Type::kEnum, "pow2", "",
                 "per-tensor scale of int8 and fp8/fp6/fp4 operands, undone at the output; the rule of `lpsim "
                 "quantize --tensor-scale` and `lpsim gemm --tensor-scale`: pow2 = int8: 2^-E with E = floor(log2 "
                 "amax) - 6 (the DFP exponent), floats: largest 2^k <= max/amax; exact = max/amax in float32 (int8: "
                 "127/amax); none = unscaled (floats only). bf16/fp16/fp32 are cast; int16 is DFP16 (always pow2)",
                 {"pow2", "exact", "none"},
                 [](Config& c, const Value& v) { c.pe.tensor_scale = *num::parse_tensor_scale(v.s); },
                 [](const Config& c) { return std::string(num::to_string(c.pe.tensor_scale)); }});
    s.push_back({"accelerator.sfu.impl", Type::kEnum, "model", "",
                 "K-TanH special-function unit: rtl = verilated rtl/ktanh.sv, model = bit-exact C++ model (same "
                 "bits, faster), exact = libm rounded to BF16, fp32 = libm rounded to FP32 (no BF16 interface: "
                 "what an FP32 framework computes)",
                 {"rtl", "model", "exact", "fp32"},
                 [](Config& c, const Value& v) { model::parse_sfu_impl(v.s, &c.sfu.impl); },
                 [](const Config& c) { return std::string(model::to_string(c.sfu.impl)); }});
    s.push_back({"accelerator.sfu.lanes", Type::kPosInt, "32", "lanes",
                 "SFU lanes: activation results per cycle (pipeline latency 2 cycles)", {},
                 [](Config& c, const Value& v) { c.sfu.lanes = static_cast<int>(v.i); },
                 [](const Config& c) { return std::to_string(c.sfu.lanes); }});
    // Vector unit (models/vector/vector_unit.h): the ops of models that are neither GEMMs nor SFU activations.
    s.push_back({"accelerator.vector.format", Type::kEnum, "fp32", "",
                 "number format of the vector unit (elementwise ops, pooling, BatchNorm, Softmax, LayerNorm, "
                 "bias adds): inputs read and every result rounded once to it",
                 {"fp32", "bf16"},
                 [](Config& c, const Value& v) { c.vector.format = *model::parse_vector_format(v.s); },
                 [](const Config& c) { return std::string(model::to_string(c.vector.format)); }});
    s.push_back({"accelerator.vector.lanes", Type::kPosInt, "32", "lanes",
                 "vector operations per cycle (an op of n operations takes 4 + ceil(n / lanes) cycles)", {},
                 [](Config& c, const Value& v) { c.vector.lanes = static_cast<int>(std::min<int64_t>(v.i, 1 << 20)); },
                 [](const Config& c) { return std::to_string(c.vector.lanes); }});
    // Sparse datapath (models/sparsity/README.md).
    s.push_back({"accelerator.sparsity.scheme", Type::kEnum, "none", "",
                 "zero handling of the MAC array: none; gate = a zero operand gates the MAC (energy only); skip = "
                 "zeros compressed out of the operand lanes (unstructured, look-ahead window); nm = N:M structured "
                 "weights along K",
                 {"none", "gate", "skip", "nm"},
                 [](Config& c, const Value& v) { c.sparsity.scheme = *model::parse_sparsity_scheme(v.s); },
                 [](const Config& c) { return std::string(model::to_string(c.sparsity.scheme)); }});
    s.push_back({"accelerator.sparsity.skip_operand", Type::kEnum, "both", "",
                 "skip: which operand's zeros are compressed out", {"activations", "weights", "both"},
                 [](Config& c, const Value& v) { c.sparsity.skip_operand = *model::parse_skip_operand(v.s); },
                 [](const Config& c) { return std::string(model::to_string(c.sparsity.skip_operand)); }});
    s.push_back({"accelerator.sparsity.window", Type::kPosInt, "8", "positions",
                 "skip: look-ahead window, how far along K a lane can jump to the next nonzero in one cycle", {},
                 [](Config& c, const Value& v) { c.sparsity.window = static_cast<int>(v.i); },
                 [](const Config& c) { return std::to_string(c.sparsity.window); }});
    s.push_back({"accelerator.sparsity.index_bits", Type::kNonNegInt, "0", "bits",
                 "skip: metadata bits per stored nonzero (0 = ceil(log2 window), a relative index)", {},
                 [](Config& c, const Value& v) { c.sparsity.index_bits = static_cast<int>(std::min<int64_t>(v.i, 1 << 30)); },
                 [](const Config& c) { return std::to_string(c.sparsity.index_bits); }});
    s.push_back({"accelerator.sparsity.nm", Type::kString, "2:4", "N:M",
                 "nm: N nonzeros per group of M consecutive weights along K (2:4, 1:4, 4:8, ...)", {},
                 [](Config& c, const Value& v) {
                   std::string why;
                   auto nm = model::parse_nm(v.s, &why);
                   if (!nm) throw std::invalid_argument(why);
                   c.sparsity.nm_n = nm->n, c.sparsity.nm_m = nm->m;
                 },
                 [](const Config& c) {
                   return "\"" + std::to_string(c.sparsity.nm_n) + ":" + std::to_string(c.sparsity.nm_m) + "\"";
                 }});
    s.push_back({"accelerator.sparsity.prune_to_pattern", Type::kBool, "false", "",
                 "nm: prune weights that break the N:M pattern (largest magnitudes kept) instead of an error", {},
                 [](Config& c, const Value& v) { c.sparsity.prune_to_pattern = v.i != 0; },
                 [](const Config& c) { return std::string(c.sparsity.prune_to_pattern ? "true" : "false"); }});
    // Area/energy model (models/cost/README.md).
    s.push_back({"accelerator.cost.node_nm", Type::kPosReal, "45", "nm",
                 "logic technology node: the table's 45 nm figures scaled to 65/28/16/7 nm (Stillmaker & Baas "
                 "2017), log-log in between", {},
                 [](Config& c, const Value& v) { c.cost.node_nm = v.d; },
                 [](const Config& c) { return fmt_real(c.cost.node_nm); }});
    s.push_back({"accelerator.cost.tech_table", Type::kString, "builtin", "path",
                 "technology table (energy per action, area, sources): builtin = configs/tech/horowitz_45nm.yaml "
                 "compiled in, or a YAML file relative to the config file", {},
                 [](Config& c, const Value& v) { c.cost.tech_table = v.s; },
                 [](const Config& c) { return c.cost.tech_table; }});
    s.push_back({"accelerator.cost.dram_type", Type::kString, "default", "",
                 "DRAM technology priced per bit: a dram type of the tech table (built-in: ddr3 20.3, lpddr4 7, hbm2 4, "
                 "ddr4_3200 15, lpddr5_6400 5, hbm2e 3.9, hbm3 3.5 pJ/bit); default = the DRAM preset of "
                 "accelerator.memory.dram.type under the reuse model, else the table's default (ddr3)", {},
                 [](Config& c, const Value& v) { c.cost.dram_type = v.s == "default" ? std::string() : v.s; },
                 [](const Config& c) { return c.cost.dram_type.empty() ? std::string("default") : c.cost.dram_type; }});
    s.push_back({"accelerator.cost.pe_area", Type::kEnum, "table", "",
                 "PE area: table = from the tech table's components; synth = yosys synthesis of the co-verified RTL "
                 "PE (rtl/pe_area.json, NAND2-eq x the table's NAND2 area, per MAC lane; FP8, BF16, INT8/INT16, "
                 "MXFP8-E4M3/MXINT8 only); energy stays table-based",
                 {"table", "synth"},
                 [](Config& c, const Value& v) { c.cost.pe_area_synth = v.s == "synth"; },
                 [](const Config& c) { return std::string(c.cost.pe_area_synth ? "synth" : "table"); }});
    s.push_back({"accelerator.cost.voltage_v", Type::kString, "table", "V",
                 "supply voltage: table = the technology table's (0.9 V built in); a number scales every dynamic "
                 "energy but DRAM's by (V / V_table)^2", {},
                 [](Config& c, const Value& v) {
                   if (v.s == "table") {
                     c.cost.voltage_v = 0;
                     return;
                   }
                   char* end = nullptr;
                   const double x = std::strtod(v.s.c_str(), &end);
                   if (v.s.empty() || end != v.s.c_str() + v.s.size() || !(x > 0) || !std::isfinite(x))
                     throw std::invalid_argument("expected 'table' or a positive voltage in volts, got \"" + v.s +
                                                 "\"");
                   c.cost.voltage_v = x;
                 },
                 [](const Config& c) { return c.cost.voltage_v > 0 ? fmt_real(c.cost.voltage_v) : std::string("table"); }});
    s.push_back({"accelerator.cost.overheads", Type::kBool, "true", "",
                 "price what implementing the array adds to its cells: placement whitespace, skew registers at the "
                 "array edges, registers clocked every cycle, a second port on an accumulating ofmap SRAM "
                 "(models/cost/README.md); false = datapath only", {},
                 [](Config& c, const Value& v) { c.cost.overheads = v.i != 0; },
                 [](const Config& c) { return std::string(c.cost.overheads ? "true" : "false"); }});
    s.push_back({"accelerator.cost.pe_scratchpad_bytes", Type::kNonNegInt, "0", "B",
                 "PE-local scratchpad per PE (register file / SRAM, e.g. Eyeriss's 520 B): priced as SRAM area and "
                 "leakage; its traffic is pe_scratchpad_bits_per_mac", {},
                 [](Config& c, const Value& v) { c.cost.pe_scratchpad_bytes = v.i; },
                 [](const Config& c) { return std::to_string(c.cost.pe_scratchpad_bytes); }});
    s.push_back({"accelerator.cost.pe_scratchpad_bits_per_mac", Type::kNonNegInt, "0", "bits",
                 "bits read and written in the PE scratchpad per MAC (Eyeriss row stationary: 4 x 16), priced at the "
                 "scratchpad's SRAM energy per bit", {},
                 [](Config& c, const Value& v) { c.cost.pe_scratchpad_bits_per_mac = v.i; },
                 [](const Config& c) { return std::to_string(c.cost.pe_scratchpad_bits_per_mac); }});
    s.push_back({"workload.trace", Type::kPath, "", "path",
                 "trace file: native YAML trace or SCALE-Sim topology CSV (conv or GEMM); relative to the config "
                 "file (give this or workload.model)", {},
                 [](Config& c, const Value& v) { c.workload.trace = v.s; },
                 [](const Config& c) { return c.workload.trace_as_written; }});
    s.push_back({"workload.model", Type::kPath, "", "path",
                 "ONNX model (.onnx, e.g. from torch.onnx.export) run layer by layer with its weights; relative to "
                 "the config file (give this or workload.trace)", {},
                 [](Config& c, const Value& v) { c.workload.model = v.s; },
                 [](const Config& c) { return c.workload.model_as_written; }});
    s.push_back({"workload.input", Type::kPath, "", "path",
                 "model input values: float32 .npy in the model input's shape (its first dimension is the batch); "
                 "without it the input is drawn from workload.synthetic", {},
                 [](Config& c, const Value& v) { c.workload.input = v.s; },
                 [](const Config& c) { return c.workload.input; }});
    s.push_back({"workload.input_shape", Type::kIntList, "", "",
                 "shape of the model input, e.g. [1, 3, 224, 224]: needed when a dimension other than the batch is "
                 "dynamic (default: the model's shape)", {},
                 [](Config& c, const Value& v) { c.workload.input_shape = v.ints; },
                 [](const Config& c) { return c.workload.input_shape.empty() ? std::string() : fmt_ints(c.workload.input_shape); }});
    s.push_back({"workload.batch", Type::kPosInt, "", "images",
                 "batch size of a model whose first input dimension is dynamic (default 1)", {},
                 [](Config& c, const Value& v) { c.workload.batch = v.i; },
                 [](const Config& c) { return c.workload.batch ? std::to_string(c.workload.batch) : std::string(); }});
    // A labelled data set run through the model (sim/io/dataset.h); task accuracy next to cycles and energy.
    s.push_back({"workload.dataset.images", Type::kPath, "", "path",
                 "images: float32 or uint8 .npy (N x C x H x W, or N x H x W for one channel) or an IDX file "
                 "(*-ubyte, *-ubyte.gz) as MNIST-style data sets ship; relative to the config file", {},
                 [](Config& c, const Value& v) { c.workload.dataset.images = v.s; },
                 [](const Config& c) { return c.workload.dataset.images; }});
    s.push_back({"workload.dataset.labels", Type::kPath, "", "path",
                 "class labels: integer .npy or IDX, one per image (without labels no task accuracy)", {},
                 [](Config& c, const Value& v) { c.workload.dataset.labels = v.s; },
                 [](const Config& c) { return c.workload.dataset.labels; }});
    s.push_back({"workload.dataset.count", Type::kPosInt, "", "images",
                 "images to run, from offset on (default: all)", {},
                 [](Config& c, const Value& v) { c.workload.dataset.count = v.i; },
                 [](const Config& c) { return c.workload.dataset.count ? std::to_string(c.workload.dataset.count) : std::string(); }});
    s.push_back({"workload.dataset.offset", Type::kNonNegInt, "0", "images", "first image to run", {},
                 [](Config& c, const Value& v) { c.workload.dataset.offset = v.i; },
                 [](const Config& c) { return std::to_string(c.workload.dataset.offset); }});
    s.push_back({"workload.dataset.normalize.mean", Type::kRealList, "", "",
                 "per-channel mean subtracted after uint8 images are scaled to [0, 1] (one value, or one per channel)",
                 {}, [](Config& c, const Value& v) { c.workload.dataset.mean = v.reals; },
                 [](const Config& c) { return c.workload.dataset.mean.empty() ? std::string() : fmt_reals(c.workload.dataset.mean); }});
    s.push_back({"workload.dataset.normalize.std", Type::kRealList, "", "",
                 "per-channel standard deviation divided by, after the mean", {},
                 [](Config& c, const Value& v) { c.workload.dataset.std = v.reals; },
                 [](const Config& c) { return c.workload.dataset.std.empty() ? std::string() : fmt_reals(c.workload.dataset.std); }});
    s.push_back({"workload.dataset.layout", Type::kEnum, "nchw", "",
                 "layout of .npy images: nchw (channels first, as the model input) or nhwc (channels last)",
                 {"nchw", "nhwc"}, [](Config& c, const Value& v) { c.workload.dataset.layout = v.s; },
                 [](const Config& c) { return c.workload.dataset.layout; }});
    s.push_back({"workload.dataset.shard", Type::kString, "", "I/N",
                 "run only shard I of N equal parts of the selected images (I from 0), e.g. 0/4; `lpsim sweep-merge` "
                 "combines the shards' task figures", {},
                 [](Config& c, const Value& v) {
                   const auto slash = v.s.find('/');
                   char* e1 = nullptr;
                   char* e2 = nullptr;
                   const std::string a = v.s.substr(0, slash), b = slash == std::string::npos ? "" : v.s.substr(slash + 1);
                   const long long i = std::strtoll(a.c_str(), &e1, 10), n = std::strtoll(b.c_str(), &e2, 10);
                   if (slash == std::string::npos || a.empty() || b.empty() || *e1 || *e2 || n < 1 || i < 0 || i >= n)
                     throw std::invalid_argument("expected I/N with 0 <= I < N, e.g. 0/4");
                   c.workload.dataset.shard_index = i, c.workload.dataset.shard_count = n;
                 },
                 [](const Config& c) {
                   return c.workload.dataset.shard_count > 1 ? "\"" + std::to_string(c.workload.dataset.shard_index) + "/" +
                                                                  std::to_string(c.workload.dataset.shard_count) + "\""
                                                            : std::string();
                 }});
    s.push_back({"workload.layers", Type::kStringList, "[]", "", "only simulate these ops/layers (empty = all)", {},
                 [](Config& c, const Value& v) { c.workload.layers = v.list; },
                 [](const Config& c) { return fmt_list(c.workload.layers); }});
    s.push_back({"workload.synthetic", Type::kEnum, "off", "",
                 "give every gemm/conv2d op without its own a/b tensors seeded synthetic operands of this "
                 "distribution, so the run computes values and reports accuracy (off = timing only)",
                 {"off", "normal", "uniform", "laplace", "relu"}, [](Config& c, const Value& v) { c.workload.synthetic = v.s; },
                 [](const Config& c) { return c.workload.synthetic; }});
    s.push_back({"workload.synthetic_scale", Type::kPosReal, "1", "",
                 "scale of the synthetic operands (normal: sigma, uniform: half-width, laplace: b; relu: activations "
                 "max(0, N(0, scale^2)), half of them zero, with N(0, scale^2) weights, as after a ReLU)", {},
                 [](Config& c, const Value& v) { c.workload.synthetic_scale = v.d; },
                 [](const Config& c) { return fmt_real(c.workload.synthetic_scale); }});
    s.push_back({"workload.synthetic_outliers.fraction", Type::kPosReal, "", "",
                 "share of synthetic operand elements replaced by outliers (as `lpsim gemm --outliers FRAC:SIZE` and "
                 "a trace op's outliers: {fraction, size}); real activations have a few large channels, which decide "
                 "between per-tensor and per-block scaling", {},
                 [](Config& c, const Value& v) { c.workload.synthetic_outlier_fraction = v.d; },
                 [](const Config& c) { return c.workload.synthetic_outlier_fraction > 0 ? fmt_real(c.workload.synthetic_outlier_fraction) : std::string(); }});
    s.push_back({"workload.synthetic_outliers.size", Type::kPosReal, "", "x scale",
                 "outlier magnitude: +-size * synthetic_scale * (1 + u), u uniform in [0, 1), random sign", {},
                 [](Config& c, const Value& v) { c.workload.synthetic_outlier_size = v.d; },
                 [](const Config& c) { return c.workload.synthetic_outlier_size > 0 ? fmt_real(c.workload.synthetic_outlier_size) : std::string(); }});
    s.push_back({"run.out_dir", Type::kString, "out", "path",
                 "directory for report files (relative to the current directory); --out overrides", {},
                 [](Config& c, const Value& v) { c.run.out_dir = v.s; },
                 [](const Config& c) { return c.run.out_dir; }});
    s.push_back({"run.formats", Type::kEnumList, "[table, json, csv]", "",
                 "report files written to out_dir: table -> report.txt, json -> report.json, csv -> layers.csv",
                 {"table", "json", "csv"}, [](Config& c, const Value& v) { c.run.formats = v.list; },
                 [](const Config& c) { return fmt_list(c.run.formats); }});
    s.push_back({"run.name", Type::kString, "auto", "",
                 "name of the run: the folder of the SCALE-Sim reports inside out_dir (a SCALE-Sim .cfg's "
                 "run_name; auto = the config file's name without extension)", {},
                 [](Config& c, const Value& v) { c.run.name = v.s; },
                 [](const Config& c) { return c.run.name; }});
    s.push_back({"run.scalesim_reports", Type::kBool, "false", "",
                 "also write SCALE-Sim v2's COMPUTE_REPORT.csv, BANDWIDTH_REPORT.csv and DETAILED_ACCESS_REPORT.csv "
                 "to out_dir/<run.name>/ (true by default for a SCALE-Sim .cfg; accelerator.memory.model: scalesim only)", {},
                 [](Config& c, const Value& v) { c.run.scalesim_reports = v.i != 0; },
                 [](const Config& c) { return std::string(c.run.scalesim_reports ? "true" : "false"); }});
    s.push_back({"run.seed", Type::kNonNegInt, "1", "", "seed for every random generator of the run", {},
                 [](Config& c, const Value& v) { c.run.seed = static_cast<uint64_t>(v.i); },
                 [](const Config& c) { return std::to_string(c.run.seed); }});
    s.push_back({"run.threads", Type::kNonNegInt, "0", "threads",
                 "worker threads of the bit-true datapath (0 = every core); results never depend on it", {},
                 [](Config& c, const Value& v) { c.run.threads = static_cast<int>(v.i); },
                 [](const Config& c) { return std::to_string(c.run.threads); }});
    s.push_back({"run.ideal_emulation", Type::kEnum, "auto", "",
                 "compare each GEMM with the ideal quantize-then-FP64 emulation (sqnr_vs_ideal_db, bit_identical_pct; "
                 "one more FP64 GEMM per op): auto = on for traces, off for models", {"auto", "on", "off"},
                 [](Config& c, const Value& v) { c.run.ideal_emulation = v.s; },
                 [](const Config& c) { return c.run.ideal_emulation; }});
    s.push_back({"run.dump_outputs", Type::kBool, "false", "",
                 "write every graph output of a model as float32 .npy under OUT/outputs/ (--dump-outputs)", {},
                 [](Config& c, const Value& v) { c.run.dump_outputs = v.i != 0; },
                 [](const Config& c) { return std::string(c.run.dump_outputs ? "true" : "false"); }});
    KeySpec mem{"run.max_memory_gib", Type::kPosReal, "auto", "GiB",
                "memory the run may use (operand tensors, outputs, timing state), estimated before it starts; a "
                "run that needs more is refused. auto = 3/4 of the machine's physical memory", {},
                [](Config& c, const Value& v) { c.run.max_memory_gib = v.d; },
                [](const Config& c) { return c.run.max_memory_gib > 0 ? fmt_real(c.run.max_memory_gib) : "auto"; }};
    mem.auto_text = "auto";
    s.push_back(mem);
    // Ranges (documented in the help text, so README's reference shows them). Integer keys that models store
    // as int are capped well inside int; sizes are capped where 64-bit word and cycle counts stay exact.
    auto range = [&s](const std::string& path, double lo, double hi) {
      for (auto& k : s)
        if (k.path == path) {
          k.min = lo, k.max = hi;
          return;
        }
      throw std::logic_error("config schema: no key " + path);
    };
    range("accelerator.array.rows", 1, 65536);
    range("accelerator.array.cols", 1, 65536);
    range("accelerator.array.clock_mhz", 0, 1e6);
    for (const char* op : kOperandKeys) {
      range(std::string("accelerator.memory.") + op + ".sram_kib", 0, 1073741824.0);  // 1 TiB
      range(std::string("accelerator.memory.") + op + ".word_bits", 1, 64);
    }
    range("accelerator.memory.dram.bandwidth_bytes_per_cycle", 0.001, 1e6);
    range("accelerator.memory.dram.latency_cycles", 1, 1e6);
    range("accelerator.memory.dram.channels", 1, 1024);
    range("accelerator.memory.dram.bandwidth_gbs", 0.001, 1e6);
    range("accelerator.memory.dram.latency_ns", 0, 1e6);
    range("accelerator.pe.spill_interval", 1, 1 << 20);
    range("accelerator.pe.dot_width", 1, 4096);
    range("accelerator.pe.dfp_add_shift", 0, 62);
    range("accelerator.sfu.lanes", 1, 4096);
    range("accelerator.sparsity.window", 1, 1 << 20);
    range("accelerator.sparsity.index_bits", 0, 64);
    range("accelerator.cost.node_nm", 0, 1000);
    range("workload.synthetic_scale", 0, 1e30);
    range("workload.synthetic_outliers.fraction", 0, 1);
    range("workload.synthetic_outliers.size", 0, 1e30);
    range("run.threads", 0, 1024);
    range("run.max_memory_gib", 0, 1 << 20);
    for (auto& k : s) {
      if (k.max <= 0) continue;
      const bool integer = k.type == Type::kPosInt || k.type == Type::kNonNegInt;
      k.help += integer ? " (" + fmt_real(k.type == Type::kPosInt ? std::max(1.0, k.min) : k.min) + ".." +
                              fmt_real(k.max) + ")"
                        : " (" + (k.min > 0 ? fmt_real(k.min) : std::string("> 0")) + " .. " + fmt_real(k.max) + ")";
    }
    return s;
  }();
  return specs;
}

const char* type_name(Type t) {
  switch (t) {
    case Type::kPosInt: return "positive integer";
    case Type::kNonNegInt: return "non-negative integer";
    case Type::kPosReal: return "positive number";
    case Type::kEnum: return "one of";
    case Type::kString: return "string";
    case Type::kPath: return "path";
    case Type::kEnumList: return "list of";
    case Type::kStringList: return "list of strings";
    case Type::kBool: return "boolean";
    case Type::kIntList: return "list of positive integers";
    case Type::kRealList: return "list of numbers";
  }
  return "?";
}

// ---------------------------------------------------------------------------------------------------------
// Reading
// ---------------------------------------------------------------------------------------------------------

class Reader {
 public:
  Reader(std::string file, std::map<std::string, Location> fixed_locations)
      : file_(std::move(file)), fixed_(std::move(fixed_locations)) {}

  Location where(const std::string& path, const YAML::Node& n) const {
    auto it = fixed_.find(path);
    if (it != fixed_.end()) return it->second;
    int line = n.Mark().line >= 0 ? n.Mark().line + 1 : 0;
    return Location{file_, line, path};
  }

  std::map<std::string, Location>& fixed() { return fixed_; }

 private:
  std::string file_;
  std::map<std::string, Location> fixed_;  // override / .cfg locations by key path
};

bool parse_int(const std::string& s, int64_t& out) {
  if (s.empty()) return false;
  const char* b = s.data();
  const char* e = s.data() + s.size();
  if (*b == '+') ++b;
  auto r = std::from_chars(b, e, out);
  return r.ec == std::errc() && r.ptr == e;
}

bool parse_real(const std::string& s, double& out) {
  if (s.empty()) return false;
  char* end = nullptr;
  out = std::strtod(s.c_str(), &end);
  return end == s.c_str() + s.size() && std::isfinite(out);
}

Value parse_value(const KeySpec& spec, const YAML::Node& n, const Location& at) {
  Value v;
  auto expect_scalar = [&](const std::string& what) {
    if (!n.IsScalar()) throw_input_error(at, "expected " + what + ", got " + describe(n));
  };
  switch (spec.type) {
    case Type::kPosInt:
    case Type::kNonNegInt: {
      std::string what = type_name(spec.type);
      expect_scalar("a " + what);
      if (!spec.auto_text.empty() && n.Scalar() == spec.auto_text) {
        v.i = 0;  // resolved where it is used
        return v;
      }
      if (!parse_int(n.Scalar(), v.i) || (spec.type == Type::kPosInt ? v.i <= 0 : v.i < 0))
        throw_input_error(at, "expected a " + what + (spec.auto_text.empty() ? "" : " or " + spec.auto_text) +
                                  ", got " + describe(n));
      if (spec.max > 0 && (static_cast<double>(v.i) > spec.max || static_cast<double>(v.i) < spec.min))
        throw_input_error(at, "expected an integer from " + fmt_real(std::max(spec.min, spec.type == Type::kPosInt ? 1.0 : 0.0)) +
                                  " to " + fmt_real(spec.max) + ", got " + describe(n));
      return v;
    }
    case Type::kPosReal:
      expect_scalar("a positive number");
      if (!spec.auto_text.empty() && n.Scalar() == spec.auto_text) {
        v.d = 0;  // resolved where it is used
        return v;
      }
      if (!parse_real(n.Scalar(), v.d) || v.d <= 0)
        throw_input_error(at, "expected a positive number" + (spec.auto_text.empty() ? "" : " or " + spec.auto_text) +
                                  ", got " + describe(n));
      if (spec.max > 0 && (v.d > spec.max || v.d < spec.min))
        throw_input_error(at, "expected a number from " + (spec.min > 0 ? fmt_real(spec.min) : std::string("just above 0")) +
                                  " to " + fmt_real(spec.max) + ", got " + describe(n));
      return v;
    case Type::kEnum:
      expect_scalar("one of " + join(spec.choices));
      v.s = n.Scalar();
      if (std::find(spec.choices.begin(), spec.choices.end(), v.s) == spec.choices.end())
        throw_input_error(at, "expected one of " + join(spec.choices) + ", got " + describe(n) +
                                  did_you_mean(v.s, spec.choices));
      return v;
    case Type::kString:
    case Type::kPath:
      expect_scalar("a " + std::string(type_name(spec.type)));
      v.s = n.Scalar();
      if (v.s.empty()) throw_input_error(at, "expected a non-empty " + std::string(type_name(spec.type)));
      return v;
    case Type::kBool:
      expect_scalar("true or false");
      if (n.Scalar() == "true" || n.Scalar() == "yes" || n.Scalar() == "on") {
        v.i = 1;
      } else if (n.Scalar() == "false" || n.Scalar() == "no" || n.Scalar() == "off") {
        v.i = 0;
      } else {
        throw_input_error(at, "expected true or false, got " + describe(n));
      }
      return v;
    case Type::kIntList: {
      if (!n.IsSequence()) throw_input_error(at, "expected a list of positive integers, e.g. [1, 3, 224, 224], got " + describe(n));
      for (const auto& it : n) {
        int64_t x = 0;
        if (!it.IsScalar() || !parse_int(it.Scalar(), x) || x <= 0)
          throw_input_error(at, "expected a list of positive integers, got an element that is " + describe(it));
        v.ints.push_back(x);
      }
      if (v.ints.empty()) throw_input_error(at, "expected a non-empty list of positive integers");
      return v;
    }
    case Type::kRealList: {
      if (!n.IsSequence() || n.size() == 0) throw_input_error(at, "expected a list of numbers, e.g. [0.2860], got " + describe(n));
      for (const auto& it : n) {
        double x = 0;
        if (!it.IsScalar() || !parse_real(it.Scalar(), x))
          throw_input_error(at, "expected a list of numbers, got an element that is " + describe(it));
        v.reals.push_back(x);
      }
      return v;
    }
    case Type::kEnumList:
    case Type::kStringList: {
      std::vector<YAML::Node> items;
      if (n.IsScalar()) {
        items.push_back(n);  // a single value is a one-element list
      } else if (n.IsSequence()) {
        for (const auto& it : n) items.push_back(it);
      } else if (!n.IsNull()) {
        throw_input_error(at, "expected a list, got " + describe(n));
      }
      for (const auto& it : items) {
        if (!it.IsScalar()) throw_input_error(at, "expected a list of names, got an element that is " + describe(it));
        const std::string& s = it.Scalar();
        if (spec.type == Type::kEnumList &&
            std::find(spec.choices.begin(), spec.choices.end(), s) == spec.choices.end())
          throw_input_error(at, "expected each element to be one of " + join(spec.choices) + ", got \"" + s +
                                    "\"" + did_you_mean(s, spec.choices));
        v.list.push_back(s);
      }
      return v;
    }
  }
  return v;
}

// Rejects keys the schema does not know, with the closest valid sibling as a hint.
void check_unknown_keys(const YAML::Node& node, const std::string& prefix, Reader& rd) {
  std::vector<std::string> children;  // valid child names under prefix
  for (const auto& s : schema()) {
    if (prefix.empty() || s.path.compare(0, prefix.size() + 1, prefix + ".") == 0) {
      std::string rest = prefix.empty() ? s.path : s.path.substr(prefix.size() + 1);
      std::string child = rest.substr(0, rest.find('.'));
      if (std::find(children.begin(), children.end(), child) == children.end()) children.push_back(child);
    }
  }
  if (prefix.empty()) children.push_back("formats");  // user-named custom formats, read by read_custom_formats
  if (prefix == "workload") children.push_back("overrides");  // a list, read by read_overrides
  for (const auto& kv : node) {
    const YAML::Node& key = kv.first;
    if (!key.IsScalar()) throw_input_error(rd.where(prefix, key), "a key must be a plain name, got " + describe(key));
    std::string name = key.Scalar();
    std::string path = prefix.empty() ? name : prefix + "." + name;
    if (path == "formats" || path == "workload.overrides") continue;
    if (std::find(children.begin(), children.end(), name) == children.end()) {
      const std::string shown = excerpt(name);
      throw_input_error(rd.where(prefix.empty() ? shown : prefix + "." + shown, key),
                        "unknown key '" + shown + "'" + did_you_mean(name, children) + "; valid keys here: " +
                            join(children));
    }
    bool leaf = false;
    for (const auto& s : schema()) leaf = leaf || s.path == path;
    if (leaf) continue;
    const YAML::Node& value = kv.second;
    if (!value.IsMap()) {
      if (value.IsNull()) continue;  // "array:" with nothing under it: all defaults
      throw_input_error(rd.where(path, value), "expected a mapping of keys, got " + describe(value));
    }
    check_unknown_keys(value, path, rd);
  }
}

YAML::Node find(const YAML::Node& root, const std::string& path) {
  YAML::Node cur;
  cur.reset(root);  // yaml-cpp: operator= would overwrite the referenced node; reset() rebinds
  std::stringstream ss(path);
  std::string part;
  while (std::getline(ss, part, '.')) {
    if (!cur.IsMap()) return YAML::Node(YAML::NodeType::Undefined);
    const YAML::Node& const_cur = cur;
    YAML::Node next = const_cur[part];
    if (!next.IsDefined()) return YAML::Node(YAML::NodeType::Undefined);
    cur.reset(next);
  }
  return cur;
}

void apply_override(YAML::Node& root, const Override& o, Reader& rd) {
  bool known = false;
  std::vector<std::string> all;
  for (const auto& s : schema()) {
    known = known || s.path == o.key;
    all.push_back(s.path);
  }
  Location at{"--set", 0, o.key};
  if (!known) throw_input_error(at, "unknown key" + did_you_mean(o.key, all) + " (see 'lpsim validate --keys')");
  YAML::Node value;
  try {
    value = load_yaml_text(o.value, "--set " + o.key);
  } catch (const InputError& e) {
    throw_input_error(at, "cannot parse value " + quote_value(o.value) + " (" + e.what() + ")");
  }
  std::vector<std::string> parts;
  std::stringstream ss(o.key);
  for (std::string p; std::getline(ss, p, '.');) parts.push_back(p);
  YAML::Node cur;
  cur.reset(root);
  std::string path;
  for (size_t i = 0; i + 1 < parts.size(); ++i) {
    path += (i ? "." : "") + parts[i];
    YAML::Node next = cur[parts[i]];
    if (!next.IsDefined() || next.IsNull()) {
      cur[parts[i]] = YAML::Node(YAML::NodeType::Map);
      next.reset(cur[parts[i]]);
    } else if (!next.IsMap()) {
      throw_input_error(rd.where(path, next), "expected a mapping of keys, got " + describe(next));
    }
    cur.reset(next);
  }
  cur[parts.back()] = value;
  rd.fixed()[o.key] = at;
}

// formats: {NAME: {exp_bits: E, man_bits: M, bias: B, specials: ieee|nan_only|none, subnormals: true}}
// declares custom floats usable wherever a float format name is accepted (accumulator, output, quantize).
void read_custom_formats(const YAML::Node& root, Reader& rd, std::vector<std::string>& declared) {
  YAML::Node formats = find(root, "formats");
  if (!formats.IsDefined() || formats.IsNull()) return;
  if (!formats.IsMap()) throw_input_error(rd.where("formats", formats), "expected a mapping of format names");
  const std::vector<std::string> keys = {"exp_bits", "man_bits", "bias", "specials", "subnormals"};
  for (const auto& kv : formats) {
    std::string name = kv.first.Scalar();
    std::string base = "formats." + name;
    const YAML::Node& f = kv.second;
    if (!f.IsMap()) throw_input_error(rd.where(base, f), "expected {exp_bits: E, man_bits: M, ...}, got " + describe(f));
    for (const auto& fk : f) {
      std::string k = fk.first.Scalar();
      if (std::find(keys.begin(), keys.end(), k) == keys.end())
        throw_input_error(rd.where(base + "." + k, fk.first),
                          "unknown key '" + k + "'" + did_you_mean(k, keys) + "; valid keys: " + join(keys));
    }
    auto integer = [&](const std::string& k, int64_t dflt, bool required) {
      YAML::Node n = f[k];
      if (!n.IsDefined()) {
        if (required) throw_input_error(rd.where(base, f), "missing required key '" + k + "'");
        return dflt;
      }
      int64_t v = 0;
      if (!n.IsScalar() || !parse_int(n.Scalar(), v))
        throw_input_error(rd.where(base + "." + k, n), "expected an integer, got " + describe(n));
      return v;
    };
    int64_t e = integer("exp_bits", 0, true), m = integer("man_bits", 0, true);
    int64_t bias = integer("bias", e >= 1 && e < 62 ? (int64_t{1} << (e - 1)) - 1 : 0, false);
    num::Specials specials = num::Specials::kIeee;
    if (f["specials"]) {
      auto sp = f["specials"].IsScalar() ? num::parse_specials(f["specials"].Scalar()) : std::nullopt;
      if (!sp)
        throw_input_error(rd.where(base + ".specials", f["specials"]),
                          "expected one of ieee, nan_only, none, got " + describe(f["specials"]));
      specials = *sp;
    }
    bool subnormals = true;
    if (f["subnormals"]) {
      std::string t = f["subnormals"].IsScalar() ? f["subnormals"].Scalar() : std::string();
      if (t != "true" && t != "false")
        throw_input_error(rd.where(base + ".subnormals", f["subnormals"]),
                          "expected true or false, got " + describe(f["subnormals"]));
      subnormals = t == "true";
    }
    try {
      num::FloatFormat ff = num::make_float_format(static_cast<int>(e), static_cast<int>(m), static_cast<int>(bias),
                                                   specials, num::NanStyle::kQuiet, true, subnormals);
      num::register_format(num::float_number_format(name, ff));
    } catch (const std::invalid_argument& ex) {
      throw_input_error(rd.where(base, f), ex.what());
    }
    declared.push_back(name);
  }
}

// accelerator.pe.format (or an override's pe.format): activations, weights, accumulator and output follow the
// format unless the key itself was given at the format's level or above (`level_of(key)`: 0 = not given, 1 =
// the file, 2 = --set / a sweep point). The accumulator matches the activations finally chosen, so a detailed
// activations key never meets the other family's accumulator.
void apply_pe_format(model::PeParams& pe, const std::string& format, int format_level,
                     const std::function<int(const std::string&)>& level_of) {
  model::PeParams f = pe;
  model::apply_format(f, format);
  if (level_of("activations") < format_level) pe.format_a = f.format_a;
  if (level_of("weights") < format_level) pe.format_b = f.format_b;
  if (level_of("output") < format_level) pe.out = f.out;
  if (level_of("accumulator") < format_level) {
    try {
      pe.acc = model::operand_format("format_a", pe.format_a).family == model::PeMode::kInt ? "int32" : "fp32";
    } catch (const model::PeParamError&) {
      pe.acc = f.acc;  // resolve() reports the unknown activations name
    }
  }
}

// Error key of a model::PeParamError -> the config key it came from.
std::string pe_error_key(const std::string& key) {
  static const std::map<std::string, std::string> kKeys = {
      {"format_a", "activations"},      {"format_b", "weights"},         {"acc", "accumulator"},
      {"out", "output"},                {"mx_block", "mx_block"},        {"spill_interval", "spill_interval"},
      {"dfp_add_shift", "dfp_add_shift"}, {"tensor_scale", "tensor_scale"}, {"format", "format"}};
  auto it = kKeys.find(key);
  return it != kKeys.end() ? it->second : std::string();
}

// workload.overrides: [{ops: [NAME or glob, ...], pe: {accelerator.pe keys}, sparsity: {accelerator.sparsity
// keys}}]: each entry's keys are read and checked with the schema rows of accelerator.pe / accelerator.sparsity,
// applied on top of the accelerator's values. Which ops match is checked against the workload (driver).
void read_overrides(const YAML::Node& root, Reader& rd, Config& c) {
  YAML::Node list = find(root, "workload.overrides");
  if (!list.IsDefined() || list.IsNull()) return;
  if (!list.IsSequence())
    throw_input_error(rd.where("workload.overrides", list),
                      "expected a list of {ops: [...], pe: {...}, sparsity: {...}}, got " + describe(list));
  for (size_t i = 0; i < list.size(); ++i) {
    const YAML::Node item = list[i];
    const std::string base = "workload.overrides[" + std::to_string(i) + "]";
    if (!item.IsMap()) throw_input_error(rd.where(base, item), "expected {ops: [...], pe: {...}}, got " + describe(item));
    OpOverride o;
    o.where = rd.where(base, item);
    const std::vector<std::string> keys = {"ops", "pe", "sparsity"};
    for (const auto& kv : item) {
      const std::string k = kv.first.IsScalar() ? kv.first.Scalar() : "?";
      if (std::find(keys.begin(), keys.end(), k) == keys.end())
        throw_input_error(rd.where(base + "." + k, kv.first),
                          "unknown key '" + k + "'" + did_you_mean(k, keys) + "; valid keys: " + join(keys));
    }
    const YAML::Node ops = item["ops"];
    if (!ops.IsDefined()) throw_input_error(o.where, "missing 'ops': the op names (or globs) this override applies to");
    if (ops.IsScalar()) o.ops.push_back(ops.Scalar());
    else if (ops.IsSequence())
      for (const auto& n : ops) {
        if (!n.IsScalar() || n.Scalar().empty())
          throw_input_error(rd.where(base + ".ops", n), "expected op names, got an element that is " + describe(n));
        o.ops.push_back(n.Scalar());
      }
    else throw_input_error(rd.where(base + ".ops", ops), "expected a list of op names, got " + describe(ops));
    if (o.ops.empty()) throw_input_error(rd.where(base + ".ops", ops), "expected at least one op name");
    Config tmp = c;
    for (const char* section : {"pe", "sparsity"}) {
      const YAML::Node sec = item[section];
      if (!sec.IsDefined()) continue;
      const std::string prefix = std::string("accelerator.") + section;
      if (!sec.IsMap()) throw_input_error(rd.where(base + "." + section, sec), "expected a mapping of " + prefix + " keys, got " + describe(sec));
      std::vector<std::string> valid;
      for (const auto& spec : schema())
        if (spec.path.rfind(prefix + ".", 0) == 0) valid.push_back(spec.path.substr(prefix.size() + 1));
      std::set<std::string> given;  // keys of this section
      std::string format;
      for (const auto& kv : sec) {
        const std::string k = kv.first.IsScalar() ? kv.first.Scalar() : "?";
        const std::string key = base + "." + section + "." + k;
        auto spec = std::find_if(schema().begin(), schema().end(), [&](const KeySpec& sp) { return sp.path == prefix + "." + k; });
        if (spec == schema().end())
          throw_input_error(rd.where(key, kv.first), "unknown key '" + k + "'" + did_you_mean(k, valid) +
                                                         "; valid keys here: " + join(valid));
        const Location at = rd.where(key, kv.second);
        given.insert(k);
        try {
          const Value v = parse_value(*spec, kv.second, at);
          if (k == "format") format = v.s;
          else spec->set(tmp, v);
        } catch (const std::invalid_argument& e) {
          throw_input_error(at, std::string(e.what()) + ", got " + describe(kv.second));
        }
      }
      if (std::string(section) == "pe") {
        tmp.pe.seed = c.run.seed;
        try {
          if (!format.empty())
            apply_pe_format(tmp.pe, format, 1, [&](const std::string& k) { return given.count(k) ? 1 : 0; });
          model::resolve(tmp.pe, model::PeKeyNames{base + ".pe.activations", base + ".pe.weights"});
        } catch (const model::PeParamError& e) {
          const std::string k = pe_error_key(e.key());
          throw_input_error(given.count(k) ? rd.where(base + ".pe." + k, sec[k]) : rd.where(base + ".pe", sec), e.what());
        }
        o.pe = tmp.pe;
      } else {
        try {
          model::validate_sparsity(tmp.sparsity);
        } catch (const model::SparsityParamError& e) {
          throw_input_error(rd.where(base + ".sparsity." + e.key(), sec), e.what());
        }
        o.sparsity = tmp.sparsity;
      }
    }
    if (!o.pe && !o.sparsity) throw_input_error(o.where, "an override needs 'pe' and/or 'sparsity'");
    c.workload.overrides.push_back(o);
  }
}

}  // namespace

Override parse_override(const std::string& text) {
  auto eq = text.find('=');
  if (eq == std::string::npos || eq == 0)
    throw InputError("--set " + text + ": expected key.path=value, e.g. --set accelerator.array.rows=64");
  return Override{text.substr(0, eq), text.substr(eq + 1)};
}

namespace {

// accelerator.memory.model and the keys that belong to one model only; the shared DRAM channel of the reuse model
// in bytes per cycle of the array clock. `given` holds the keys written in the file or with --set.
void resolve_memory_system(Config& c, const std::map<std::string, int>& level) {
  auto given = [&level](const std::string& k) {
    auto it = level.find(k);
    return it != level.end() && it->second > 0;
  };
  const bool reuse = c.memory_model == model::MemoryModel::kReuse;
  const std::vector<std::string> scalesim_only = {"accelerator.memory.dram.bandwidth_bytes_per_cycle",
                                                  "accelerator.memory.dram.latency_cycles"};
  // The shared channel's keys are accepted under scalesim (a sweep or --set may switch models on one config): its
  // timing is not used there, a DRAM type given explicitly still prices the DRAM bits. Keeping activations on chip
  // is a schedule SCALE-Sim's model does not have: asked for explicitly, it is an error.
  const std::vector<std::string> reuse_only = {"accelerator.memory.keep_activations"};
  c.dram_type_given = given("accelerator.memory.dram.type");
  for (const std::string& k : reuse ? scalesim_only : reuse_only) {
    if (!given(k)) continue;
    if (!reuse && !c.keep_activations) continue;  // keep_activations: false is what scalesim does anyway
    throw_input_error(
        c.loc(k), reuse ? std::string("applies to accelerator.memory.model: scalesim only (SCALE-Sim's per-operand "
                                      "DRAM streams); the reuse model shares one DRAM channel: set "
                                      "accelerator.memory.dram.type (a preset) or type: custom with bandwidth_gbs "
                                      "and latency_ns, or set accelerator.memory.model: scalesim")
                        : std::string("applies to accelerator.memory.model: reuse only; under scalesim each operand "
                                      "stream has accelerator.memory.dram.bandwidth_bytes_per_cycle"));
  }
  if (!reuse) {
    c.keep_activations = false;
    return;
  }
  if (c.run.scalesim_reports)
    throw_input_error(c.loc("run.scalesim_reports"),
                      "SCALE-Sim's report files describe its own memory model: set accelerator.memory.model: scalesim "
                      "to write them (the reuse model's figures are in layers.csv and report.json)");
  const model::DramPreset* p = model::find_dram_preset(c.dram.type);
  if (!p) {  // custom: both numbers are the user's
    for (const char* k : {"accelerator.memory.dram.bandwidth_gbs", "accelerator.memory.dram.latency_ns"})
      if (!given(k))
        throw_input_error(c.loc("accelerator.memory.dram.type"),
                          std::string("type custom needs ") + k + " (a preset takes its figures from the type)");
  }
  if (c.dram.bandwidth_gbs <= 0) c.dram.bandwidth_gbs = p->gbs_per_channel;
  if (c.dram.latency_ns <= 0) c.dram.latency_ns = p->latency_ns;
  const double gbs = c.dram.bandwidth_gbs * static_cast<double>(c.dram.channels);
  // 1 GB/s at 1 MHz is 1000 B per cycle: B/cycle = GB/s x 1000 / MHz.
  c.memory.dram_bw_bytes_per_cycle = gbs * 1000.0 / c.array.clock_mhz;
  const double lat = std::ceil(c.dram.latency_ns * c.array.clock_mhz / 1000.0);
  c.memory.dram_latency_cycles = static_cast<int64_t>(std::max(1.0, lat));
  if (!(c.memory.dram_bw_bytes_per_cycle >= 1e-3 && c.memory.dram_bw_bytes_per_cycle <= 1e9))
    throw_input_error(c.loc(given("accelerator.memory.dram.bandwidth_gbs") ? "accelerator.memory.dram.bandwidth_gbs"
                                                                                 : "accelerator.memory.dram.type"),
                      fmt_real(gbs) + " GB/s at " + fmt_real(c.array.clock_mhz) + " MHz is " +
                          fmt_real(c.memory.dram_bw_bytes_per_cycle) +
                          " B/cycle, outside the modelled range 0.001 .. 1e9 B/cycle");
  if (lat > 1e9)
    throw_input_error(c.loc("accelerator.memory.dram.latency_ns"),
                      fmt_real(c.dram.latency_ns) + " ns is " + fmt_real(lat) + " cycles at " +
                          fmt_real(c.array.clock_mhz) + " MHz, more than the modelled 1e9 cycles");
}

}  // namespace

Config load_config(const std::string& path, const std::vector<Override>& overrides,
                   const std::string& trace_override, const std::string& model_override) {
  Config c;
  c.source_file = path;
  YAML::Node root;
  std::map<std::string, Location> fixed;
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) {
    throw InputError(path + ": cannot read config file: " +
                     (fs::exists(path, ec) ? "not a regular file" : "no such file"));
  }
  if (fs::path(path).extension() == ".cfg") {
    if (trace_override.empty())
      throw InputError(path + ": a SCALE-Sim .cfg has no workload; give the topology with --trace TOPOLOGY.csv");
    root = scalesim_cfg_to_yaml(path, fixed);
  } else {
    root = load_yaml_file(path);
  }
  if (root.IsNull()) root = YAML::Node(YAML::NodeType::Map);
  if (!root.IsMap()) throw InputError(path + ":1: expected a mapping with keys accelerator, workload, run");
  Reader rd(path, fixed);
  for (const auto& o : overrides) apply_override(root, o, rd);
  if (!trace_override.empty() || !model_override.empty()) {
    // --trace / --model replace the config's workload (a trace and a model exclude each other).
    const bool model = !model_override.empty();
    const std::string key = model ? "model" : "trace";
    YAML::Node w = yaml_child(root, "workload");
    if (w.IsDefined() && !w.IsNull()) expect_map(w, rd.where("workload", w));
    if (root["workload"] && root["workload"].IsMap()) root["workload"].remove(model ? "trace" : "model");
    root["workload"][key] = fs::absolute(model ? model_override : trace_override).lexically_normal().string();
    rd.fixed()["workload." + key] = Location{"--" + key, 0, "workload." + key};
  }
  check_unknown_keys(root, "", rd);
  std::vector<std::string> custom;
  read_custom_formats(root, rd, custom);

  std::map<std::string, int> level;  // key path -> 1 = given in the file, 2 = --set (accelerator.pe.format)
  for (const auto& spec : schema()) {
    YAML::Node n = find(root, spec.path);
    Value v;
    if (n.IsDefined() && !n.IsNull()) {
      Location at = rd.where(spec.path, n);
      v = parse_value(spec, n, at);
      c.where[spec.path] = at;
      level[spec.path] = at.file == "--set" ? 2 : 1;
    } else if (spec.required) {
      throw_input_error(Location{path, 0, spec.path}, "missing required key (" + spec.help + ")");
    } else if (spec.default_text.empty()) {
      c.where[spec.path] = Location{path, 0, spec.path};  // optional, no default: the struct's value stands
      continue;
    } else {
      v = parse_value(spec, YAML::Load(spec.default_text), Location{"<default>", 0, spec.path});
      c.where[spec.path] = Location{path, 0, spec.path};
    }
    try {
      spec.set(c, v);  // setters that parse structured text (e.g. "2:4") throw invalid_argument with the reason
    } catch (const std::invalid_argument& e) {
      throw_input_error(c.where[spec.path], std::string(e.what()) + ", got " + describe(n));
    }
  }

  // Paths: a trace, model or input written in a config file is relative to that file; --set/--trace/--model
  // paths to the current directory.
  auto resolve_path = [&](const std::string& key, std::string& value) {
    if (value.empty()) return;
    const Location& at = c.where[key];
    fs::path p(value);
    if (p.is_relative() && at.file != "--set" && at.file != "--trace" && at.file != "--model")
      p = fs::path(path).parent_path() / p;
    value = p.lexically_normal().string();
  };
  c.workload.trace_as_written = c.workload.trace;
  c.workload.model_as_written = c.workload.model;
  resolve_path("workload.trace", c.workload.trace);
  resolve_path("workload.model", c.workload.model);
  resolve_path("workload.input", c.workload.input);
  resolve_path("workload.dataset.images", c.workload.dataset.images);
  resolve_path("workload.dataset.labels", c.workload.dataset.labels);
  {
    const DatasetConfig& d = c.workload.dataset;
    const bool any = !d.labels.empty() || d.count || d.offset || !d.mean.empty() || !d.std.empty() || d.shard_count > 1;
    if (!d.present() && any)
      throw_input_error(c.loc("workload.dataset.images"), "workload.dataset needs 'images' (the other dataset keys "
                                                         "describe how to read them)");
    if (d.present() && c.workload.model.empty())
      throw_input_error(c.loc("workload.dataset.images"), "a data set runs through a model: give workload.model");
    if (d.present() && !c.workload.input.empty())
      throw_input_error(c.loc("workload.input"), "workload.input and workload.dataset exclude each other: give one");
    if (d.mean.size() != d.std.size())
      throw_input_error(c.loc("workload.dataset.normalize.std"),
                        "normalize needs as many std values as mean values (" + std::to_string(d.mean.size()) + ")");
    for (double sd : d.std)
      if (!(sd > 0)) throw_input_error(c.loc("workload.dataset.normalize.std"), "std values must be positive");
  }
  if (c.workload.trace.empty() == c.workload.model.empty())
    throw_input_error(rd.where("workload", find(root, "workload")),
                      c.workload.trace.empty() ? "give workload.trace (a trace or SCALE-Sim topology) or "
                                                 "workload.model (an ONNX model)"
                                               : "workload.trace and workload.model exclude each other: give one");

  // run.name names a folder inside out_dir (SCALE-Sim: <logdir>/<run_name>/COMPUTE_REPORT.csv).
  if (c.run.name == "auto") c.run.name = fs::path(path).stem().string();
  if (c.run.name == "." || c.run.name == ".." ||
      c.run.name.find_first_of(std::string("/\\\0", 3)) != std::string::npos ||
      std::any_of(c.run.name.begin(), c.run.name.end(), [](char ch) { return static_cast<unsigned char>(ch) < 0x20; }))
    throw_input_error(c.loc("run.name"), "expected a folder name (no '/', not '.' or '..'), got \"" + c.run.name + "\"");

  c.custom_formats = custom;
  c.sfu.clock_mhz = c.array.clock_mhz;
  c.pe.seed = c.run.seed;
  try {
    if (!c.pe_format.empty())
      apply_pe_format(c.pe, c.pe_format, level["accelerator.pe.format"], [&](const std::string& k) {
        auto it = level.find("accelerator.pe." + k);
        return it == level.end() ? 0 : it->second;
      });
    model::resolve(c.pe);
  } catch (const model::PeParamError& e) {
    const std::string k = pe_error_key(e.key());
    std::string key = k.empty() ? "accelerator.pe" : "accelerator.pe." + k;
    // A value the format set is reported at the format's line.
    const int fl = c.pe_format.empty() ? 0 : level["accelerator.pe.format"];
    if ((k == "activations" || k == "weights" || k == "accumulator" || k == "output") && level[key] < fl)
      key = "accelerator.pe.format";
    throw_input_error(c.loc(key), e.what());
  }
  read_overrides(root, rd, c);
  {
    // Synthetic outliers: both numbers or neither, and only where synthetic operands are drawn.
    const WorkloadConfig& w = c.workload;
    const bool f = level.count("workload.synthetic_outliers.fraction"), sz = level.count("workload.synthetic_outliers.size");
    if (f != sz)
      throw_input_error(c.loc(f ? "workload.synthetic_outliers.fraction" : "workload.synthetic_outliers.size"),
                        "workload.synthetic_outliers needs both fraction and size, e.g. {fraction: 0.001, size: 50}");
    if (f && w.synthetic == "off")
      throw_input_error(c.loc("workload.synthetic_outliers.fraction"),
                        "outliers apply to synthetic operands: set workload.synthetic (normal, uniform, laplace, relu)");
  }
  // Design-level bits per word (SRAM capacity check, cost model's buffers): per element, no per-tensor terms;
  // each layer's own figure comes from memory_for().
  resolve_memory_system(c, level);
  c.memory = memory_for(c, c.pe, nullptr);
  try {
    model::validate_sparsity(c.sparsity);
  } catch (const model::SparsityParamError& e) {
    throw_input_error(c.loc("accelerator.sparsity." + e.key()), e.what());
  }
  // The sparse timing model (models/sparsity) schedules single-MAC PEs; a dot-product PE skips whole vectors.
  if (c.array.dot_width > 1 && c.sparsity.scheme != model::SparsityScheme::kNone)
    throw_input_error(c.loc("accelerator.pe.dot_width"),
                      "dot-product PEs (dot_width " + std::to_string(c.array.dot_width) +
                          ") cannot be combined with accelerator.sparsity.scheme (the sparse timing model has "
                          "one-MAC PEs); set dot_width: 1 or scheme: none");
  // Technology table: built in, or a file relative to the config (as the trace); then the node and DRAM type are
  // checked by building the cost model once.
  if (c.cost.tech_table == "builtin") {
    c.cost.tech = default_tech_table();
  } else {
    const Location& at = c.where["accelerator.cost.tech_table"];
    fs::path tp(c.cost.tech_table);
    if (tp.is_relative() && at.file != "--set") tp = fs::path(path).parent_path() / tp;
    if (!fs::is_regular_file(tp, ec))
      throw_input_error(at, "cannot read technology table " + tp.lexically_normal().string() + ": no such file");
    c.cost.tech = load_tech_table(tp.lexically_normal().string());
  }
  if (c.cost.pe_area_synth) {
    try {
      synth_pe_area(model::resolve(c.pe));
    } catch (const std::invalid_argument& e) {
      throw_input_error(c.loc("accelerator.cost.pe_area"), e.what());
    }
  }
  try {
    cost::CostModel probe(c.cost.tech, arch_desc(c));
  } catch (const std::invalid_argument& e) {
    std::string what = e.what();
    const bool dram = what.find("DRAM") != std::string::npos || what.find("dram") != std::string::npos;
    throw_input_error(c.loc(!dram                         ? "accelerator.cost.node_nm"
                            : c.cost.dram_type.empty() &&
                                    c.memory_model == model::MemoryModel::kReuse
                                ? "accelerator.memory.dram.type"
                                : "accelerator.cost.dram_type"),
                      what);
  }
  // Cross-field checks (single-key ranges are checked by the schema while reading).
  for (int op = 0; op < 3; ++op) {
    std::string base = std::string("accelerator.memory.") + kOperandKeys[op];
    // Each half of the double buffer must hold at least one edge vector of the array, or no fold can start.
    int64_t need = 2 * std::max(c.array.rows, c.array.cols);
    int64_t have = c.memory.sram_words(op);
    if (have < need)
      throw_input_error(c.loc(base + ".sram_kib"),
                        fmt_real(c.memory.sram_kib[op]) + " KiB holds " + std::to_string(have) + " words of " +
                            model::to_string(c.memory.word_bits[op]) + " bits, fewer than one array row of operands (" +
                            std::to_string(need) + " words for a double-buffered " + std::to_string(c.array.rows) +
                            "x" + std::to_string(c.array.cols) + " array)");
  }
  return c;
}

uint64_t memory_budget_bytes(const Config& c) { return memory_budget_bytes(c.run.max_memory_gib); }

uint64_t memory_budget_bytes(double max_memory_gib) {
  constexpr double kGiB = 1024.0 * 1024.0 * 1024.0;
  if (max_memory_gib > 0) return static_cast<uint64_t>(max_memory_gib * kGiB);
  const long pages = ::sysconf(_SC_PHYS_PAGES), page = ::sysconf(_SC_PAGE_SIZE);
  if (pages <= 0 || page <= 0) return static_cast<uint64_t>(8 * kGiB);  // unknown machine: a modest default
  return static_cast<uint64_t>(pages) / 4 * 3 * static_cast<uint64_t>(page);
}

model::MemoryParams memory_for(const Config& c, const model::PeParams& pe, const model::LayerShape* layer,
                               bool per_tensor) {
  model::MemoryParams m = c.memory;
  const model::ResolvedPe r = model::resolve(pe);
  // Partial sums leave the array when ws/is fold K over the rows more than once (SCALE-Sim writes each fold's
  // outputs); os keeps the whole dot product inside a PE.
  // The reuse model accounts partial sums itself (at the accumulator's width, only when its schedule spills them):
  // its operand words are elements of the formats.
  const bool psums = layer && c.memory_model == model::MemoryModel::kScaleSim && c.array.dataflow != model::Dataflow::kOS &&
                     model::dot_shape(*layer, c.array.dot_width).K() > c.array.rows;
  for (int op = 0; op < 3; ++op) {
    if (c.word_bits[op] > 0) {
      m.word_bits[op] = {static_cast<uint64_t>(c.word_bits[op]), 1};
      continue;
    }
    uint64_t tensor = 0;  // elements of the operand's tensor (per-tensor scale/exponent amortised over it)
    if (layer && per_tensor) {
      const model::LayerShape& s = *layer;
      tensor = op == model::kIfmap    ? static_cast<uint64_t>(s.ifmap_h) * s.ifmap_w * s.channels
               : op == model::kFilter ? static_cast<uint64_t>(s.K()) * s.N()
                                      : static_cast<uint64_t>(s.M()) * s.N();
    }
    m.word_bits[op] = model::operand_bits(r, op, tensor, psums);
  }
  return m;
}

cost::ArchDesc arch_desc(const Config& c) {
  cost::ArchDesc a = cost::make_arch(c.array, c.memory, model::resolve(c.pe), c.sfu.lanes, c.cost.node_nm);
  a.dram_type = c.cost.dram_type;
  // Under the reuse model the DRAM preset prices its own bits (the table's dram.types.<preset>); custom DRAM and the
  // scalesim model use the table's default unless accelerator.cost.dram_type names a type.
  if (a.dram_type.empty() && (c.memory_model == model::MemoryModel::kReuse || c.dram_type_given) &&
      model::find_dram_preset(c.dram.type))
    a.dram_type = c.dram.type;
  a.voltage_v = c.cost.voltage_v;
  a.overheads = c.cost.overheads;
  a.pe_scratchpad_bytes = static_cast<double>(c.cost.pe_scratchpad_bytes);
  a.pe_scratchpad_bits_per_mac = static_cast<double>(c.cost.pe_scratchpad_bits_per_mac);
  a.zero_gating = c.sparsity.scheme != model::SparsityScheme::kNone;  // zero-detect logic in every PE
  if (c.cost.pe_area_synth) {
    const SynthPeArea s = synth_pe_area(a.pe);
    a.pe_synth_nand2_eq = s.nand2_eq_per_mac();
    a.pe_synth_source = s.describe();
  }
  return a;
}

std::string dump_config(const Config& c) {
  // Re-nest the flat key paths into indented YAML, one key per line with its unit and help as a comment.
  std::ostringstream os;
  os << "# fully resolved configuration of " << c.source_file << " (defaults filled in)\n";
  for (const auto& name : c.custom_formats) {
    const num::NumberFormat& f = num::format_by_name(name);
    os << (name == c.custom_formats.front() ? "formats:\n" : "") << "  " << name << ": {exp_bits: " << f.flt.exp_bits
       << ", man_bits: " << f.flt.man_bits << ", bias: " << f.flt.bias << ", specials: " << num::to_string(f.flt.specials)
       << ", subnormals: " << (f.flt.has_subnormals ? "true" : "false") << "}    # " << num::describe(f.flt) << "\n";
  }
  std::vector<std::string> open;
  for (const auto& spec : schema()) {
    std::vector<std::string> parts;
    std::stringstream ss(spec.path);
    for (std::string p; std::getline(ss, p, '.');) parts.push_back(p);
    size_t common = 0;
    while (common < open.size() && common + 1 < parts.size() && open[common] == parts[common]) ++common;
    open.resize(common);
    for (size_t i = common; i + 1 < parts.size(); ++i) {
      os << std::string(2 * i, ' ') << parts[i] << ":\n";
      open.push_back(parts[i]);
    }
    std::string val = spec.get(c);
    if (val.empty()) val = "\"\"";
    // A key of the other memory model is shown commented out (its value is not used; the dump stays loadable).
    const bool reuse = c.memory_model == model::MemoryModel::kReuse;
    const bool scalesim_key = spec.path == "accelerator.memory.dram.bandwidth_bytes_per_cycle" ||
                              spec.path == "accelerator.memory.dram.latency_cycles";
    const bool reuse_key = spec.path.rfind("accelerator.memory.dram.", 0) == 0 && !scalesim_key;
    const bool unused = reuse ? scalesim_key
                              : reuse_key && !(spec.path == "accelerator.memory.dram.type" && c.dram_type_given);
    if (unused) val = "(not used under accelerator.memory.model " + std::string(model::to_string(c.memory_model)) + ")";
    os << std::string(2 * (parts.size() - 1), ' ') << (unused ? "# " : "") << parts.back() << ": " << val;
    os << "    # " << (spec.unit.empty() ? "" : "[" + spec.unit + "] ") << spec.help << "\n";
  }
  return os.str();
}

std::string schema_reference_markdown() {
  std::ostringstream os;
  os << "| key | type | default | unit | meaning |\n|---|---|---|---|---|\n";
  for (const auto& s : schema()) {
    std::string type = type_name(s.type);
    if (!s.choices.empty()) type += " " + join(s.choices, " \\| ");
    os << "| `" << s.path << "` | " << type << " | " << (s.required ? "required" : "`" + s.default_text + "`")
       << " | " << s.unit << " | " << s.help << " |\n";
  }
  return os.str();
}

}  // namespace lpsim::cfg
