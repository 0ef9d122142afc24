// Exhaustive co-verification of the verilated K-TanH RTL against the C++ model, and proof that the comparison
// can fail: a deliberately corrupted model table must be caught and reported.
#include <catch2/catch.hpp>

#include "sfu/ktanh_cosim.h"
#include "sfu/ktanh_sfu.h"

using namespace lpsim::model;

TEST_CASE("ktanh cosim: all 65536 BF16 patterns, RTL equals the C++ model", "[cosim][rtl]") {
  const int lanes = GENERATE(8, 1, 32, 40);
  INFO("lanes " << lanes);
  const CosimResult r = cosim_ktanh(all_bf16_patterns(), lanes);
  CHECK(r.inputs == 65536);
  CHECK(r.mismatches == 0);
  CHECK(r.first_mismatches.empty());
  // latency 2 + ceil(65536 / lanes) issue cycles: 8194 (8 lanes), 65538 (1), 2050 (32), 1641 (40).
  const uint64_t want = 2 + (65536 + lanes - 1) / lanes;
  CHECK(r.expected_cycles == want);
  CHECK(r.cycles == want);
  CHECK(r.passed());
  // The accuracy block is computed from the RTL outputs: it must equal the model's figures.
  CHECK(r.ktanh.max_err_input == 0x3f1f);
  CHECK(r.ktanh.max_ulp_err == 6);
  CHECK(r.hard_tanh.max_err_input == 0x3f80);
  const std::string text = format_cosim_report(r, "exhaustive");
  CHECK_THAT(text, Catch::Contains("mismatches:        0 of 65536 inputs"));
  CHECK_THAT(text, Catch::Contains("result: PASS"));
}

TEST_CASE("ktanh cosim: a corrupted model table is found and reported", "[cosim][rtl][negative]") {
  KtanhTable bad = ktanh_paper_table();
  bad[5].b = 125;  // paper: 126; t = 5 covers 32 patterns (see test_ktanh_model.cpp)
  const CosimResult r = cosim_ktanh(all_bf16_patterns(), 8, bad);
  CHECK(r.mismatches == 32);
  CHECK_FALSE(r.passed());
  REQUIRE(r.first_mismatches.size() == 10);
  // First in input order: 0x4050 = 3.25: RTL (paper table) 0x3f7f, corrupted model 0x3f7e.
  CHECK(r.first_mismatches[0].input == 0x4050);
  CHECK(r.first_mismatches[0].rtl == 0x3f7f);
  CHECK(r.first_mismatches[0].model == 0x3f7e);
  const std::string text = format_cosim_report(r, "exhaustive");
  CHECK_THAT(text, Catch::Contains("mismatches:        32 of 65536 inputs"));
  CHECK_THAT(text, Catch::Contains("0x4050 (3.25) -> RTL 0x3f7f (0.99609375), model 0x3f7e (0.9921875)"));
  CHECK_THAT(text, Catch::Contains("result: FAIL (32 mismatches)"));
}

TEST_CASE("ktanh cosim: random inputs are reproducible from the seed", "[cosim][rtl]") {
  const auto a = random_bf16_patterns(1000, 7);
  CHECK(a == random_bf16_patterns(1000, 7));
  CHECK(a != random_bf16_patterns(1000, 8));
  const CosimResult r = cosim_ktanh(a, 3);
  CHECK(r.mismatches == 0);
  CHECK(r.cycles == 2 + 334);
}
