#include "base/text_escape.h"

#include <cstdio>

namespace kjump {

std::string escape_for_message(const std::string& s, size_t max_len) {
  std::string out;
  size_t start = s.size() > max_len ? s.size() - max_len : 0;
  if (start) out += "...";
  for (size_t i = start; i < s.size(); ++i) append_c_escaped(out, static_cast<unsigned char>(s[i]));
  return out;
}

void append_c_escaped(std::string& out, unsigned char c) {
  switch (c) {
    case '\n': out += "\\n"; break;
    case '\r': out += "\\r"; break;
    case '\t': out += "\\t"; break;
    case '\\': out += "\\\\"; break;
    case '"': out += "\\\""; break;
    default:
      if (c < 0x20 || c >= 0x7f) {
        char buf[8];
        std::snprintf(buf, sizeof buf, "\\x%02x", c);
        out += buf;
      } else {
        out += char(c);
      }
  }
}

}  // namespace kjump
