// Cost model: MAC energy by format, PE and array area, node scaling, activity pricing, leakage and power.
#include <catch2/catch.hpp>

#include <cmath>
#include <string>

#include "config/tech.h"
#include "cost/cost_model.h"

using namespace lpsim;

namespace {

const cost::TechTable& tech() { return cfg::default_tech_table(); }

model::ResolvedPe pe(const std::string& a, const std::string& b = "", const std::string& acc = "",
                     int mx_block = 32) {
  model::PeParams p;
  p.format_a = a;
  p.format_b = b.empty() ? a : b;
  p.acc = acc;
  p.mx_block = mx_block;
  return model::resolve(p);
}

cost::ArchDesc arch(const std::string& fmt, int64_t rows = 32, int64_t cols = 32, double node = 45) {
  cost::ArchDesc a;
  a.pe = pe(fmt);
  a.rows = rows;
  a.cols = cols;
  a.node_nm = node;
  return a;
}

cost::MacCost mac(const std::string& fmt, double node = 45) { return cost::mac_cost(tech(), pe(fmt), node); }

double rel(double a, double b) { return std::fabs(a - b) / std::fabs(b); }

// register_bit's energy per bit loaded, and the clock part of it every stored bit pays each cycle
// (implementation.register_clock_pj_per_bit): a loaded bit pays the difference, its data switching.
double reg_pj() { return tech().component("register_bit").energy_pj; }
double clk_pj() { return tech().register_clock_pj_per_bit.value; }

}  // namespace

TEST_CASE("cost: energy per MAC at 45 nm orders INT8 < FP8 E4M3 < BF16 < FP32", "[cost][model]") {
  const cost::MacCost i8 = mac("int8"), f8 = mac("fp8_e4m3"), b16 = mac("bf16"), f32 = mac("fp32");
  // Datapath (multiplier + adder) = the table's MAC compositions: INT8 mult + INT32 add (Horowitz 0.2 + 0.1),
  // FP8 / BF16 exact-product multiplier + FP32 accumulate stage (0.05 + 0.35, 0.2 + 0.35).
  CHECK(i8.datapath_pj() == Approx(0.3).epsilon(1e-12));
  CHECK(f8.datapath_pj() == Approx(0.4).epsilon(1e-12));
  CHECK(b16.datapath_pj() == Approx(0.55).epsilon(1e-12));
  // FP32 x FP32: exact 24x24 product (1.8) + an accumulate stage widened to the 57-bit product path.
  CHECK(f32.datapath_pj() == Approx(1.8 + 0.35 * 57 / 32).epsilon(1e-12));
  CHECK(i8.datapath_pj() < f8.datapath_pj());
  CHECK(f8.datapath_pj() < b16.datapath_pj());
  CHECK(b16.datapath_pj() < f32.datapath_pj());
  // With registers: INT8 loads 8 + 8 operand bits + half of the 32-bit accumulator per MAC (VNNI pairs) and clocks
  // its 48 stored bits every cycle; FP8 loads and stores 8 + 8 + 32.
  CHECK(i8.register_pj == Approx(32 * (reg_pj() - clk_pj())).epsilon(1e-12));
  CHECK(f8.register_pj == Approx(48 * (reg_pj() - clk_pj())).epsilon(1e-12));
  CHECK(i8.clock_pj == Approx(48 * clk_pj()).epsilon(1e-12));
  CHECK(f8.clock_pj == Approx(48 * clk_pj()).epsilon(1e-12));
  // Datapath-only pricing (overheads off) loads register_bit whole and has no clock term.
  const cost::MacCost i8_off = cost::mac_cost(tech(), pe("int8"), 45, nullptr, false);
  CHECK(i8_off.register_pj == Approx(32 * 0.01).epsilon(1e-12));
  CHECK(i8_off.clock_pj == 0);
  CHECK(i8.total_pj() < f8.total_pj());
  CHECK(f8.total_pj() < b16.total_pj());
  CHECK(b16.total_pj() < f32.total_pj());
}

TEST_CASE("cost: INT16 VNNI = two 16x16 products and two INT32 adds per step", "[cost][model]") {
  const cost::MacCost m = mac("int16");
  CHECK(m.multiplier_pj == tech().component("int16_mult").energy_pj);
  CHECK(m.adder_pj == tech().component("int32_add").energy_pj);
  CHECK(2 * m.datapath_pj() == Approx(2 * 0.8 + 2 * 0.1).epsilon(1e-12));  // one VNNI step
  CHECK(m.register_pj == Approx((16 + 16 + 16) * (reg_pj() - clk_pj())).epsilon(1e-12));
  // Spill policy: one FP32 accumulate + 32 register bits every spill_interval steps (2 x interval MACs).
  model::PeParams p;
  p.format_a = p.format_b = "int16";
  p.int32_policy = model::Int32Policy::kSpill;
  p.spill_interval = 4;
  const cost::MacCost s = cost::mac_cost(tech(), model::resolve(p), 45);
  CHECK(s.spill_pj == Approx((0.35 + 32 * 0.01) / 8).epsilon(1e-12));
  CHECK(m.spill_pj == 0);
  CHECK(cost::pe_area(tech(), model::resolve(p), 45).spill_um2 == 730);
}

