#include "config/pe_synth.h"

#include <yaml-cpp/yaml.h>

#include <cstdio>
#include <stdexcept>

namespace lpsim::cfg {

const char* pe_area_json();  // generated from rtl/pe_area.json (sim/CMakeLists.txt)

namespace {

// JSON is YAML: yaml-cpp reads the committed file.
const YAML::Node& blocks() {
  static const YAML::Node b = YAML::Load(pe_area_json())["blocks"];
  return b;
}

[[noreturn]] void unsupported(const model::ResolvedPe& pe, const std::string& why) {
  throw std::invalid_argument(
      "synth: no synthesized RTL for a " + pe.a.name + " x " + pe.b.name + " PE with a " + pe.acc_name +
      " accumulator (" + why + "); synthesized: fp8_e4m3/fp8_e5m2 and bf16 with fp32 accumulation, int8/int16 "
      "with wrap, saturate or spill (int8 x int8: wrap or spill), mxfp8_e4m3/mxint8 blocks of 32 with fp32 "
      "accumulation; use pe_area: table");
}

}  // namespace

std::string SynthPeArea::describe() const {
  char buf[160];
  std::snprintf(buf, sizeof buf, "rtl/pe_area.json %s: %.1f NAND2-eq / %d MAC%s per cycle", block.c_str(),
                block_nand2_eq, macs_per_cycle, macs_per_cycle == 1 ? "" : "s");
  return buf;
}

SynthPeArea synth_pe_area(const model::ResolvedPe& pe) {
  std::string block;
  const auto elem = [](const model::OperandFormat& f) { return f.element; };
  switch (pe.mode) {
    case model::PeMode::kInt: {
      const bool int8 = elem(pe.a).integer.bits == 8 && elem(pe.b).integer.bits == 8;
      const bool sat = pe.params.int32_policy == model::Int32Policy::kSaturate;
      if (int8 && sat) unsupported(pe, "the INT8 unit is synthesized with wrap only");
      block = int8 ? "int8_fma" : sat ? "int16_fma_sat" : "int16_fma";  // spill: wrapping partials + table spill unit
      break;
    }
    case model::PeMode::kFloat: {
      if (!pe.acc_is_fp32) unsupported(pe, "the RTL MACs accumulate in fp32");
      const auto fp8 = [](const std::string& n) { return n == "fp8_e4m3" || n == "fp8_e5m2"; };
      if (fp8(pe.a.name) && fp8(pe.b.name)) block = "fp8_mac";
      else if (pe.a.name == "bf16" && pe.b.name == "bf16") block = "bf16_mac";
      else unsupported(pe, "operand formats");
      break;
    }
    case model::PeMode::kMx: {
      if (!pe.acc_is_fp32) unsupported(pe, "the MX dot unit accumulates in fp32");
      if (pe.params.mx_block != 32) unsupported(pe, "the MX dot unit takes blocks of 32");
      const auto ok = [](const std::string& n) { return n == "mxfp8_e4m3" || n == "mxint8"; };
      if (!ok(pe.a.name) || !ok(pe.b.name)) unsupported(pe, "element formats");
      block = "mx_dot";
      break;
    }
  }
  const YAML::Node b = blocks()[block];
  SynthPeArea s;
  s.block = block;
  s.block_nand2_eq = b["nand2_eq"].as<double>();
  s.macs_per_cycle = b["macs_per_cycle"].as<int>();
  return s;
}

}  // namespace lpsim::cfg
