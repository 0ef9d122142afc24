// Internal: uninitialised, 64-byte aligned work buffers recycled across GEMMs. Packed operands are rewritten in
// full by every GEMM, so zero-filling them is wasted work, and returning them to the OS makes the next GEMM pay
// the page faults again (a third of a 1024^3 MXFP8 GEMM on the reference VM). Buffers go back to a small pool
// when released; the pool keeps at most kMaxPooled buffers.
#pragma once
#include <cstddef>
#include <cstdint>
#include <utility>

namespace lpsim::model::pe_detail {

void* scratch_acquire(size_t bytes, size_t* capacity);  // never null (throws std::bad_alloc)
void scratch_release(void* p, size_t capacity);

template <class T>
class ScratchBuf {
 public:
  ScratchBuf() = default;
  explicit ScratchBuf(size_t n) : n_(n) {
    if (n > 0) p_ = static_cast<T*>(scratch_acquire(n * sizeof(T), &cap_));
  }
  ~ScratchBuf() { reset(); }
  ScratchBuf(ScratchBuf&& o) noexcept { swap(o); }
  ScratchBuf& operator=(ScratchBuf&& o) noexcept {
    if (this != &o) {
      reset();
      swap(o);
    }
    return *this;
  }
  ScratchBuf(const ScratchBuf&) = delete;
  ScratchBuf& operator=(const ScratchBuf&) = delete;

  T* data() { return p_; }
  const T* data() const { return p_; }
  size_t size() const { return n_; }
  T& operator[](size_t i) { return p_[i]; }
  const T& operator[](size_t i) const { return p_[i]; }

 private:
  void reset() {
    if (p_) scratch_release(p_, cap_);
    p_ = nullptr;
    n_ = cap_ = 0;
  }
  void swap(ScratchBuf& o) {
    std::swap(p_, o.p_);
    std::swap(n_, o.n_);
    std::swap(cap_, o.cap_);
  }
  T* p_ = nullptr;
  size_t n_ = 0, cap_ = 0;
};

}  // namespace lpsim::model::pe_detail
