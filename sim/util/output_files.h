// All-or-nothing output: files are staged as <name>.tmp and renamed into place only by commit(), so a run
// that fails part-way leaves no half-written report. Destruction without commit() removes the staged files.
#pragma once
#include <string>
#include <vector>

namespace lpsim {

class OutputFiles {
 public:
  explicit OutputFiles(std::string dir);  // created (with parents) at commit time
  ~OutputFiles();
  OutputFiles(const OutputFiles&) = delete;
  OutputFiles& operator=(const OutputFiles&) = delete;

  void add(const std::string& name, const std::string& content);  // name relative to dir (may have subfolders)
  void commit();  // write every file to .tmp, then rename all; throws std::runtime_error on I/O failure
  std::vector<std::string> paths() const;

 private:
  std::string dir_;
  std::vector<std::pair<std::string, std::string>> files_;
  std::vector<std::string> staged_;
};

// Single-file convenience: write to path.tmp, then rename to path.
void write_file_atomic(const std::string& path, const std::string& content);

}  // namespace lpsim
