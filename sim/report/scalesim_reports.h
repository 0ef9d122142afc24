// SCALE-Sim v2's three report files, written from lpsim's per-layer report rows so that a SCALE-Sim user's
// post-processing scripts run unchanged (run.scalesim_reports; README "SCALE-Sim compatibility"):
//   COMPUTE_REPORT.csv          LayerID, Total Cycles, Stall Cycles, Overall Util %, Mapping Efficiency %,
//                               Compute Util %
//   BANDWIDTH_REPORT.csv        LayerID, Avg IFMAP/FILTER/OFMAP SRAM BW, Avg IFMAP/FILTER/OFMAP DRAM BW (words/cycle)
//   DETAILED_ACCESS_REPORT.csv  LayerID, then per SRAM and DRAM operand: Start Cycle, Stop Cycle, Reads/Writes
// Headers, separators (", " with a trailing comma) and number style (Python's str(): 100.0, 68.41239721694508)
// follow SCALE-Sim v2's simulator.generate_reports(). One row per array layer instance, numbered from 0 as
// SCALE-Sim numbers them (a repeated op, e.g. a depthwise layer's channels, gives one row per instance);
// SFU and vector-unit ops do not run on the array and have no row.
#pragma once
#include <string>
#include <utility>
#include <vector>

#include "array/access_spans.h"
#include "array/timing.h"
#include "report/report.h"

namespace lpsim::report {

// {file name, content} of the three files, from the rows of a run's report, its memory parameters (word size per
// operand converts bytes to SCALE-Sim's words) and the access spans of each array op in report order
// (model::access_spans: the start/stop cycles of DETAILED_ACCESS_REPORT.csv and the spans the average DRAM
// bandwidths divide by). Throws std::invalid_argument if spans does not have one entry per array row.
std::vector<std::pair<std::string, std::string>> scalesim_reports(const Report& r, const model::MemoryParams& mem,
                                                                  const std::vector<model::AccessSpans>& spans);

// Python's str() of a float (shortest round-trip digits, ".0" on integers, exponent form outside [1e-4, 1e16)).
std::string python_float(double v);

}  // namespace lpsim::report