TEST_CASE("cost: multipliers follow the significand product between the table's multipliers", "[cost][model]") {
  const cost::TechTable& t = tech();
  // Same-format pairs are the table entries themselves.
  CHECK(mac("int8").multiplier_pj == t.component("int8_mult").energy_pj);
  CHECK(mac("int16").multiplier_pj == t.component("int16_mult").energy_pj);
  CHECK(mac("fp8_e4m3").multiplier_pj == t.component("fp8_e4m3_mult").energy_pj);
  CHECK(mac("fp8_e5m2").multiplier_pj == t.component("fp8_e5m2_mult").energy_pj);
  CHECK(mac("bf16").multiplier_pj == t.component("bf16_mult").energy_pj);
  CHECK(mac("fp16").multiplier_pj == t.component("fp16_mult").energy_pj);
  CHECK(mac("fp32").multiplier_pj == t.component("fp32_mult_exact").energy_pj);
  CHECK(mac("mxint8").multiplier_pj == t.component("int8_mult").energy_pj);
  CHECK(mac("mxfp8_e4m3").multiplier_pj == t.component("fp8_e4m3_mult").energy_pj);
  CHECK(cost::pe_area(t, pe("bf16"), 45).multiplier_um2 == t.component("bf16_mult").area_um2);
  // The fp16 entry is what the interpolation rule gives between bf16 (8x8) and fp32 exact (24x24).
  const double e16 = 0.2 * std::pow(121.0 / 64, std::log(1.8 / 0.2) / std::log(9.0));
  const double a16 = 290 * std::pow(121.0 / 64, std::log(2400.0 / 290) / std::log(9.0));
  CHECK(t.component("fp16_mult").energy_pj == Approx(e16).epsilon(1e-3));
  CHECK(t.component("fp16_mult").area_um2 == Approx(a16).epsilon(2e-3));
  // bf16 x fp8_e4m3: 8 x 4 = 32, log-log between e4m3 (16: 0.05) and bf16 (64: 0.2): slope 1 -> 0.1 pJ.
  const cost::MacCost mixed = cost::mac_cost(t, pe("bf16", "fp8_e4m3"), 45);
  CHECK(mixed.multiplier_pj == Approx(0.1).epsilon(1e-12));
  // int8 x int16: 128, between 64 and 256.
  const cost::MacCost i816 = cost::mac_cost(t, pe("int8", "int16"), 45);
  CHECK(i816.multiplier_pj == Approx(0.4).epsilon(1e-12));
  // FP4 E2M1: 2 x 2 = 4 is below the smallest float entry (e5m2, 3 x 3): proportional.
  CHECK(mac("fp4_e2m1").multiplier_pj == Approx(0.036 * 4 / 9).epsilon(1e-12));
  CHECK(mac("fp6_e3m2").multiplier_pj == t.component("fp8_e5m2_mult").energy_pj);  // also 3 x 3
}

TEST_CASE("cost: MX PEs sum a block exactly in fixed point and amortise the block logic", "[cost][model]") {
  // MXFP8 E4M3: a block sum of 32 products needs 42 bits (41 magnitude + sign; models/pe/README.md).
  const cost::MacCost m = mac("mxfp8_e4m3");
  CHECK(m.adder_pj == Approx(0.2 * 42 / 48).epsilon(1e-12));
  // MXFP8 E5M2: 69 + 1 bits. MXINT8: 127 x 127 x 32 < 2^19 -> 20 bits, plain integer add.
  CHECK(mac("mxfp8_e5m2").adder_pj == Approx(0.2 * 70 / 48).epsilon(1e-12));
  CHECK(mac("mxint8").adder_pj == Approx(0.1 * 20 / 32).epsilon(1e-12));
  // Per block: mx_block + FP32 accumulate + (32 accumulator + 16 scale) register bits; per MAC / block size.
  const double block = 0.2 + 0.35 + 48 * 0.01;
  CHECK(m.block_pj == Approx(block / 32).epsilon(1e-12));
  const cost::MacCost m16 = cost::mac_cost(tech(), pe("mxfp8_e4m3", "", "", 16), 45);
  CHECK(m16.block_pj == Approx(block / 16).epsilon(1e-12));
  CHECK(m16.adder_pj < m.adder_pj);  // 16-product blocks need one bit less
  // Priced from the activity's block count.
  const cost::CostModel model(tech(), arch("mxfp8_e4m3"));
  cost::Activity a;
  a.macs_full = 3200;
  a.mx_blocks = 100;
  CHECK(model.energy_pj(a).get("pe.mx_blocks") == Approx(100 * block).epsilon(1e-12));
  a.mx_blocks = 0;  // not given: MACs / block, rounded up
  CHECK(model.energy_pj(a).get("pe.mx_blocks") == Approx(100 * block).epsilon(1e-12));
  CHECK(model.area_um2().get("pe_array.mx_logic") == 32 * 32 * 240.0);
}

