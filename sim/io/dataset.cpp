#include "io/dataset.h"

#include <zlib.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "io/npy.h"
#include "util/text.h"

namespace fs = std::filesystem;

namespace lpsim::io {

namespace {

[[noreturn]] void fail(const std::string& path, const std::string& what) { throw InputError(path + ": " + what); }

// The whole file, gunzipped when it is gzip data (by its magic bytes, not its name).
std::string read_bytes(const std::string& path, const Location& where) {
  std::error_code ec;
  if (!fs::is_regular_file(path, ec))
    throw_input_error(where, "cannot read '" + path + "': " + (fs::exists(path, ec) ? "not a regular file" : "no such file"));
  std::ifstream is(path, std::ios::binary);
  if (!is) throw_input_error(where, "cannot read '" + path + "': permission denied");
  char magic[2] = {0, 0};
  is.read(magic, 2);
  is.close();
  if (!(static_cast<unsigned char>(magic[0]) == 0x1f && static_cast<unsigned char>(magic[1]) == 0x8b)) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }
  gzFile f = gzopen(path.c_str(), "rb");
  if (!f) fail(path, "cannot open the gzip file");
  std::string out;
  char buf[1 << 16];
  for (;;) {
    const int n = gzread(f, buf, sizeof buf);
    if (n < 0) {
      int code = 0;
      const std::string msg = gzerror(f, &code);
      gzclose(f);
      fail(path, "corrupt gzip data (" + msg + ")");
    }
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  // A truncated stream reads to its end without an error from gzread; gzclose_r reports it.
  const int rc = gzclose_r(f);
  if (rc == Z_BUF_ERROR) fail(path, "truncated gzip file (the compressed stream ends early)");
  if (rc != Z_OK) fail(path, "corrupt gzip file");
  return out;
}

// An array of numbers from .npy or IDX bytes, as doubles of the selected rows [first, first + rows) of dim 0.
struct Array {
  std::vector<size_t> shape;  // the whole file's shape
  std::vector<double> rows;   // selected rows, C order
  bool uint8 = false;
  bool integer = false;
};

uint32_t be32(const std::string& b, size_t i) {
  return (static_cast<uint32_t>(static_cast<unsigned char>(b[i])) << 24) |
         (static_cast<uint32_t>(static_cast<unsigned char>(b[i + 1])) << 16) |
         (static_cast<uint32_t>(static_cast<unsigned char>(b[i + 2])) << 8) |
         static_cast<uint32_t>(static_cast<unsigned char>(b[i + 3]));
}

// Reads the shape only (first call) or the rows [first, first + n) of dim 0.
Array read_array(const std::string& path, const std::string& b, int64_t first, int64_t n, bool want_rows) {
  Array a;
  size_t offset = 0, elem = 0;
  std::string kind;  // "f4", "f8", "u1", "i1", "i2", "i4", "i8" with endianness below
  bool big_endian = false;
  if (b.size() >= 6 && std::memcmp(b.data(), "\x93NUMPY", 6) == 0) {
    const NpyHeader h = parse_npy_header(b, path);
    elem = npy_element_size(h.descr);
    if (elem == 0 || h.descr == "|b1" || h.descr == "<f2")
      fail(path, "dtype '" + excerpt(h.descr) + "' is not supported (float32, float64, uint8 or integer arrays)");
    npy_checked_count(h, b, path, elem);
    a.shape = h.shape;
    offset = h.data_offset;
    kind = h.descr.substr(1);
  } else {
    // IDX (LeCun's MNIST format): 0x00 0x00 <type> <ndims>, ndims big-endian uint32 sizes, big-endian data.
    if (b.size() < 4 || b[0] != 0 || b[1] != 0)
      fail(path, "neither a NumPy .npy file nor an IDX file (an IDX file starts with the magic 0x0000 + type + "
                 "dimensions, e.g. 0x00000803 for uint8 images, 0x00000801 for labels)");
    const unsigned type = static_cast<unsigned char>(b[2]), ndims = static_cast<unsigned char>(b[3]);
    static const std::pair<unsigned, const char*> types[] = {{0x08, "u1"}, {0x09, "i1"}, {0x0B, "i2"},
                                                            {0x0C, "i4"}, {0x0D, "f4"}, {0x0E, "f8"}};
    for (const auto& [t, k] : types)
      if (t == type) kind = k;
    char magic[16];
    std::snprintf(magic, sizeof magic, "0x%08X", be32(b, 0));
    if (kind.empty() || ndims < 1 || ndims > 4)
      fail(path, std::string("bad IDX magic number ") + magic + " (expected 0x00000803 for uint8 images, 0x00000801 "
                 "for uint8 labels; type byte 08/09/0B/0C/0D/0E, 1 to 4 dimensions)");
    if (b.size() < 4 + 4 * static_cast<size_t>(ndims)) fail(path, "truncated IDX header");
    for (unsigned i = 0; i < ndims; ++i) a.shape.push_back(be32(b, 4 + 4 * i));
    offset = 4 + 4 * static_cast<size_t>(ndims);
    elem = kind[1] - '0';
    big_endian = true;
    size_t count = 1;
    for (size_t d : a.shape) {
      if (d != 0 && count > SIZE_MAX / elem / d) fail(path, "IDX shape too large");
      count *= d;
    }
    if (b.size() - offset < count * elem)
      fail(path, "truncated IDX data: the header announces " + std::to_string(count) + " values, the file holds " +
                     std::to_string((b.size() - offset) / elem));
  }
  a.uint8 = kind == "u1";
  a.integer = kind[0] != 'f';
  if (!want_rows) return a;
  size_t row = 1;
  for (size_t i = 1; i < a.shape.size(); ++i) row *= a.shape[i];
  a.rows.resize(static_cast<size_t>(n) * row);
  const char* p = b.data() + offset + static_cast<size_t>(first) * row * elem;
  for (size_t i = 0; i < a.rows.size(); ++i, p += elem) {
    unsigned char v[8];
    for (size_t k = 0; k < elem; ++k) v[k] = static_cast<unsigned char>(p[big_endian ? elem - 1 - k : k]);
    double x = 0;
    if (kind == "u1") x = v[0];
    else if (kind == "i1") x = static_cast<int8_t>(v[0]);
    else if (kind == "i2") { int16_t t; std::memcpy(&t, v, 2); x = t; }
    else if (kind == "i4") { int32_t t; std::memcpy(&t, v, 4); x = t; }
    else if (kind == "u2") { uint16_t t; std::memcpy(&t, v, 2); x = t; }
    else if (kind == "u4") { uint32_t t; std::memcpy(&t, v, 4); x = t; }
    else if (kind == "i8") { int64_t t; std::memcpy(&t, v, 8); x = static_cast<double>(t); }
    else if (kind == "u8") { uint64_t t; std::memcpy(&t, v, 8); x = static_cast<double>(t); }
    else if (kind == "f4") { float t; std::memcpy(&t, v, 4); x = t; }
    else if (kind == "f8") { double t; std::memcpy(&t, v, 8); x = t; }
    a.rows[i] = x;
  }
  return a;
}

}  // namespace

Dataset load_dataset(const DatasetRequest& r) {
  const std::string ib = read_bytes(r.images, r.images_where);
  const Array head = read_array(r.images, ib, 0, 0, false);
  if (head.shape.size() != 3 && head.shape.size() != 4)
    fail(r.images, "images have shape of rank " + std::to_string(head.shape.size()) +
                       "; expected N x H x W (one channel) or N x C x H x W");
  // A zero dimension would let the others grow past int64 (the data size no longer bounds them): refused.
  for (size_t i = 1; i < head.shape.size(); ++i)
    if (head.shape[i] == 0) fail(r.images, "images have an empty dimension: shape " + shape_str(head.shape));
  Dataset d;
  d.total = static_cast<int64_t>(head.shape[0]);
  if (head.shape.size() == 3) d.image_shape = {1, static_cast<int64_t>(head.shape[1]), static_cast<int64_t>(head.shape[2])};
  else if (r.channels_last)
    d.image_shape = {static_cast<int64_t>(head.shape[3]), static_cast<int64_t>(head.shape[1]), static_cast<int64_t>(head.shape[2])};
  else d.image_shape = {static_cast<int64_t>(head.shape[1]), static_cast<int64_t>(head.shape[2]), static_cast<int64_t>(head.shape[3])};
  // The range, then this shard of it.
  if (r.offset >= d.total)
    throw_input_error(r.offset_where, "offset " + std::to_string(r.offset) + " is beyond the " +
                                          std::to_string(d.total) + " images of " + r.images);
  const int64_t count = r.count ? r.count : d.total - r.offset;
  if (r.offset + count > d.total)
    throw_input_error(r.count_where, std::to_string(count) + " images from offset " + std::to_string(r.offset) +
                                         " run past the " + std::to_string(d.total) + " images of " + r.images);
  d.first = r.offset + count * r.shard_index / r.shard_count;
  d.count = r.offset + count * (r.shard_index + 1) / r.shard_count - d.first;
  if (d.count < 1)
    throw_input_error(r.count_where, "shard " + std::to_string(r.shard_index) + "/" + std::to_string(r.shard_count) +
                                         " of " + std::to_string(count) + " images is empty");
  Array a = read_array(r.images, ib, d.first, d.count, true);
  d.uint8 = a.uint8;
  const int64_t C = d.image_shape[0], H = d.image_shape[1], W = d.image_shape[2], px = H * W;
  if (!r.mean.empty() && r.mean.size() != 1 && static_cast<int64_t>(r.mean.size()) != C)
    throw_input_error(r.normalize_where, "normalize has " + std::to_string(r.mean.size()) + " values; the images of " +
                                             r.images + " have " + std::to_string(C) + " channel(s)");
  d.images.resize(a.rows.size());
  for (int64_t n = 0; n < d.count; ++n)
    for (int64_t c = 0; c < C; ++c)
      for (int64_t i = 0; i < px; ++i) {
        const size_t src = head.shape.size() == 4 && r.channels_last ? static_cast<size_t>((n * px + i) * C + c)
                                                                      : static_cast<size_t>((n * C + c) * px + i);
        double x = a.rows[src];
        if (a.uint8) x /= 255.0;  // torchvision ToTensor
        if (!r.mean.empty()) {
          const size_t k = r.mean.size() == 1 ? 0 : static_cast<size_t>(c);
          x = (x - r.mean[k]) / r.std[k];
        }
        d.images[static_cast<size_t>((n * C + c) * px + i)] = static_cast<float>(x);
      }
  if (!r.labels.empty()) {
    const std::string lb = read_bytes(r.labels, r.labels_where);
    const Array lh = read_array(r.labels, lb, 0, 0, false);
    if (lh.shape.size() != 1 || !lh.integer)
      fail(r.labels, "labels must be a 1-D array of integers, got " + std::string(lh.integer ? "" : "floats of ") +
                         "shape " + shape_str(lh.shape));
    if (static_cast<int64_t>(lh.shape[0]) != d.total)
      fail(r.labels, "holds " + std::to_string(lh.shape[0]) + " labels, but " + r.images + " holds " +
                         std::to_string(d.total) + " images");
    const Array l = read_array(r.labels, lb, d.first, d.count, true);
    for (double v : l.rows) {
      if (v < 0) fail(r.labels, "negative label " + std::to_string(static_cast<int64_t>(v)));
      d.labels.push_back(static_cast<int64_t>(v));
    }
  }
  return d;
}

}  // namespace lpsim::io
