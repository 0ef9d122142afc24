// NumPy .npy reader/writer for float32 arrays in C order (format versions 1.0-3.0; numpy.lib.format).
// Strict: any other dtype, Fortran order, a malformed header, truncated or surplus data is an InputError that
// names the file.
#pragma once
#include <cstddef>
#include <string>
#include <vector>

namespace lpsim::io {

struct NpyArray {
  std::vector<size_t> shape;  // () for a scalar
  std::vector<float> data;    // C order, product(shape) values
};

NpyArray read_npy_f32(const std::string& path);

// The header of a .npy file (any dtype): descr such as '<f4', '|u1', '<i8'; C order only (InputError otherwise).
struct NpyHeader {
  std::string descr;
  bool fortran = false;
  std::vector<size_t> shape;
  size_t data_offset = 0;  // where the values start in the file's bytes
};
NpyHeader parse_npy_header(const std::string& bytes, const std::string& path);
constexpr size_t kMaxNpyHeader = 1u << 16;  // numpy writes headers of tens of bytes; v2/v3 allow 4 GiB
// Reads and checks only the header of a float32 .npy file `path` ('<f4', C order, the file's size matching the
// shape), without loading the values: what a run checks up front for every tensor file it will read.
NpyHeader read_npy_f32_header(const std::string& path);
size_t npy_element_size(const std::string& descr);  // bytes per value; 0 for dtypes lpsim does not read
// Values in the file for `h` (product of its shape), after checking the file holds exactly that many.
size_t npy_checked_count(const NpyHeader& h, const std::string& bytes, const std::string& path, size_t elem);
// Parses the bytes of a .npy file; `path` is only used in messages.
NpyArray parse_npy_f32(const std::string& bytes, const std::string& path);
// The bytes of a version-1.0 .npy file holding `data` (product(shape) values) as '<f4', C order.
std::string npy_f32_bytes(const float* data, const std::vector<size_t>& shape);

std::string shape_str(const std::vector<size_t>& shape);  // "(3, 4)", "(5,)", "()"

}  // namespace lpsim::io
