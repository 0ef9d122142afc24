// lpsim import: an ONNX model as a native graph trace (YAML) plus its weights as .npy files, so timing-only users
// and scripted workflows get a trace from a PyTorch model (traces/README.md, "Graph traces").
#include <filesystem>
#include <iostream>
#include <sstream>

#include "cli/options.h"
#include "onnx/onnx_reader.h"
#include "trace/graph_trace.h"
#include "util/output_files.h"

namespace fs = std::filesystem;

namespace lpsim::cli {

int cmd_import(const Args& args) {
  po::options_description opts("options");
  opts.add_options()("model", po::value<std::string>()->required(), "ONNX model (.onnx)")(
      "out,o", po::value<std::string>()->required(), "output directory for <name>.yaml and <name>_weights/")(
      "name", po::value<std::string>(), "file stem of the trace (default: the model file's stem)")(
      "batch", po::value<int64_t>(), "batch of a model whose first input dimension is dynamic (default 1)")(
      "input-shape", po::value<std::string>(), "shape of the model input, e.g. 1,3,224,224 (dynamic dimensions)");
  po::positional_options_description pos;
  pos.add("model", 1);
  po::variables_map vm;
  const CommandHelp help{
      "lpsim import MODEL.onnx --out DIR [--batch N] [--input-shape 1,3,224,224] [--name STEM]",
      "Reads an ONNX model as `lpsim run` does (shapes from the model, Shape/Gather chains and constants folded,\n"
      "GELU fused) and writes the equivalent native graph trace: DIR/STEM.yaml with every op, its attributes, input\n"
      "and output tensor names, output shape and array mapping (gemm: m, n, k, repeat), and the weights as\n"
      "DIR/STEM_weights/<tensor>.npy (float32). `lpsim run` runs that trace exactly as it runs the model.",
      "  lpsim import resnet18.onnx --out traces/resnet18\n"
      "      traces/resnet18/resnet18.yaml + resnet18_weights/*.npy\n"
      "  lpsim import bert.onnx --out out/bert --input-shape 1,128\n"
      "      a model with a dynamic sequence length, fixed at 128\n"};
  if (!parse_command_line("import", args, opts, pos, vm, help)) return kExitOk;
  const std::string model = vm["model"].as<std::string>();
  onnx_import::ImportOptions o;
  o.where = Location{"<command line>", 0, "MODEL"};
  if (vm.count("batch")) {
    o.batch = vm["batch"].as<int64_t>();
    if (o.batch < 1) bad_option("--batch", "expected a positive integer, got " + std::to_string(o.batch));
    o.batch_where = Location{"<command line>", 0, "--batch"};
  }
  if (vm.count("input-shape")) {
    std::stringstream ss(vm["input-shape"].as<std::string>());
    for (std::string part; std::getline(ss, part, ',');) {
      char* end = nullptr;
      const long long v = std::strtoll(part.c_str(), &end, 10);
      if (part.empty() || *end != '\0' || v < 1)
        bad_option("--input-shape", "expected positive integers separated by commas, e.g. 1,3,224,224, got \"" +
                                        vm["input-shape"].as<std::string>() + "\"");
      o.input_shape.push_back(v);
    }
    o.input_shape_where = Location{"<command line>", 0, "--input-shape"};
  }
  const graph::Graph g = onnx_import::read_onnx(model, o);
  const std::string stem = vm.count("name") ? vm["name"].as<std::string>() : fs::path(model).stem().string();
  OutputFiles files(vm["out"].as<std::string>());
  size_t weights = 0;
  for (const auto& [rel, content] : trace::write_graph_trace(g, stem)) {
    files.add(rel, content);
    weights += rel.size() > 4 && rel.substr(rel.size() - 4) == ".npy" ? 1 : 0;
  }
  files.commit();
  std::cout << "lpsim import: " << model << " -> " << (fs::path(vm["out"].as<std::string>()) / (stem + ".yaml")).string()
            << " (" << g.ops.size() << " ops, " << g.macs() << " MACs, " << weights << " weight files)\n";
  return kExitOk;
}

}  // namespace lpsim::cli