TEST_CASE("cost: area grows with the array and with the SRAM", "[cost][model]") {
  const cost::CostModel small(tech(), arch("bf16", 16, 16)), mid(tech(), arch("bf16", 32, 32)),
      wide(tech(), arch("bf16", 32, 64));
  CHECK(small.area_um2().total() < mid.area_um2().total());
  CHECK(mid.area_um2().total() < wide.area_um2().total());
  for (const char* part : {"pe_array.multipliers", "pe_array.adders", "pe_array.registers"})
    CHECK(mid.area_um2().get(part) == Approx(4 * small.area_um2().get(part)).epsilon(1e-12));
  // One PE: bf16 mult 290 + accumulate 730 + (16 + 16 + 32) register bits x 6.
  CHECK(mid.pe_area().total_um2() == Approx(290 + 730 + 64 * 6).epsilon(1e-12));
  cost::ArchDesc a = arch("bf16");
  a.sram_kib[model::kFilter] = 512;
  const cost::CostModel big(tech(), a);
  CHECK(big.area_um2().get("sram.filter") == Approx(2 * mid.area_um2().get("sram.filter")).epsilon(1e-12));
  CHECK(big.area_um2().get("sram.filter") == Approx(512 * 8192 * 0.7).epsilon(1e-12));
  CHECK(big.area_um2().total() > mid.area_um2().total());
  CHECK(big.sram_read_pj_per_bit(model::kFilter) > mid.sram_read_pj_per_bit(model::kFilter));
  // Zero-gating logic adds area; the SFU is lanes x NAND2-eq x NAND2 area.
  a = arch("int8");
  a.zero_gating = true;
  a.sfu_lanes = 8;
  const cost::CostModel g(tech(), a);
  CHECK(g.area_um2().get("pe_array.zero_gating") == Approx(1024 * 0.04 * (282 + 137)).epsilon(1e-12));
  CHECK(g.area_um2().get("sfu") == Approx(8 * 525 * 0.798).epsilon(1e-12));
}

TEST_CASE("cost: SRAM energy is charged per bit at the size of one half of the double buffer", "[cost][model]") {
  cost::ArchDesc a = arch("int8");
  a.sram_kib[model::kIfmap] = 16;  // two 8 KiB banks: Horowitz's 10 pJ per 64 bits
  a.sram_kib[model::kOfmap] = 2048;
  const cost::CostModel m(tech(), a);
  CHECK(m.sram_read_pj_per_bit(model::kIfmap) == Approx(10.0 / 64).epsilon(1e-12));
  CHECK(m.sram_write_pj_per_bit(model::kIfmap) == Approx(10.0 / 64).epsilon(1e-12));
  CHECK(m.sram_read_pj_per_bit(model::kOfmap) == Approx(100.0 / 64).epsilon(1e-12));
  cost::Activity act;
  act.sram_read_bits[model::kIfmap] = 6400;
  act.sram_write_bits[model::kOfmap] = 64;
  act.metadata_sram_bits = 64;  // priced as filter-SRAM reads (256 KiB -> 128 KiB banks)
  const cost::Breakdown e = m.energy_pj(act);
  CHECK(e.get("sram.ifmap.read") == Approx(1000).epsilon(1e-12));
  CHECK(e.get("sram.ofmap.write") == Approx(100).epsilon(1e-12));
  CHECK(e.get("sram.metadata") == Approx(cost::sram_read_pj(tech(), 128)).epsilon(1e-12));
}

