// `prune:` blocks in native YAML traces (sim/trace): trace-wide default, per-op override, `none`, and every
// class of bad input with its file:line: key path.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "trace/trace.h"

using namespace lpsim;
namespace fs = std::filesystem;

namespace {

std::string data(const std::string& rel) { return std::string(LPSIM_TEST_DATA) + "/" + rel; }

// Writes `ops_yaml` (and an optional trace-wide block) as a trace file and returns the reader's error.
std::string error_of(const std::string& top, const std::string& ops_yaml, std::string* path_out = nullptr) {
  fs::path d = fs::temp_directory_path() / ("lpsim_prune_trace_" + std::to_string(::getpid()));
  fs::create_directories(d);
  const std::string path = (d / "bad.yaml").string();
  std::ofstream(path) << "name: t\n" << top << "ops:\n" << ops_yaml;
  if (path_out) *path_out = path;
  try {
    trace::read_trace(path, Location{"cfg.yaml", 3, "workload.trace"});
  } catch (const InputError& e) {
    return e.what();
  }
  return "(no error)";
}

const char* kGemm = "  - name: fc\n    type: gemm\n    m: 2\n    n: 4\n    k: 8\n";  // lines 3..7

}  // namespace

TEST_CASE("prune trace: trace-wide block, per-op override, none and N:M", "[prune][trace]") {
  trace::Trace t = trace::read_trace(data("prune/pruned_trace.yaml"), {});
  REQUIRE(t.ops.size() == 5);
  using Src = trace::PruneSpec::Source;
  const auto& conv1 = t.ops[0].prune;  // prune: none (exempt from the trace-wide 80%)
  CHECK(conv1.method == model::PruneMethod::kNone);
  CHECK(conv1.source == Src::kOp);
  CHECK(conv1.density() == 1.0);
  CHECK(conv1.where.line == 15);
  CHECK(conv1.where.key == "ops[0](conv1).prune");
  const auto& conv2 = t.ops[1].prune;  // inherits the trace-wide block
  CHECK(conv2.method == model::PruneMethod::kMagnitude);
  CHECK(conv2.sparsity == 0.8);
  CHECK(conv2.source == Src::kTrace);
  CHECK(conv2.where.line == 5);
  CHECK(conv2.where.key == "prune");
  CHECK(t.ops[2].prune.source == Src::kUnset);  // activation: no weights
  CHECK(t.ops[2].prune.method == model::PruneMethod::kNone);
  const auto& fc1 = t.ops[3].prune;
  CHECK(fc1.method == model::PruneMethod::kNm);
  CHECK(fc1.n == 2);
  CHECK(fc1.m == 4);
  CHECK(fc1.density() == 0.5);
  CHECK(fc1.source == Src::kOp);
  const auto& fc2 = t.ops[4].prune;  // {sparsity: 0.5}: method inferred
  CHECK(fc2.method == model::PruneMethod::kMagnitude);
  CHECK(fc2.sparsity == 0.5);
  CHECK(fc2.where.line == 39);  // the block mapping under prune:
  // Shapes are unaffected by pruning.
  CHECK(t.ops[1].macs() == 10368);
}

TEST_CASE("prune trace: traces without prune blocks stay dense, explicit forms parse", "[prune][trace]") {
  trace::Trace csv = trace::read_trace(data("prune/tiny_gemm.csv"), {});
  for (const auto& op : csv.ops) CHECK(op.prune.source == trace::PruneSpec::Source::kUnset);
  std::string path;
  CHECK(error_of("prune: {method: nm, nm: 1:8}\n", kGemm, &path) == "(no error)");
  trace::Trace t = trace::read_trace(path, {});
  CHECK(t.ops[0].prune.str() == "1:8");  // unquoted 1:8 is the string "1:8"
  CHECK(error_of("prune: none\n", std::string(kGemm) + "    prune: {method: magnitude, sparsity: 0}\n", &path) ==
        "(no error)");
  t = trace::read_trace(path, {});
  CHECK(t.ops[0].prune.method == model::PruneMethod::kMagnitude);
  CHECK(t.ops[0].prune.sparsity == 0.0);
  CHECK(error_of("", std::string(kGemm) + "    prune: {method: none}\n", &path) == "(no error)");
}

