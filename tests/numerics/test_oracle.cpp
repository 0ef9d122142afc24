// Every row of every oracle file in tests/data/numerics (README.md there), 100% bit equality.
#include <catch2/catch.hpp>

#include <map>
#include <tuple>

#include "numerics/convert.h"
#include "numerics/convert_array.h"
#include "numerics/format.h"
#include "numerics/mx.h"
#include "oracle_csv.h"

using namespace lpsim::num;
using oracle::hex;
using oracle::hexstr;

namespace {

const FloatFormat& fmt(const std::string& name) { return format_by_name(name).flt; }

// Value bits match, NaN matching any NaN only where the README allows it (MX outputs, FP6/FP4 have no NaN rows).
bool same_bits(uint32_t got, uint32_t want) { return got == want; }

}  // namespace

TEST_CASE("decode: every code of every oracle table decodes bit-exactly", "[numerics][oracle][decode]") {
  for (const std::string name : {"e4m3", "e5m2", "e3m2", "e2m3", "e2m1", "e8m0", "bf16"}) {
    const oracle::Table t = oracle::read("decode_" + name + ".csv");
    const FloatFormat& f = fmt(name);
    const size_t expected_rows = size_t{1} << f.width;
    REQUIRE(t.rows.size() == expected_rows);
    size_t mismatches = 0;
    for (const auto& row : t.rows) {
      const uint32_t code = hex(row[t.col("code")]);
      const uint32_t want = hex(row[t.col("value_bits")]);
      const uint32_t got = oracle::bits(decode_float(f, code));
      const std::string cls = to_string(classify(f, code));
      // The double decode is the same value (NaN: both NaN with the same sign).
      const double d = decode(f, code);
      const bool double_ok = oracle::is_nan_bits(want) ? std::isnan(d) && (std::signbit(d) == ((want >> 31) != 0))
                                                       : oracle::bits(static_cast<float>(d)) == want;
      if (got != want || cls != row[t.col("class")] || !double_ok) {
        if (mismatches++ < 5) {
          UNSCOPED_INFO(name << " code " << row[0] << ": got " << hexstr(got) << " " << cls << ", want "
                             << row[1] << " " << row[2]);
        }
      }
    }
    INFO(name << ": " << t.rows.size() << " rows");
    CHECK(mismatches == 0);
  }
}

TEST_CASE("encode: every oracle row in sat and ovf mode, all entry points", "[numerics][oracle][encode]") {
  for (const std::string name : {"e4m3", "e5m2", "e3m2", "e2m3", "e2m1", "bf16"}) {
    const oracle::Table t = oracle::read("encode_" + name + ".csv");
    const FloatFormat& f = fmt(name);
    REQUIRE(t.rows.size() > 3000);
    const size_t c_mode = t.col("mode"), c_in = t.col("input_bits"), c_code = t.col("code"),
                 c_val = t.col("value_bits");
    // Group inputs per mode so the array kernels (fixed-format, vectorised) see the same rows.
    std::map<std::string, std::vector<size_t>> by_mode;
    for (size_t i = 0; i < t.rows.size(); ++i) by_mode[t.rows[i][c_mode]].push_back(i);
    size_t mismatches = 0, rows = 0;
    for (const auto& [mode, idx] : by_mode) {
      RoundOptions opt;
      opt.overflow = *parse_overflow(mode);
      std::vector<float> xs;
      for (size_t i : idx) xs.push_back(oracle::f32(hex(t.rows[i][c_in])));
      std::vector<uint32_t> arr(xs.size());
      std::vector<float> arr_vals(xs.size());
      std::vector<uint32_t> arr_codes(xs.size());
      ArrayOptions ao;
      ao.round = opt;
      encode_array(f, xs.data(), xs.size(), arr.data(), ao);
      round_array(f, xs.data(), xs.size(), arr_vals.data(), arr_codes.data(), ao);
      for (size_t k = 0; k < idx.size(); ++k) {
        const auto& row = t.rows[idx[k]];
        ++rows;
        const uint32_t want_code = hex(row[c_code]);
        const uint32_t want_val = hex(row[c_val]);
        const float x = xs[k];
        const uint32_t c_float = encode(f, x, opt);
        const uint32_t c_double = encode(f, static_cast<double>(x), opt);
        const uint32_t v = oracle::bits(decode_float(f, c_float));
        const bool ok = c_float == want_code && c_double == want_code && arr[k] == want_code &&
                        arr_codes[k] == want_code && same_bits(v, want_val) &&
                        same_bits(oracle::bits(arr_vals[k]), want_val);
        if (!ok && mismatches++ < 8) {
          UNSCOPED_INFO(name << " " << mode << " input " << row[c_in] << ": want code " << row[c_code] << " value "
                             << row[c_val] << "; got float-path " << hexstr(c_float) << " double-path "
                             << hexstr(c_double) << " array " << hexstr(arr[k]) << " value " << hexstr(v));
        }
      }
    }
    INFO(name << ": " << rows << " rows");
    CHECK(rows == t.rows.size());
    CHECK(mismatches == 0);
  }
}

