// Data-set runs (workload.dataset) end to end: task figures, shards, determinism, Ctrl-C, bad data files.
#include <catch2/catch.hpp>

#include <cstring>

#include "../cli_run.h"
#include "../sim/csv_rows.h"

namespace {

using namespace cli_test;

const std::string kFashion = "/usr/share/datasets/fashion-mnist/";  // Debian's dataset-fashion-mnist

std::string model() { return std::string(LPSIM_TEST_DATA) + "/onnx/tiny_fashion.onnx"; }

std::string config(const std::string& name, const std::string& dataset, const std::string& extra = "",
                   const std::string& tag = "dataset") {
  const fs::path p = scratch(tag) / name;
  std::ofstream(p) << "accelerator:\n  array: {rows: 8, cols: 8}\n  pe: {activations: mxfp8_e4m3, weights: mxfp8_e4m3}\n"
                   << "workload:\n  model: " << model() << "\n  batch: 32\n  dataset:\n"
                   << dataset << extra;
  return p.string();
}

std::string test_set(int count, int offset = 0) {
  return "    images: " + kFashion + "t10k-images-idx3-ubyte.gz\n    labels: " + kFashion +
         "t10k-labels-idx1-ubyte.gz\n    count: " + std::to_string(count) + "\n    offset: " + std::to_string(offset) +
         "\n    normalize: {mean: [0.2860], std: [0.3530]}\n";
}

csv_test::Row task(const std::string& dir, const std::string& tag = "dataset") {
  const auto rows = csv_test::read_csv((scratch(tag) / dir / "task.csv").string());
  REQUIRE(rows.size() == 1);
  return rows[0];
}

}  // namespace

TEST_CASE("dataset: a run over Fashion-MNIST reports task figures, with a last partial batch", "[dataset][cli]") {
  const Result r = run_lpsim("run " + config("t.yaml", test_set(100)) + " --out t", "dataset");
  REQUIRE(r.code == 0);
  CHECK(has(r.out, "top-1"));
  CHECK(has(r.out, "cycles / image"));
  const auto t = task("t");
  CHECK(t.at("images") == "100");
  CHECK(t.at("batch") == "32");
  CHECK(t.at("batches") == "4");  // 3 x 32 + 4
  // Raw counts and percentages agree; agreement with the FP64 reference is not trivially 100 %.
  CHECK(std::stod(t.at("top1_pct")) == Approx(std::stod(t.at("correct_top1"))));
  CHECK(std::stod(t.at("top1_agreement_pct")) > 50);
  CHECK(std::stod(t.at("top5_pct")) >= std::stod(t.at("top1_pct")));
  CHECK(std::stod(t.at("energy_per_image_uj")) > 0);
  // cycles per image x images = the TOTAL row's cycles.
  const auto layers = csv_test::read_csv((scratch("dataset") / "t/layers.csv").string());
  CHECK(std::stod(t.at("cycles_per_image")) * 100 == Approx(std::stod(layers.back().at("total_cycles"))));
  const std::string json = slurp(scratch("dataset") / "t/report.json");
  CHECK(has(json, "\"task\""));
}

TEST_CASE("dataset: two shards merged by lpsim sweep equal one run over the same images", "[dataset][cli]") {
  const std::string base = config("shard_base.yaml", test_set(128));
  std::ofstream(scratch("dataset") / "shards.yaml") << "base: shard_base.yaml\naxes:\n  workload.dataset.shard: [\"0/2\", \"1/2\"]\n";
  REQUIRE(run_lpsim("sweep shards.yaml --out sh --jobs 2", "dataset").code == 0);
  REQUIRE(run_lpsim("run " + base + " --out one --format none", "dataset").code == 0);
  const auto one = task("one");
  const auto merged = csv_test::read_csv((scratch("dataset") / "sh/task.csv").string());
  REQUIRE(merged.size() == 1);
  const auto& m = merged[0];
  CHECK(m.at("complete") == "yes");
  for (const char* k : {"images", "correct_top1", "correct_top5", "agree_top1"}) CHECK(m.at(k) == one.at(k));
  for (const char* k : {"top1_pct", "top5_pct", "top1_agreement_pct", "logits_sqnr_db", "energy_per_image_uj",
                        "cycles_per_image"})
    CHECK(std::stod(m.at(k)) == Approx(std::stod(one.at(k))).epsilon(1e-9));
}