TEST_CASE("prune trace: every bad prune block is a file:line: key error", "[prune][trace]") {
  std::string path;
  struct Bad {
    std::string top, op_prune, where, what;
  };
  const std::string g(kGemm);
  const Bad cases[] = {
      {"", "    prune: {sparsity: 1.0}\n", ":8: ops[0](fc).prune.sparsity",
       "sparsity must be a fraction in [0, 1) (0.8 = 80% zeros), got 1.0"},
      {"", "    prune: {sparsity: -0.5}\n", ":8: ops[0](fc).prune.sparsity", "got -0.5"},
      {"", "    prune: {sparsity: 80%}\n", ":8: ops[0](fc).prune.sparsity", "expected a number, got \"80%\""},
      {"", "    prune: {nm: \"5:4\"}\n", ":8: ops[0](fc).prune.nm", "N:M needs 1 <= N < M <= 1024"},
      {"", "    prune: {nm: \"0:4\"}\n", ":8: ops[0](fc).prune.nm", "got \"0:4\""},
      {"", "    prune: {nm: \"2/4\"}\n", ":8: ops[0](fc).prune.nm", "expected N:M such as 2:4"},
      {"", "    prune: {sparsty: 0.8}\n", ":8: ops[0](fc).prune.sparsty",
       "unknown key 'sparsty' (did you mean 'sparsity'?); valid keys: method, sparsity, nm"},
      {"", "    prune: {method: magnitud, sparsity: 0.8}\n", ":8: ops[0](fc).prune.method",
       "expected magnitude, nm or none, got \"magnitud\" (did you mean 'magnitude'?)"},
      {"", "    prune: {sparsity: 0.8, nm: \"2:4\"}\n", ":8: ops[0](fc).prune", "not both"},
      {"", "    prune: {method: magnitude}\n", ":8: ops[0](fc).prune", "method magnitude needs 'sparsity'"},
      {"", "    prune: {method: nm, sparsity: 0.5}\n", ":8: ops[0](fc).prune.sparsity",
       "'sparsity' does not apply to method nm"},
      {"", "    prune: {method: magnitude, sparsity: 0.5, nm: \"2:4\"}\n", ":8: ops[0](fc).prune.nm",
       "'nm' does not apply to method magnitude"},
      {"", "    prune: {method: none, nm: \"2:4\"}\n", ":8: ops[0](fc).prune", "method none takes no"},
      {"", "    prune: {}\n", ":8: ops[0](fc).prune", "missing 'sparsity' (magnitude pruning) or 'nm'"},
      {"", "    prune: all\n", ":8: ops[0](fc).prune", "expected none, {method: magnitude, sparsity: 0.8} or"},
      {"", "    prune:\n", ":8: ops[0](fc).prune", "got nothing"},  // an empty value: the key's line
      {"prune:\n", "", ":2: prune", "got nothing"},
      {"", "    prune: [0.8]\n", ":8: ops[0](fc).prune", "got a list"},
      {"prune: {nm: \"2:2\"}\n", "", ":2: prune.nm", "N:M needs 1 <= N < M"},
      {"prun: {nm: \"2:4\"}\n", "", ":2: prun", "unknown key 'prun' (did you mean 'prune'?)"},
      {"prune: {method: nm}\n", "", ":2: prune", "method nm needs 'nm'"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.top, c.op_prune);
    std::string e = error_of(c.top, g + c.op_prune, &path);
    INFO(e);
    CHECK(e.rfind(path + c.where + ": ", 0) == 0);
    CHECK(e.find(c.what) != std::string::npos);
  }
  // An activation op has no weights.
  std::string e = error_of("", g + "  - name: t\n    type: tanh\n    prune: {sparsity: 0.5}\n", &path);
  CHECK(e.rfind(path + ":10: ops[1](t).prune: an activation op has no weights to prune", 0) == 0);
  // The prune key of a gemm is listed among the valid keys of an unknown-key message.
  e = error_of("", g + "    prun: none\n", &path);
  CHECK(e.find("unknown key 'prun' (did you mean 'prune'?)") != std::string::npos);
}
