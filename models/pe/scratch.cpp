#include "pe/scratch.h"

#include <mutex>
#include <new>
#include <vector>

namespace lpsim::model::pe_detail {

namespace {

constexpr size_t kMaxPooled = 12;  // A, B and scales of a GEMM, for two GEMMs in flight
constexpr std::align_val_t kAlign{64};

struct Pool {
  std::mutex mu;
  std::vector<std::pair<void*, size_t>> free;  // (pointer, capacity)
  ~Pool() {
    for (auto& [p, cap] : free) ::operator delete(p, kAlign);
  }
};

Pool& pool() {
  static Pool* p = new Pool;  // never destroyed: buffers may be released during static destruction
  return *p;
}

}  // namespace

void* scratch_acquire(size_t bytes, size_t* capacity) {
  Pool& pl = pool();
  {
    std::lock_guard<std::mutex> lock(pl.mu);
    // Smallest pooled buffer that fits, unless it is more than 4x too big (keep big ones for big GEMMs).
    size_t best = pl.free.size();
    for (size_t i = 0; i < pl.free.size(); ++i) {
      const size_t cap = pl.free[i].second;
      if (cap >= bytes && cap <= 4 * bytes + 4096 && (best == pl.free.size() || cap < pl.free[best].second))
        best = i;
    }
    if (best < pl.free.size()) {
      void* p = pl.free[best].first;
      *capacity = pl.free[best].second;
      pl.free.erase(pl.free.begin() + static_cast<std::ptrdiff_t>(best));
      return p;
    }
  }
  *capacity = bytes;
  return ::operator new(bytes, kAlign);
}

void scratch_release(void* p, size_t capacity) {
  Pool& pl = pool();
  std::lock_guard<std::mutex> lock(pl.mu);
  pl.free.emplace_back(p, capacity);
  if (pl.free.size() > kMaxPooled) {
    // Drop the smallest buffer: large ones are the expensive ones to fault in again.
    size_t smallest = 0;
    for (size_t i = 1; i < pl.free.size(); ++i)
      if (pl.free[i].second < pl.free[smallest].second) smallest = i;
    ::operator delete(pl.free[smallest].first, kAlign);
    pl.free.erase(pl.free.begin() + static_cast<std::ptrdiff_t>(smallest));
  }
}

}  // namespace lpsim::model::pe_detail
