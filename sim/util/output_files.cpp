#include "util/output_files.h"

#include <pthread.h>

#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <stdexcept>

namespace fs = std::filesystem;

namespace lpsim {

OutputFiles::OutputFiles(std::string dir) : dir_(std::move(dir)) {}

OutputFiles::~OutputFiles() {
  for (const auto& p : staged_) std::remove(p.c_str());
}

void OutputFiles::add(const std::string& name, const std::string& content) { files_.emplace_back(name, content); }

std::vector<std::string> OutputFiles::paths() const {
  std::vector<std::string> out;
  for (const auto& f : files_) out.push_back((fs::path(dir_) / f.first).string());
  return out;
}

static void write_tmp(const std::string& tmp, const std::string& content) {
  std::ofstream os(tmp, std::ios::binary | std::ios::trunc);
  if (!os) throw std::runtime_error("cannot write " + tmp);
  os.write(content.data(), static_cast<std::streamsize>(content.size()));
  os.close();
  if (!os) throw std::runtime_error("error while writing " + tmp);
}

void OutputFiles::commit() {
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
  if (!dir_.empty()) {
    fs::create_directories(dir_, ec);
    if (ec) throw std::runtime_error("cannot create output directory " + dir_ + ": " + ec.message());
  }
  for (const auto& f : files_) {
    std::string path = (fs::path(dir_) / f.first).string();
    const fs::path parent = fs::path(path).parent_path();
    if (!parent.empty()) fs::create_directories(parent, ec);  // e.g. outputs/ of --dump-outputs
    if (ec) throw std::runtime_error("cannot create output directory " + parent.string() + ": " + ec.message());
    write_tmp(path + ".tmp", f.second);
    staged_.push_back(path + ".tmp");
  }
  for (const auto& f : files_) {
    std::string path = (fs::path(dir_) / f.first).string();
    fs::rename(path + ".tmp", path, ec);
    if (ec) throw std::runtime_error("cannot rename " + path + ".tmp: " + ec.message());
  }
  staged_.clear();
}

void write_file_atomic(const std::string& path, const std::string& content) {
  fs::path p(path);
  OutputFiles out(p.has_parent_path() ? p.parent_path().string() : std::string());
  out.add(p.filename().string(), content);
  out.commit();
}

}  // namespace lpsim
