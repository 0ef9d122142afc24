// `lpsim cosim BLOCK`: drives a verilated RTL block (SystemC) and lpsim's C++ model of it with the same inputs and
// compares every result bit by bit (and cycles with the model's timing). Blocks: ktanh (models/sfu), fp8_mac,
// bf16_mac, int16_fma, mx_dot, tile (models/cosim). Exit 0 on a clean comparison, 1 on any mismatch or cycle
// difference, 2 on bad options.
#include <cstdint>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "cli/options.h"
#include "cosim/cosim.h"
#include "sfu/ktanh_cosim.h"
#include "util/error.h"
#include "util/progress.h"

namespace lpsim::cli {

namespace {

constexpr int kMaxLanes = 4096;
constexpr uint64_t kMaxRandomInputs = 100000000;  // 10^8 vectors: minutes of simulation
constexpr uint64_t kMaxRandomGemms = 100000;

std::vector<std::string> block_names() {
  std::vector<std::string> v;
  for (const auto& b : model::cosim_blocks()) v.push_back(b.name);
  return v;
}

std::string joined(const std::vector<std::string>& v, const char* sep = ", ") {
  std::string s;
  for (const auto& x : v) s += (s.empty() ? "" : sep) + x;
  return s;
}

// "exhaustive", "corners" or "random:N".
model::CosimInputs parse_inputs(const std::string& spec, uint64_t seed, uint64_t max_random) {
  model::CosimInputs in;
  in.seed = seed;
  if (spec == "exhaustive") {
    in.kind = model::CosimInputKind::kExhaustive;
    return in;
  }
  if (spec == "corners") {
    in.kind = model::CosimInputKind::kCorners;
    return in;
  }
  const std::string prefix = "random:";
  if (spec.compare(0, prefix.size(), prefix) == 0) {
    const std::string num = spec.substr(prefix.size());
    const bool digits = !num.empty() && num.size() <= 10 && num.find_first_not_of("0123456789") == std::string::npos;
    const uint64_t n = digits ? std::stoull(num) : 0;
    if (!digits || n == 0 || n > max_random) {
      bad_option("--inputs", "random:N needs an integer N from 1 to " + std::to_string(max_random) + ", got \"" +
                                 spec + "\"");
    }
    in.kind = model::CosimInputKind::kRandom;
    in.count = n;
    return in;
  }
  bad_option("--inputs", "expected \"exhaustive\", \"corners\" or \"random:N\", got \"" + spec + "\"");
}

// "flip:VECTOR:BIT" or "wrong-model".
model::CosimFault parse_fault(const std::string& spec) {
  model::CosimFault f;
  if (spec.empty()) return f;
  if (spec == "wrong-model") {
    f.variant = true;
    return f;
  }
  const std::string prefix = "flip:";
  const size_t colon = spec.find(':', prefix.size());
  if (spec.compare(0, prefix.size(), prefix) == 0 && colon != std::string::npos) {
    const std::string v = spec.substr(prefix.size(), colon - prefix.size()), b = spec.substr(colon + 1);
    const bool ok = !v.empty() && v.size() <= 12 && v.find_first_not_of("0123456789") == std::string::npos &&
                    !b.empty() && b.size() <= 2 && b.find_first_not_of("0123456789") == std::string::npos &&
                    std::stoi(b) < 32;
    if (ok) {
      f.flip = true;
      f.vector = std::stoull(v);
      f.bit = std::stoi(b);
      return f;
    }
  }
  bad_option("--inject", "expected \"flip:VECTOR:BIT\" (BIT 0..31) or \"wrong-model\", got \"" + spec + "\"");
}

std::vector<uint16_t> ktanh_patterns(const model::CosimInputs& in, std::string* desc) {
  switch (in.kind) {
    case model::CosimInputKind::kExhaustive:
      *desc = "exhaustive: all 65536 BF16 bit patterns";
      return model::all_bf16_patterns();
    case model::CosimInputKind::kCorners:
      *desc = "corners: zeros, subnormals, the 0.25 and 3.75 thresholds, every table interval's ends, Inf, NaN";
      return model::ktanh_corner_patterns();
    default:
      *desc = "random: " + std::to_string(in.count) + " uniform BF16 bit patterns, seed " + std::to_string(in.seed);
      return model::random_bf16_patterns(in.count, in.seed);
  }
}

}  // namespace

int cmd_cosim(const Args& args) {
  po::options_description opts("options");
  std::string block, inputs, pe = "all", inject;
  int lanes = 8, rows = 0, cols = 0;
  int64_t seed = 1;
  std::string tiles_avail;
  for (const auto& t : model::rtl_tile_configs()) {
    tiles_avail += (tiles_avail.empty() ? "" : ", ") + std::string(model::to_string(t.pe)) + " " +
                   std::to_string(t.rows) + "x" + std::to_string(t.cols);
  }
  opts.add_options()
      ("block", po::value<std::string>(&block)->required(), ("block to co-verify: " + joined(block_names())).c_str())
      ("inputs", po::value<std::string>(&inputs),
       "exhaustive (every input pattern: ktanh, fp8_mac), corners (directed special values) or random:N "
       "(N seeded random vectors; tile: N random GEMMs); default per block (see Blocks above)")
      ("seed", po::value<int64_t>(&seed)->default_value(1), "seed for random:N and the tile's data, >= 0")
      ("lanes", po::value<int>(&lanes)->default_value(8), "ktanh: parallel lanes driven (1..4096; RTL built with 32)")
      ("pe", po::value<std::string>(&pe)->default_value("all"), "tile: PE kind fp8, int16 or all")
      ("rows", po::value<int>(&rows), ("tile: PE rows (verilated tiles: " + tiles_avail + ")").c_str())
      ("cols", po::value<int>(&cols), "tile: PE columns")
      ("inject", po::value<std::string>(&inject),
       "corrupt the reference to see the checker fail: flip:VECTOR:BIT flips one bit of the model's result for "
       "that vector; wrong-model uses a plausible wrong model (not ktanh)");
  po::positional_options_description pos;
  pos.add("block", 1);
  po::variables_map vm;
  std::string defaults;
  for (const auto& b : model::cosim_blocks()) {
    defaults += "  " + std::string(b.name) + std::string(12 - std::string(b.name).size(), ' ') + b.summary +
                "\n" + std::string(14, ' ') + "default --inputs " + b.default_inputs + "\n";
  }
  const CommandHelp help{
      "lpsim cosim BLOCK [--inputs exhaustive|corners|random:N] [--seed S] [--lanes N] [--pe P --rows R --cols C]",
      "Drives the same inputs through a verilated RTL block (rtl/, SystemC) and through lpsim's C++ model of it\n"
      "(the code `lpsim gemm` and `lpsim run` use), compares every result bit by bit, checks the RTL's cycles\n"
      "against the model's timing, and prints the vectors checked, the mismatches (the first ten with their\n"
      "inputs in hex), cycles and vectors per second. Exit code 1 on any mismatch or cycle difference.\n\n"
      "Blocks:\n" + defaults,
      "  lpsim cosim ktanh                              # all 65536 BF16 patterns, 8 lanes\n"
      "  lpsim cosim fp8_mac                            # every E4M3 and E5M2 operand pair x 18 accumulators\n"
      "  lpsim cosim mx_dot --inputs random:1000000 --seed 7\n"
      "  lpsim cosim int16_fma --inputs corners\n"
      "  lpsim cosim tile --pe fp8 --rows 4 --cols 4    # GEMMs on a 4x4 FP8 tile vs lpsim gemm --dataflow os\n"
      "  lpsim cosim bf16_mac --inject flip:12:0        # a one-bit difference in vector 12 must be reported"};
  if (!parse_command_line("cosim", args, opts, pos, vm, help)) return kExitOk;

  const model::CosimBlockInfo* info = nullptr;
  for (const auto& b : model::cosim_blocks()) {
    if (block == b.name) info = &b;
  }
  if (!info) {
    bad_option("block", "unknown block \"" + block + "\"" + did_you_mean(block, block_names()) + "; blocks: " +
                            joined(block_names()));
  }
  const bool is_tile = block == "tile", is_ktanh = block == "ktanh";
  if (!is_ktanh && !vm["lanes"].defaulted()) bad_option("--lanes", "only the ktanh block has lanes");
  if (!is_tile && (vm.count("rows") || vm.count("cols") || !vm["pe"].defaulted())) {
    bad_option(vm.count("rows") ? "--rows" : vm.count("cols") ? "--cols" : "--pe", "only the tile block takes it");
  }
  if (lanes < 1 || lanes > kMaxLanes) {
    bad_option("--lanes", "expected an integer from 1 to " + std::to_string(kMaxLanes) + ", got " +
                              std::to_string(lanes));
  }
  if (seed < 0) bad_option("--seed", "expected a non-negative integer, got " + std::to_string(seed));
  if (inputs.empty()) inputs = info->default_inputs;
  const model::CosimInputs in = parse_inputs(inputs, static_cast<uint64_t>(seed), is_tile ? kMaxRandomGemms
                                                                                         : kMaxRandomInputs);
  if (in.kind == model::CosimInputKind::kExhaustive && !info->has_exhaustive) {
    bad_option("--inputs", "block " + block + " has no exhaustive input set (its input space is too large); use "
                           "corners or random:N");
  }
  const model::CosimFault fault = parse_fault(inject);
  if (is_ktanh && fault.variant) bad_option("--inject", "ktanh has no wrong-model variant; use flip:VECTOR:BIT");

  ProgressBar bar("cosim " + block);
  const auto progress = [&bar](uint64_t done, uint64_t total) {
    bar.update(static_cast<size_t>(done), static_cast<size_t>(total));
  };

  if (is_ktanh) {
    std::string desc;
    const std::vector<uint16_t> patterns = ktanh_patterns(in, &desc);
    const model::KtanhTable table = model::ktanh_paper_table();
    const model::CosimResult r = model::cosim_ktanh(patterns, lanes, table, progress,
                                                    fault.flip ? fault.vector : UINT64_MAX, fault.bit);
    bar.finish();
    std::cout << model::format_cosim_report(r, desc);
    return r.passed() ? kExitOk : kExitFailure;
  }

  model::BlockCosimResult r;
  if (is_tile) {
    std::vector<model::TileConfig> tiles;
    if (pe != "all" && pe != "fp8" && pe != "int16") {
      bad_option("--pe", "expected fp8, int16 or all, got \"" + pe + "\"");
    }
    if (vm.count("rows") != vm.count("cols")) {
      bad_option(vm.count("rows") ? "--cols" : "--rows", "give --rows and --cols together");
    }
    if (vm.count("rows") && (rows < 1 || cols < 1)) bad_option("--rows", "expected positive integers");
    for (const auto& t : model::rtl_tile_configs()) {
      if (pe != "all" && pe != model::to_string(t.pe)) continue;
      if (vm.count("rows") && (t.rows != rows || t.cols != cols)) continue;
      tiles.push_back(t);
    }
    if (tiles.empty()) {
      bad_option(vm.count("rows") ? "--rows" : "--pe",
                 "no verilated " + (pe == "all" ? std::string() : pe + " ") + "tile" +
                     (vm.count("rows") ? " of " + std::to_string(rows) + "x" + std::to_string(cols) : "") +
                     "; verilated tiles: " + tiles_avail + " (add sizes to LPSIM_RTL_TILES in rtl/CMakeLists.txt)");
    }
    r = model::cosim_tile(in, tiles, fault, progress);
  } else if (block == "fp8_mac") {
    r = model::cosim_fp8_mac(in, fault, progress);
  } else if (block == "bf16_mac") {
    r = model::cosim_bf16_mac(in, fault, progress);
  } else if (block == "int16_fma") {
    r = model::cosim_int16_fma(in, fault, progress);
  } else {
    r = model::cosim_mx_dot(in, fault, progress);
  }
  bar.finish();
  std::cout << model::format_block_report(r);
  return r.passed() ? kExitOk : kExitFailure;
}

}  // namespace lpsim::cli
