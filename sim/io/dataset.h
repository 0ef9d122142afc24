// Labelled data sets for model runs (workload.dataset): images and labels from NumPy .npy files or the IDX files
// MNIST-style data sets ship (*-ubyte, *-ubyte.gz). uint8 images are scaled to [0, 1] (divided by 255, as
// torchvision's ToTensor does), then normalised per channel, (x - mean[c]) / std[c], when a normalisation is given.
// Only the selected range [offset, offset + count) (and of it, the shard) is kept in memory.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "util/error.h"

namespace lpsim::io {

struct DatasetRequest {
  std::string images, labels;          // paths ("" labels: none)
  int64_t offset = 0, count = 0;       // count 0: all from offset on
  int64_t shard_index = 0, shard_count = 1;
  std::vector<double> mean, std;       // one value, or one per channel; empty: no normalisation
  bool channels_last = false;          // .npy images stored N x H x W x C
  Location images_where, labels_where, count_where, offset_where, normalize_where;
};

struct Dataset {
  std::vector<int64_t> image_shape;  // C x H x W of one image
  int64_t count = 0;                 // images held
  int64_t first = 0;                 // index of the first held image in the file
  int64_t total = 0;                 // images in the file
  std::vector<float> images;         // count x C x H x W, scaled and normalised
  std::vector<int64_t> labels;       // count, or empty
  bool uint8 = false;                // the file held uint8 pixels (scaled by 1/255)
};

// Throws InputError naming the file (and the config key for range problems): unreadable or truncated files, a
// wrong IDX magic number, unsupported dtypes, a label count different from the image count, a range beyond the
// data set, a normalisation with the wrong number of channels.
Dataset load_dataset(const DatasetRequest& r);

}  // namespace lpsim::io
