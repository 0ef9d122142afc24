// Ctrl-C during a long run: the run stops at the next batch boundary and writes nothing (reports are only ever
// written whole, at the end). InterruptGuard catches SIGINT/SIGTERM while it lives; throw_if_interrupted() throws
// Interrupted, which main() maps to exit code 130 (128 + SIGINT, the shell convention).
#pragma once
#include <stdexcept>

namespace lpsim {

class Interrupted : public std::runtime_error {
 public:
  Interrupted() : std::runtime_error("interrupted: the run stopped and wrote nothing") {}
};

class InterruptGuard {
 public:
  InterruptGuard();
  ~InterruptGuard();
  InterruptGuard(const InterruptGuard&) = delete;
  InterruptGuard& operator=(const InterruptGuard&) = delete;
};

void throw_if_interrupted();

constexpr int kExitInterrupted = 130;

}  // namespace lpsim
