// `lpsim flops`: training and inference FLOPs of a trace under weight sparsity, layer by layer, with the
// AutoSparse accounting (Kundu et al., "AutoSparse: Towards Automated Sparse Training", arXiv 2304.06941;
// notes papers.md §6): forward and input-gradient GEMMs at the layer's weight density, the weight-gradient GEMM
// dense while gradient annealing is on (alpha > 0) and at density once it stops. The model is in
// models/sparsity/prune.h (autosparse_flops).
#include <cmath>
#include <cstdio>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "cli/options.h"
#include "report/report.h"
#include "sparsity/prune.h"
#include "trace/trace.h"
#include "util/error.h"

namespace lpsim::cli {

namespace {

std::string fmt(const char* f, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, f, v);
  return buf;
}

struct Layer {
  std::string name, type, prune;  // prune: where the density came from
  int64_t m = 0, n = 0, k = 0, repeat = 0;
  uint64_t macs = 0;
  bool gemm = false;  // false: activation op (no GEMM, 0 FLOP)
  double density = 1;
  model::TrainingFlops f;
};

report::Report build_report(const std::vector<Layer>& layers, const Layer& total, bool table) {
  report::Report r;
  using report::Column;
  using report::Value;
  // table: GFLOP with 6 decimals; files: whole FLOP.
  const std::string fu = table ? "GFLOP" : "FLOP";
  const std::string sfx = table ? "_gflop" : "_flop";
  auto col = [&](const char* key, const char* header, const std::string& unit, const char* help, bool term = true,
                 int precision = 0) { return r.add_column(Column{key, header, unit, help, term, precision}); };
  const size_t c_name = col("layer", "layer", "", "op name (TOTAL: sum over the trace)");
  const size_t c_type = col("type", "type", "", "gemm, conv2d or an activation (activations: no GEMM, 0 FLOP)");
  size_t c_m = 0, c_n = 0, c_k = 0, c_rep = 0;
  if (!table) {
    c_m = col("m", "M", "rows", "GEMM rows (output pixels / tokens)");
    c_n = col("n", "N", "columns", "GEMM columns (filters / output features)");
    c_k = col("k", "K", "", "reduction length");
    c_rep = col("repeat", "repeat", "", "independent identical instances (groups, heads)");
  }
  const size_t c_macs = col("macs", "MACs", "MAC", "multiply-accumulates of one forward pass (all repeats)");
  const size_t c_dens = col("density", "density", "ratio", "fraction of weights kept (1 - sparsity, or N/M)", true, 4);
  const size_t c_src = col("prune", "prune", "", "where the density comes from: --sparsity, trace (trace-wide "
                                                 "prune block), op (the op's own), dense (no prune)");
  const size_t c_fwd = col(("forward" + sfx).c_str(), "forward", fu, "forward GEMM: 2 * MACs * density", true, 6);
  const size_t c_bd = col(("backward_data" + sfx).c_str(), "bwd-data", fu,
                          "input-gradient GEMM: 2 * MACs * density", true, 6);
  const size_t c_bw = col(("backward_weight" + sfx).c_str(), "bwd-weight", fu,
                          "weight-gradient GEMM: 2 * MACs * (a + (1 - a) * density), a = annealing fraction", true, 6);
  const size_t c_tr = col(("training" + sfx).c_str(), "training", fu, "forward + bwd-data + bwd-weight", true, 6);
  const size_t c_dtr = col(("dense_training" + sfx).c_str(), "dense", fu, "3 * 2 * MACs (all dense)", !table, 6);
  const size_t c_trr = col("training_ratio", "train/dense", "ratio", "training / dense training", true, 4);
  const size_t c_inf = col(("inference" + sfx).c_str(), "inference", fu, "forward at density", !table, 6);
  const size_t c_dinf = col(("dense_inference" + sfx).c_str(), "dense inf", fu, "2 * MACs", !table, 6);
  const size_t c_infr = col("inference_ratio", "infer/dense", "ratio", "inference / dense inference", true, 4);
  auto flop = [&](double v) -> Value {
    if (table) return v / 1e9;
    return static_cast<int64_t>(std::llround(v));
  };
  auto row_of = [&](const Layer& l, bool is_total) {
    std::vector<Value> row(r.columns.size());
    row[c_name] = l.name;
    row[c_type] = l.type;
    if (!table && !is_total && l.gemm) {
      row[c_m] = l.m, row[c_n] = l.n, row[c_k] = l.k, row[c_rep] = l.repeat;
    }
    row[c_macs] = static_cast<int64_t>(l.macs);
    row[c_src] = l.prune;
    row[c_fwd] = flop(l.f.forward);
    row[c_bd] = flop(l.f.backward_data);
    row[c_bw] = flop(l.f.backward_weight);
    row[c_tr] = flop(l.f.training());
    row[c_dtr] = flop(l.f.dense_training());
    row[c_inf] = flop(l.f.inference());
    row[c_dinf] = flop(l.f.dense_forward);
    if (l.f.dense_forward > 0) {
      row[c_dens] = l.density;
      row[c_trr] = l.f.training() / l.f.dense_training();
      row[c_infr] = l.f.inference() / l.f.dense_forward;
    }
    return row;
  };
  for (const auto& l : layers) r.rows.push_back(row_of(l, false));
  r.total = row_of(total, true);
  return r;
}

}  // namespace

