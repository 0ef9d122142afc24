// `lpsim prune` and `lpsim flops` end to end: spawn the built binary, compare pruned tensors bit for bit with the
// independent NumPy reference (tests/data/prune/make_fixtures.py), check summaries, exit codes and that a bad
// input leaves no output file.
#include <catch2/catch.hpp>

#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "../cli_run.h"
#include "io/npy.h"

namespace fs = std::filesystem;

namespace {

using cli_test::has;
using cli_test::Result;
using cli_test::slurp;

fs::path scratch() { return cli_test::scratch("prune_cli"); }
Result run_lpsim(const std::string& args) { return cli_test::run_lpsim(args, "prune_cli"); }

std::string data(const std::string& rel) { return std::string(LPSIM_TEST_DATA) + "/prune/" + rel; }
std::string src(const std::string& rel) { return std::string(LPSIM_SOURCE_DIR) + "/" + rel; }

// Same shape and the same float32 bit patterns (NaN, Inf and the sign of zero included).
void check_same(const std::string& got_path, const std::string& want_path) {
  lpsim::io::NpyArray got = lpsim::io::read_npy_f32(got_path), want = lpsim::io::read_npy_f32(want_path);
  CHECK(got.shape == want.shape);
  REQUIRE(got.data.size() == want.data.size());
  for (size_t i = 0; i < got.data.size(); ++i) {
    uint32_t a, b;
    std::memcpy(&a, &got.data[i], 4);
    std::memcpy(&b, &want.data[i], 4);
    CAPTURE(i, got.data[i], want.data[i]);
    CHECK(a == b);
  }
}

std::vector<std::string> lines(const std::string& s) {
  std::vector<std::string> v;
  std::stringstream ss(s);
  for (std::string l; std::getline(ss, l);) v.push_back(l);
  return v;
}

std::string line_starting(const std::string& text, const std::string& prefix) {
  for (const auto& l : lines(text))
    if (l.rfind(prefix, 0) == 0) return l;
  return "(no line starting with " + prefix + ")";
}

}  // namespace

TEST_CASE("prune cli: outputs match the NumPy reference bit for bit", "[prune][cli]") {
  struct Run {
    std::string in, args, expect;
  };
  const Run runs[] = {
      {"w16x6", "--sparsity 0.8", "expect_w16x6_mag80"},
      {"w16x6", "--nm 2:4", "expect_w16x6_nm24"},
      {"w16x6", "--method nm --nm 1:3 --axis 1", "expect_w16x6_nm13_axis1"},
      {"w10x3", "--nm 2:4", "expect_w10x3_nm24"},
      {"w10x3", "--nm 1:4 --ragged pad", "expect_w10x3_nm14"},
      {"w12", "--method magnitude --sparsity 0.5", "expect_w12_mag50"},
      {"w12", "--nm 2:4", "expect_w12_nm24"},
      {"w4d", "--sparsity 0.5", "expect_w4d_mag50"},
      {"ties20", "--sparsity 0.25", "expect_ties20_mag25"},
  };
  for (const auto& r : runs) {
    CAPTURE(r.in, r.args);
    const std::string out = (scratch() / "out.npy").string();
    fs::remove(out);
    Result res = run_lpsim("prune --in " + data(r.in + ".npy") + " --out " + out + " " + r.args);
    INFO(res.out + res.err);
    REQUIRE(res.code == 0);
    check_same(out, data(r.expect + ".npy"));
    CHECK_FALSE(fs::exists(out + ".tmp"));
  }
}

TEST_CASE("prune cli: the summary states counts, sparsity and the rule applied", "[prune][cli]") {
  const std::string out = (scratch() / "s.npy").string();
  Result m = run_lpsim("prune --in " + data("w16x6.npy") + " --out " + out + " --sparsity 0.8");
  REQUIRE(m.code == 0);
  CHECK(has(m.out, "w16x6.npy (shape (16, 6), 96 values) with magnitude pruning to sparsity 0.8 (global over the "
                   "tensor: the 77 smallest |w| = round(0.8 x 96) set to zero). Zeros: 4 values before (4.17%), 77 "
                   "values after; achieved sparsity 80.21% (19 nonzero values kept). Wrote " + out + "."));
  Result n = run_lpsim("prune --in " + data("w16x6.npy") + " --out " + out + " --nm 2:4");
  REQUIRE(n.code == 0);
  CHECK(has(n.out, "with 2:4 pruning along axis 0 (K = 16, 6 columns, 24 groups of 4 consecutive k, each keeping "
                   "its 2 largest |w|; verified). Zeros: 4 values before (4.17%), 48 values after; achieved "
                   "sparsity 50.00% (48 nonzero values kept)."));
  Result r = run_lpsim("prune --in " + data("w10x3.npy") + " --out " + out + " --nm 2:4");
  REQUIRE(r.code == 0);
  CHECK(has(r.out, "K is not a multiple of 4, so the last group of each column has 2 values and is treated as "
                   "zero-padded (3 ragged groups). Zeros: 0 values before (0.00%), 12 values after; achieved "
                   "sparsity 40.00%"));
  Result h = run_lpsim("prune --help");
  CHECK(h.code == 0);
  CHECK(has(h.out, "examples:"));
  CHECK(has(h.out, "lpsim prune --in w.npy --out w24.npy --nm 2:4"));
  CHECK(has(h.out, "Ties: equal |w| keep the lower index"));
}

