// The project's own .npy and CSV readers/writers (sim/io), without SystemC.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstring>
#include <fstream>
#include <sstream>

#include "io/csv_values.h"
#include "io/npy.h"
#include "util/error.h"

using namespace lpsim;

namespace {
std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}
const std::string kDir = std::string(LPSIM_NUMERICS_DATA) + "/cli/";
}  // namespace

TEST_CASE("npy: reads numpy's file and writes byte-identical bytes", "[numerics][io]") {
  const io::NpyArray a = io::read_npy_f32(kDir + "good_8x8.npy");
  REQUIRE(a.shape == std::vector<size_t>{8, 8});
  REQUIRE(a.data.size() == 64);
  for (size_t i = 0; i < 64; ++i) CHECK(a.data[i] == (static_cast<float>(i) - 31.5f) / 8);
  CHECK(io::npy_f32_bytes(a.data.data(), a.shape) == slurp(kDir + "good_8x8.npy"));
}

TEST_CASE("npy: round trip of 0-D, 1-D and 2-D shapes, and a version 2.0 header", "[numerics][io]") {
  const float v[6] = {1, -2, NAN, INFINITY, 0.5f, -0.0f};
  for (const std::vector<size_t>& shape : {std::vector<size_t>{}, {6}, {2, 3}, {0}}) {
    const std::string b = io::npy_f32_bytes(v, shape);
    CHECK((b.size() - b.find('\n') - 1) % 4 == 0);
    CHECK((b.find('\n') + 1) % 64 == 0);
    const io::NpyArray a = io::parse_npy_f32(b, "mem.npy");
    CHECK(a.shape == shape);
    for (size_t i = 0; i < a.data.size(); ++i) CHECK(std::memcmp(&a.data[i], &v[i], 4) == 0);
  }
  std::string v2 = "\x93NUMPY\x02";
  v2 += '\0';
  const std::string dict = "{'shape': (2,), 'fortran_order': False, 'descr': '<f4'}\n";
  v2 += std::string(1, static_cast<char>(dict.size())) + std::string(3, '\0') + dict;
  v2.append(reinterpret_cast<const char*>(v), 8);
  CHECK(io::parse_npy_f32(v2, "v2.npy").data == std::vector<float>{1, -2});
}

TEST_CASE("npy: bad files are input errors naming the file", "[numerics][io]") {
  CHECK_THROWS_WITH(io::read_npy_f32(kDir + "float64.npy"), Catch::Contains("float64.npy: dtype '<f8' (float64)"));
  CHECK_THROWS_WITH(io::read_npy_f32(kDir + "fortran.npy"), Catch::Contains("fortran.npy: Fortran-order"));
  CHECK_THROWS_WITH(io::read_npy_f32(kDir + "truncated.npy"),
                    Catch::Contains("truncated.npy: truncated data: shape (8, 8) needs 256 bytes") &&
                        Catch::Contains("the file has 250"));
  CHECK_THROWS_WITH(io::read_npy_f32(kDir + "empty.npy"), Catch::Contains("empty.npy: empty file"));
  CHECK_THROWS_WITH(io::read_npy_f32(kDir + "missing.npy"), Catch::Contains("missing.npy: cannot open"));
  CHECK_THROWS_AS(io::parse_npy_f32("hello world, not numpy", "x.npy"), InputError);
  std::string extra = io::npy_f32_bytes(std::vector<float>{1, 2}.data(), {2}) + "xx";
  CHECK_THROWS_WITH(io::parse_npy_f32(extra, "x.npy"), Catch::Contains("unexpected 2 bytes"));
  std::string bad_header = io::npy_f32_bytes(std::vector<float>{1}.data(), {1});
  bad_header.replace(bad_header.find("'shape'"), 7, "'shapf'");
  CHECK_THROWS_WITH(io::parse_npy_f32(bad_header, "x.npy"), Catch::Contains("unexpected key 'shapf'"));
}

TEST_CASE("csv: one value per line, specials, blank lines, errors name file:line", "[numerics][io]") {
  const auto v = io::parse_csv_values("1.5\n  -2e-3 \r\n\nnan\n-inf\n1e-45\n", "in.csv");
  REQUIRE(v.size() == 5);
  CHECK(v[0] == 1.5f);
  CHECK(v[1] == -2e-3f);
  CHECK(std::isnan(v[2]));
  CHECK(v[3] == -INFINITY);
  CHECK(v[4] > 0);
  CHECK_THROWS_WITH(io::read_csv_values(kDir + "nonnumeric.csv"),
                    Catch::Contains("nonnumeric.csv:3: expected one number per line, got \"abc\""));
  CHECK_THROWS_WITH(io::parse_csv_values("1\n2,3\n", "a.csv"), Catch::Contains("a.csv:2:"));
  CHECK_THROWS_WITH(io::parse_csv_values("1e39\n", "a.csv"), Catch::Contains("a.csv:1: value \"1e39\" is outside"));
  CHECK(io::read_csv_values(kDir + "empty.csv").empty());
  const float w[4] = {0.1f, -3.0f, NAN, -INFINITY};
  CHECK(io::csv_values_text(w, 4) == "0.100000001\n-3\nnan\n-inf\n");
  const auto back = io::parse_csv_values(io::csv_values_text(w, 2), "t.csv");
  CHECK(back == std::vector<float>{0.1f, -3.0f});
}