TEST_CASE("cost: node scaling scales PE, SRAM and SFU by the logic factors but not DRAM", "[cost][model]") {
  for (const char* f : {"int8", "fp8_e4m3", "bf16", "mxfp8_e4m3", "int16"}) {
    INFO(f);
    const cost::CostModel m45(tech(), arch(f)), m7(tech(), arch(f, 32, 32, 7));
    CHECK(rel(m7.mac_energy_pj(), 0.094 * m45.mac_energy_pj()) < 1e-12);
    CHECK(rel(m7.mac().gated_pj, 0.094 * m45.mac().gated_pj) < 1e-12);
    CHECK(rel(m7.pe_area().total_um2(), 0.059 * m45.pe_area().total_um2()) < 1e-12);
    CHECK(rel(m7.area_um2().total(), 0.059 * m45.area_um2().total()) < 1e-12);
    CHECK(rel(m7.sram_read_pj_per_bit(0), 0.094 * m45.sram_read_pj_per_bit(0)) < 1e-12);
    CHECK(rel(m7.sfu_op_pj(), 0.094 * m45.sfu_op_pj()) < 1e-12);
    CHECK(m7.dram_pj_per_bit() == m45.dram_pj_per_bit());
    const cost::CostModel m20(tech(), arch(f, 32, 32, 20));
    CHECK(m20.mac_energy_pj() < m45.mac_energy_pj());
    CHECK(m20.mac_energy_pj() > m7.mac_energy_pj());
  }
  CHECK_THROWS_AS(cost::CostModel(tech(), arch("int8", 32, 32, 3)), std::invalid_argument);
}

TEST_CASE("cost: energy over time is the average power and leakage is density x area x time", "[cost][model]") {
  cost::ArchDesc ad = arch("mxfp8_e4m3");
  ad.overheads = false;  // no clock term: doubling the time adds leakage only
  const cost::CostModel m(tech(), ad);
  cost::Activity a;
  a.macs_full = 123456789;
  a.macs_gated = 1234567;
  a.mx_blocks = 4000000;
  a.sram_read_bits[0] = 987654321;
  a.sram_write_bits[2] = 12345678;
  a.dram_read_bits = 55555555;
  a.dram_write_bits = 4444444;
  a.sfu_ops = 77777;
  a.cycles = 3333333;
  const cost::Breakdown e = m.energy_pj(a);
  const double t_us = 3333333 / 1000.0;
  CHECK(m.time_us(a) == t_us);
  CHECK(rel(m.average_power_mw(a) * t_us * 1e3, e.total()) < 1e-12);
  CHECK(rel(m.leakage_mw(), 12 * m.area_um2().total() * 1e-6) < 1e-12);
  CHECK(rel(e.get("leakage"), m.leakage_mw() * t_us * 1e3) < 1e-12);
  CHECK(rel(e.get("dram.read"), 55555555 * 20.3125) < 1e-12);
  CHECK(rel(e.get("sfu"), 77777 * 0.53) < 1e-12);
  CHECK(rel(e.get("pe.multipliers") + e.get("pe.adders") + e.get("pe.registers"),
            123456789 * (m.mac().multiplier_pj + m.mac().adder_pj + m.mac().register_pj)) < 1e-12);
  // Doubling the time at the same activity adds exactly the leakage once more.
  cost::Activity slow = a;
  slow.cycles *= 2;
  CHECK(rel(m.energy_pj(slow).total() - e.total(), e.get("leakage")) < 1e-9);
  cost::Activity none;
  CHECK(m.average_power_mw(none) == 0);
}

TEST_CASE("cost: gated MACs toggle only operand registers and zero detect, skipped MACs cost nothing",
          "[cost][model]") {
  const cost::CostModel m(tech(), arch("int8"));
  // 16 operand bits x their data switching + 0.04 x (0.2 + 0.1); the clock is paid per cycle, gated or not.
  CHECK(m.mac().gated_pj == Approx(16 * (reg_pj() - clk_pj()) + 0.04 * 0.3).epsilon(1e-12));
  CHECK(m.mac().gated_pj < 0.5 * m.mac_energy_pj());
  cost::Activity a;
  a.macs_full = 1000;
  a.cycles = 100;
  cost::Activity skipped = a;
  skipped.macs_skipped = 1000000;
  CHECK(m.energy_pj(skipped).total() == m.energy_pj(a).total());
  cost::Activity gated = a;
  gated.macs_gated = 1000;
  CHECK(m.energy_pj(gated).get("pe.gated_macs") == Approx(1000 * m.mac().gated_pj).epsilon(1e-12));
  CHECK(m.energy_pj(gated).total() > m.energy_pj(a).total());
}

