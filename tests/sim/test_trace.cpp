#include <catch2/catch.hpp>

#include <string>

#include "trace/trace.h"

using namespace lpsim;

namespace {
std::string data(const std::string& rel) { return std::string(LPSIM_TEST_DATA) + "/" + rel; }
std::string src(const std::string& rel) { return std::string(LPSIM_SOURCE_DIR) + "/" + rel; }
std::string trace_error(const std::string& path) {
  try {
    trace::read_trace(path, Location{"cfg.yaml", 7, "workload.trace"});
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}
}  // namespace

TEST_CASE("trace: SCALE-Sim conv CSV uses its ceil output-size rule", "[sim][trace]") {
  trace::Trace t = trace::read_trace(data("traces/small_conv.csv"), {});
  REQUIRE(t.ops.size() == 2);
  CHECK(t.format == "scalesim-conv");
  const auto& s = t.ops[1].shape;  // C2: 14x14, 3x3, stride 2 -> ceil((14 - 3 + 2) / 2) = 7 (floor rule gives 6)
  CHECK(s.ofmap_h == 7);
  CHECK(s.M() == 49);
  CHECK(s.N() == 16);
  CHECK(s.K() == 3 * 3 * 16);
  CHECK(t.ops[0].where.line == 2);
}

TEST_CASE("trace: SCALE-Sim GEMM CSV without trailing commas", "[sim][trace]") {
  trace::Trace t = trace::read_trace(data("traces/small_gemm_nocomma.csv"), {});
  REQUIRE(t.ops.size() == 2);
  CHECK(t.format == "scalesim-gemm");
  CHECK(t.ops[1].shape.M() == 17);
  CHECK(t.ops[1].shape.N() == 33);
  CHECK(t.ops[1].shape.K() == 129);
}

TEST_CASE("trace: a DP layer is one single-channel op repeated per channel (SCALE-Sim's per-channel layers)",
          "[sim][trace]") {
  trace::Trace t = trace::read_trace(data("traces/small_dp.csv"), {});
  REQUIRE(t.ops.size() == 1);
  CHECK(t.ops[0].name == "A_DPconv3x3");
  CHECK(t.ops[0].repeat == 4);
  CHECK(t.ops[0].shape.channels == 1);
  CHECK(t.ops[0].shape.K() == 9);
}

TEST_CASE("trace: native YAML with padding, groups and repeat", "[sim][trace]") {
  trace::Trace t = trace::read_trace(data("traces/native.yaml"), {});
  REQUIRE(t.ops.size() == 3);
  CHECK(t.name == "native_test");
  const auto& c = t.ops[0].shape;  // 56 + 2 - 3 = 55, /2 -> 27, +1 = 28
  CHECK(c.ofmap_h == 28);
  CHECK(c.K() == 3 * 3 * 64);
  CHECK(t.ops[1].repeat == 32);  // depthwise: 32 groups of one channel
  CHECK(t.ops[1].shape.channels == 1);
  CHECK(t.ops[1].shape.M() == 64);
  CHECK(t.ops[2].macs() == 128ull * 128 * 64 * 12);
}

TEST_CASE("trace: shipped traces read and have the documented sizes", "[sim][trace]") {
  CHECK(trace::read_trace(src("traces/resnet50.yaml"), {}).ops.size() == 54);
  CHECK(trace::read_trace(src("traces/bert_base_s128.yaml"), {}).ops.size() == 9);
  CHECK(trace::read_trace(src("traces/deepbench_inference_device.yaml"), {}).ops.size() == 13);
  uint64_t macs = 0;
  for (const auto& op : trace::read_trace(src("traces/resnet50.yaml"), {}).ops) macs += op.macs();
  CHECK(macs == 4089184256ull);
}

TEST_CASE("trace: malformed inputs name file, line and column or key", "[sim][trace][errors]") {
  CHECK(trace_error(data("bad_inputs/bad_value.csv"))
            .find("bad_value.csv:3: column 'Filter Height': expected a positive integer, got \"x3\"") !=
        std::string::npos);
  CHECK(trace_error(data("bad_inputs/short_row.csv")).find("short_row.csv:2: expected 8 columns") !=
        std::string::npos);
  CHECK(trace_error(data("bad_inputs/bad_op_trace.yaml"))
            .find("bad_op_trace.yaml:14: ops[1](c1).kernal_h: unknown key 'kernal_h' (did you mean 'kernel_h'?)") !=
        std::string::npos);
  CHECK(trace_error(data("no_such.csv")) == "cfg.yaml:7: workload.trace: cannot read trace file '" +
                                                data("no_such.csv") + "': no such file");
}

TEST_CASE("trace: layer filter keeps order and rejects unknown names", "[sim][trace]") {
  trace::Trace t = trace::read_trace(data("traces/small_conv.csv"), {});
  trace::filter_ops(t, {"C2"}, {});
  REQUIRE(t.ops.size() == 1);
  CHECK(t.ops[0].name == "C2");
  CHECK_THROWS_WITH(trace::filter_ops(t, {"C3"}, Location{"x.yaml", 4, "workload.layers"}),
                    Catch::Contains("x.yaml:4: workload.layers: no op named 'C3'"));
}

TEST_CASE("trace: activation ops inherit the previous op output size, tensor specs", "[sim][trace]") {
  trace::Trace t = trace::read_trace(src("traces/bert_base_s128.yaml"), {});
  const trace::Op& gelu = t.ops[7];
  CHECK(gelu.name == "ffn1_gelu");
  CHECK(gelu.unit() == graph::Unit::kSfu);
  CHECK(gelu.kind == graph::Kind::kGelu);
  CHECK(gelu.elements == 128 * 3072);
  CHECK(gelu.macs() == 0);
  trace::Trace n = trace::read_trace(data("bad_inputs/npy_trace.yaml"), {});
  REQUIRE(n.ops[0].a.present);
  CHECK(n.ops[0].a.file == data("bad_inputs/a4x4.npy"));
  CHECK(n.ops[0].b.present);  // the missing operand of the pair is generated
  CHECK(n.ops[0].b.file.empty());
}
