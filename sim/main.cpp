// lpsim entry point: dispatch to a subcommand, map exceptions to exit codes
// (0 ok, 1 run-time failure or internal error, 2 bad input).
#include <malloc.h>

#include <cstdlib>
#include <cstring>
#include <string>
#include <unistd.h>
#include <iostream>
#include <systemc>

#include "cli/commands.h"
#include "base/checked.h"
#include "util/error.h"
#include "util/interrupt.h"
#include "util/text.h"
#include "version.h"

// libsystemc.so defines main() and needs an sc_main symbol; ours is never called because our main() wins.
int sc_main(int, char*[]) { return 0; }

namespace {

void print_help() {
  std::cout << "lpsim " << LPSIM_VERSION
            << " - cycle-approximate, bit-true simulator of low-precision DL accelerators\n\n"
               "usage: lpsim <command> [options]     (lpsim <command> --help for details and examples)\n\n"
               "commands:\n";
  for (const auto& c : lpsim::cli::commands()) {
    std::cout << "  " << c.name << std::string(c.name ? 12 - std::min<size_t>(11, std::strlen(c.name)) : 1, ' ')
              << c.summary << "\n";
  }
  std::cout << "\nquick start:\n  lpsim run configs/default.yaml              # 32x32 OS array, AlexNet\n"
               "  lpsim run configs/default.yaml --set accelerator.array.rows=64 --format json\n"
               "\nexit codes: 0 success, 1 run failed (e.g. a co-simulation mismatch), 2 bad input\n";
}

// Model runs touch hundreds of MB of fresh tensor memory; in 4 KiB pages that costs more than the arithmetic on
// virtual machines. glibc's malloc backs its heap with transparent huge pages when GLIBC_TUNABLES asks for it,
// which it reads only at process start: re-exec once with glibc.malloc.hugetlb=1 (LPSIM_NO_THP=1 skips this).
void use_huge_pages(char** argv) {
  const char* t = std::getenv("GLIBC_TUNABLES");
  if ((t && std::strstr(t, "glibc.malloc.hugetlb")) || std::getenv("LPSIM_NO_THP")) return;
  const std::string v = t && *t ? std::string(t) + ":glibc.malloc.hugetlb=1" : "glibc.malloc.hugetlb=1";
  ::setenv("GLIBC_TUNABLES", v.c_str(), 1);
  ::execv("/proc/self/exe", argv);  // returns only if it failed: carry on in this process
}

}  // namespace

int main(int argc, char** argv) {
  use_huge_pages(argv);
  ::setenv("SYSTEMC_DISABLE_COPYRIGHT_MESSAGE", "1", 0);
  // A model run allocates and frees tensors of tens of MB per layer; glibc would return each to the kernel and
  // fault it in again page by page on the next layer (a third of a ResNet-18 run). Keep freed memory in the heap.
  // glibc refuses an mmap threshold above 32 MiB (HEAP_MAX_SIZE / 2 on 64-bit) and then keeps its dynamic one.
  ::mallopt(M_MMAP_THRESHOLD, 32 << 20);
  ::mallopt(M_TRIM_THRESHOLD, 1 << 30);
  // One arena for every thread: a worker thread's arena lives in 64 MiB heaps that glibc unmaps as soon as one
  // is empty, whatever the trim threshold, so a model run's worker faulted its buffers in afresh for every op
  // (ResNet-18: half of the page faults). Its few, large allocations do not contend for the lock.
  ::mallopt(M_ARENA_MAX, 1);
  if (argc < 2) {
    print_help();
    return lpsim::kExitInputError;
  }
  std::string name = argv[1];
  if (name == "--help" || name == "-h" || name == "help") {
    print_help();
    return lpsim::kExitOk;
  }
  if (name == "--version" || name == "-V") {
    std::cout << "lpsim " << LPSIM_VERSION << "\n";
    return lpsim::kExitOk;
  }
  lpsim::cli::Args args(argv + 2, argv + argc);
  std::vector<std::string> names;
  for (const auto& c : lpsim::cli::commands()) {
    names.push_back(c.name);
    if (name != c.name) continue;
    try {
      return c.run(args);
    } catch (const lpsim::InputError& e) {
      std::cerr << "error: " << lpsim::one_line(e.what()) << "\n";
      return lpsim::kExitInputError;
    } catch (const lpsim::Interrupted& e) {
      std::cerr << "\n" << e.what() << "\n";
      return lpsim::kExitInterrupted;
    } catch (const lpsim::LimitError& e) {
      // A figure of the input beyond 64 bits that no reader attributed to a file and line (they normally do).
      std::cerr << "error: " << lpsim::one_line(e.what()) << "\n";
      return lpsim::kExitInputError;
    } catch (const std::bad_alloc&) {
      std::cerr << "error: lpsim " << name << ": out of memory (run.max_memory_gib bounds what a run may use)\n";
      return lpsim::kExitFailure;
    } catch (const std::exception& e) {
      std::cerr << "lpsim " << name << ": internal error: " << lpsim::one_line(e.what()) << "\n";
      return lpsim::kExitFailure;
    }
  }
  std::cerr << "error: unknown command '" << name << "'" << lpsim::did_you_mean(name, names)
            << "; commands: " << lpsim::join(names) << "\n";
  return lpsim::kExitInputError;
}
