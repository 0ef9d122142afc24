// lpsim validate-cost: the cost model against published silicon. Reads a manifest of real accelerators (default
// configs/validation/published.yaml), evaluates every row with the cost model as it is and with its implementation
// overheads off, and prints published / predicted / ratio per design and component (sim/costval/costval.h).
#include <filesystem>
#include <iostream>
#include <unistd.h>

#include "cli/options.h"
#include "costval/costval.h"
#include "sweep/runner.h"
#include "util/output_files.h"
#include "util/progress.h"

namespace fs = std::filesystem;

namespace lpsim::cli {

namespace {

// The shipped manifest: next to the sources when run from the build tree, else relative to the current directory.
std::string default_manifest() {
#ifdef LPSIM_SOURCE_DIR_FOR_VALIDATION
  const fs::path p = fs::path(LPSIM_SOURCE_DIR_FOR_VALIDATION) / "configs/validation/published.yaml";
  std::error_code ec;
  if (fs::is_regular_file(p, ec)) return p.string();
#endif
  return "configs/validation/published.yaml";
}

}  // namespace

int cmd_validate_cost(const Args& args) {
  po::options_description opts("options");
  opts.add_options()("manifest", po::value<std::string>(), "validation manifest (default: the shipped one)")(
      "format,f", po::value<std::string>()->default_value("table"), "what to print: table | markdown | json")(
      "json", po::value<std::string>(), "also write the results as JSON to this file")(
      "check", "exit 1 when a row's ratio is outside its band (the test uses this)")(
      "jobs,j", po::value<unsigned>()->default_value(0), "workload runs at a time (0 = every core)")(
      "keep", po::value<std::string>(), "keep the runs' reports in this directory (default: a temporary one)")(
      "pe-table", "print energy per MAC and PE area by format (README's table) as Markdown instead, and exit")(
      "dot-table", po::value<int64_t>()->implicit_value(32),
      "print PE area and energy per MAC of one-MAC PEs against N-wide dot-product PEs (accelerator.pe.dot_width, "
      "default 32) at 7 nm as Markdown, and exit");
  po::positional_options_description pos;
  pos.add("manifest", 1);
  po::variables_map vm;
  CommandHelp help{
      "lpsim validate-cost [MANIFEST.yaml] [--format table|markdown|json] [--check] [--json FILE] [--jobs N]",
      "Checks the area and energy model against published accelerators. The manifest (default\n"
      "configs/validation/published.yaml) names, per design, an lpsim config set as close to the published design\n"
      "as lpsim can express, the workload runs its energy rows need, and rows of published figures with their\n"
      "source. Each row is predicted twice: with the cost model as it is, and with accelerator.cost.overheads=false\n"
      "(datapath-only pricing, before placement, skew registers, clocked registers and accumulator ports were\n"
      "priced). Prints published, predicted and their ratio per design and component, and the band each ratio must\n"
      "stay in (the manifest's bounds, or a row's own band with its reason).\n"
      "Row quantities: 'area' (placed mm^2); 'area GROUP[+GROUP...]' (pe_array, sram_ifmap, sram_filter,\n"
      "sram_ofmap, sfu, vector; or cell = the area without placement whitespace); 'energy_ratio ACTION / ACTION'\n"
      "(mac_datapath, mac, sram_<operand>_word, dram_<operand>_word, scratchpad_word: one word's energy);\n"
      "'run NAME METRIC' (onchip_pj_per_mac, onchip_uj, onchip_mw: DRAM energy left out; pj_per_mac, mw: all).",
      "  lpsim validate-cost\n"
      "      TPU v1, Eyeriss v1 and NVDLA: area by component, energy per MAC and power, before and after\n"
      "  lpsim validate-cost --check\n"
      "      the same; exit 1 if any row left its band (ctest runs this)\n"
      "  lpsim validate-cost my_designs.yaml --format markdown --keep out/validation\n"
      "      your own designs, as a Markdown table; every run's report kept\n"
      "  lpsim validate-cost --pe-table\n"
      "      energy per MAC and PE area of every PE format at 45 and 7 nm, with and without the implementation terms\n"
      "  lpsim validate-cost --dot-table 32\n"
      "      one-MAC PEs against 32-wide dot-product PEs: area and energy per MAC, bits per element, vs FP8\n"};
  if (!parse_command_line("validate-cost", args, opts, pos, vm, help)) return kExitOk;
  if (vm.count("dot-table")) {
    const int64_t w = vm["dot-table"].as<int64_t>();
    if (w < 1 || w > 4096) bad_option("--dot-table", "expected a width from 1 to 4096, got " + std::to_string(w));
    std::cout << costval::render_dot_table(w);
    return kExitOk;
  }
  if (vm.count("pe-table")) {
    std::cout << costval::render_pe_table();
    return kExitOk;
  }
  const std::string format = vm["format"].as<std::string>();
  const std::vector<std::string> formats = {"table", "markdown", "json"};
  if (std::find(formats.begin(), formats.end(), format) == formats.end())
    bad_option("--format", "expected one of " + join(formats) + ", got \"" + format + "\"" + did_you_mean(format, formats));

  costval::Manifest m = costval::load_manifest(vm.count("manifest") ? vm["manifest"].as<std::string>()
                                                                    : default_manifest());
  costval::Options o;
  o.exe = sweep::self_exe();
  o.jobs = vm["jobs"].as<unsigned>();
  if (o.jobs == 0) o.jobs = std::max(1u, static_cast<unsigned>(sysconf(_SC_NPROCESSORS_ONLN)));
  std::string tmp;
  if (vm.count("keep")) {
    o.work_dir = vm["keep"].as<std::string>();
  } else {
    std::string templ = (fs::temp_directory_path() / "lpsim-validate-cost-XXXXXX").string();
    if (!mkdtemp(templ.data())) throw std::runtime_error("cannot create a temporary directory in " + fs::temp_directory_path().string());
    tmp = o.work_dir = templ;
  }
  struct Cleanup {
    std::string dir;
    ~Cleanup() {
      std::error_code ec;
      if (!dir.empty()) fs::remove_all(dir, ec);
    }
  } cleanup{tmp};
  ProgressBar bar("validate-cost runs");
  costval::evaluate(m, o, [&](size_t done, size_t total) { bar.update(done, total); });
  bar.finish();
  const std::string out = format == "json"       ? costval::render_json(m)
                          : format == "markdown" ? costval::render_markdown(m)
                                                 : costval::render_text(m);
  std::cout << out;
  if (vm.count("json")) write_file_atomic(vm["json"].as<std::string>(), costval::render_json(m));
  return vm.count("check") && costval::rows_out_of_band(m) > 0 ? kExitFailure : kExitOk;
}

}  // namespace lpsim::cli
