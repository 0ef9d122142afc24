// A progress bar with ETA on stderr for long runs. Silent when stderr is not a terminal (CI, pipes), after
// ProgressBar::silence() (every command's --quiet) and for runs shorter than half a second, so short runs and
// scripted use stay clean.
#pragma once
#include <chrono>
#include <cstddef>
#include <string>
#include <utility>
#include <vector>

namespace lpsim {

class ProgressBar {
 public:
  explicit ProgressBar(std::string what);
  ~ProgressBar();
  ProgressBar(const ProgressBar&) = delete;
  ProgressBar& operator=(const ProgressBar&) = delete;
  void update(size_t done, size_t total);  // "what [####    ] 3/8  1.2 s elapsed, ETA 2.0 s"
  // The same as a share of the work, with a note on what is running ("... 40 %  ... (writing out.csv)").
  void update_fraction(double fraction, const std::string& note = "");
  void finish();

  // Every bar made afterwards stays silent (--quiet).
  static void silence();

 private:
  void draw(double fraction, const std::string& count, const std::string& note);
  std::string what_;
  std::chrono::steady_clock::time_point start_, last_draw_;
  bool enabled_;
  bool drawn_ = false;
};

// The stages of one command (read, compute, write, ...) on one bar: each stage has an estimated cost in any
// common unit (e.g. elements touched, with a per-stage factor measured once); the bar shows the overall share
// done and an ETA. A stage may report its own progress with within().
class StagedProgress {
 public:
  StagedProgress(std::string what, std::vector<std::pair<std::string, double>> stages);
  void start(size_t stage);       // stage begins (its name is shown)
  void within(double fraction);   // share of the current stage done (0..1)
  void finish() { bar_.finish(); }

 private:
  ProgressBar bar_;
  std::vector<std::pair<std::string, double>> stages_;
  double total_ = 0, before_ = 0;  // sum of all weights; of the stages before the current one
  size_t current_ = 0;
};

}  // namespace lpsim