int cmd_flops(const Args& args) {
  po::options_description opts("options");
  std::string trace_path, format = "table";
  double sparsity = 0;
  int64_t epochs = 100, ga_stop = -1;
  opts.add_options()
      ("trace", po::value<std::string>(&trace_path)->required(),
       "trace: SCALE-Sim topology .csv or lpsim .yaml (positional)")
      ("sparsity", po::value<double>(&sparsity),
       "uniform weight sparsity 0 <= S < 1 (density 1 - S) for every gemm/conv2d layer except those the trace "
       "exempts with their own 'prune: none'; overrides the trace's other prune specs. Default: the trace's "
       "prune specs (dense where none)")
      ("epochs", po::value<int64_t>(&epochs)->default_value(100), "training epochs in the run (>= 1)")
      ("ga-stop-epoch", po::value<int64_t>(&ga_stop),
       "epoch at which gradient annealing stops (alpha = 0), 0..epochs: weight gradients are dense for epochs "
       "[0, this) and at layer density after. Default: = --epochs (annealing on for the whole run, weight "
       "gradients always dense)")
      ("format", po::value<std::string>(&format)->default_value("table"), "table | csv | json (to stdout)");
  po::positional_options_description pos;
  pos.add("trace", 1);
  po::variables_map vm;
  const CommandHelp help{
      "lpsim flops TRACE [--sparsity S] [--epochs E --ga-stop-epoch G] [--format table|csv|json]",
      "Training and inference FLOPs per layer of a trace under weight sparsity, with the accounting of\n"
      "AutoSparse / gradient annealing (Kundu et al., arXiv 2304.06941). Per training step (one forward and\n"
      "backward pass of the trace as written, averaged over the run), 2 FLOP per MAC:\n"
      "  forward GEMM         2 * MACs * d\n"
      "  backward-data GEMM   2 * MACs * d      (input gradient; counted for every layer, the first one too)\n"
      "  backward-weight GEMM 2 * MACs * (a + (1 - a) * d),  a = G / E  (dense while annealing is on)\n"
      "  inference            2 * MACs * d\n"
      "d = layer weight density: 1 - S for --sparsity S or a magnitude prune spec, N/M for N:M, 1 when dense\n"
      "or exempt (an op's own 'prune: none', e.g. the first conv or a weight-less attention GEMM).\n"
      "Ratios compare with dense training (3 * 2 * MACs) and dense inference (2 * MACs). Activation ops\n"
      "(tanh, sigmoid, gelu, swish) have no GEMM: they are listed with 0 FLOP and no density or ratio.\n"
      "Table columns are in GFLOP; csv/json give whole FLOP (rounded; ratios use unrounded values).",
      "  lpsim flops traces/resnet50.yaml --sparsity 0.8                    # ratio 0.4667: weight grads dense\n"
      "  lpsim flops traces/resnet50.yaml --sparsity 0.8 --ga-stop-epoch 0  # ratio 0.2: annealing off\n"
      "  lpsim flops traces/resnet50.yaml --sparsity 0.8 --epochs 100 --ga-stop-epoch 60 --format csv\n"
      "  lpsim flops my_pruned_trace.yaml --format json                     # densities from prune: blocks"};
  if (!parse_command_line("flops", args, opts, pos, vm, help)) return kExitOk;

  const bool uniform = vm.count("sparsity") > 0;
  if (uniform) {
    const std::string why = model::check_sparsity(sparsity);
    if (!why.empty()) bad_option("--sparsity", why + ", got " + fmt("%g", sparsity));
  }
  if (epochs < 1) bad_option("--epochs", "expected a positive number of epochs, got " + std::to_string(epochs));
  if (!vm.count("ga-stop-epoch")) ga_stop = epochs;
  if (ga_stop < 0 || ga_stop > epochs)
    bad_option("--ga-stop-epoch", "expected an epoch in 0.." + std::to_string(epochs) + " (--epochs " +
                                      std::to_string(epochs) + "), got " + std::to_string(ga_stop));
  if (format != "table" && format != "csv" && format != "json")
    bad_option("--format", "expected table, csv or json, got \"" + format + "\"" +
                               did_you_mean(format, {"table", "csv", "json"}));
  const double anneal = static_cast<double>(ga_stop) / static_cast<double>(epochs);

  const trace::Trace t = trace::read_trace(trace_path, Location{"<command line>", 0, "TRACE"});
  std::vector<Layer> layers;
  Layer total;
  total.name = "TOTAL";
  bool any_pruned = false;
  for (const auto& op : t.ops) {
    Layer l;
    l.name = op.name;
    l.gemm = op.on_array();
    l.type = graph::to_string(op.kind);
    if (l.gemm) {
      l.m = op.shape.M(), l.n = op.shape.N(), l.k = op.shape.K(), l.repeat = op.repeat;
      l.macs = op.macs();
      // An op's own `prune: none` marks it exempt (first conv, weight-less GEMMs such as attention scores);
      // --sparsity replaces every other density.
      const bool exempt =
          op.prune.source == trace::PruneSpec::Source::kOp && op.prune.method == model::PruneMethod::kNone;
      if (uniform && !exempt) {
        l.density = 1.0 - sparsity;
        l.prune = "--sparsity";
      } else if (op.prune.source == trace::PruneSpec::Source::kUnset) {
        l.prune = "dense";
      } else {
        l.density = op.prune.density();
        l.prune = op.prune.str() + (op.prune.source == trace::PruneSpec::Source::kOp ? " (op)" : " (trace)");
      }
      any_pruned = any_pruned || l.density < 1.0;
      l.f = model::autosparse_flops(l.macs, l.density, anneal);
    } else {
      l.prune = "-";
    }
    total.macs += l.macs;
    total.f.forward += l.f.forward;
    total.f.backward_data += l.f.backward_data;
    total.f.backward_weight += l.f.backward_weight;
    total.f.dense_forward += l.f.dense_forward;
    layers.push_back(l);
  }
  total.density = total.f.dense_forward > 0 ? total.f.forward / total.f.dense_forward : 1.0;

  const std::string density_note =
      uniform ? "uniform --sparsity " + fmt("%g", sparsity) + " (density " + fmt("%g", 1.0 - sparsity) +
                    ") on every gemm/conv2d layer not exempted by its own 'prune: none'"
              : (any_pruned ? "per layer from the trace's prune specs" : "dense (the trace has no prune specs)");
  const std::string ga_note = ga_stop == epochs
                                  ? "on for the whole run (" + std::to_string(epochs) +
                                        " epochs): weight-gradient GEMMs always dense"
                                  : "on for epochs [0, " + std::to_string(ga_stop) + ") of " +
                                        std::to_string(epochs) + " (weight-gradient GEMMs dense " +
                                        fmt("%g", 100.0 * anneal) + "% of the run, at layer density after)";
  if (format == "table") {
    std::cout << "trace               " << t.file << " (" << t.ops.size() << " ops, " << t.format << ")\n"
              << "FLOP model          AutoSparse (arXiv 2304.06941): per training step, 2 FLOP per MAC\n"
              << "density             " << density_note << "\n"
              << "gradient annealing  " << ga_note << "\n\n"
              << report::render_table(build_report(layers, total, true)) << "\n";
    const double tr = total.f.training(), dtr = total.f.dense_training();
    const double inf = total.f.inference(), dinf = total.f.dense_forward;
    auto line = [&](const char* what, double s, double d) {
      std::cout << what << fmt("%.6f", s / 1e9) << " GFLOP vs " << fmt("%.6f", d / 1e9) << " GFLOP dense: ratio "
                << (d > 0 ? fmt("%.4f", s / d) : std::string("-"))
                << (s > 0 ? " (" + fmt("%.2f", d / s) + "x fewer FLOP)" : std::string()) << "\n";
    };
    line("training per step   ", tr, dtr);
    line("inference           ", inf, dinf);
    return kExitOk;
  }
  report::Report r = build_report(layers, total, false);
  if (format == "csv") {
    std::cout << report::render_csv(r);
    return kExitOk;
  }
  r.meta = {{"command", "lpsim flops"},
            {"trace", t.file},
            {"trace_format", t.format},
            {"flop_model", "AutoSparse (arXiv 2304.06941): per training step, 2 FLOP per MAC"},
            {"density", density_note},
            {"gradient_annealing", ga_note}};
  std::ostringstream cfg;
  if (uniform) cfg << "sparsity: " << fmt("%g", sparsity) << "\n";
  cfg << "epochs: " << epochs << "\nga_stop_epoch: " << ga_stop << "\n";
  r.config_yaml = cfg.str();
  std::cout << report::render_json(r);
  return kExitOk;
}

}  // namespace lpsim::cli
