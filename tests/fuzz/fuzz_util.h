// Shared by the libFuzzer targets: feeding an input to a reader the way lpsim does, and the one rule every
// target checks. A reader may reject any input with lpsim::InputError (bad input: exit 2 at the CLI); anything
// else escaping (std::exception -> "internal error", a crash, a sanitizer report, a hang, unbounded memory) is a
// bug, and libFuzzer stops with the input that caused it. Readers that take a path get the input through a
// file in a per-process scratch folder, with the extension that selects the reader.
#pragma once
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>

#include "base/checked.h"
#include "util/error.h"

namespace lpsim::fuzz {

inline std::string as_text(const uint8_t* data, size_t size) {
  return std::string(reinterpret_cast<const char*>(data), size);
}

// Writes the input to <scratch>/<name> and returns the path (the same path every time: one file per process).
inline std::string to_file(const uint8_t* data, size_t size, const std::string& name) {
  static const std::filesystem::path dir = [] {
    std::filesystem::path d = std::filesystem::temp_directory_path() / ("lpsim_fuzz_" + std::to_string(::getpid()));
    std::filesystem::create_directories(d);
    return d;
  }();
  const std::filesystem::path p = dir / name;
  std::ofstream(p, std::ios::binary | std::ios::trunc).write(reinterpret_cast<const char*>(data),
                                                             static_cast<std::streamsize>(size));
  return p.string();
}

// Runs f; an InputError is the expected outcome for bad input, and its message must be one printable line.
template <class F>
void expect_input_errors_only(F&& f) {
  try {
    f();
  } catch (const InputError& e) {
    for (const char* c = e.what(); *c; ++c)
      if (static_cast<unsigned char>(*c) < 0x20 || *c == 0x7f) __builtin_trap();  // message breaks the line
  }
}

}  // namespace lpsim::fuzz
