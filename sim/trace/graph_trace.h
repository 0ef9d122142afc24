// Graph traces: the native YAML form of a dataflow graph (what `lpsim import M.onnx` writes), so a model can be
// inspected, edited and run as a trace. traces/README.md documents the format:
//
//   name: cnn
//   inputs: [{name: input, shape: [1, 3, 32, 32]}]
//   outputs: [logits]
//   weights:                                   # constants: a float32 .npy (relative to this file) or inline values
//     conv1.weight: {file: cnn_weights/conv1.weight.npy}
//     /Constant_output_0: {shape: [], values: [0.5]}
//   ops:
//     - {name: /conv1/Conv, type: conv2d, inputs: [input, conv1.weight], outputs: [x1], kernel: [3, 3],
//        strides: [1, 1], pads: [1, 1, 1, 1], dilations: [1, 1], groups: 1, shape: [1, 16, 32, 32],
//        gemm: {m: 1024, n: 16, k: 27, repeat: 1}}
//     - {name: /Relu, type: relu, inputs: [x1], outputs: [x2], shape: [1, 16, 32, 32]}
//
// `shape` (the output shape; `shapes` for several outputs) and `gemm` (the array mapping) are what lpsim computes
// for the op; the reader recomputes them and reports any difference, so an edited trace stays consistent.
#pragma once
#include <string>
#include <utility>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "graph/graph.h"

namespace lpsim::trace {

// Reads a graph trace whose top-level mapping is `root` (the caller has parsed the file). Throws InputError.
graph::Graph read_graph_trace(const std::string& path, const YAML::Node& root);

// The files of a graph trace of `g`: "<stem>.yaml" and the weights as "<stem>_weights/<tensor>.npy"
// (relative paths -> contents), for OutputFiles.
std::vector<std::pair<std::string, std::string>> write_graph_trace(const graph::Graph& g, const std::string& stem);

}  // namespace lpsim::trace