TEST_CASE("cost: layer_activity turns the timing model's words into bits", "[cost][model]") {
  cost::ArchDesc a = arch("mxfp8_e4m3");
  a.word_bits[model::kOfmap] = 32;
  model::LayerShape s;
  s.ifmap_h = 10;
  s.ifmap_w = 70;
  s.ofmap_h = 10;
  s.ofmap_w = 1;
  s.filter_w = 70;  // K = 70 -> 3 blocks of 32
  s.num_filters = 5;
  model::LayerTiming t;
  t.macs = s.macs();
  t.total_cycles = 999;
  t.traffic[model::kIfmap] = {700, 0, 70, 0};
  t.traffic[model::kOfmap] = {0, 50, 0, 50};
  const cost::Activity act = cost::layer_activity(a, s, t);
  CHECK(act.macs_full == 10 * 5 * 70);
  CHECK(act.mx_blocks == 10 * 5 * 3);
  CHECK(act.sram_read_bits[model::kIfmap] == 700 * 8);
  CHECK(act.sram_write_bits[model::kOfmap] == 50 * 32);
  CHECK(act.dram_read_bits == 70 * 8);
  CHECK(act.dram_write_bits == 50 * 32);
  CHECK(act.cycles == 999);
  cost::Activity sum = act;
  sum += act;
  CHECK(sum.mx_blocks == 2 * act.mx_blocks);
  CHECK(sum.cycles == 2 * 999);
}

TEST_CASE("cost: bad designs are rejected and describe() names every formula and source", "[cost][model]") {
  cost::ArchDesc a = arch("int8");
  a.rows = 0;
  CHECK_THROWS_AS(cost::CostModel(tech(), a), std::invalid_argument);
  a = arch("int8");
  a.word_bits[1] = 65;
  CHECK_THROWS_AS(cost::CostModel(tech(), a), std::invalid_argument);
  a = arch("int8");
  a.dram_type = "ddr5";
  CHECK_THROWS_WITH(cost::CostModel(tech(), a), Catch::Contains("unknown DRAM type 'ddr5'"));
  a.dram_type = "hbm2";
  CHECK(cost::CostModel(tech(), a).dram_pj_per_bit() == 4);
  const std::string d = cost::CostModel(tech(), arch("fp8_e4m3")).describe();
  CHECK_THAT(d, Catch::Contains("mac.multiplier = 0.05 pJ/MAC"));
  CHECK_THAT(d, Catch::Contains("fp8_e4m3_mult (0.05 pJ, 60 um^2): derived: INT8 mult x 0.26"));
  CHECK_THAT(d, Catch::Contains("sram.read 8 KiB (10 pJ): Horowitz ISSCC 2014"));
  CHECK_THAT(d, Catch::Contains("node_scaling 7 nm"));
}

TEST_CASE("cost: pe_area synth replaces the table's PE parts by the synthesized NAND2-eq", "[cost][model]") {
  cost::ArchDesc a = arch("fp8_e4m3");
  const cost::CostModel table(tech(), a);
  a.pe_synth_nand2_eq = 3633.3;  // rtl/pe_area.json fp8_mac
  a.pe_synth_source = "test";
  const cost::CostModel synth(tech(), a);
  CHECK(synth.pe_area().synth_um2 == Approx(3633.3 * 0.798).epsilon(1e-12));
  CHECK(synth.pe_area().total_um2() == Approx(3633.3 * 0.798).epsilon(1e-12));
  CHECK(synth.area_um2().get("pe_array.synth") == Approx(1024 * 3633.3 * 0.798).epsilon(1e-12));
  CHECK(synth.area_um2().get("pe_array.multipliers") == 0);
  CHECK(synth.area_um2().get("pe_array.registers") == 0);
  // SRAM and SFU are untouched; energy is still priced from the table.
  CHECK(synth.area_um2().get("sram.filter") == table.area_um2().get("sram.filter"));
  CHECK(synth.mac_energy_pj() == table.mac_energy_pj());
  // Node scaling applies; zero gating adds its fraction; a spill unit keeps its table area.
  a.node_nm = 7;
  a.zero_gating = true;
  const cost::CostModel small(tech(), a);
  CHECK(small.pe_area().synth_um2 == Approx(3633.3 * 0.798 * small.scale().area).epsilon(1e-12));
  CHECK(small.pe_area().zero_gating_um2 == Approx(0.04 * small.pe_area().synth_um2).epsilon(1e-12));
  model::PeParams p;
  p.format_a = p.format_b = "int16";
  p.int32_policy = model::Int32Policy::kSpill;
  cost::ArchDesc s = arch("int16");
  s.pe = model::resolve(p);
  const double spill = cost::CostModel(tech(), s).pe_area().spill_um2;
  s.pe_synth_nand2_eq = 3468.2;
  CHECK(spill > 0);
  CHECK(cost::CostModel(tech(), s).pe_area().spill_um2 == spill);
  CHECK_THAT(synth.describe(), Catch::Contains("pe.area.synth") && Catch::Contains("3633 NAND2-eq (test)"));
}

