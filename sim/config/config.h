// The one typed, validated configuration of a run. YAML (or a SCALE-Sim .cfg) and --set overrides are read
// once into this struct by load_config(); models receive the parameter structs they need from it and never see
// YAML. Every key, its type, default, unit and help text live in one schema table (schema.cpp), which drives
// reading, unknown-key detection, `lpsim validate`, and the README config reference.
#pragma once
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "array/reuse_model.h"
#include "array/timing.h"
#include "cost/cost_model.h"
#include "pe/pe.h"
#include "sparsity/sparsity.h"
#include "sfu/sfu.h"
#include "vector/vector_unit.h"
#include "util/error.h"

namespace lpsim::cfg {

// One entry of workload.overrides: formats (and sparsity) for the ops whose names match one of `ops` (exact
// names or shell globs such as "layer1.*").
struct OpOverride {
  std::vector<std::string> ops;
  std::optional<model::PeParams> pe;              // the accelerator's PE with the override's keys applied
  std::optional<model::SparsityParams> sparsity;  // likewise
  Location where;                                 // the override's line (errors about unmatched names)
};

// workload.dataset: a labelled data set run through a model batch by batch (sim/io/dataset.h).
struct DatasetConfig {
  std::string images;                 // resolved path: float32/uint8 .npy (N x C x H x W or N x H x W) or IDX (.gz)
  std::string labels;                 // resolved path: integer .npy or IDX; "" = no labels (no task accuracy)
  int64_t count = 0;                  // images to run (0 = all from offset on)
  int64_t offset = 0;                 // first image
  std::vector<double> mean, std;      // normalize: (x - mean[c]) / std[c] per channel, after uint8 / 255
  std::string layout = "nchw";        // nchw | nhwc (channels last)
  int64_t shard_index = 0, shard_count = 1;  // shard I/N: this run takes the I-th of N equal parts of the range
  bool present() const { return !images.empty(); }
};

struct WorkloadConfig {
  std::string trace;                // path as resolved (relative to the config file's directory); "" with a model
  std::string trace_as_written;     // path as written in the config
  std::string model;                // ONNX model path as resolved; "" with a trace
  std::string model_as_written;
  std::vector<int64_t> input_shape; // shape of the model's input (fills dynamic dimensions); empty = the model's
  int64_t batch = 0;                // batch of a model with a dynamic first dimension (0 = not set: 1)
  std::string input;                // .npy with the model's input values (resolved); "" = synthetic or none
  std::vector<OpOverride> overrides;
  DatasetConfig dataset;
  std::vector<std::string> layers;  // optional filter: only these op names (empty = all)
  std::string synthetic = "off";    // off | normal | uniform | laplace | relu: values for ops without tensors
  double synthetic_scale = 1.0;
  double synthetic_outlier_fraction = 0.0;  // workload.synthetic_outliers: {fraction, size} (0 = none)
  double synthetic_outlier_size = 0.0;
};

// Area/energy pricing (models/cost): technology table, node, DRAM type.
struct CostConfig {
  double node_nm = 45;                     // logic node; the table's node scaling (45 -> 28/16/7 nm) applies
  std::string tech_table = "builtin";      // as written: "builtin" or a path (relative to the config file)
  std::string dram_type;                   // "" = the table's default DRAM type
  bool pe_area_synth = false;              // pe_area: synth = PE area from the synthesized RTL (rtl/pe_area.json)
  cost::TechTable tech;                    // the table, read and validated at load
  double voltage_v = 0;                    // supply voltage; 0 = the table's ("table" in YAML)
  bool overheads = true;                   // implementation terms (placement, skew, clock, accumulator port)
  int64_t pe_scratchpad_bytes = 0;         // PE-local storage per PE
  int64_t pe_scratchpad_bits_per_mac = 0;  // its traffic: bits read + written per MAC
};

struct RunConfig {
  std::string out_dir = "out";                        // relative to the current directory
  std::vector<std::string> formats = {"table", "json", "csv"};
  std::string name;                                   // run.name: "" in the file = the config file's stem
  bool scalesim_reports = false;                      // also write SCALE-Sim v2's CSV reports to out_dir/name/
  uint64_t seed = 1;
  int threads = 0;             // worker threads of the bit-true datapath (0 = every core)
  bool dump_outputs = false;   // write every graph output as OUT/outputs/<name>.npy
  std::string ideal_emulation = "auto";  // auto | on | off: array ops vs the ideal quantize-then-FP64 emulation
  double max_memory_gib = 0;   // memory budget of a run; 0 = auto (see memory_budget_bytes)
};

// accelerator.memory.dram of the reuse model: one channel type shared by every operand stream.
struct DramConfig {
  std::string type = "lpddr5_6400";  // a preset of model::dram_presets() or "custom"
  int64_t channels = 1;
  double bandwidth_gbs = 0;  // per channel; resolved from the preset when not given
  double latency_ns = 0;     // likewise
};

struct Config {
  std::string source_file;  // the config file as given on the command line
  model::ArrayParams array;
  // word_bits: design-level bits per element (per-tensor terms left out). Under the reuse model
  // dram_bw_bytes_per_cycle is the one shared channel (DramConfig at the array clock), dram_latency_cycles its latency.
  model::MemoryParams memory;
  model::MemoryModel memory_model = model::MemoryModel::kReuse;  // accelerator.memory.model
  bool keep_activations = true;  // accelerator.memory.keep_activations (reuse only)
  DramConfig dram;
  bool dram_type_given = false;  // accelerator.memory.dram.type written (prices DRAM bits under scalesim too)
  int word_bits[3] = {0, 0, 0};  // accelerator.memory.*.word_bits as given; 0 = auto (memory_for resolves it)
  model::PeParams pe;    // PE arithmetic (formats, accumulator, INT32 policy); seed follows run.seed
  std::string pe_format;  // accelerator.pe.format as written ("" = not given); already applied to pe
  model::SfuParams sfu;  // clock_mhz follows accelerator.array.clock_mhz
  model::VectorParams vector;  // the vector unit (elementwise, pooling, normalisation ops of models)
  model::SparsityParams sparsity;  // zero gating / skipping / N:M (models/sparsity)
  CostConfig cost;
  WorkloadConfig workload;
  RunConfig run;
  std::vector<std::string> custom_formats;  // names declared under `formats:` (registered with lpsim::num)
  std::map<std::string, Location> where;  // key path -> where its value came from (for cross-field errors)
  Location loc(const std::string& key) const;
};

struct Override {
  std::string key;    // dotted key path
  std::string value;  // YAML scalar/flow text, e.g. "64", "ws", "[table, json]"
};

// Parses "key.path=value" (from --set). Throws InputError on a malformed override.
Override parse_override(const std::string& text);

// Loads a lpsim YAML config, or a SCALE-Sim .cfg (detected by extension), applies overrides and validates.
// trace_override (from --trace) replaces workload.trace, model_override (from --model) workload.model; they
// are resolved relative to the current directory. Throws InputError with file:line: key.path: message.
Config load_config(const std::string& path, const std::vector<Override>& overrides,
                   const std::string& trace_override = "", const std::string& model_override = "");

// The memory a run may use, in bytes: run.max_memory_gib, or for "auto" 3/4 of the physical memory (a share that
// leaves room for the OS and a second process on the same machine).
uint64_t memory_budget_bytes(const Config& c);
uint64_t memory_budget_bytes(double max_memory_gib);  // 0 = auto

// The memory parameters a layer runs with: accelerator.memory.* with word_bits resolved for PE parameters `pe`
// (the config's, or a workload override's): an explicit integer as given, auto from the formats
// (model::operand_bits). per_tensor: include the per-tensor terms (DFP exponent, FP32 tensor scale) amortised over
// the layer's tensors, for the bits a transfer moves; without them, the bits one element occupies in a buffer line
// and a DRAM line (the timing model's capacity and bandwidth in elements: a per-tensor scale is one register, not
// part of every line). layer = nullptr: the design-level figure (no per-tensor terms, no partial sums).
model::MemoryParams memory_for(const Config& c, const model::PeParams& pe, const model::LayerShape* layer,
                               bool per_tensor = false);

// What the cost model needs to know about the configured design (formats, sizes, node, DRAM type, gating).
cost::ArchDesc arch_desc(const Config& c);

// The fully resolved config as YAML text (every key, defaults filled in, units as comments).
std::string dump_config(const Config& c);

// One Markdown table of every key: path, type, default, unit, meaning (for README and `lpsim validate --keys`).
std::string schema_reference_markdown();

}  // namespace lpsim::cfg
