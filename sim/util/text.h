// Small text helpers shared by the input readers (configs, SCALE-Sim files, traces, tensors) and their error
// messages. Messages quote user input only through excerpt()/quote_value(): a short, single-line, printable form,
// so a malformed file (control characters, invalid UTF-8, a 64 KB header) can never break the one-line
// "file:line: key: message" rule.
#pragma once
#include <cmath>
#include <cstdio>
#include <string>
#include <string_view>

namespace lpsim {

// s without leading and trailing blanks (spaces, tabs, CR, LF).
inline std::string trim(const std::string& s) {
  size_t b = s.find_first_not_of(" \t\r\n");
  size_t e = s.find_last_not_of(" \t\r\n");
  return b == std::string::npos ? std::string() : s.substr(b, e - b + 1);
}

namespace text_detail {
// Length of the valid UTF-8 sequence starting at s[i] (1..4), or 0 if the bytes there are not valid UTF-8.
inline size_t utf8_len(std::string_view s, size_t i) {
  const auto b = static_cast<unsigned char>(s[i]);
  size_t n = b < 0x80 ? 1 : (b >> 5) == 0x6 ? 2 : (b >> 4) == 0xE ? 3 : (b >> 3) == 0x1E ? 4 : 0;
  if (n == 0 || i + n > s.size()) return 0;
  for (size_t k = 1; k < n; ++k)
    if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return 0;
  return n;
}
}  // namespace text_detail

// A printable, single-line excerpt of untrusted text: control characters and bytes that are not valid UTF-8
// become escapes (\n, \t, \x1b, ...), and text beyond max_chars characters is cut with "...".
inline std::string excerpt(std::string_view s, size_t max_chars = 48) {
  std::string out;
  size_t chars = 0;
  for (size_t i = 0; i < s.size();) {
    if (chars >= max_chars) {
      out += "...";
      break;
    }
    const auto b = static_cast<unsigned char>(s[i]);
    const size_t n = text_detail::utf8_len(s, i);
    if (n == 1 && b >= 0x20 && b != 0x7F) {
      out += static_cast<char>(b);
    } else if (n > 1) {
      out.append(s.substr(i, n));
    } else {
      const char* esc = b == '\n' ? "\\n" : b == '\r' ? "\\r" : b == '\t' ? "\\t" : nullptr;
      if (esc) {
        out += esc;
      } else {
        char buf[8];
        std::snprintf(buf, sizeof buf, "\\x%02x", b);
        out += buf;
      }
    }
    i += n ? n : 1;
    ++chars;
  }
  return out;
}

// "\"excerpt\"": how messages quote a value the user wrote.
inline std::string quote_value(std::string_view s, size_t max_chars = 48) { return "\"" + excerpt(s, max_chars) + "\""; }

// A whole message made safe for one terminal line (main() prints every error through this).
inline std::string one_line(std::string_view message, size_t max_chars = 600) { return excerpt(message, max_chars); }

// A number for a message: at most 6 significant digits, never 300 of them ("1e+300", "0.125", "4096").
inline std::string fmt_number(double v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}

}  // namespace lpsim
