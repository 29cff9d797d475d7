// Joining a list for a one-line message, capped so a long list stays one readable line.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace kjump {

// "a, b, c" — at most `max_items`, then ", ... (N in all)".
inline std::string join(const std::vector<std::string>& v, const std::string& sep, size_t max_items = 12) {
  std::string out;
  for (size_t i = 0; i < v.size() && i < max_items; ++i) out += (i ? sep : "") + v[i];
  if (v.size() > max_items) out += sep + "... (" + std::to_string(v.size()) + " in all)";
  return out;
}

}  // namespace kjump
