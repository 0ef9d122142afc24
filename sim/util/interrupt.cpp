#include "util/interrupt.h"

#include <csignal>

namespace lpsim {

namespace {
volatile std::sig_atomic_t g_interrupted = 0;
void on_signal(int) { g_interrupted = 1; }
struct sigaction g_old_int, g_old_term;
}  // namespace

InterruptGuard::InterruptGuard() {
  g_interrupted = 0;
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, &g_old_int);
  sigaction(SIGTERM, &sa, &g_old_term);
}

InterruptGuard::~InterruptGuard() {
  sigaction(SIGINT, &g_old_int, nullptr);
  sigaction(SIGTERM, &g_old_term, nullptr);
  if (g_interrupted) std::raise(SIGINT);  // stopped between the last check and here: still honour it
}

void throw_if_interrupted() {
  if (g_interrupted) {
    g_interrupted = 0;
    throw Interrupted();
  }
}

}  // namespace lpsim
