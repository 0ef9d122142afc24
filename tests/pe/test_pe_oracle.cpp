// MX GEMMs against the numerics oracle (tests/data/pe/PROVENANCE.md): A = oracle blocks, B = identity, so the
// datapath must reproduce the oracle's dequantized blocks exactly, for every MX element format and both roundings.
#include <catch2/catch.hpp>
#include <cmath>
#include <fstream>
#include <map>
#include <sstream>

#include "pe_test_util.h"

using namespace pe_test;

namespace {

struct Block {
  std::vector<uint32_t> in, out;
};

// (format, rounding) -> blocks in file order.
std::map<std::pair<std::string, std::string>, std::vector<Block>> load_blocks() {
  const std::string path = std::string(LPSIM_TEST_DATA) + "/pe/mx_gemm_identity.csv";
  std::ifstream f(path);
  REQUIRE(f.good());
  std::string line;
  std::getline(f, line);  // header
  std::map<std::pair<std::string, std::string>, std::vector<Block>> blocks;
  std::string last_case;
  while (std::getline(f, line)) {
    std::stringstream ss(line);
    std::string fmt, rnd, cs, idx, in, out;
    std::getline(ss, fmt, ',');
    std::getline(ss, rnd, ',');
    std::getline(ss, cs, ',');
    std::getline(ss, idx, ',');
    std::getline(ss, in, ',');
    std::getline(ss, out, ',');
    auto& v = blocks[{fmt, rnd}];
    if (idx == "0") v.emplace_back();
    v.back().in.push_back(static_cast<uint32_t>(std::stoul(in, nullptr, 16)));
    v.back().out.push_back(static_cast<uint32_t>(std::stoul(out, nullptr, 16)));
  }
  return blocks;
}

std::string pe_name(const std::string& oracle_fmt) {
  if (oracle_fmt == "int8") return "mxint8";
  return "mx" + oracle_fmt;  // fp8_e4m3 -> mxfp8_e4m3, fp4_e2m1 -> mxfp4_e2m1
}

}  // namespace

TEST_CASE("pe mx: GEMM with an identity B returns the oracle's MX-quantized blocks", "[pe][mx][oracle]") {
  const auto blocks = load_blocks();
  REQUIRE(blocks.size() == 12);  // 6 formats x 2 roundings
  const GemmKernel kernel = GENERATE(GemmKernel::kAuto, GemmKernel::kPortable);
  size_t checked = 0;
  for (const auto& [key, list] : blocks) {
    const int64_t m = static_cast<int64_t>(list.size()), k = 32;
    std::vector<float> a(static_cast<size_t>(m * k), 0.0f);  // zero padding never changes amax (README rule 5)
    for (int64_t i = 0; i < m; ++i)
      for (size_t e = 0; e < list[i].in.size(); ++e) a[i * k + e] = from_bits(list[i].in[e]);
    PeParams p = params(pe_name(key.first), pe_name(key.first));
    p.rounding = key.second == "even" ? lpsim::num::Rounding::kNearestEven : lpsim::num::Rounding::kNearestAway;
    const GemmResult r = gemm(p, order(Dataflow::kOS), a, identity(k, k), m, k, k, kernel, 2);
    for (int64_t i = 0; i < m; ++i) {
      for (size_t e = 0; e < list[i].out.size(); ++e) {
        const float want = from_bits(list[i].out[e]), got = r.c[i * k + e];
        const bool ok = same(got, want) || (got == 0.0f && want == 0.0f);
        if (!ok) {
          INFO(key.first << " " << key.second << " block " << i << " element " << e << ": input 0x" << std::hex
                         << list[i].in[e] << " got 0x" << bits(got) << " want 0x" << list[i].out[e]);
          CHECK(ok);
        }
        ++checked;
      }
    }
  }
  CHECK(checked == 7872);
}
