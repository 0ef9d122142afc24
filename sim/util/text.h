// Small text helpers shared by the input readers (configs, SCALE-Sim files, traces).
#pragma once
#include <string>

namespace lpsim {

// s without leading and trailing blanks (spaces, tabs, CR, LF).
inline std::string trim(const std::string& s) {
  size_t b = s.find_first_not_of(" \t\r\n");
  size_t e = s.find_last_not_of(" \t\r\n");
  return b == std::string::npos ? std::string() : s.substr(b, e - b + 1);
}

}  // namespace lpsim
