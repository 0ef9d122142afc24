// Bits per element (word_bits: auto) and dot-product PEs (accelerator.pe.dot_width) through `lpsim run`, end to
// end: DRAM traffic follows the formats' bits per element (MX scale bits included), an explicit word_bits
// overrides, and a w-wide PE streams ceil(K/w) steps per PE (issue 15 items 2, 3 and 7).
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "../cli_run.h"
#include "csv_rows.h"

namespace {

using cli_test::Result;
namespace fs = std::filesystem;

std::string data(const std::string& rel) { return std::string(LPSIM_TEST_DATA) + "/" + rel; }
std::string src(const std::string& rel) { return std::string(LPSIM_SOURCE_DIR) + "/" + rel; }

// Timing-only run of bits_gemm.yaml (or `trace`) on a 32x32 os array with large buffers (every operand is
// fetched once), word_bits left at auto; returns the layer row.
csv_test::Row run_row(const std::string& name, const std::string& sets, const std::string& trace = "bits_gemm.yaml") {
  fs::path out = cli_test::scratch("bits") / name;
  fs::remove_all(out);
  Result r = cli_test::run_lpsim("run " + src("configs/default.yaml") + " --trace " + data("traces/" + trace) +
                                     " --set accelerator.memory.ifmap.word_bits=auto"
                                     " --set accelerator.memory.filter.word_bits=auto"
                                     " --set accelerator.memory.ofmap.word_bits=auto"
                                     " --set accelerator.memory.ifmap.sram_kib=8192"
                                     " --set accelerator.memory.filter.sram_kib=8192"
                                     " --set accelerator.memory.ofmap.sram_kib=8192"
                                     " --format none --out " + out.string() + " " + sets,
                                 "bits");
  INFO(r.err);
  REQUIRE(r.code == 0);
  auto rows = csv_test::read_csv((out / "layers.csv").string());
  REQUIRE(rows.size() == 2);  // the op and TOTAL
  return rows[0];
}

using csv_test::num;

std::string fmt(const std::string& f) {
  return " --set accelerator.pe.activations=" + f + " --set accelerator.pe.weights=" + f;
}

}  // namespace

TEST_CASE("run bits: DRAM reads of BF16, MXFP8 and MXFP4 follow 16 : 8.25 : 4.25 bits per element",
          "[sim][bits]") {
  // A: 32 x 1024 and B: 1024 x 256 elements, each fetched once (8 MiB buffers). Memory-bound by its intensity:
  // 8 B/cycle feed at most 4-15 elements per cycle to an array that takes 64 per cycle.
  // SCALE-Sim's model (whole DRAM lines per operand stream) first; the reuse model after.
  const std::string bw = " --set accelerator.memory.model=scalesim --set accelerator.memory.dram.bandwidth_bytes_per_cycle=";
  const auto bf16 = run_row("bf16", fmt("bf16") + bw + "8");
  const auto mx8 = run_row("mx8", fmt("mxfp8_e4m3") + bw + "8");
  const auto mx4 = run_row("mx4", fmt("mxfp4_e2m1") + bw + "8");
  const double r16 = num(bf16, "dram_read_bytes"), r8 = num(mx8, "dram_read_bytes"), r4 = num(mx4, "dram_read_bytes");
  // SCALE-Sim fetches whole lines of floor(elements per cycle) elements: at 8 B/cycle MXFP8 moves 7.76 elements
  // per cycle in lines of 7, so a few elements more than the tensors hold (README "Bits per element").
  CHECK(r16 / r8 == Approx(16 / 8.25).epsilon(1e-3));
  CHECK(r8 / r4 == Approx(8.25 / 4.25).epsilon(1e-3));
  CHECK(r16 / r4 == Approx(16 / 4.25).epsilon(1e-3));
  // The same words either way: only their size differs.
  CHECK(num(bf16, "sram_filter_reads_words") == num(mx4, "sram_filter_reads_words"));
  // With whole lines (32 elements per cycle for each: 64, 33 and 17 B/cycle) the bytes are exactly elements x bits
  // / 8: the scale bits are packed with their elements.
  const double elems_a = 32.0 * 1024, elems_b = 1024.0 * 256;
  const auto e16 = run_row("e16", fmt("bf16") + bw + "64");
  const auto e8 = run_row("e8", fmt("mxfp8_e4m3") + bw + "33");
  const auto e4 = run_row("e4", fmt("mxfp4_e2m1") + bw + "17");
  CHECK(num(e16, "dram_ifmap_reads_bytes") == elems_a * 16 / 8);
  CHECK(num(e16, "dram_filter_reads_bytes") == elems_b * 16 / 8);
  CHECK(num(e8, "dram_ifmap_reads_bytes") == elems_a * 8.25 / 8);
  CHECK(num(e8, "dram_filter_reads_bytes") == elems_b * 8.25 / 8);
  CHECK(num(e4, "dram_ifmap_reads_bytes") == elems_a * 4.25 / 8);
  CHECK(num(e4, "dram_filter_reads_bytes") == elems_b * 4.25 / 8);
  CHECK(num(e16, "dram_read_bytes") / num(e8, "dram_read_bytes") == Approx(16 / 8.25).epsilon(1e-12));
  CHECK(num(e8, "dram_read_bytes") / num(e4, "dram_read_bytes") == Approx(8.25 / 4.25).epsilon(1e-12));
  // The reuse model moves exactly elements x bits / 8 at any bandwidth (no lines): each operand fits, fetched once.
  const std::string gbs = " --set accelerator.memory.dram.type=custom --set accelerator.memory.dram.latency_ns=10"
                          " --set accelerator.memory.dram.bandwidth_gbs=";
  for (const auto& [f, bits] : {std::pair<const char*, double>{"bf16", 16}, {"mxfp8_e4m3", 8.25}, {"mxfp4_e2m1", 4.25}}) {
    const auto r = run_row(std::string("reuse_") + f, fmt(f) + gbs + "8");
    CHECK(num(r, "dram_ifmap_reads_bytes") == elems_a * bits / 8);
    CHECK(num(r, "dram_filter_reads_bytes") == elems_b * bits / 8);
  }
  // Outputs are written in the output format (fp32 by default; bf16 on request).
  CHECK(num(mx8, "dram_ofmap_writes_bytes") == 32.0 * 256 * 4);
  CHECK(num(run_row("out16", fmt("mxfp8_e4m3") + " --set accelerator.pe.output=bf16"), "dram_ofmap_writes_bytes") ==
        32.0 * 256 * 2);
}

