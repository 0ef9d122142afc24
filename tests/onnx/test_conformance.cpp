// FP32 conformance: with fp32 operands, fp32 accumulation, an fp32 vector unit and sfu.impl fp32, the outputs of
// small torch-exported models (tests/data/onnx, written by scripts/gen-onnx-models.py with torch's own FP32
// outputs) match torch within a relative L2 error of 1e-5.
#include <catch2/catch.hpp>

#include <cmath>

#include "exec/executor.h"
#include "io/npy.h"
#include "onnx/onnx_reader.h"

namespace {

using namespace lpsim;

std::string data(const std::string& f) { return std::string(LPSIM_TEST_DATA) + "/onnx/" + f; }

exec::Machine fp32_machine() {
  exec::Machine m;
  m.pe.format_a = m.pe.format_b = "fp32";
  m.pe.acc = "fp32";
  m.pe.out = "fp32";
  m.sfu.impl = model::SfuParams::Impl::kFp32;
  m.vector.format = model::VectorFormat::kFp32;
  return m;
}

double rel_l2(const std::vector<float>& a, const std::vector<float>& b) {
  double num = 0, den = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    num += (static_cast<double>(a[i]) - b[i]) * (static_cast<double>(a[i]) - b[i]);
    den += static_cast<double>(b[i]) * b[i];
  }
  return std::sqrt(num / den);
}

// Runs model NAME on NAME.input.npy; returns the relative L2 error of its single output against torch's.
double run_against_torch(const std::string& name, const exec::Machine& m) {
  onnx_import::ImportOptions o;
  const io::NpyArray x = io::read_npy_f32(data(name + ".input.npy"));
  o.batch = static_cast<int64_t>(x.shape[0]);
  const graph::Graph g = onnx_import::read_onnx(data(name + ".onnx"), o);
  exec::Executor ex(g, m);
  REQUIRE(g.inputs.size() == 1);
  ex.run({{g.inputs[0], exec::TensorF{g.tensors.at(g.inputs[0]).shape, x.data}}});
  const io::NpyArray want = io::read_npy_f32(data(name + ".output.npy"));
  REQUIRE(g.outputs.size() == 1);
  const exec::TensorF& got = ex.outputs().at(g.outputs[0]);
  REQUIRE(std::vector<size_t>(got.shape.begin(), got.shape.end()) == want.shape);
  return rel_l2(got.v, want.data);
}

}  // namespace

TEST_CASE("onnx: fp32 runs of torch-exported models match torch within 1e-5 (relative L2)", "[onnx]") {
  // cnn_bn: BatchNormalization nodes (TrainingMode.PRESERVE), depthwise and grouped conv, dilation, ReLU6 (Clip),
  // HardSwish (HardSigmoid x Mul), residual Add, LeakyRelu, MaxPool ceil_mode, AveragePool with pads,
  // GlobalAveragePool, Flatten, Gemm. cnn_folded: the same exported in eval mode (BN folded into conv biases,
  // dynamic batch). encoder: LayerNormalization, batched MatMul, Softmax, Reshape/Transpose, GELU (Erf pattern).
  // tanh_mlp: Tanh, Sigmoid, Gemm without bias, Sub/Mul/Div by constants, Concat (opset 11).
  for (const char* name : {"cnn_bn", "cnn_folded", "encoder", "tanh_mlp", "one_gemm"}) {
    INFO(name);
    const double err = run_against_torch(name, fp32_machine());
    CHECK(err < 1e-5);
  }
}

TEST_CASE("onnx: the conformance check can fail (bf16 vector unit and MXFP8 PEs are far from torch fp32)", "[onnx]") {
  exec::Machine m = fp32_machine();
  m.vector.format = model::VectorFormat::kBf16;
  CHECK(run_against_torch("cnn_bn", m) > 1e-4);
  m = fp32_machine();
  m.pe.format_a = m.pe.format_b = "mxfp8_e4m3";
  CHECK(run_against_torch("encoder", m) > 1e-3);
  m = fp32_machine();
  m.sfu.impl = model::SfuParams::Impl::kModel;  // K-TanH with its BF16 interface
  CHECK(run_against_torch("tanh_mlp", m) > 1e-4);
}

TEST_CASE("onnx: the GELU pattern torch exports becomes one gelu op on the SFU", "[onnx]") {
  const graph::Graph g = onnx_import::read_onnx(data("encoder.onnx"), {});
  int gelu = 0, erf = 0;
  for (const auto& n : g.ops) {
    gelu += n.kind == graph::Kind::kGelu;
    erf += n.kind == graph::Kind::kErf;
  }
  CHECK(gelu == 1);
  CHECK(erf == 0);
}

TEST_CASE("onnx: array mapping of convs and GEMMs", "[onnx]") {
  onnx_import::ImportOptions o;
  o.batch = 1;
  const graph::Graph g = onnx_import::read_onnx(data("cnn_folded.onnx"), o);
  std::map<std::string, const graph::Node*> by;
  for (const auto& n : g.ops) by[n.name] = &n;
  // Batch 1, no dilation: SCALE-Sim's conv form with the padding folded into the input (20 + 1 + 1).
  const graph::Node& c1 = *by.at("/conv1/Conv");
  CHECK(c1.shape.ifmap_h == 22);
  CHECK(c1.shape.channels == 3);
  CHECK(c1.shape.num_filters == 16);
  CHECK(c1.shape.M() == 400);
  CHECK(c1.repeat == 1);
  // Depthwise: one instance per group, 1 filter of 3x3x1 each.
  const graph::Node& dw = *by.at("/dw/Conv");
  CHECK(dw.repeat == 16);
  CHECK(dw.shape.N() == 1);
  CHECK(dw.shape.K() == 9);
  CHECK(dw.shape.M() == 100);
  // Dilation 2: the GEMM view (im2col), M = 10 x 10 output pixels, K = 3 x 3 x 32.
  const graph::Node& res = *by.at("/res/Conv");
  CHECK(res.shape.filter_h == 1);
  CHECK(res.shape.M() == 100);
  CHECK(res.shape.K() == 288);
  // Batch 2: every conv takes the GEMM view with the batch folded into M.
  o.batch = 2;
  const graph::Graph g2 = onnx_import::read_onnx(data("cnn_folded.onnx"), o);
  for (const auto& n : g2.ops)
    if (n.name == "/conv1/Conv") CHECK(n.shape.M() == 800);
}