TEST_CASE("prune cli: bad input exits 2 naming the file or option and writes nothing", "[prune][cli]") {
  struct Bad {
    std::string args, message;
  };
  const std::string w = data("w16x6.npy");
  const Bad cases[] = {
      {"--in missing.npy --out o.npy --sparsity 0.5", "error: missing.npy: cannot open file"},
      {"--in " + data("text.npy") + " --out o.npy --sparsity 0.5",
       "text.npy: not a NumPy .npy file (the magic string \\x93NUMPY is missing)"},
      {"--in " + data("f64.npy") + " --out o.npy --sparsity 0.5", "f64.npy: dtype '<f8' (float64) is not supported"},
      {"--in " + data("empty.npy") + " --out o.npy --sparsity 0.5", "empty.npy: contains no values (shape (0, 4))"},
      {"--in " + data("w4d.npy") + " --out o.npy --nm 2:4",
       "w4d.npy: N:M pruning needs a 1-D or 2-D array (K x N), got shape (4, 3, 2, 2); reshape a conv weight"},
      {"--in " + data("w10x3.npy") + " --out o.npy --nm 2:4 --ragged error",
       "w10x3.npy: K = 10 (axis 0) is not a multiple of M = 4 (--ragged error)"},
      {"--in " + w + " --out o.npy --sparsity 1.0",
       "<command line>: --sparsity: sparsity must be a fraction in [0, 1) (0.8 = 80% zeros), got 1"},
      {"--in " + w + " --out o.npy --sparsity -0.2", "--sparsity: sparsity must be a fraction in [0, 1)"},
      {"--in " + w + " --out o.npy --nm 5:4", "<command line>: --nm: N:M needs 1 <= N < M <= 1024 (keep N of every "
                                              "M), got \"5:4\""},
      {"--in " + w + " --out o.npy --nm 0:4", "--nm: N:M needs 1 <= N < M"},
      {"--in " + w + " --out o.npy --nm 2x4", "--nm: expected N:M such as 2:4, got \"2x4\""},
      {"--in " + w + " --out o.npy --nm 2:4 --sparsity 0.5",
       "--sparsity: give exactly one of --sparsity S (magnitude) or --nm N:M"},
      {"--in " + w + " --out o.npy", "give exactly one of --sparsity S (magnitude) or --nm N:M"},
      {"--in " + w + " --out o.npy --method magnitud --sparsity 0.5",
       "--method: expected magnitude or nm, got \"magnitud\" (did you mean 'magnitude'?)"},
      {"--in " + w + " --out o.npy --method nm --sparsity 0.5", "--sparsity: does not apply to --method nm"},
      {"--in " + w + " --out o.npy --nm 2:4 --axis 2", "--axis: expected 0 (K x N) or 1 (N x K), got 2"},
      {"--in " + w + " --out o.npy --sparsity 0.5 --axis 1", "--axis: applies to N:M pruning only"},
      {"--in " + data("w12.npy") + " --out o.npy --nm 2:4 --axis 1", "--axis: a 1-D input has only axis 0"},
      {"--in " + w + " --out nodir/o.npy --sparsity 0.5", "--out: directory 'nodir' of \"nodir/o.npy\" does not exist"},
      {"--in " + w + " --out o.csv --sparsity 0.5", "--out: expected a .npy file, got \"o.csv\""},
      {"--in w.txt --out o.npy --sparsity 0.5", "--in: expected a float32 .npy file, got \"w.txt\""},
      {"--in " + w + " --out o.npy --sparsity abc", "lpsim prune: the argument ('abc') for option '--sparsity' is "
                                                     "invalid"},
  };
  const fs::path o = scratch() / "o.npy";
  for (const auto& c : cases) {
    CAPTURE(c.args);
    fs::remove(o);
    Result r = run_lpsim("prune " + c.args);
    INFO(r.out + r.err);
    CHECK(r.code == 2);
    CHECK(has(r.err, c.message));
    CHECK(r.out.empty());
    CHECK_FALSE(fs::exists(o));
    CHECK_FALSE(fs::exists(o.string() + ".tmp"));
  }
}

