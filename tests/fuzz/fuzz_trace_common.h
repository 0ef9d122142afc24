// The trace targets read a trace and run the whole pre-flight of a run on it (64-bit limits of every op and of
// the trace's sums, tensor files, memory estimate) against the default config, as `lpsim validate` does.
#pragma once
#include "config/config.h"
#include "driver/preflight.h"
#include "fuzz_util.h"
#include "trace/trace.h"

namespace lpsim::fuzz {

inline const cfg::Config& default_config() {
  static const cfg::Config c = [] {
    const std::string yaml = "workload: {trace: unused.yaml}\nrun: {max_memory_gib: 4}\n";
    return cfg::load_config(to_file(reinterpret_cast<const uint8_t*>(yaml.data()), yaml.size(), "default.yaml"), {});
  }();
  return c;
}

inline int check_trace(const uint8_t* data, size_t size, const char* name) {
  const cfg::Config& c = default_config();
  const std::string path = to_file(data, size, name);
  expect_input_errors_only([&] {
    trace::Trace t = trace::read_trace(path, Location{"fuzz", 0, "workload.trace"});
    driver::preflight(c, t);
  });
  return 0;
}

}  // namespace lpsim::fuzz
