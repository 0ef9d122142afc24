// The shipped Fashion-MNIST models (traces/fashion_*.onnx, scripts/train-fashion.py) on the real test set: in FP32
// lpsim gives torch's predictions (tests/data/fashion: torch's logits and classes of the first 500 test images);
// K-TanH changes only what the activation ops add.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstring>

#include "../cli_run.h"
#include "../sim/csv_rows.h"
#include "io/npy.h"

namespace {

using namespace cli_test;

std::string config(const std::string& name, const std::string& model, const std::string& accel, int count) {
  const fs::path p = scratch("fashion") / name;
  std::ofstream(p) << "accelerator:\n  array: {rows: 16, cols: 16}\n" << accel << "workload:\n  model: "
                   << std::string(LPSIM_SOURCE_DIR) << "/traces/" << model << ".onnx\n  batch: 100\n  dataset:\n"
                   << "    images: /usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz\n"
                   << "    labels: /usr/share/datasets/fashion-mnist/t10k-labels-idx1-ubyte.gz\n"
                   << "    count: " << count << "\n    normalize: {mean: [0.2860], std: [0.3530]}\n";
  return p.string();
}

// The first 500 test images' int64 classes from torch (an .npy of '<i8').
std::vector<int64_t> torch_classes(const std::string& model) {
  const std::string b = slurp(std::string(LPSIM_TEST_DATA) + "/fashion/" + model + ".first500.pred.npy");
  const auto h = lpsim::io::parse_npy_header(b, "pred.npy");
  std::vector<int64_t> v(500);
  std::memcpy(v.data(), b.data() + h.data_offset, 500 * 8);
  return v;
}

}  // namespace

TEST_CASE("fashion: in fp32 both models give torch's top-1 on the first 500 test images, logits within 1e-5",
          "[fashion][onnx][cli]") {
  const std::string fp32 = "  pe: {activations: fp32, weights: fp32}\n  sfu: {impl: fp32}\n  vector: {format: fp32}\n";
  for (const char* model : {"fashion_relu_cnn", "fashion_tanh_gelu"}) {
    INFO(model);
    const std::string out = std::string("fp32_") + model;
    REQUIRE(run_lpsim("run " + config(out + ".yaml", model, fp32, 500) + " --out " + out +
                          " --format none --dump-outputs", "fashion").code == 0);
    const auto logits = lpsim::io::read_npy_f32((scratch("fashion") / out / "outputs/logits.npy").string());
    const auto want = lpsim::io::read_npy_f32(std::string(LPSIM_TEST_DATA) + "/fashion/" + model + ".first500.logits.npy");
    REQUIRE(logits.shape == std::vector<size_t>{500, 10});
    REQUIRE(want.shape == logits.shape);
    double num = 0, den = 0;
    for (size_t i = 0; i < want.data.size(); ++i)
      num += std::pow(double(logits.data[i]) - want.data[i], 2), den += std::pow(double(want.data[i]), 2);
    CHECK(std::sqrt(num / den) < 1e-5);
    const std::vector<int64_t> cls = torch_classes(model);
    int same = 0;
    for (size_t i = 0; i < 500; ++i) {
      size_t top = 0;
      for (size_t c = 1; c < 10; ++c)
        if (logits.data[i * 10 + c] > logits.data[i * 10 + top]) top = c;
      same += static_cast<int64_t>(top) == cls[i];
    }
    CHECK(same == 500);
  }
}

TEST_CASE("fashion: K-TanH changes only what the activation ops add", "[fashion][onnx][cli]") {
  // Same MXFP8 run of the Tanh/GELU model with the exact SFU and with K-TanH: every op fed the reference inputs
  // (sqnr_local_db) computes the same unless it runs on the SFU.
  const std::string mx = "  pe: {activations: mxfp8_e4m3, weights: mxfp8_e4m3}\n";
  REQUIRE(run_lpsim("run " + config("exact.yaml", "fashion_tanh_gelu", mx + "  sfu: {impl: exact}\n", 200) +
                        " --out exact --format none", "fashion").code == 0);
  REQUIRE(run_lpsim("run " + config("ktanh.yaml", "fashion_tanh_gelu", mx + "  sfu: {impl: model}\n", 200) +
                        " --out ktanh --format none", "fashion").code == 0);
  const auto a = csv_test::read_csv((scratch("fashion") / "exact/layers.csv").string());
  const auto b = csv_test::read_csv((scratch("fashion") / "ktanh/layers.csv").string());
  REQUIRE(a.size() == b.size());
  int sfu = 0, after = 0;
  bool seen_sfu = false;
  for (size_t i = 0; i + 1 < a.size(); ++i) {  // TOTAL excluded
    INFO(a[i].at("layer"));
    if (a[i].at("unit") == "sfu") {
      ++sfu;
      seen_sfu = true;
      CHECK(a[i].at("sqnr_local_db") != b[i].at("sqnr_local_db"));
    } else {
      CHECK(a[i].at("sqnr_local_db") == b[i].at("sqnr_local_db"));
      if (seen_sfu && a[i].at("sqnr_db") != b[i].at("sqnr_db")) ++after;  // the activations' error flows on
    }
  }
  CHECK(sfu == 3);  // two Tanh and the fused GELU
  CHECK(after > 0);
}