TEST_CASE("flops cli: per-layer densities from the trace's prune blocks", "[prune][cli][flops]") {
  Result r = run_lpsim("flops " + data("pruned_trace.yaml") + " --format csv");
  INFO(r.out + r.err);
  REQUIRE(r.code == 0);
  const auto l = lines(r.out);
  REQUIRE(l.size() == 7);
  CHECK(l[0] == "layer,type,m,n,k,repeat,macs,density,prune,forward_flop,backward_data_flop,backward_weight_flop,"
                "training_flop,dense_training_flop,training_ratio,inference_flop,dense_inference_flop,"
                "inference_ratio");
  // conv1 exempt (prune: none), conv2 80% from the trace-wide block, fc1 2:4, fc2 its own 0.5.
  // Weight gradients dense (annealing on for the whole run by default).
  CHECK(l[1] == "conv1,conv2d,36,4,27,1,3888,1,none (op),7776,7776,7776,23328,23328,1,7776,7776,1");
  CHECK(l[2] == "conv2,conv2d,36,8,36,1,10368,0.2,magnitude 0.8 (trace),4147,4147,20736,29030,62208,"
                "0.4666666667,4147,20736,0.2");
  CHECK(l[3] == "act,tanh,,,,,0,,-,0,0,0,0,0,,0,0,");
  CHECK(l[4] == "fc1,gemm,4,10,16,1,640,0.5,2:4 (op),640,640,1280,2560,3840,0.6666666667,640,1280,0.5");
  CHECK(l[5] == "fc2,gemm,4,5,10,1,200,0.5,magnitude 0.5 (op),200,200,400,800,1200,0.6666666667,200,400,0.5");
  // 2 * (7776 + 4147.2 + 640 + 200) + 30192 = 55718.4 of 90576; inference 12763.2 of 30192.
  CHECK(l[6] == "TOTAL,,,,,,15096,0.4227344992,,12763,12763,30192,55718,90576,0.6151563328,12763,30192,"
                "0.4227344992");
}

TEST_CASE("flops cli: --sparsity overrides the trace, annealing schedule", "[prune][cli][flops]") {
  // Uniform 80%, annealing on throughout: (0.2 + 0.2 + 1) / 3 on every layer but conv1 (its own 'prune: none'
  // exempts it); fc1's 2:4 and fc2's 0.5 are replaced.
  Result on = run_lpsim("flops " + data("pruned_trace.yaml") + " --sparsity 0.8 --format csv");
  REQUIRE(on.code == 0);
  CHECK(line_starting(on.out, "conv1,") == "conv1,conv2d,36,4,27,1,3888,1,none (op),7776,7776,7776,23328,23328,1,"
                                           "7776,7776,1");
  CHECK(line_starting(on.out, "fc1,") ==
        "fc1,gemm,4,10,16,1,640,0.2,--sparsity,256,256,1280,1792,3840,0.4666666667,256,1280,0.2");
  for (const char* layer : {"conv2,", "fc2,"}) CHECK(has(line_starting(on.out, layer), ",0.4666666667,"));
  Result all = run_lpsim("flops " + data("tiny_gemm.csv") + " --sparsity 0.8 --format csv");
  REQUIRE(all.code == 0);
  CHECK(has(line_starting(all.out, "TOTAL,"), ",0.4666666667,"));
  // Annealing stopped at epoch 0: weight gradients sparse too -> 0.2 (conv1 dense).
  // forward = 2 * (3888 + 0.2 * 11208) = 12259.2; training = 3 * that of 90576.
  Result off = run_lpsim("flops " + data("pruned_trace.yaml") + " --sparsity 0.8 --ga-stop-epoch 0 --format csv");
  REQUIRE(off.code == 0);
  CHECK(has(line_starting(off.out, "conv2,"), ",0.2,4147,20736,0.2"));
  CHECK(line_starting(off.out, "TOTAL,") ==
        "TOTAL,,,,,,15096,0.4060413355,,12259,12259,12259,36778,90576,0.4060413355,12259,30192,0.4060413355");
  // Stopped at epoch 60 of 100: weight gradients 0.6 + 0.4 * 0.2 = 0.68 -> (0.2 + 0.2 + 0.68) / 3 = 0.36.
  Result part = run_lpsim("flops " + data("pruned_trace.yaml") + " --sparsity 0.8 --epochs 100 --ga-stop-epoch 60 "
                      "--format csv");
  REQUIRE(part.code == 0);
  CHECK(has(line_starting(part.out, "fc1,"), ",0.36,"));
  CHECK(has(line_starting(part.out, "conv2,"), ",0.36,"));
}