TEST_CASE("encode: template path equals the oracle for E4M3 and BF16", "[numerics][oracle][encode]") {
  const oracle::Table t4 = oracle::read("encode_e4m3.csv");
  size_t bad = 0;
  for (const auto& row : t4.rows) {
    RoundOptions opt;
    opt.overflow = *parse_overflow(row[0]);
    if (encode<E4M3Traits>(oracle::f32(hex(row[1])), opt) != hex(row[2])) ++bad;
  }
  const oracle::Table tb = oracle::read("encode_bf16.csv");
  for (const auto& row : tb.rows) {
    if (encode<BF16Traits>(oracle::f32(hex(row[1])), kIeeeRne) != hex(row[2])) ++bad;
  }
  CHECK(bad == 0);
}

namespace {

struct MxCase {
  std::vector<size_t> rows;  // row indices into the table, in element order
};

const NumberFormat& mx_element(const std::string& oracle_name) {
  // The oracle's "int8" is MX INT8 (1.6 fixed point); the float names are aliases of e4m3 etc.
  return oracle_name == "int8" ? format_by_name("mxint8") : format_by_name(oracle_name);
}

// Checks one oracle MX file. `exact_cols` are the column names holding the exact semantics.
void check_mx_file(const std::string& file, size_t min_rows) {
  const oracle::Table t = oracle::read(file);
  REQUIRE(t.rows.size() >= min_rows);
  const size_t c_fmt = t.col("format"), c_rnd = t.col("rounding"), c_bs = t.col("block_size"),
               c_case = t.col("case"), c_blk = t.col("block_index"), c_el = t.col("element_index"),
               c_in = t.col("input_bits"), c_x = t.col("shared_exp"), c_out = t.col("output_bits"),
               c_sc = t.col("scale_code"), c_code = t.col("elem_code");
  // Group rows into cases; each case is one row tensor whose blocks follow each other (README: blocks run
  // along the last axis; ragged40 is one row of 40).
  std::map<std::tuple<std::string, std::string, std::string, std::string>, std::map<std::pair<int, int>, size_t>>
      cases;
  for (size_t i = 0; i < t.rows.size(); ++i) {
    const auto& r = t.rows[i];
    cases[{r[c_fmt], r[c_rnd], r[c_bs], r[c_case]}][{std::stoi(r[c_blk]), std::stoi(r[c_el])}] = i;
  }
  size_t checked = 0, mismatches = 0;
  std::map<std::string, size_t> per_group;
  for (const auto& [key, elems] : cases) {
    const auto& [fname, rname, bsname, cname] = key;
    MxOptions opt;
    opt.element = mx_element(fname);
    opt.rounding = rname == "even" ? Rounding::kNearestEven : Rounding::kNearestAway;  // README: nearest = away
    opt.block_size = std::stoi(bsname);
    // The file lists a subset of each case's blocks (the rest are in the other file). Blocks are independent,
    // so the listed blocks are concatenated in order; every block but the last must be full.
    std::vector<float> x;
    std::vector<size_t> row_of;
    int prev_block = -1;
    for (const auto& [pos, i] : elems) {
      if (pos.first != prev_block) {
        REQUIRE(x.size() % static_cast<size_t>(opt.block_size) == 0);
        prev_block = pos.first;
      }
      REQUIRE(x.size() % static_cast<size_t>(opt.block_size) == static_cast<size_t>(pos.second));
      x.push_back(oracle::f32(hex(t.rows[i][c_in])));
      row_of.push_back(i);
    }
    // Along rows (1 x n), along columns (n x 1, same blocks), and with two threads: identical results required.
    const MxTensor a = mx_quantize(opt, x.data(), 1, x.size());
    MxOptions o2 = opt;
    o2.axis = 0;
    const MxTensor b = mx_quantize(o2, x.data(), x.size(), 1);
    MxOptions o3 = opt;
    o3.threads = 2;
    const MxTensor c = mx_quantize(o3, x.data(), 1, x.size());
    for (size_t k = 0; k < x.size(); ++k) {
      const auto& row = t.rows[row_of[k]];
      const uint32_t want_out = hex(row[c_out]);
      const uint32_t want_sc = hex(row[c_sc]);
      const uint32_t want_code = hex(row[c_code]);
      const uint8_t sc = a.scales[a.scale_index(0, k)];
      const std::optional<int> xexp = e8m0_exponent(sc);
      const std::string got_x = xexp ? std::to_string(*xexp) : "nan";
      const uint32_t got_out = oracle::bits(a.values[k]);
      // NaN outputs: README allows any NaN.
      const bool out_ok = oracle::is_nan_bits(want_out) ? oracle::is_nan_bits(got_out) : got_out == want_out;
      const bool ok = out_ok && sc == want_sc && got_x == row[c_x] && a.codes[k] == want_code &&
                      b.codes[k] == a.codes[k] && b.scales[b.scale_index(k, 0)] == sc &&
                      oracle::bits(b.values[k]) == got_out && c.codes[k] == a.codes[k] &&
                      oracle::bits(c.values[k]) == got_out && c.scales[c.scale_index(0, k)] == sc;
      ++checked;
      ++per_group[fname + "/" + rname + "/" + bsname];
      if (!ok && mismatches++ < 8) {
        UNSCOPED_INFO(file << " " << fname << " " << rname << " bs " << bsname << " " << cname << " block "
                           << row[c_blk] << " el " << row[c_el] << " in " << row[c_in] << ": want X " << row[c_x]
                           << " out " << row[c_out] << " code " << row[c_code] << "; got X " << got_x << " out "
                           << hexstr(got_out) << " code " << hexstr(a.codes[k]) << " (axis0 "
                           << hexstr(b.codes[k]) << ", 2 threads " << hexstr(c.codes[k]) << ")");
      }
    }
  }
  INFO(file << ": " << checked << " rows in " << cases.size() << " cases");
  CHECK(checked == t.rows.size());
  CHECK(mismatches == 0);
  // Every element format in both roundings and at least one block size was exercised.
  size_t groups = 0;
  for (const std::string f : {"fp8_e4m3", "fp8_e5m2", "fp6_e3m2", "fp6_e2m3", "fp4_e2m1", "int8"})
    for (const std::string r : {"even", "nearest"}) groups += per_group.count(f + "/" + r + "/32");
  CHECK(groups == 12);
}

}  // namespace

TEST_CASE("mx: every row of mx_quantize.csv (6 element formats, RNE and ties-away, blocks 16 and 32)",
          "[numerics][oracle][mx]") {
  check_mx_file("mx_quantize.csv", 37312);
}

TEST_CASE("mx: exact columns of every row of mx_quantize_divergent.csv", "[numerics][oracle][mx]") {
  check_mx_file("mx_quantize_divergent.csv", 7520);
}
