// The block table of `lpsim cosim` and the report of a block run.
#include <cstdio>
#include <sstream>

#include "cosim/cosim.h"

namespace lpsim::model {

const std::vector<CosimBlockInfo>& cosim_blocks() {
  static const std::vector<CosimBlockInfo> v = {
      {"ktanh", "K-TanH activation (BF16), rtl/ktanh.sv vs models/sfu ktanh_bf16", "exhaustive", true},
      {"fp8_mac", "FP8 MAC (E4M3/E5M2 operands, FP32 accumulator), rtl/fp8_mac.sv vs models/pe pe_mac_step",
       "exhaustive", true},
      {"bf16_mac", "BF16 MAC (FP32 accumulator), rtl/bf16_mac.sv vs models/pe pe_mac_step", "random:1000000", false},
      {"int16_fma", "INT16 VNNI FMA into INT32 (wrap and saturate), rtl/int16_fma.sv vs models/pe pe_vnni_step",
       "random:1000000", false},
      {"mx_dot", "MX dot unit (32 MXFP8-E4M3/MXINT8 elements, FP32 acc), rtl/mx_dot.sv vs pe_mx_block_step",
       "random:1000000", false},
      {"tile", "output-stationary FP8/INT16 systolic tile, rtl/systolic_tile.sv vs run_gemm (os) and OS cycles",
       "corners", false},
  };
  return v;
}

namespace {

std::string fmt(const char* f, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, f, v);
  return buf;
}

}  // namespace

std::string format_block_report(const BlockCosimResult& r) {
  std::ostringstream o;
  const double rate_rtl = r.rtl_seconds > 0 ? static_cast<double>(r.vectors) / r.rtl_seconds : 0.0;
  const double rate_all = r.seconds > 0 ? static_cast<double>(r.vectors) / r.seconds : 0.0;
  o << "lpsim cosim " << r.block << ": " << r.vectors << " " << r.vector_unit << " (" << r.input_desc << ")\n"
    << "  RTL:   " << r.rtl_desc << "\n"
    << "  model: " << r.model_desc << "\n\n"
    << "  vectors checked:   " << r.vectors << " " << r.vector_unit << "\n"
    << "  mismatches:        " << r.mismatches << " of " << r.vectors << " " << r.vector_unit << "\n"
    << "  cycles:            " << r.cycles << " cycles measured; expected " << r.expected_cycles << " cycles ("
    << r.cycle_rule << ")\n"
    << "  RTL simulation:    " << fmt("%.3f", r.rtl_seconds) << " s wall, " << fmt("%.0f", rate_rtl) << " "
    << r.vector_unit << "/s\n"
    << "  whole run:         " << fmt("%.3f", r.seconds) << " s wall (vectors, RTL, model, comparison), "
    << fmt("%.0f", rate_all) << " " << r.vector_unit << "/s\n";
  for (const std::string& d : r.details) o << "  " << d << "\n";
  if (!r.first_mismatches.empty()) {
    o << "\n  first " << r.first_mismatches.size() << " mismatches (#vector inputs -> RTL result, model result; "
      << "hex):\n";
    for (const std::string& m : r.first_mismatches) o << "    " << m << "\n";
  }
  o << "\nresult: " << (r.passed() ? "PASS" : "FAIL") << " (" << r.mismatches << " mismatches"
    << (r.cycles == r.expected_cycles ? "" : ", cycle count differs from the expected") << ")\n";
  return o.str();
}

}  // namespace lpsim::model
