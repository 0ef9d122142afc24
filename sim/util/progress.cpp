#include "util/progress.h"

#include <unistd.h>

#include <algorithm>
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
  draw(static_cast<double>(done) / static_cast<double>(total), std::to_string(done) + "/" + std::to_string(total), "");
}

void ProgressBar::update_fraction(double fraction, const std::string& note) {
  if (!enabled_) return;
  fraction = std::clamp(fraction, 0.0, 1.0);
  draw(fraction, std::to_string(static_cast<int>(100 * fraction)) + " %", note);
}

void ProgressBar::draw(double fraction, const std::string& count, const std::string& note) {
  const auto now = std::chrono::steady_clock::now();
  double elapsed = std::chrono::duration<double>(now - start_).count();
  if (elapsed < 0.5 && !drawn_) return;
  // At most 10 redraws a second: callers may report thousands of steps.
  if (drawn_ && fraction < 1.0 && now - last_draw_ < std::chrono::milliseconds(100)) return;
  last_draw_ = now;
  const int width = 30;
  int filled = std::clamp(static_cast<int>(width * fraction), 0, width);
  std::string eta = fraction > 0 ? std::to_string(static_cast<int>(elapsed * (1 - fraction) / fraction + 0.5)) + " s"
                                 : std::string("?");
  // \x1b[K erases what a longer earlier line left to the right.
  std::fprintf(stderr, "\r%s [%-*s] %s  %.1f s elapsed, ETA %s%s%s\x1b[K", what_.c_str(), width,
               std::string(static_cast<size_t>(filled), '#').c_str(), count.c_str(), elapsed, eta.c_str(),
               note.empty() ? "" : "  (", note.empty() ? "" : (note + ")").c_str());
  std::fflush(stderr);
  drawn_ = true;
}

void ProgressBar::finish() {
  if (drawn_) std::fprintf(stderr, "\n");
  drawn_ = false;
}

StagedProgress::StagedProgress(std::string what, std::vector<std::pair<std::string, double>> stages)
    : bar_(std::move(what)), stages_(std::move(stages)) {
  for (const auto& s : stages_) total_ += s.second;
}

void StagedProgress::start(size_t stage) {
  before_ = 0;
  for (size_t i = 0; i < stage && i < stages_.size(); ++i) before_ += stages_[i].second;
  current_ = stage;
  within(0.0);
}

void StagedProgress::within(double fraction) {
  if (total_ <= 0 || current_ >= stages_.size()) return;
  const auto& s = stages_[current_];
  bar_.update_fraction((before_ + std::clamp(fraction, 0.0, 1.0) * s.second) / total_, s.first);
}

}  // namespace lpsim
