// `lpsim prune`: magnitude or N:M pruning of a float32 weight tensor (.npy in, .npy out), with the tie and
// ragged-group rules of models/sparsity/prune.h, and a one-paragraph summary of what changed.
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "cli/options.h"
#include "io/npy.h"
#include "sparsity/prune.h"
#include "util/error.h"
#include "util/output_files.h"

namespace lpsim::cli {

namespace {

std::string percent(int64_t part, int64_t whole) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f%%", whole ? 100.0 * static_cast<double>(part) / whole : 0.0);
  return buf;
}

// Row-major R x C -> C x R.
std::vector<float> transpose(const std::vector<float>& v, size_t rows, size_t cols) {
  std::vector<float> t(v.size());
  for (size_t r = 0; r < rows; ++r)
    for (size_t c = 0; c < cols; ++c) t[c * rows + r] = v[r * cols + c];
  return t;
}

}  // namespace

int cmd_prune(const Args& args) {
  po::options_description opts("options");
  std::string in_path, out_path, method, nm_text, ragged = "pad";
  double sparsity = 0;
  int axis = 0;
  opts.add_options()
      ("in", po::value<std::string>(&in_path)->required(), "input weights: float32 .npy (C order)")
      ("out", po::value<std::string>(&out_path)->required(), "output: the pruned weights, .npy, same shape")
      ("method", po::value<std::string>(&method),
       "magnitude | nm (default: magnitude with --sparsity, nm with --nm)")
      ("sparsity", po::value<double>(&sparsity), "magnitude: fraction of zeros wanted, 0 <= S < 1 (0.8 = 80%)")
      ("nm", po::value<std::string>(&nm_text), "N:M: keep the N largest |w| of every M consecutive k, e.g. 2:4")
      ("axis", po::value<int>(&axis)->default_value(0),
       "N:M: the reduction axis K of a 2-D input: 0 = rows (K x N, lpsim's weight layout), 1 = columns "
       "(N x K, e.g. a PyTorch Linear weight)")
      ("ragged", po::value<std::string>(&ragged)->default_value("pad"),
       "N:M with K not a multiple of M: pad (last group zero-padded: keeps min(N, K % M)) | error");
  po::positional_options_description pos;
  po::variables_map vm;
  const CommandHelp help{
      "lpsim prune --in W.npy --out Ws.npy (--sparsity S | --nm N:M) [--method magnitude|nm] [--axis 0|1]",
      "Prunes a float32 weight tensor and writes it with the same shape (atomically: no output on error).\n"
      "magnitude: global over the whole tensor (any shape); zeroes the round(S * values) smallest |w| (round\n"
      "half up). Existing zeros are the smallest and count, so the result has max(that, zeros before) zeros.\n"
      "nm: structured N:M along the reduction axis K (NVIDIA sparse tensor cores use 2:4; Mishra et al.,\n"
      "arXiv 2104.08378): in every column, each group of M consecutive k keeps its N largest |w|. A 1-D input is\n"
      "one column; 3-D/4-D inputs are rejected (reshape a conv weight to 2-D first, e.g. PyTorch\n"
      "w.reshape(out_c, -1) with --axis 1). Ties: equal |w| keep the lower index (magnitude zeroes equal values\n"
      "from the highest flat index down; N:M keeps the lower k); -0.0 == 0.0; NaN is never pruned and counts as\n"
      "nonzero. The result of nm is verified (every group holds at most N nonzeros) before it is written.",
      "  lpsim prune --in w.npy --out w80.npy --sparsity 0.8          # 80% zeros, smallest |w| first\n"
      "  lpsim prune --in w.npy --out w24.npy --nm 2:4                # 2 of every 4 along K (rows of K x N)\n"
      "  lpsim prune --in fc.npy --out fc24.npy --nm 2:4 --axis 1     # PyTorch Linear weight (out x in)\n"
      "  lpsim prune --in w.npy --out w14.npy --nm 1:4 --ragged error # refuse K % 4 != 0"};
  if (!parse_command_line("prune", args, opts, pos, vm, help)) return kExitOk;

  // 1. Options, before any file is touched.
  const bool has_s = vm.count("sparsity") > 0, has_nm = vm.count("nm") > 0;
  if (method.empty()) {
    if (has_s == has_nm) bad_option("--sparsity", "give exactly one of --sparsity S (magnitude) or --nm N:M");
    method = has_s ? "magnitude" : "nm";
  }
  model::PruneSpec spec;
  if (method == "magnitude") {
    if (has_nm) bad_option("--nm", "does not apply to --method magnitude");
    if (!has_s) bad_option("--sparsity", "--method magnitude needs --sparsity S (fraction of zeros, e.g. 0.8)");
    const std::string why = model::check_sparsity(sparsity);
    if (!why.empty()) {
      char got[32];
      std::snprintf(got, sizeof got, "%g", sparsity);
      bad_option("--sparsity", why + ", got " + got);
    }
    spec.method = model::PruneMethod::kMagnitude;
    spec.sparsity = sparsity;
  } else if (method == "nm") {
    if (has_s) bad_option("--sparsity", "does not apply to --method nm (N:M fixes the sparsity at 1 - N/M)");
    if (!has_nm) bad_option("--nm", "--method nm needs --nm N:M, e.g. 2:4");
    std::string why;
    const auto nm = model::parse_nm(nm_text, &why);
    if (!nm) bad_option("--nm", why);
    spec = *nm;
  } else {
    bad_option("--method", "expected magnitude or nm, got \"" + method + "\"" +
                               did_you_mean(method, {"magnitude", "nm"}));
  }
  const bool is_nm = spec.method == model::PruneMethod::kNm;
  if (!vm["axis"].defaulted() && !is_nm) bad_option("--axis", "applies to N:M pruning only");
  if (!vm["ragged"].defaulted() && !is_nm) bad_option("--ragged", "applies to N:M pruning only");
  if (axis != 0 && axis != 1) bad_option("--axis", "expected 0 (K x N) or 1 (N x K), got " + std::to_string(axis));
  if (ragged != "pad" && ragged != "error") bad_option("--ragged", "expected pad or error, got \"" + ragged + "\"");
  if (lower_ext(in_path) != ".npy") bad_option("--in", "expected a float32 .npy file, got \"" + in_path + "\"");
  if (lower_ext(out_path) != ".npy") bad_option("--out", "expected a .npy file, got \"" + out_path + "\"");
  {
    const std::filesystem::path p(out_path);
    const std::filesystem::path dir = p.has_parent_path() ? p.parent_path() : std::filesystem::path(".");
    if (!std::filesystem::is_directory(dir))
      bad_option("--out", "directory '" + dir.string() + "' of \"" + out_path + "\" does not exist");
  }

  // 2. Input.
  io::NpyArray w = io::read_npy_f32(in_path);
  const Location in_at{in_path, 0, ""};
  if (w.data.empty()) throw_input_error(in_at, "contains no values (shape " + io::shape_str(w.shape) + ")");
  const int64_t count = static_cast<int64_t>(w.data.size());
  std::ostringstream what;  // the method part of the summary
  model::PruneStats st;
  if (!is_nm) {
    st = model::prune_magnitude(w.data.data(), count, spec.sparsity);
    what << "magnitude pruning to sparsity " << spec.sparsity << " (global over the tensor: the "
         << model::magnitude_prune_count(count, spec.sparsity) << " smallest |w| = round(" << spec.sparsity
         << " x " << count << ") set to zero)";
  } else {
    if (w.shape.size() != 1 && w.shape.size() != 2)
      throw_input_error(in_at, "N:M pruning needs a 1-D or 2-D array (K x N), got shape " + io::shape_str(w.shape) +
                                   "; reshape a conv weight to 2-D first (PyTorch (out_c, in_c, kh, kw): "
                                   "w.reshape(out_c, -1), then --axis 1)");
    if (w.shape.size() == 1 && axis != 0)
      bad_option("--axis", "a 1-D input has only axis 0, got " + std::to_string(axis));
    const size_t rows = w.shape[0], cols = w.shape.size() == 2 ? w.shape[1] : 1;
    const int64_t K = static_cast<int64_t>(axis == 0 ? rows : cols), N = count / K;
    if (K % spec.m != 0 && ragged == "error")
      throw_input_error(in_at, "K = " + std::to_string(K) + " (axis " + std::to_string(axis) +
                                   ") is not a multiple of M = " + std::to_string(spec.m) + " (--ragged error)");
    std::vector<float> kn = axis == 0 ? std::move(w.data) : transpose(w.data, rows, cols);
    st = model::prune_nm(kn.data(), K, N, spec.n, spec.m);
    if (const auto v = model::check_nm(kn.data(), K, N, spec.n, spec.m))
      throw std::logic_error("N:M self-check failed at column " + std::to_string(v->column) + ", k " +
                             std::to_string(v->k_begin));
    w.data = axis == 0 ? std::move(kn) : transpose(kn, cols, rows);
    const int64_t groups = (K + spec.m - 1) / spec.m * N;
    what << spec.n << ":" << spec.m << " pruning along axis " << axis << " (K = " << K << ", " << N
         << (N == 1 ? " column" : " columns") << ", " << groups << " groups of " << spec.m
         << " consecutive k, each keeping its " << spec.n << " largest |w|; verified)";
    if (st.ragged_groups)
      what << "; K is not a multiple of " << spec.m << ", so the last group of each column has " << K % spec.m
           << " values and is treated as zero-padded (" << st.ragged_groups << " ragged groups)";
  }

  // 3. Output (atomic: staged as .tmp, renamed).
  write_file_atomic(out_path, io::npy_f32_bytes(w.data.data(), w.shape));

  // 4. Summary.
  std::cout << "Pruned " << in_path << " (shape " << io::shape_str(w.shape) << ", " << count
            << " values) with " << what.str() << ". Zeros: " << st.zeros_before << " values before ("
            << percent(st.zeros_before, count) << "), " << st.zeros_after << " values after; achieved sparsity "
            << percent(st.zeros_after, count) << " (" << count - st.zeros_after << " nonzero values kept). Wrote "
            << out_path << ".\n";
  return kExitOk;
}

}  // namespace lpsim::cli
