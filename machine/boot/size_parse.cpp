#include "machine/boot/size_parse.h"

#include <cctype>
#include <limits>

#include "machine/boot/boot_error.h"

namespace kjump {

namespace {

[[noreturn]] void bad(std::string_view text, const char* why) {
  throw BootError("bad size '" + std::string(text) + "': " + why);
}

bool equals_ignoring_case(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i])))
      return false;
  }
  return true;
}

}  // namespace

uint64_t parse_size(std::string_view text) {
  constexpr uint64_t kMax = std::numeric_limits<uint64_t>::max();
  size_t i = 0;
  uint64_t value = 0;
  while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
    uint64_t digit = static_cast<uint64_t>(text[i] - '0');
    if (value > (kMax - digit) / 10) bad(text, "too large");
    value = value * 10 + digit;
    ++i;
  }
  if (i == 0) bad(text, "expected a whole number of bytes with an optional K, M or G suffix");

  std::string_view rest = text.substr(i);
  unsigned shift = 0;
  if (!rest.empty()) {
    switch (std::tolower(static_cast<unsigned char>(rest[0]))) {
      case 'k': shift = 10; break;
      case 'm': shift = 20; break;
      case 'g': shift = 30; break;
      default: break;
    }
    if (shift != 0) rest.remove_prefix(1);
  }
  // "B" may follow a plain number or a unit; "iB" only makes sense after a unit.
  bool suffix_ok = rest.empty() || equals_ignoring_case(rest, "b") ||
                   (shift != 0 && equals_ignoring_case(rest, "ib"));
  if (!suffix_ok) bad(text, "expected a whole number of bytes with an optional K, M or G suffix");

  if (value == 0) bad(text, "must be greater than zero");
  if (value > (kMax >> shift)) bad(text, "too large");
  return value << shift;
}

std::string format_size(uint64_t bytes) {
  if (bytes != 0) {
    if (bytes % (1ull << 30) == 0) return std::to_string(bytes >> 30) + "G";
    if (bytes % (1ull << 20) == 0) return std::to_string(bytes >> 20) + "M";
    if (bytes % (1ull << 10) == 0) return std::to_string(bytes >> 10) + "K";
  }
  return std::to_string(bytes);
}

uint64_t qemu_round_ram_size(uint64_t bytes) {
  constexpr uint64_t kAlign = 8192;
  uint64_t down = bytes / kAlign * kAlign;
  if (down == bytes) return bytes;
  // Saturate rather than wrap, so an absurd size stays absurd for the range check.
  return down > std::numeric_limits<uint64_t>::max() - kAlign ? down : down + kAlign;
}

}  // namespace kjump
