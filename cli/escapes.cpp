#include "cli/escapes.h"

#include <stdexcept>

namespace kjump {

std::string unescape(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '\\') {
      out += s[i];
      continue;
    }
    if (++i == s.size()) throw std::invalid_argument("trailing backslash");
    switch (s[i]) {
      case 'n': out += '\n'; break;
      case 'r': out += '\r'; break;
      case 't': out += '\t'; break;
      case 'e': out += '\x1b'; break;
      case '\\': out += '\\'; break;
      case '"': out += '"'; break;
      case 'x': {
        if (i + 2 >= s.size() + 0 && i + 2 > s.size()) throw std::invalid_argument("bad \\x escape");
        auto hex = s.substr(i + 1, 2);
        if (hex.size() != 2 || hex.find_first_not_of("0123456789abcdefABCDEF") != std::string::npos)
          throw std::invalid_argument("bad \\x escape");
        out += char(std::stoi(hex, nullptr, 16));
        i += 2;
        break;
      }
      default: throw std::invalid_argument(std::string("unknown escape \\") + s[i]);
    }
  }
  return out;
}

}  // namespace kjump