TEST_CASE("dataset: the same run gives the same report with 1 and 2 threads and on a rerun", "[dataset][cli]") {
  const std::string c = config("det.yaml", test_set(64));
  REQUIRE(run_lpsim("run " + c + " --out d1 --format none --set run.threads=1", "dataset").code == 0);
  REQUIRE(run_lpsim("run " + c + " --out d2 --format none --set run.threads=2", "dataset").code == 0);
  REQUIRE(run_lpsim("run " + c + " --out d3 --format none --set run.threads=2", "dataset").code == 0);
  for (const char* f : {"layers.csv", "task.csv"}) {
    INFO(f);
    const std::string a = slurp(scratch("dataset") / "d1" / f);
    CHECK(!a.empty());
    CHECK(a == slurp(scratch("dataset") / "d2" / f));
    CHECK(a == slurp(scratch("dataset") / "d3" / f));
  }
}

TEST_CASE("dataset: Ctrl-C stops the run and writes nothing", "[dataset][cli]") {
  const std::string c = config("intr.yaml", test_set(1000), "", "dataset");
  const fs::path d = scratch("dataset");
  // A SIGINT raised in the process after its 3rd batch of 32 (the run's test hook: the signal goes through the
  // installed handler exactly as Ctrl-C does, at the same point on a fast or a loaded machine).
  const std::string cmd = "cd " + d.string() + " && LPSIM_TEST_SIGINT_AFTER_BATCHES=3 " + std::string(LPSIM_BIN) +
                          " run " + c + " --out intr >intr.out 2>intr.err";
  const int status = std::system(cmd.c_str());
  CHECK(WEXITSTATUS(status) == 130);
  CHECK(has(slurp(d / "intr.err"), "interrupted"));
  CHECK(!fs::exists(d / "intr"));
  // The same run without the signal completes and writes its reports (the hook is what stopped it).
  const std::string cmd2 = "cd " + d.string() + " && " + std::string(LPSIM_BIN) + " run " + c +
                           " --out intr_full --format none >/dev/null 2>&1";
  CHECK(WEXITSTATUS(std::system(cmd2.c_str())) == 0);
  CHECK(fs::exists(d / "intr_full" / "task.csv"));
}

TEST_CASE("dataset: bad data files exit 2 naming the file, and write nothing", "[dataset][cli]") {
  const fs::path d = scratch("dataset_bad");
  // IDX with a wrong magic number; a truncated .gz; images whose shape does not fit the model; labels of another
  // size; a label beyond the model's 10 classes.
  std::ofstream(d / "bad_magic-ubyte", std::ios::binary) << std::string("\x00\x00\x08\x07\x00\x00\x00\x01", 8);
  const std::string gz = slurp(kFashion + "t10k-images-idx3-ubyte.gz");
  std::ofstream(d / "cut-images.gz", std::ios::binary) << gz.substr(0, gz.size() / 3);
  {
    // float32 .npy of 4 x 3 x 28 x 28 (three channels; the model takes one)
    std::string hdr = "{'descr': '<f4', 'fortran_order': False, 'shape': (4, 3, 28, 28), }";
    hdr += std::string(64 - (10 + hdr.size() + 1) % 64, ' ') + "\n";
    std::string f = std::string("\x93NUMPY\x01\x00", 8);
    f += static_cast<char>(hdr.size() & 0xff);
    f += static_cast<char>(hdr.size() >> 8);
    f += hdr + std::string(4 * 3 * 28 * 28 * 4, '\0');
    std::ofstream(d / "rgb.npy", std::ios::binary) << f;
    // int64 labels, 10,000 of them, all 12
    std::string lh = "{'descr': '<i8', 'fortran_order': False, 'shape': (10000,), }";
    lh += std::string(64 - (10 + lh.size() + 1) % 64, ' ') + "\n";
    std::string l = std::string("\x93NUMPY\x01\x00", 8);
    l += static_cast<char>(lh.size() & 0xff);
    l += static_cast<char>(lh.size() >> 8);
    l += lh;
    for (int i = 0; i < 10000; ++i) {
      const int64_t v = 12;
      l.append(reinterpret_cast<const char*>(&v), 8);
    }
    std::ofstream(d / "labels12.npy", std::ios::binary) << l;
  }
  struct Case {
    std::string dataset, expect;
  };
  const std::string img = "    images: " + kFashion + "t10k-images-idx3-ubyte.gz\n";
  const std::vector<Case> cases = {
      {"    images: bad_magic-ubyte\n", "bad_magic-ubyte: bad IDX magic number 0x00000807"},
      {"    images: cut-images.gz\n", "cut-images.gz: truncated gzip file"},
      {"    images: rgb.npy\n", "rgb.npy holds images of 3x28x28 (C x H x W), but input 'input' of"},
      {img + "    labels: " + kFashion + "train-labels-idx1-ubyte.gz\n",
       "train-labels-idx1-ubyte.gz: holds 60000 labels, but"},
      {img + "    offset: 10000\n", "workload.dataset.offset: offset 10000 is beyond the 10000 images of"},
      {img + "    count: 5000\n    offset: 6000\n", "workload.dataset.count: 5000 images from offset 6000 run past"},
      {img + "    labels: labels12.npy\n    count: 10\n", "labels12.npy: label 12 is not one of the model's 10 classes"},
      {"    images: missing.npy\n", "cannot read"},
      {img + "    normalize: {mean: [0.1, 0.2], std: [1, 1]}\n", "normalize has 2 values; the images of"},
  };
  int i = 0;
  for (const auto& c : cases) {
    INFO(c.dataset);
    const std::string out = "bad" + std::to_string(i);
    const std::string cfg = config("bad" + std::to_string(i++) + ".yaml", c.dataset, "", "dataset_bad");
    const Result r = run_lpsim("run " + cfg + " --out " + out, "dataset_bad");
    CHECK(r.code == 2);
    CHECK(has(r.err, c.expect));
    CHECK(!has(r.err, "internal error"));
    CHECK(!fs::exists(d / out));
  }
}