TEST_CASE("run bits: a memory-bound layer takes fewer cycles with fewer bits per element", "[sim][bits]") {
  // The filter streams through a 16 KiB buffer at 8 GB/s (8 B/cycle at 1 GHz): stall cycles dominate, and the same
  // buffer and bandwidth hold and move more elements of a narrower format.
  const std::string sets = " --set accelerator.memory.filter.sram_kib=16 --set accelerator.memory.dram.type=custom"
                           " --set accelerator.memory.dram.bandwidth_gbs=8 --set accelerator.memory.dram.latency_ns=10";
  const auto bf16 = run_row("mb16", fmt("bf16") + sets);
  const auto mx8 = run_row("mb8", fmt("mxfp8_e4m3") + sets);
  const auto mx4 = run_row("mb4", fmt("mxfp4_e2m1") + sets);
  // memory-bound: the layer takes at least its DRAM bytes at 8 B/cycle, more than its compute
  CHECK(num(bf16, "total_cycles") + 1 >= (num(bf16, "dram_read_bytes") + num(bf16, "dram_write_bytes")) / 8);
  CHECK(num(bf16, "stall_cycles") > 0.5 * num(bf16, "compute_cycles"));
  CHECK(num(bf16, "total_cycles") > num(mx8, "total_cycles"));
  CHECK(num(mx8, "total_cycles") > num(mx4, "total_cycles"));
  CHECK(num(bf16, "dram_read_bytes") > num(mx8, "dram_read_bytes"));
  CHECK(num(mx8, "dram_read_bytes") > num(mx4, "dram_read_bytes"));
}

TEST_CASE("run bits: an explicit word_bits overrides the formats' bits", "[sim][bits]") {
  const std::string w8 = " --set accelerator.memory.ifmap.word_bits=8 --set accelerator.memory.filter.word_bits=8"
                         " --set accelerator.memory.ofmap.word_bits=8";
  const auto bf16 = run_row("bf16_8", fmt("bf16") + w8);
  const auto mx4 = run_row("mx4_8", fmt("mxfp4_e2m1") + w8);
  for (const char* col : {"dram_read_bytes", "dram_write_bytes", "total_cycles"}) CHECK(num(bf16, col) == num(mx4, col));
  CHECK(num(bf16, "dram_filter_reads_bytes") == 1024.0 * 256);
}

TEST_CASE("run dot_width: width 1 is the default timing, width w streams ceil(K/w) steps per PE", "[sim][dot]") {
  const auto base = run_row("w1", "");
  const auto w1 = run_row("w1x", "--set accelerator.pe.dot_width=1");
  for (const char* col : {"total_cycles", "compute_cycles", "dram_read_bytes", "macs"}) CHECK(num(base, col) == num(w1, col));
  // K = 1024 at w = 32 streams as K' = 32: the same as a layer of K = 32 at w = 1 (os: ceil(M/R) ceil(N/C) folds).
  const auto w32 = run_row("w32", "--set accelerator.pe.dot_width=32");
  const auto k32 = run_row("k32", "", "bits_gemm_k32.yaml");
  CHECK(num(w32, "compute_cycles") == num(k32, "compute_cycles"));
  CHECK(num(w32, "folds") == num(k32, "folds"));
  CHECK(num(w32, "macs") == num(base, "macs"));               // MACs are the layer's, M N K
  // The same elements move (up to SCALE-Sim's whole prefetch lines: of 31 elements at w = 1, of one 32-element
  // vector at w = 32, which is exact here).
  CHECK(num(w32, "dram_read_bytes") == Approx(num(base, "dram_read_bytes")).epsilon(1e-3));
  CHECK(num(w32, "dram_read_bytes") == (32.0 * 1024 + 1024.0 * 256) * 8.25 / 8);
  CHECK(num(w32, "compute_cycles") < num(base, "compute_cycles") / 8);
  // A K that w does not divide pads the last vector: ceil(1000 / 32) = 32 steps, as for K = 1024.
  const auto w32_k1000 = run_row("w32_k1000", "--set accelerator.pe.dot_width=32", "bits_gemm_k1000.yaml");
  CHECK(num(w32_k1000, "compute_cycles") == num(w32, "compute_cycles"));
}

TEST_CASE("run dot_width: dot-product PEs and a sparsity scheme are refused together", "[sim][dot]") {
  Result r = cli_test::run_lpsim("validate " + src("configs/default.yaml") +
                                     " --set accelerator.pe.dot_width=8 --set accelerator.sparsity.scheme=skip",
                                 "bits");
  CHECK(r.code == 2);
  CHECK(cli_test::has(r.err, "accelerator.pe.dot_width: dot-product PEs"));
}
