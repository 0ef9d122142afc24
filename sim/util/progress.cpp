#include "util/progress.h"

#include <unistd.h>

#include <atomic>
#include <cstdio>

namespace lpsim {

namespace {
std::atomic<bool> g_silenced{false};
}

void ProgressBar::silence() { g_silenced = true; }

ProgressBar::ProgressBar(std::string what)
    : what_(std::move(what)),
      start_(std::chrono::steady_clock::now()),
      enabled_(!g_silenced && isatty(STDERR_FILENO) == 1) {}

ProgressBar::~ProgressBar() { finish(); }

void ProgressBar::update(size_t done, size_t total) {
  if (!enabled_ || total == 0) return;
  double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  if (elapsed < 0.5 && !drawn_) return;
  const int width = 30;
  int filled = static_cast<int>(width * done / total);
  double eta = done ? elapsed * (total - done) / done : 0.0;
  std::fprintf(stderr, "\r%s [%-*s] %zu/%zu  %.1f s elapsed, ETA %.1f s ", what_.c_str(), width,
               std::string(filled, '#').c_str(), done, total, elapsed, eta);
  std::fflush(stderr);
  drawn_ = true;
}

void ProgressBar::finish() {
  if (drawn_) std::fprintf(stderr, "\n");
  drawn_ = false;
}

}  // namespace lpsim