TEST_CASE("dataset: INT32 accumulators that wrap are named in a warning, spill and saturate give none", "[dataset][cli]") {
  // configs/fashion_cnn.yaml in INT16: on the first 64 test images the conv2 and fc1 sums leave int32 (README,
  // "Task accuracy"). The warning goes under the table, into report.json, and to stderr when no table is shown.
  const std::string cfg = std::string(LPSIM_SOURCE_DIR) + "/configs/fashion_cnn.yaml --set accelerator.pe.format=int16 "
                          "--set workload.dataset.count=64";
  const Result wrap = run_lpsim("run " + cfg + " --out wrap", "dataset");
  REQUIRE(wrap.code == 0);
  CHECK(has(wrap.out, "warning: "));
  CHECK(has(wrap.out, "INT32 accumulations wrapped around (int32_overflow: wrap) in /conv2/Conv ("));
  CHECK(has(slurp(scratch("dataset") / "wrap/report.txt"), "accelerator.pe.int32_overflow: spill"));
  CHECK(has(slurp(scratch("dataset") / "wrap/report.json"), "\"warnings\": [\n    \""));
  const Result quiet = run_lpsim("run " + cfg + " --out wrap_json --format json", "dataset");
  REQUIRE(quiet.code == 0);
  CHECK(has(quiet.err, "warning: "));
  CHECK(has(quiet.out, "\"warnings\""));
  for (const char* policy : {"spill", "saturate"}) {
    INFO(policy);
    const Result r = run_lpsim("run " + cfg + " --set accelerator.pe.int32_overflow=" + policy + " --out " + policy, "dataset");
    REQUIRE(r.code == 0);
    CHECK(!has(r.out, "warning"));
    CHECK(!has(r.err, "warning"));
    CHECK(!has(slurp(scratch("dataset") / policy / "report.json"), "\"warnings\""));
  }
  // A sweep over the policy: the warning reaches results.csv (a column of its own) and the summary.
  std::ofstream(scratch("dataset") / "wrap_sweep.yaml")
      << "base: " << LPSIM_SOURCE_DIR << "/configs/fashion_cnn.yaml\nset:\n  workload.dataset.count: 64\n"
      << "  accelerator.pe.format: int16\naxes:\n  accelerator.pe.int32_overflow: [wrap, spill]\n";
  const Result sw = run_lpsim("sweep wrap_sweep.yaml --out wrap_sweep --quiet", "dataset");
  REQUIRE(sw.code == 0);
  CHECK(has(sw.out, "ok (warning)"));
  CHECK(has(sw.out, "1 point ran with a warning"));
  const auto rows = csv_test::read_csv((scratch("dataset") / "wrap_sweep/results.csv").string());
  REQUIRE(rows.size() == 2);
  CHECK(has(rows[0].at("warnings"), "INT32 accumulations wrapped around"));
  CHECK(rows[1].at("warnings").empty());
}
