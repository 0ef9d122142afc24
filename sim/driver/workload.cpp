#include "driver/workload.h"

#include <fnmatch.h>

#include "io/npy.h"
#include "onnx/onnx_reader.h"
#include "pe/tensor_gen.h"
#include "trace/trace.h"

namespace lpsim::driver {

namespace {

// workload.overrides: the formats/sparsity of every op whose name matches one of an override's names or globs;
// a later override wins. A name or glob that matches nothing is an error at the override's line.
void apply_overrides(const cfg::Config& c, graph::Graph& g) {
  for (const auto& o : c.workload.overrides) {
    for (const auto& pattern : o.ops) {
      size_t matched = 0;
      for (auto& n : g.ops) {
        if (fnmatch(pattern.c_str(), n.name.c_str(), 0) != 0) continue;
        ++matched;
        if (o.pe) n.pe = o.pe;
        if (o.sparsity) n.sparsity = o.sparsity;
        n.override_where = o.where;
      }
      if (matched == 0) {
        std::vector<std::string> names;
        for (const auto& n : g.ops) names.push_back(n.name);
        throw_input_error(o.where, "no op of " + g.file + " is named '" + pattern + "'" + did_you_mean(pattern, names) +
                                       " (names and shell globs such as 'layer1.*' match op names)");
      }
    }
  }
}

}  // namespace

namespace {

graph::Graph import_model(const cfg::Config& c, int64_t batch) {
  onnx_import::ImportOptions o;
  o.where = c.loc("workload.model");
  o.input_shape = c.workload.input_shape;
  o.input_shape_where = c.loc("workload.input_shape");
  o.batch = batch;
  o.batch_where = c.loc("workload.batch");
  if (!o.input_shape.empty() && batch > 0) o.input_shape[0] = batch;
  graph::Graph g = onnx_import::read_onnx(c.workload.model, o);
  apply_overrides(c, g);
  return g;
}

}  // namespace

RunWorkload load_run_workload(const cfg::Config& c) {
  RunWorkload w;
  const cfg::DatasetConfig& dc = c.workload.dataset;
  if (!dc.present()) {
    w.graph = load_workload(c);
    return w;
  }
  io::DatasetRequest rq;
  rq.images = dc.images, rq.labels = dc.labels, rq.offset = dc.offset, rq.count = dc.count;
  rq.shard_index = dc.shard_index, rq.shard_count = dc.shard_count;
  rq.mean = dc.mean, rq.std = dc.std, rq.channels_last = dc.layout == "nhwc";
  rq.images_where = c.loc("workload.dataset.images"), rq.labels_where = c.loc("workload.dataset.labels");
  rq.count_where = c.loc(dc.count ? "workload.dataset.count" : "workload.dataset.offset");
  rq.offset_where = c.loc("workload.dataset.offset"), rq.normalize_where = c.loc("workload.dataset.normalize.mean");
  w.dataset = io::load_dataset(rq);
  const io::Dataset& d = *w.dataset;
  w.batch = std::min<int64_t>(c.workload.batch ? c.workload.batch : 1, d.count);
  w.batches = static_cast<uint64_t>(d.count / w.batch);
  w.graph = import_model(c, w.batch);
  if (w.graph.inputs.size() != 1)
    throw_input_error(c.loc("workload.dataset.images"), c.workload.model + " has " +
                                                            std::to_string(w.graph.inputs.size()) +
                                                            " inputs; a data set feeds one");
  const graph::Shape& in = w.graph.tensors.at(w.graph.inputs[0]).shape;
  const graph::Shape want = {w.batch, d.image_shape[0], d.image_shape[1], d.image_shape[2]};
  if (in != want)
    throw_input_error(c.loc("workload.dataset.images"),
                      dc.images + " holds images of " + graph::shape_str(d.image_shape) + " (C x H x W), but input '" +
                          w.graph.inputs[0] + "' of " + c.workload.model + " is " + graph::shape_str(in) +
                          " at a batch of " + std::to_string(w.batch));
  if (d.count % w.batch) w.tail = std::make_unique<graph::Graph>(import_model(c, d.count % w.batch));
  return w;
}

std::map<std::string, exec::TensorF> RunWorkload::dataset_batch(uint64_t b) const {
  const io::Dataset& d = *dataset;
  const int64_t first = static_cast<int64_t>(b) * batch;
  const int64_t n = std::min<int64_t>(batch, d.count - first);
  const int64_t per = d.image_shape[0] * d.image_shape[1] * d.image_shape[2];
  exec::TensorF t{{n, d.image_shape[0], d.image_shape[1], d.image_shape[2]},
                  std::vector<float>(d.images.begin() + first * per, d.images.begin() + (first + n) * per)};
  return {{graph.inputs[0], std::move(t)}};
}

graph::Graph load_workload(const cfg::Config& c) {
  graph::Graph g;
  if (!c.workload.model.empty()) {
    onnx_import::ImportOptions o;
    o.where = c.loc("workload.model");
    o.input_shape = c.workload.input_shape;
    o.input_shape_where = c.loc("workload.input_shape");
    o.batch = c.workload.batch;
    o.batch_where = c.loc("workload.batch");
    if (o.batch == 0 && o.input_shape.empty() && !c.workload.input.empty()) {
      // The input file's first dimension is the batch (a model with a dynamic batch takes it from there).
      const io::NpyArray x = io::read_npy_f32(c.workload.input);
      if (!x.shape.empty()) o.batch = static_cast<int64_t>(x.shape[0]);
      o.batch_where = c.loc("workload.input");
      o.batch_from = c.workload.input;
    }
    g = onnx_import::read_onnx(c.workload.model, o);
  } else {
    g = trace::read_trace(c.workload.trace, c.loc("workload.trace"));
    // A trace fixes its shapes; only a graph trace has inputs to feed.
    for (const char* k : {"workload.input", "workload.input_shape", "workload.batch"}) {
      const bool set = std::string(k) == "workload.input" ? !c.workload.input.empty()
                       : std::string(k) == "workload.batch" ? c.workload.batch != 0
                                                            : !c.workload.input_shape.empty();
      if (set && (std::string(k) != "workload.input" || !g.dataflow()))
        throw_input_error(c.loc(k), std::string(k).substr(9) + " applies to a workload.model" +
                                        (std::string(k) == "workload.input" ? " or a graph trace" : "") + "; " +
                                        g.file + " is a " + (g.dataflow() ? "graph trace with fixed shapes" : "trace"));
    }
  }
  graph::filter_ops(g, c.workload.layers, c.loc("workload.layers"));
  apply_overrides(c, g);
  return g;
}

std::map<std::string, exec::TensorF> graph_inputs(const cfg::Config& c, const graph::Graph& g) {
  std::map<std::string, exec::TensorF> in;
  if (!g.dataflow()) return in;
  if (!c.workload.input.empty()) {
    if (g.inputs.size() != 1)
      throw_input_error(c.loc("workload.input"), g.file + " has " + std::to_string(g.inputs.size()) +
                                                     " inputs; workload.input gives one");
    const io::NpyArray x = io::read_npy_f32(c.workload.input);
    const graph::Shape& want = g.tensors.at(g.inputs[0]).shape;
    std::vector<size_t> want_u(want.begin(), want.end());
    if (x.shape != want_u)
      throw_input_error(c.loc("workload.input"), c.workload.input + " has shape " + io::shape_str(x.shape) +
                                                     ", but input '" + g.inputs[0] + "' of " + g.file +
                                                     " has shape " + io::shape_str(want_u));
    in[g.inputs[0]] = exec::TensorF{want, x.data};
    return in;
  }
  if (c.workload.synthetic == "off") return in;
  for (size_t i = 0; i < g.inputs.size(); ++i) {
    const graph::Shape& s = g.tensors.at(g.inputs[i]).shape;
    model::TensorGenSpec spec;
    spec.dist = *model::parse_distribution(c.workload.synthetic);
    spec.scale = c.workload.synthetic_scale;
    spec.outlier_fraction = c.workload.synthetic_outlier_fraction;
    spec.outlier_size = c.workload.synthetic_outlier_size;
    spec.seed = c.run.seed * 1000003ull + i;
    in[g.inputs[i]] = exec::TensorF{s, model::generate_tensor(spec, 0, static_cast<size_t>(graph::numel(s)))};
  }
  return in;
}

}  // namespace lpsim::driver