// ---- implementation terms (README.md "Implementation"), issue 18 ---------------------------------------------------

namespace {

cost::ArchDesc design(const std::string& fmt, model::Dataflow df, bool overheads) {
  cost::ArchDesc a = arch(fmt);
  a.dataflow = df;
  a.overheads = overheads;
  return a;
}

}  // namespace

TEST_CASE("cost: skew registers at the array edges follow the dataflow", "[cost][model][implementation]") {
  // 32x32: each edge carries n(n-1)/2 = 496 registers of the operand (or partial sum) entering or leaving it.
  CHECK(cost::CostModel(tech(), design("int8", model::Dataflow::kOS, true)).skew_register_bits() == 496 * (8 + 8));
  CHECK(cost::CostModel(tech(), design("int8", model::Dataflow::kWS, true)).skew_register_bits() == 496 * (8 + 32));
  CHECK(cost::CostModel(tech(), design("int8", model::Dataflow::kIS, true)).skew_register_bits() == 496 * (8 + 32));
  CHECK(cost::CostModel(tech(), design("bf16", model::Dataflow::kWS, true)).skew_register_bits() == 496 * (16 + 32));
  CHECK(cost::CostModel(tech(), design("int8", model::Dataflow::kWS, false)).skew_register_bits() == 0);
}

TEST_CASE("cost: placement spreads logic cells, an accumulating ofmap buffer has two ports", "[cost][model][implementation]") {
  const double u = tech().placement_utilization.value, two = tech().sram_two_port_area.value;
  for (auto df : {model::Dataflow::kOS, model::Dataflow::kWS, model::Dataflow::kIS}) {
    INFO(model::to_string(df));
    const cost::CostModel on(tech(), design("int8", df, true)), off(tech(), design("int8", df, false));
    const cost::Breakdown a = on.area_um2(), b = off.area_um2();
    const double skew = on.skew_register_bits() * tech().component("register_bit").area_um2;
    const double cells = 1024 * on.pe_area().logic_um2() + skew;
    CHECK(a.get("pe_array.skew") == Approx(skew).epsilon(1e-12));
    CHECK(a.get("pe_array.placement") == Approx(cells * (1 / u - 1)).epsilon(1e-12));
    CHECK(a.get("sfu.placement") == Approx(b.get("sfu") * (1 / u - 1)).epsilon(1e-12));
    CHECK(b.get("pe_array.placement") == 0);
    // The same cells either way; only ws/is accumulate partial sums in the ofmap buffer.
    CHECK(a.get("pe_array.multipliers") == b.get("pe_array.multipliers"));
    CHECK(a.get("sram.ofmap") == Approx(b.get("sram.ofmap") * (df == model::Dataflow::kOS ? 1 : two)).epsilon(1e-12));
    CHECK(a.get("sram.ifmap") == b.get("sram.ifmap"));
    // Cell area leaves the whitespace out, and leakage is that of the cells.
    CHECK(on.cell_area_mm2() ==
          Approx(on.area_mm2() - (a.get("pe_array.placement") + a.get("sfu.placement")) * 1e-6).epsilon(1e-12));
    CHECK(off.cell_area_mm2() == Approx(off.area_mm2()).epsilon(1e-12));
    CHECK(on.leakage_mw() == Approx(tech().leakage_mw_per_mm2.value * on.cell_area_mm2()).epsilon(1e-12));
  }
}

TEST_CASE("cost: the array's registers are clocked every compute cycle, stalls and idle ops are not", "[cost][model][implementation]") {
  const cost::CostModel m(tech(), design("int8", model::Dataflow::kOS, true));
  const double per_cycle = 1024 * 48 * clk_pj() + m.skew_register_bits() * clk_pj();
  cost::Activity a;
  a.macs_full = 1000000;
  a.cycles = 5000;                   // 1000 compute cycles + 4000 stalled
  a.compute_cycles_per_mac = 0.001;  // from the layer's mapping
  CHECK(m.energy_pj(a).get("pe.clock") == Approx(1000 * per_cycle).epsilon(1e-12));
  a.compute_cycles_per_mac = 0;  // unknown: every cycle of an op with MACs
  CHECK(m.energy_pj(a).get("pe.clock") == Approx(5000 * per_cycle).epsilon(1e-12));
  cost::Activity sfu;  // an op that leaves the array idle
  sfu.sfu_ops = 100;
  sfu.cycles = 10;
  CHECK(m.energy_pj(sfu).get("pe.clock") == 0);
  // Sums keep compute cycles exact: the MAC-weighted mean of the ratio.
  cost::Activity x, y;
  x.macs_full = 100, x.cycles = 100, x.compute_cycles_per_mac = 1;
  y.macs_full = 300, y.cycles = 900, y.compute_cycles_per_mac = 2;
  x += y;
  CHECK(x.compute_cycles_per_mac == Approx(1.75).epsilon(1e-12));
  CHECK(m.energy_pj(x).get("pe.clock") == Approx(700 * per_cycle).epsilon(1e-12));
  // Datapath-only pricing has no clock part.
  const cost::CostModel off(tech(), design("int8", model::Dataflow::kOS, false));
  CHECK(off.energy_pj(a).get("pe.clock") == 0);
  // At full utilization (one MAC per PE per cycle), clock + register data = the stored and loaded bits' energy.
  CHECK(m.mac().clock_pj + m.mac().register_pj == Approx(48 * clk_pj() + 32 * (reg_pj() - clk_pj())).epsilon(1e-12));
}

