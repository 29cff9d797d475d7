// Hex formatting for messages, reports and traces: one spelling for the whole host side.
//   hex(0x1f)      -> "0x1f"        (as short as the value)
//   hex(0x1f, 8)   -> "0x0000001f"  (zero-padded to `digits`)
//   hex32(v), hex64(v): the fixed widths traces and reports use.
//   hex_digit('b') -> 11, hex_digit('g') -> -1: reading hex back (input logs, GDB packets).
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>

namespace kjump {

inline std::string hex(uint64_t v, int digits = 0) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "0x%0*llx", digits, static_cast<unsigned long long>(v));
  return buf;
}
inline std::string hex32(uint64_t v) { return hex(v, 8); }
inline std::string hex64(uint64_t v) { return hex(v, 16); }

inline int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace kjump
