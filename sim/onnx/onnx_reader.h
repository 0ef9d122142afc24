// ONNX model import (Debian's libonnx-dev protobuf classes): a .onnx file becomes the in-memory graph
// (graph/graph.h) with its weights. Operators and attributes as torch.onnx.export writes them at opsets 11-17;
// README "ONNX models" lists what is supported. At import:
//  - Constant nodes, Identity/Dropout/Cast on constants, and the Shape -> Gather -> Concat chains torch emits for
//    Reshape are folded into constants; inputs that must be constant (Reshape's shape, Clip's min/max,
//    Squeeze/Unsqueeze axes, Split sizes, Pad's pads) become attributes.
//  - The GELU pattern torch exports (Div(sqrt 2) -> Erf -> Add(1) -> Mul(x) -> Mul(0.5)) becomes one gelu op, so it
//    runs on the SFU as GELU; a lone Erf runs on the vector unit.
//  - Dropout becomes Identity (inference); ops whose outputs no graph output needs are dropped.
// Every error is an InputError naming the model file and, where there is one, the node and its op type.
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "graph/graph.h"

namespace lpsim::onnx_import {

// A TensorProto file (ONNX backend test data: input_0.pb, output_0.pb) as float32 values and its shape.
struct LoadedTensor {
  std::string name;
  graph::Shape shape;
  std::vector<float> data;
  bool integer = false;  // the file held an integer type
};

struct ImportOptions {
  std::vector<int64_t> input_shape;  // replaces the (single) model input's shape; empty = the model's
  int64_t batch = 0;                 // fills a dynamic first input dimension (0 = not given)
  std::string batch_from;            // the .npy the batch was read from ("" = a setting), for messages
  Location where;                    // where the model path was given (config key or --model)
  Location input_shape_where, batch_where;
  // Graph inputs whose values are known at import (ONNX's node tests feed shapes and axes as inputs): they are
  // treated as initializers.
  std::map<std::string, LoadedTensor> constant_inputs;
};

graph::Graph read_onnx(const std::string& path, const ImportOptions& opt);

LoadedTensor read_tensor_pb(const std::string& path);

// The ONNX operator types the importer accepts (for README and error messages).
std::vector<std::string> supported_onnx_ops();

}  // namespace lpsim::onnx_import
