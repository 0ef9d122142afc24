// The run driver: the only place where architecture (config), workload (trace) and models meet.
#pragma once
#include <functional>

#include "config/config.h"
#include "report/report.h"
#include "trace/trace.h"

namespace lpsim::driver {

using Progress = std::function<void(size_t done, size_t total)>;

// Simulates every op of the trace on the configured accelerator and returns the filled report.
// SystemC elaborates once per process, so this may be called once per process.
report::Report simulate(const cfg::Config& c, const trace::Trace& t, const Progress& progress = {});

}  // namespace lpsim::driver
