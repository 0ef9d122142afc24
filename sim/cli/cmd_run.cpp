// lpsim run / lpsim validate: load a config (YAML or SCALE-Sim .cfg), read its trace, simulate, report.
#include <cctype>
#include <csignal>
#include <cstdlib>
#include <iostream>

#include "cli/options.h"
#include "config/config.h"
#include "driver/driver.h"
#include "driver/task.h"
#include "driver/workload.h"
#include "util/interrupt.h"
#include "io/npy.h"
#include "driver/precheck.h"
#include "report/scalesim_reports.h"
#include "driver/preflight.h"
#include "pe/pe.h"
#include "trace/trace.h"
#include "util/output_files.h"
#include "util/progress.h"
#include "util/text.h"

namespace lpsim::cli {

namespace {

struct Loaded {
  cfg::Config config;
  driver::RunWorkload work;
  const graph::Graph& trace() const { return work.graph; }
};

void add_config_options(po::options_description& o) {
  o.add_options()("config", po::value<std::string>()->required(), "config file (.yaml, or SCALE-Sim .cfg)")(
      "set", po::value<std::vector<std::string>>()->composing(),
      "override one config key: --set key.path=value (repeatable; same keys and checks as the YAML)")(
      "trace", po::value<std::string>(), "trace file replacing workload.trace (needed with a SCALE-Sim .cfg)")(
      "model", po::value<std::string>(), "ONNX model replacing the config's workload (workload.model)");
}

Loaded load(const po::variables_map& vm) {
  std::vector<cfg::Override> overrides;
  if (vm.count("set"))
    for (const auto& s : vm["set"].as<std::vector<std::string>>()) overrides.push_back(cfg::parse_override(s));
  std::string trace_path = vm.count("trace") ? vm["trace"].as<std::string>() : std::string();
  std::string model_path = vm.count("model") ? vm["model"].as<std::string>() : std::string();
  if (!trace_path.empty() && !model_path.empty()) throw InputError("--trace and --model exclude each other: give one");
  Loaded l{cfg::load_config(vm["config"].as<std::string>(), overrides, trace_path, model_path), {}};
  l.work = driver::load_run_workload(l.config);
  driver::precheck(l.config, l.trace());
  driver::preflight(l.config, l.trace());  // tensor files, 64-bit limits, memory: before anything runs
  return l;
}

// Runs f (a simulation) with the models' 64-bit limit errors attributed to the op that caused them: the timing
// model's LayerLimitError carries the index of the array op among the layers it timed (a data set's last
// partial batch times the same ops again after the others).
template <class F>
auto with_limits(const Loaded& l, F&& f) {
  try {
    return f();
  } catch (const model::LayerLimitError& e) {
    std::vector<const graph::Node*> array_ops;
    for (const auto& op : l.trace().ops)
      if (op.on_array()) array_ops.push_back(&op);
    if (array_ops.empty()) throw;
    const graph::Node& op = *array_ops[e.layer % array_ops.size()];
    throw_input_error(op.where, "op '" + excerpt(op.name) + "': " + e.what() +
                                    " (accelerator.memory bandwidth and SRAM sizes set how many cycles it takes)");
  }
}

const char* kConfigExamples =
    "  lpsim run configs/default.yaml\n"
    "      32x32 output-stationary array on AlexNet: per-layer cycles, utilisation and traffic\n"
    "  lpsim run configs/default.yaml --set accelerator.array.dataflow=ws --set accelerator.array.rows=64\n"
    "      the same network on a 64x32 weight-stationary array\n"
    "  lpsim run configs/default.yaml --format json --out out/alexnet_os\n"
    "      JSON on stdout; report.json, layers.csv and report.txt written to out/alexnet_os\n"
    "  lpsim run scalesim.cfg --trace topologies/resnet18.csv\n"
    "      a SCALE-Sim v2 config and topology, unchanged\n"
    "  lpsim run configs/resnet18_mxfp8.yaml --model my_net.onnx --set workload.input=x.npy --dump-outputs\n"
    "      an ONNX model run layer by layer on the array with values flowing between ops; accuracy per layer\n"
    "      (sqnr_db compounded, sqnr_local_db added by the op) next to cycles and energy; outputs as .npy\n";

}  // namespace

int cmd_run(const Args& args) {
  po::options_description opts("options");
  add_config_options(opts);
  opts.add_options()("out,o", po::value<std::string>(), "output directory (default: run.out_dir)")(
      "format,f", po::value<std::string>()->default_value("table"),
      "what to print on stdout: table | json | csv | none")(
      "columns", "print the report columns (key, unit, meaning) as Markdown instead of the report; no files")(
      "dump-outputs", "write every graph output of a model as float32 OUT/outputs/<name>.npy (run.dump_outputs)");
  po::positional_options_description pos;
  pos.add("config", 1);
  po::variables_map vm;
  CommandHelp help{
      "lpsim run CONFIG [--set key.path=value]... [--trace FILE | --model M.onnx] [--out DIR] [--format table|json|csv]",
      "Simulates the workload of CONFIG (a trace, a SCALE-Sim topology or an ONNX model) on the configured\n"
      "accelerator and reports, per layer and in total: compute, stall and total cycles, time at the clock,\n"
      "utilisation, MACs, SRAM and DRAM traffic per operand, accuracy when values are computed, area, energy, power.\n"
      "Files written to the output directory (all or none): report.txt, report.json, layers.csv (run.formats),\n"
      "and outputs/*.npy with --dump-outputs.",
      kConfigExamples};
  if (!parse_command_line("run", args, opts, pos, vm, help)) return kExitOk;
  std::string format = vm["format"].as<std::string>();
  std::vector<std::string> formats = {"table", "json", "csv", "none"};
  if (std::find(formats.begin(), formats.end(), format) == formats.end())
    throw InputError("--format: expected one of " + join(formats) + ", got \"" + format + "\"" +
                     did_you_mean(format, formats));

  Loaded l = load(vm);
  std::string out_dir = vm.count("out") ? vm["out"].as<std::string>() : l.config.run.out_dir;
  const auto inputs = driver::graph_inputs(l.config, l.trace());
  const bool dump = vm.count("dump-outputs") || l.config.run.dump_outputs;
  if (dump && !l.trace().dataflow())
    throw InputError("--dump-outputs / run.dump_outputs writes a model's graph outputs; " + l.trace().file +
                     " is a trace without graph outputs");
  if (dump && inputs.empty() && !l.work.dataset)
    throw InputError("--dump-outputs / run.dump_outputs needs values: give workload.input or workload.synthetic");
  // Everything that can be checked before simulating was (load(): tensor files, 64-bit limits, memory); the
  // output directory too, so a long run cannot fail at its end and nothing is written when anything fails.
  OutputFiles files(out_dir);
  for (const auto& f : l.config.run.formats)
    files.add(f == "table" ? "report.txt" : f == "json" ? "report.json" : "layers.csv", "");
  if (!vm.count("columns")) files.check(vm.count("out") ? Location{"--out", 0, ""} : l.config.loc("run.out_dir"));
  model::set_default_threads(l.config.run.threads);
  driver::RunResult res;
  driver::TaskCounts task;
  if (l.work.dataset) {
    // A data set: batch by batch, the task figures from each batch's logits; the bar counts images.
    const io::Dataset& d = *l.work.dataset;
    ProgressBar bar("run " + l.trace().name + " on " + std::to_string(d.count) + " images");
    driver::RunPlan plan;
    plan.graph = &l.work.graph;
    plan.batches = l.work.batches;
    plan.tail = l.work.tail.get();
    plan.inputs = [&](uint64_t b) { return l.work.dataset_batch(b); };
    uint64_t done = 0;
    plan.on_batch = [&](uint64_t b, const exec::Executor& ex) {
      if (dump)  // every batch's outputs, concatenated along the batch dimension
        for (const auto& [name, t] : ex.outputs()) {
          exec::TensorF& all = res.outputs[name];
          if (all.shape.empty()) all.shape = t.shape, all.shape[0] = 0;
          all.shape[0] += t.shape.empty() ? 1 : t.shape[0];
          all.v.insert(all.v.end(), t.v.begin(), t.v.end());
        }
      const std::string& out = l.trace().outputs[0];
      const int64_t* labels = d.labels.empty() ? nullptr : d.labels.data() + b * static_cast<uint64_t>(l.work.batch);
      task.add(ex.outputs().at(out), ex.reference_outputs().at(out), labels, l.config.workload.dataset.labels);
      done = task.images;
      bar.update(done, static_cast<size_t>(d.count));
      // Test hook: a real SIGINT to this process after that many batches, so the Ctrl-C test does not depend on
      // how fast the machine runs (a timer can fire before the handler is installed, or after the run ended).
      static const long sigint_after = [] {
        const char* e = std::getenv("LPSIM_TEST_SIGINT_AFTER_BATCHES");
        return e ? std::atol(e) : 0L;
      }();
      if (sigint_after > 0 && b + 1 == static_cast<uint64_t>(sigint_after)) std::raise(SIGINT);
      throw_if_interrupted();
    };
    InterruptGuard ctrl_c;
    driver::RunResult run = with_limits(l, [&] { return driver::simulate(l.config, plan); });
    res.report = std::move(run.report);
    if (!dump) res.outputs = std::move(run.outputs);
    bar.finish();
    driver::fill_task(res.report, task, static_cast<uint64_t>(l.work.batch),
                      l.work.batches + (l.work.tail ? 1 : 0));
  } else {
    ProgressBar bar("run " + l.trace().name);  // steps: timing of each array op, then each op's values
    res = with_limits(l, [&] {
      return driver::simulate(l.config, l.trace(), inputs, [&](size_t d, size_t t) { bar.update(d, t); });
    });
    bar.finish();
  }
  const report::Report& r = res.report;
  if (vm.count("columns")) {
    std::cout << report::columns_markdown(r);
    return kExitOk;
  }

  std::string table = report::render_table(r), json = report::render_json(r), csv = report::render_csv(r);
  // report.txt holds what the terminal shows, the task figures of a data set run included.
  if (!r.task_columns.empty())
    table += "\ntask (" + l.config.workload.dataset.images + "):\n" + report::render_task_table(r);
  for (const auto& w : r.warnings) table += "\nwarning: " + w + "\n";
  files.clear();
  for (const auto& f : l.config.run.formats) {
    if (f == "table") files.add("report.txt", table);
    if (f == "json") files.add("report.json", json);
    if (f == "csv") files.add("layers.csv", csv);
  }
  if (!r.task_columns.empty()) files.add("task.csv", report::render_task_csv(r));
  if (dump)
    for (const auto& [name, t] : res.outputs) {
      // File name: the output's name with characters other than [A-Za-z0-9_.-] replaced by '_'.
      std::string file = name;
      for (char& ch : file)
        if (!std::isalnum(static_cast<unsigned char>(ch)) && ch != '_' && ch != '.' && ch != '-') ch = '_';
      files.add("outputs/" + file + ".npy", io::npy_f32_bytes(t.v.data(), std::vector<size_t>(t.shape.begin(), t.shape.end())));
    }
  if (l.config.run.scalesim_reports) {
    // First/last access cycles of each array op (one more pass of its memory model), in report order.
    std::vector<model::AccessSpans> spans;
    for (const auto& n : l.trace().ops)
      if (n.on_array()) spans.push_back(model::access_spans(l.config.array, l.config.memory, n.shape));
    for (const auto& [name, text] : report::scalesim_reports(r, l.config.memory, spans))
      files.add(l.config.run.name + "/" + name, text);
  }
  files.commit();
  std::string memory_line;
  for (const auto& [key, value] : r.meta)
    if (key == "memory_model") memory_line = value;
  if (format == "table") {
    std::cout << "lpsim: " << l.trace().name << " (" << l.trace().ops.size() << " ops) on a " << l.config.array.rows
              << "x" << l.config.array.cols << " " << model::to_string(l.config.array.dataflow) << " array at "
              << l.config.array.clock_mhz << " MHz\nmemory: " << memory_line << "\n\n"
              << table;
    if (!files.paths().empty()) std::cout << "\nwrote " << join(files.paths()) << "\n";
  } else {
    for (const auto& w : r.warnings) std::cerr << "warning: " << w << "\n";
  }
  if (format == "json") {
    std::cout << json;
  } else if (format == "csv") {
    std::cout << csv;
  }
  return kExitOk;
}

int cmd_validate(const Args& args) {
  po::options_description opts("options");
  add_config_options(opts);
  opts.add_options()("keys", "print the reference of every config key (Markdown) and exit");
  po::positional_options_description pos;
  pos.add("config", 1);
  po::variables_map vm;
  CommandHelp help{"lpsim validate CONFIG [--set key.path=value]... [--trace FILE] | lpsim validate --keys",
                   "Checks CONFIG and its trace or model without simulating, then prints the fully resolved config\n"
                   "(every key, defaults filled in, units as comments) and a summary of the workload.",
                   "  lpsim validate configs/default.yaml\n"
                   "  lpsim validate configs/default.yaml --set accelerator.array.rows=128\n"
                   "  lpsim validate --keys        # the config reference as a Markdown table\n"};
  bool keys_only = std::find(args.begin(), args.end(), "--keys") != args.end();
  if (keys_only) {
    std::cout << cfg::schema_reference_markdown();
    return kExitOk;
  }
  if (!parse_command_line("validate", args, opts, pos, vm, help)) return kExitOk;
  Loaded l = load(vm);
  std::cout << cfg::dump_config(l.config) << "# " << (l.trace().format == "onnx" ? "model" : "trace") << ": "
            << l.trace().file << " (" << l.trace().format << ", " << l.trace().ops.size() << " ops, " << l.trace().macs()
            << " MACs)\n"
            << "# ok: config and " << (l.trace().format == "onnx" ? "model" : "trace") << " are valid\n";
  return kExitOk;
}

}  // namespace lpsim::cli