TEST_CASE("cost: ws and is layers read the partial sums they accumulate", "[cost][model][implementation]") {
  model::LayerShape s;
  s.ofmap_h = 10;
  s.filter_w = 100;
  s.num_filters = 5;  // M x N = 50 outputs
  model::LayerTiming t;
  t.macs = s.macs();
  t.compute_cycles = 400;
  t.total_cycles = 500;
  t.traffic[model::kOfmap] = {0, 4 * 50, 0, 50};  // 4 K folds: every output written 4 times
  for (auto df : {model::Dataflow::kOS, model::Dataflow::kWS, model::Dataflow::kIS}) {
    for (bool overheads : {true, false}) {
      cost::ArchDesc a = design("int8", df, overheads);
      a.word_bits[model::kOfmap] = 32;
      const cost::Activity act = cost::layer_activity(a, s, t);
      INFO(model::to_string(df) << " overheads " << overheads);
      CHECK(act.sram_write_bits[model::kOfmap] == 4 * 50 * 32);
      CHECK(act.sram_read_bits[model::kOfmap] == (overheads && df != model::Dataflow::kOS ? 3 * 50 * 32 : 0));
      CHECK(act.compute_cycles_per_mac == Approx(400.0 / static_cast<double>(t.macs)).epsilon(1e-12));
    }
  }
}

TEST_CASE("cost: a supply voltage scales dynamic energy by (V / V_table)^2, not DRAM or leakage", "[cost][model][implementation]") {
  cost::ArchDesc a = design("int8", model::Dataflow::kWS, true);
  const cost::CostModel base(tech(), a);
  a.voltage_v = 1.08;  // (1.08 / 0.9)^2 = 1.44
  const cost::CostModel hi(tech(), a);
  CHECK(hi.voltage_factor() == Approx(1.44).epsilon(1e-12));
  CHECK(hi.mac().total_pj() == Approx(1.44 * base.mac().total_pj()).epsilon(1e-12));
  CHECK(hi.sram_read_pj_per_bit(0) == Approx(1.44 * base.sram_read_pj_per_bit(0)).epsilon(1e-12));
  CHECK(hi.sfu_op_pj() == Approx(1.44 * base.sfu_op_pj()).epsilon(1e-12));
  CHECK(hi.dram_pj_per_bit() == base.dram_pj_per_bit());
  CHECK(hi.leakage_mw() == base.leakage_mw());
  CHECK(hi.area_mm2() == base.area_mm2());
  a.voltage_v = -1;
  CHECK_THROWS_AS(cost::CostModel(tech(), a), std::invalid_argument);
}

TEST_CASE("cost: a PE scratchpad is a small SRAM in every PE, priced per bit moved at its capacity", "[cost][model][implementation]") {
  cost::ArchDesc a = design("int16", model::Dataflow::kWS, true);
  a.pe_scratchpad_bytes = 512;
  a.pe_scratchpad_bits_per_mac = 64;
  const cost::CostModel m(tech(), a);
  // 0.5 KiB lies below the table's 8 KiB point: the 8-32 KiB slope extended, 10 pJ x (0.5 / 8)^0.5 = 2.5 pJ per
  // 64-bit access, so 64 bits per MAC cost 2.5 pJ.
  CHECK(m.mac().scratchpad_pj == Approx(2.5).epsilon(1e-9));
  CHECK(m.pe_area().scratchpad_um2 == Approx(512 * 8 * 0.7).epsilon(1e-12));
  CHECK(m.area_um2().get("pe_array.scratchpad") == Approx(1024 * 512 * 8 * 0.7).epsilon(1e-12));
  cost::Activity act;
  act.macs_full = 1000;
  act.cycles = 10;
  CHECK(m.energy_pj(act).get("pe.scratchpad") == Approx(1000 * 2.5).epsilon(1e-9));
  // Scratchpads are SRAM macros: placement does not spread them.
  const double u = tech().placement_utilization.value;
  CHECK(m.area_um2().get("pe_array.placement") ==
        Approx((1 / u - 1) * (1024 * m.pe_area().logic_um2() + m.skew_register_bits() * 6)).epsilon(1e-12));
}

