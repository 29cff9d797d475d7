#include "scenario/script_error.h"

namespace kjump::scenario {

std::string format_loc(const SourceLoc& loc) {
  return loc.file + ":" + std::to_string(loc.line) + ":" + std::to_string(loc.col);
}

std::string format_line(const SourceLoc& loc) { return loc.file + ":" + std::to_string(loc.line); }

std::string escape_controls(const std::string& s) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(s.size());
  for (unsigned char c : s) {
    if (c < 0x20 || c == 0x7f) {
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 15];
    } else {
      out += char(c);
    }
  }
  return out;
}

}  // namespace kjump::scenario
