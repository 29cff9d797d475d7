// One-line text fields in kjump's line-oriented files (traces, snapshot fingerprints): a
// backslash and a newline are the only characters escaped, so every value stays on its line.
#pragma once

#include <string>

namespace kjump {

inline std::string escape_line(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '\\') out += "\\\\";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
  return out;
}

inline std::string unescape_line(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 1 < s.size()) {
      out += s[i + 1] == 'n' ? '\n' : s[i + 1];
      ++i;
    } else {
      out += s[i];
    }
  }
  return out;
}

}  // namespace kjump