// Issue 15 item 3: a w-wide dot-product PE has w multipliers and w product adders but ONE set of per-block logic
// per dot product (MX: shared-exponent add, alignment, conversion to the accumulator) and one running sum.
TEST_CASE("cost: layer_activity prices fractional bits per element exactly (MX scale bits)", "[cost][model][bits]") {
  cost::ArchDesc a = arch("mxfp8_e4m3");
  model::LayerShape s;
  model::LayerTiming t;
  t.traffic[model::kIfmap] = {64, 0, 33, 0};
  const model::ElementBits bits[3] = {{264, 32}, {264, 32}, {32, 1}};  // 8.25, 8.25, 32
  const cost::Activity act = cost::layer_activity(a, s, t, bits);
  CHECK(act.sram_read_bits[model::kIfmap] == 64 * 33 / 4);  // 528 bits
  CHECK(act.dram_read_bits == 273);                         // ceil(33 x 8.25) = ceil(272.25)
  CHECK(model::ElementBits(264, 32).bytes(33) == 35);       // ceil(272.25 / 8)
}

TEST_CASE("cost: an MX dot-product unit of width 32 has lower area per MAC than the same format at width 1",
          "[cost][model][dot]") {
  for (const char* f : {"mxfp8_e4m3", "mxfp6_e2m3", "mxfp4_e2m1", "mxint8"}) {
    INFO(f);
    cost::ArchDesc a1 = arch(f), a32 = arch(f);
    a32.dot_width = 32;
    const cost::CostModel m1(tech(), a1), m32(tech(), a32);
    const double per_mac_1 = m1.pe_area().total_um2(), per_mac_32 = m32.pe_area().total_um2() / 32;
    CHECK(per_mac_32 < per_mac_1);
    // The block logic is there once per 32 elements, not once per element.
    CHECK(m32.pe_area().mx_logic_um2 == Approx(m1.pe_area().mx_logic_um2));
    // Energy per MAC: the multipliers' and product adders' are unchanged; the running sum loads once per cycle.
    CHECK(m32.mac().multiplier_pj == Approx(m1.mac().multiplier_pj));
    CHECK(m32.mac().block_pj == Approx(m1.mac().block_pj));
    CHECK(m32.mac().register_pj < m1.mac().register_pj);
  }
  // Two blocks per cycle need two sets of block logic.
  cost::ArchDesc a64 = arch("mxfp8_e4m3");
  a64.dot_width = 64;
  const cost::CostModel m1(tech(), arch("mxfp8_e4m3")), m64(tech(), a64);
  CHECK(m64.pe_area().mx_logic_um2 == Approx(2 * m1.pe_area().mx_logic_um2));
  // Width 1 is the one-MAC PE, unchanged.
  cost::ArchDesc w1 = arch("mxfp8_e4m3");
  w1.dot_width = 1;
  CHECK(cost::CostModel(tech(), w1).pe_area().total_um2() == m1.pe_area().total_um2());
}

TEST_CASE("cost: float and integer dot-product units get the same w-wide pricing", "[cost][model][dot]") {
  for (const char* f : {"fp8_e4m3", "bf16", "int8", "int16"}) {
    INFO(f);
    cost::ArchDesc a32 = arch(f);
    a32.dot_width = 32;
    const cost::CostModel m1(tech(), arch(f)), m32(tech(), a32);
    CHECK(m32.pe_area().multiplier_um2 == Approx(32 * m1.pe_area().multiplier_um2));
    CHECK(m32.mac().multiplier_pj == Approx(m1.mac().multiplier_pj));
    // One running sum per 32 MACs: fewer register bits per MAC.
    CHECK(m32.pe_area().registers_um2 / 32 < m1.pe_area().registers_um2);
  }
  // Float units carry one alignment/normalisation stage per dot product; integer units have none.
  cost::ArchDesc f32 = arch("fp8_e4m3"), i32 = arch("int8");
  f32.dot_width = i32.dot_width = 32;
  CHECK(cost::CostModel(tech(), f32).pe_area().mx_logic_um2 > 0);
  CHECK(cost::CostModel(tech(), i32).pe_area().mx_logic_um2 == 0);
}
