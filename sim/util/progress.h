// A progress bar with ETA on stderr for long runs. Silent when stderr is not a terminal (CI, pipes), after
// ProgressBar::silence() (every command's --quiet) and for runs shorter than half a second, so short runs and
// scripted use stay clean.
#pragma once
#include <chrono>
#include <cstddef>
#include <string>

namespace lpsim {

class ProgressBar {
 public:
  explicit ProgressBar(std::string what);
  ~ProgressBar();
  void update(size_t done, size_t total);
  void finish();

  // Every bar made afterwards stays silent (--quiet).
  static void silence();

 private:
  std::string what_;
  std::chrono::steady_clock::time_point start_;
  bool enabled_;
  bool drawn_ = false;
};

}  // namespace lpsim
