// All-or-nothing output: the files of one result are written into a staging folder next to the target folder
// and moved into place only by commit(), after every one of them was written completely. If moving fails half
// way, the files already replaced are restored, so a failed run neither leaves half-written files nor damages the
// output of an earlier run. Destruction without commit() removes the staging folder.
#pragma once
#include <string>
#include <vector>

#include "util/error.h"

namespace lpsim {

class OutputFiles {
 public:
  explicit OutputFiles(std::string dir);  // created (with parents) at commit time
  ~OutputFiles();
  OutputFiles(const OutputFiles&) = delete;
  OutputFiles& operator=(const OutputFiles&) = delete;

  void add(const std::string& name, const std::string& content);  // name relative to dir (may have subfolders)
  void clear();  // forget the files added so far (nothing is written before commit)
  // Input errors a commit would run into, checked up front (before a long run): the directory is a file, a
  // target is a directory, nothing on the path is writable. `where` names the key/option that chose dir.
  void check(const Location& where) const;
  // Writes everything to the staging folder, then moves it into place. Throws InputError for the problems
  // check() finds and std::runtime_error for I/O failures (disk full, permissions changed meanwhile).
  void commit();
  std::vector<std::string> paths() const;

 private:
  std::string dir_;
  std::vector<std::pair<std::string, std::string>> files_;
  std::string stage_;  // staging folder while committing
};

// Single-file convenience: staged next to the target, then renamed into place.
void write_file_atomic(const std::string& path, const std::string& content);

}  // namespace lpsim