TEST_CASE("flops cli: ResNet-50 at uniform 80% sparsity", "[prune][cli][flops]") {
  Result r = run_lpsim("flops " + src("traces/resnet50.yaml") + " --sparsity 0.8 --format csv");
  INFO(r.err);
  REQUIRE(r.code == 0);
  const auto l = lines(r.out);
  REQUIRE(l.size() == 56);  // header, 54 layers, TOTAL
  for (size_t i = 1; i + 1 < l.size(); ++i) {
    CAPTURE(l[i]);
    CHECK(has(l[i], ",0.4666666667,"));
  }
  // 4,089,184,256 MACs (traces/README.md): dense training 6 * MACs, dense inference 2 * MACs.
  CHECK(has(l.back(), "TOTAL,,,,,,4089184256,0.2,"));
  CHECK(has(l.back(), ",24535105536,0.4666666667,"));
  CHECK(has(l.back(), ",8178368512,0.2"));
  Result t = run_lpsim("flops " + src("traces/resnet50.yaml") + " --sparsity 0.8");
  REQUIRE(t.code == 0);
  CHECK(has(t.out, "[GFLOP]"));
  CHECK(has(t.out, "train/dense"));
  CHECK(has(t.out, "training per step   11.449716 GFLOP vs 24.535106 GFLOP dense: ratio 0.4667 (2.14x fewer FLOP)"));
  CHECK(has(t.out, "inference           1.635674 GFLOP vs 8.178369 GFLOP dense: ratio 0.2000 (5.00x fewer FLOP)"));
  CHECK(has(t.out, "gradient annealing  on for the whole run (100 epochs): weight-gradient GEMMs always dense"));
}

TEST_CASE("flops cli: SCALE-Sim CSV, JSON and help", "[prune][cli][flops]") {
  Result c = run_lpsim("flops " + data("tiny_gemm.csv") + " --sparsity 0.5 --format csv");
  REQUIRE(c.code == 0);
  // g1: 8 x 16 x 32 = 4096 MACs -> forward 4096, bwd-data 4096, bwd-weight 8192 (dense), 16384 of 24576.
  CHECK(line_starting(c.out, "g1,") == "g1,gemm,8,16,32,1,4096,0.5,--sparsity,4096,4096,8192,16384,24576,"
                                       "0.6666666667,4096,8192,0.5");
  Result d = run_lpsim("flops " + data("tiny_gemm.csv"));  // no prune info: dense
  REQUIRE(d.code == 0);
  CHECK(has(d.out, "density             dense (the trace has no prune specs)"));
  CHECK(has(d.out, "ratio 1.0000"));
  Result j = run_lpsim("flops " + data("pruned_trace.yaml") + " --format json --ga-stop-epoch 50");
  REQUIRE(j.code == 0);
  CHECK(has(j.out, "\"command\": \"lpsim flops\""));
  CHECK(has(j.out, "\"training_flop\": \"FLOP\""));
  CHECK(has(j.out, "\"training_ratio\": \"ratio\""));
  CHECK(has(j.out, "\"gradient_annealing\": \"on for epochs [0, 50) of 100"));
  CHECK(has(j.out, "\"config_yaml\": \"epochs: 100\\nga_stop_epoch: 50\\n\""));
  Result h = run_lpsim("flops --help");
  CHECK(h.code == 0);
  CHECK(has(h.out, "arXiv 2304.06941"));
  CHECK(has(h.out, "Default: = --epochs"));
}

TEST_CASE("flops cli: bad input exits 2 naming the file or option", "[prune][cli][flops]") {
  struct Bad {
    std::string args, message;
  };
  const std::string t = data("pruned_trace.yaml");
  const Bad cases[] = {
      {"missing.yaml", "error: <command line>: TRACE: cannot read trace file 'missing.yaml': no such file"},
      {data("bad_prune_nm.yaml"), "bad_prune_nm.yaml:9: ops[0](fc).prune.nm: N:M needs 1 <= N < M <= 1024"},
      {t + " --sparsity 1", "<command line>: --sparsity: sparsity must be a fraction in [0, 1)"},
      {t + " --ga-stop-epoch 101", "--ga-stop-epoch: expected an epoch in 0..100 (--epochs 100), got 101"},
      {t + " --epochs 10 --ga-stop-epoch=-1", "--ga-stop-epoch: expected an epoch in 0..10"},
      {t + " --epochs 0", "--epochs: expected a positive number of epochs, got 0"},
      {t + " --format jsn", "--format: expected table, csv or json, got \"jsn\" (did you mean 'json'?)"},
      {"", "the option '--trace' is required"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.args);
    Result r = run_lpsim("flops " + c.args);
    INFO(r.out + r.err);
    CHECK(r.code == 2);
    CHECK(has(r.err, c.message));
    CHECK(r.out.empty());
  }
}
