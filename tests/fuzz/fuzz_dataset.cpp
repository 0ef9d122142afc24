// libFuzzer target: the data set reader (workload.dataset). The input is the images file; its first bytes choose
// the reader as the file name would: .npy (NumPy magic), .gz (gzip magic), otherwise an IDX file. A range and a
// normalisation are applied so that their checks against the file's shape run too.
#include "fuzz_util.h"
#include "io/dataset.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string bytes = lpsim::fuzz::as_text(data, size);
  const char* name = bytes.rfind("\x93NUMPY", 0) == 0 ? "images.npy"
                     : bytes.rfind("\x1f\x8b", 0) == 0 ? "images-idx3-ubyte.gz"
                                                       : "images-idx3-ubyte";
  lpsim::io::DatasetRequest r;
  r.images = lpsim::fuzz::to_file(data, size, name);
  r.count = 2;
  r.offset = size % 3;
  r.mean = {0.5};
  r.std = {0.25};
  lpsim::fuzz::expect_input_errors_only([&] { (void)lpsim::io::load_dataset(r); });
  return 0;
}
