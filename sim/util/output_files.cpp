#include "util/output_files.h"

#include <pthread.h>
#include <unistd.h>

#include <csignal>

#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <system_error>

namespace fs = std::filesystem;

namespace lpsim {

namespace {

fs::path target_dir(const std::string& dir) { return dir.empty() ? fs::path(".") : fs::path(dir); }

// The nearest existing ancestor of p (p itself if it exists).
fs::path existing_ancestor(fs::path p) {
  std::error_code ec;
  p = fs::absolute(p, ec).lexically_normal();
  while (!p.empty() && !fs::exists(p, ec) && p != p.parent_path()) p = p.parent_path();
  return p;
}

void write_file(const fs::path& path, const std::string& content) {
  std::error_code ec;
  if (path.has_parent_path()) fs::create_directories(path.parent_path(), ec);  // e.g. outputs/ of --dump-outputs
  std::ofstream os(path, std::ios::binary | std::ios::trunc);
  if (!os) throw std::runtime_error("cannot write " + path.string());
  os.write(content.data(), static_cast<std::streamsize>(content.size()));
  os.close();
  if (!os) throw std::runtime_error("error while writing " + path.string() + " (disk full?)");
}

}  // namespace

OutputFiles::OutputFiles(std::string dir) : dir_(std::move(dir)) {}

OutputFiles::~OutputFiles() {
  if (stage_.empty()) return;  // a commit that failed half way: drop its staging folder
  std::error_code ec;
  fs::remove_all(stage_, ec);
}

void OutputFiles::add(const std::string& name, const std::string& content) { files_.emplace_back(name, content); }

void OutputFiles::clear() { files_.clear(); }

std::vector<std::string> OutputFiles::paths() const {
  std::vector<std::string> out;
  for (const auto& f : files_) out.push_back((fs::path(dir_) / f.first).string());
  return out;
}

void OutputFiles::check(const Location& where) const {
  std::error_code ec;
  const fs::path dir = target_dir(dir_);
  if (fs::exists(dir, ec) && !fs::is_directory(dir, ec))
    throw_input_error(where, "output directory '" + dir.string() + "' exists and is not a directory");
  for (const auto& f : files_) {
    const fs::path p = dir / f.first;
    if (fs::exists(p, ec) && !fs::is_regular_file(p, ec))
      throw_input_error(where, "'" + p.string() + "' exists and is not a regular file (a directory?); lpsim would "
                                                  "write a file there: remove it or choose another output");
    if (dir_.empty()) {  // single files: their folders must exist (lpsim creates output directories only)
      const fs::path parent = p.has_parent_path() ? p.parent_path() : fs::path(".");
      if (!fs::is_directory(parent, ec))
        throw_input_error(where, "directory '" + parent.string() + "' of '" + p.string() + "' does not exist");
      if (::access(parent.c_str(), W_OK | X_OK) != 0)
        throw_input_error(where, "cannot write to '" + parent.string() + "' (permission denied)");
    }
  }
  if (dir_.empty()) return;
  const fs::path base = existing_ancestor(dir);
  if (!fs::is_directory(base, ec))
    throw_input_error(where, "cannot create output directory '" + dir.string() + "': '" + base.string() +
                                 "' is not a directory");
  if (::access(base.c_str(), W_OK | X_OK) != 0)
    throw_input_error(where, "cannot write to '" + base.string() + "' (permission denied)");
}

void OutputFiles::commit() {
  check(Location{dir_.empty() ? "." : dir_, 0, ""});
  // Ctrl-C (or a kill) waits until every file is in place: a report is written whole or not at all.
  sigset_t block, old;
  sigemptyset(&block);
  sigaddset(&block, SIGINT);
  sigaddset(&block, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &block, &old);
  struct Restore {
    sigset_t* s;
    ~Restore() { pthread_sigmask(SIG_SETMASK, s, nullptr); }
  } restore{&old};
  std::error_code ec;
  const std::string pid = std::to_string(::getpid());
  if (!dir_.empty() && !fs::exists(dir_, ec)) {
    // A new output directory: stage it whole next to where it goes and rename it into place at once.
    const fs::path dir = fs::absolute(dir_, ec).lexically_normal();
    fs::create_directories(dir.parent_path(), ec);
    if (ec) throw std::runtime_error("cannot create directory " + dir.parent_path().string() + ": " + ec.message());
    stage_ = (dir.parent_path() / ("." + dir.filename().string() + ".lpsim-stage-" + pid)).string();
    fs::remove_all(stage_, ec);
    fs::create_directory(stage_, ec);
    if (ec) throw std::runtime_error("cannot create staging folder " + stage_ + ": " + ec.message());
    for (const auto& f : files_) write_file(fs::path(stage_) / f.first, f.second);
    fs::rename(stage_, dir, ec);
    if (ec) throw std::runtime_error("cannot create " + dir.string() + ": " + ec.message());
    stage_.clear();
    return;
  }
  // Files into existing folders: each is staged as a hidden file beside its target; the targets are replaced only
  // when all are written, and restored if a replacement fails.
  struct Item {
    fs::path target, tmp, backup;
    bool had = false, moved = false;
  };
  std::vector<Item> items;
  auto cleanup = [&] {
    std::error_code ignore;
    for (const Item& it : items) fs::remove(it.tmp, ignore);
  };
  for (const auto& f : files_) {
    Item it;
    it.target = fs::path(dir_) / f.first;
    const fs::path parent = it.target.has_parent_path() ? it.target.parent_path() : fs::path(".");
    fs::create_directories(parent, ec);
    it.tmp = parent / ("." + it.target.filename().string() + ".lpsim-tmp-" + pid);
    it.backup = parent / ("." + it.target.filename().string() + ".lpsim-old-" + pid);
    items.push_back(it);
    try {
      write_file(it.tmp, f.second);
    } catch (...) {
      cleanup();
      throw;
    }
  }
  for (size_t i = 0; i < items.size(); ++i) {
    Item& it = items[i];
    std::error_code e1, e2;
    it.had = fs::exists(it.target, ec);
    if (it.had) fs::rename(it.target, it.backup, e1);
    if (!e1) fs::rename(it.tmp, it.target, e2);
    if (e1 || e2) {
      if (it.had && !e1) fs::rename(it.backup, it.target, ec);
      for (size_t j = i; j-- > 0;) {  // roll back the files replaced already
        std::error_code ignore;
        fs::remove(items[j].target, ignore);
        if (items[j].had) fs::rename(items[j].backup, items[j].target, ignore);
      }
      cleanup();
      throw std::runtime_error("cannot move " + it.target.string() + " into place: " + (e1 ? e1 : e2).message() +
                               " (no output was changed)");
    }
  }
  for (const Item& it : items)
    if (it.had) fs::remove(it.backup, ec);
}

void write_file_atomic(const std::string& path, const std::string& content) {
  OutputFiles out("");
  out.add(path, content);
  out.commit();
}

}  // namespace lpsim
