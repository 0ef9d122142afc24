#include "io/npy.h"

#include <cctype>
#include <cstdint>
#include <cstring>
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "util/error.h"
#include "util/text.h"

namespace lpsim::io {

namespace {

[[noreturn]] void fail(const std::string& path, const std::string& what) {
  throw_input_error(Location{path, 0, ""}, what);
}

// Tiny parser for the header's Python dict literal: {'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }
class HeaderParser {
 public:
  HeaderParser(const std::string& text, const std::string& path) : s_(text), path_(path) {}

  void parse(std::string* descr, bool* fortran, std::vector<size_t>* shape) {
    bool have_descr = false, have_fortran = false, have_shape = false;
    expect('{');
    for (;;) {
      skip_ws();
      if (peek() == '}') break;
      const std::string key = string_literal();
      expect(':');
      if (key == "descr") {
        *descr = string_literal();
        have_descr = true;
      } else if (key == "fortran_order") {
        *fortran = boolean();
        have_fortran = true;
      } else if (key == "shape") {
        *shape = tuple();
        have_shape = true;
      } else {
        fail(path_, "unexpected key '" + excerpt(key) + "' in the .npy header");
      }
      skip_ws();
      if (peek() == ',') ++i_;
    }
    if (!have_descr || !have_fortran || !have_shape) {
      fail(path_, "the .npy header lacks one of 'descr', 'fortran_order', 'shape'");
    }
  }

 private:
  char peek() const { return i_ < s_.size() ? s_[i_] : '\0'; }
  void skip_ws() {
    while (i_ < s_.size() && std::isspace(static_cast<unsigned char>(s_[i_]))) ++i_;
  }
  void expect(char c) {
    skip_ws();
    if (peek() != c) bad();
    ++i_;
  }
  [[noreturn]] void bad() const { fail(path_, "malformed .npy header: " + quote_value(s_, 60)); }
  std::string string_literal() {
    skip_ws();
    const char q = peek();
    if (q != '\'' && q != '"') bad();
    const size_t end = s_.find(q, i_ + 1);
    if (end == std::string::npos) bad();
    std::string v = s_.substr(i_ + 1, end - i_ - 1);
    i_ = end + 1;
    return v;
  }
  bool boolean() {
    skip_ws();
    if (s_.compare(i_, 4, "True") == 0) {
      i_ += 4;
      return true;
    }
    if (s_.compare(i_, 5, "False") == 0) {
      i_ += 5;
      return false;
    }
    bad();
  }
  std::vector<size_t> tuple() {
    std::vector<size_t> v;
    expect('(');
    for (;;) {
      skip_ws();
      if (peek() == ')') {
        ++i_;
        return v;
      }
      if (!std::isdigit(static_cast<unsigned char>(peek()))) bad();
      size_t n = 0;
      while (std::isdigit(static_cast<unsigned char>(peek()))) {
        if (n > (SIZE_MAX - 9) / 10) bad();
        n = n * 10 + static_cast<size_t>(s_[i_++] - '0');
      }
      v.push_back(n);
      skip_ws();
      if (peek() == ',') ++i_;
    }
  }

  const std::string& s_;
  const std::string& path_;
  size_t i_ = 0;
};

std::string dtype_name(const std::string& descr) {
  static const std::pair<const char*, const char*> names[] = {
      {"<f8", "float64"}, {"<f2", "float16"}, {">f4", "big-endian float32"}, {"<i4", "int32"},
      {"<i8", "int64"},   {"|u1", "uint8"},   {"|i1", "int8"},               {"|b1", "bool"}};
  for (const auto& [d, n] : names)
    if (descr == d) return std::string(" (") + n + ")";
  return "";
}

}  // namespace

std::string shape_str(const std::vector<size_t>& shape) {
  std::string s = "(";
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  if (shape.size() == 1) s += ",";
  return s + ")";
}

NpyHeader parse_npy_header(const std::string& b, const std::string& path) {
  if (b.empty()) fail(path, "empty file (expected a NumPy .npy array)");
  static const char kMagic[] = "\x93NUMPY";
  if (b.size() < 10 || std::memcmp(b.data(), kMagic, 6) != 0) {
    fail(path, "not a NumPy .npy file (the magic string \\x93NUMPY is missing)");
  }
  const auto byte = [&](size_t i) { return static_cast<uint32_t>(static_cast<unsigned char>(b[i])); };
  const uint32_t major = byte(6), minor = byte(7);
  if (major < 1 || major > 3 || minor != 0) {
    fail(path, "unsupported .npy format version " + std::to_string(major) + "." + std::to_string(minor));
  }
  size_t header_len, offset;
  if (major == 1) {
    header_len = byte(8) | (byte(9) << 8);
    offset = 10;
  } else {
    if (b.size() < 12) fail(path, "truncated .npy header");
    header_len = byte(8) | (byte(9) << 8) | (byte(10) << 16) | (byte(11) << 24);
    offset = 12;
  }
  if (header_len > kMaxNpyHeader) fail(path, "the .npy header of " + std::to_string(header_len) + " bytes is too long");
  if (b.size() < offset + header_len) fail(path, "truncated .npy header");
  const std::string header = b.substr(offset, header_len);
  NpyHeader h;
  HeaderParser(header, path).parse(&h.descr, &h.fortran, &h.shape);
  if (h.fortran) {
    fail(path, "Fortran-order (column-major) arrays are not supported: save a C-order array "
               "(np.save(path, np.ascontiguousarray(x)))");
  }
  h.data_offset = offset + header_len;
  return h;
}

size_t npy_element_size(const std::string& descr) {
  if (descr == "<f4" || descr == "<i4" || descr == "<u4") return 4;
  if (descr == "<f8" || descr == "<i8" || descr == "<u8") return 8;
  if (descr == "|u1" || descr == "|i1" || descr == "|b1") return 1;
  if (descr == "<i2" || descr == "<u2" || descr == "<f2") return 2;
  return 0;
}

// The element count of `h` checked against the bytes after the header.
size_t npy_checked_count(const NpyHeader& h, const std::string& b, const std::string& path, size_t elem) {
  size_t n = 1;
  for (size_t d : h.shape) {
    if (d != 0 && n > SIZE_MAX / elem / d) fail(path, "array shape " + shape_str(h.shape) + " is too large");
    n *= d;
  }
  const size_t have = b.size() - h.data_offset;
  if (have < n * elem) {
    fail(path, "truncated data: shape " + shape_str(h.shape) + " needs " + std::to_string(n * elem) +
                   " bytes after the header, the file has " + std::to_string(have));
  }
  if (have > n * elem) {
    fail(path, "unexpected " + std::to_string(have - n * elem) + " bytes after the " + std::to_string(n) +
                   " values of shape " + shape_str(h.shape));
  }
  return n;
}

NpyArray parse_npy_f32(const std::string& b, const std::string& path) {
  const NpyHeader h = parse_npy_header(b, path);
  const std::string& descr = h.descr;
  const std::vector<size_t>& shape = h.shape;
  const size_t data_offset = h.data_offset;
  if (descr != "<f4") {
    fail(path, "dtype '" + excerpt(descr) + "'" + dtype_name(descr) +
                   " is not supported: expected little-endian float32 ('<f4'); convert with x.astype(np.float32)");
  }
  const size_t n = npy_checked_count(h, b, path, 4);
  NpyArray a;
  a.shape = shape;
  a.data.resize(n);
  if (n) std::memcpy(a.data.data(), b.data() + data_offset, n * 4);  // '<f4' on a little-endian host
  return a;
}

NpyArray read_npy_f32(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) fail(path, "cannot open file");
  std::ostringstream ss;
  ss << in.rdbuf();
  return parse_npy_f32(ss.str(), path);
}

std::string npy_f32_bytes(const float* data, const std::vector<size_t>& shape) {
  std::string dict = "{'descr': '<f4', 'fortran_order': False, 'shape': " + shape_str(shape) + ", }";
  // Pad with spaces and a final newline so that the data starts at a multiple of 64 bytes (numpy.lib.format).
  const size_t total = 10 + dict.size() + 1;
  dict += std::string((64 - total % 64) % 64, ' ') + "\n";
  std::string out = "\x93NUMPY";
  out += '\x01';
  out += '\x00';
  out += static_cast<char>(dict.size() & 0xff);
  out += static_cast<char>((dict.size() >> 8) & 0xff);
  out += dict;
  size_t n = 1;
  for (size_t d : shape) n *= d;
  out.append(reinterpret_cast<const char*>(data), n * 4);
  return out;
}

NpyHeader read_npy_f32_header(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec))
    fail(path, std::filesystem::exists(path, ec) ? "not a regular file" : "no such file");
  const uintmax_t size = std::filesystem::file_size(path, ec);
  std::ifstream in(path, std::ios::binary);
  if (ec || !in) fail(path, "cannot open file");
  std::string head(static_cast<size_t>(std::min<uintmax_t>(size, 12 + kMaxNpyHeader)), '\0');
  in.read(head.data(), static_cast<std::streamsize>(head.size()));
  if (!in) fail(path, "cannot read file");
  const NpyHeader h = parse_npy_header(head, path);
  if (h.descr != "<f4")
    fail(path, "dtype '" + excerpt(h.descr) + "'" + dtype_name(h.descr) +
                   " is not supported: expected little-endian float32 ('<f4'); convert with x.astype(np.float32)");
  size_t n = 1;
  for (size_t d : h.shape) {
    if (d != 0 && n > SIZE_MAX / 4 / d) fail(path, "array shape " + shape_str(h.shape) + " is too large");
    n *= d;
  }
  const uintmax_t have = size - h.data_offset;
  if (have != n * 4)
    fail(path, (have < n * 4 ? "truncated data: shape " : "unexpected bytes after the data: shape ") +
                   shape_str(h.shape) + " needs " + std::to_string(n * 4) + " bytes after the header, the file has " +
                   std::to_string(have));
  return h;
}

}  // namespace lpsim::io
