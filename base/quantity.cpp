#include "base/quantity.h"

#include <cctype>
#include <limits>
#include <stdexcept>

namespace kjump {
namespace {

constexpr uint64_t kMax = std::numeric_limits<uint64_t>::max();

std::string quoted(std::string_view text) { return "'" + std::string(text) + "'"; }

bool equals_ignoring_case(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) return false;
  return true;
}

// Parses the numeric prefix of `text` (decimal, or hex after 0x); returns the index of the
// first character after it. `what` names the kind of value in messages.
size_t parse_prefix(std::string_view text, uint64_t& value, const char* what) {
  bool hex = text.size() > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X');
  size_t i = hex ? 2 : 0;
  unsigned base = hex ? 16 : 10;
  value = 0;
  size_t digits = 0;
  for (; i < text.size(); ++i) {
    char c = text[i];
    int d = -1;
    if (c >= '0' && c <= '9') d = c - '0';
    else if (hex && c >= 'a' && c <= 'f') d = c - 'a' + 10;
    else if (hex && c >= 'A' && c <= 'F') d = c - 'A' + 10;
    if (d < 0) break;
    if (value > (kMax - unsigned(d)) / base) throw std::invalid_argument(std::string(what) + " " + quoted(text) + " is too large");
    value = value * base + unsigned(d);
    ++digits;
  }
  if (digits == 0) throw std::invalid_argument(std::string("bad ") + what + " " + quoted(text));
  return i;
}

uint64_t scale(std::string_view text, uint64_t v, uint64_t factor, const char* what) {
  if (factor && v > kMax / factor) throw std::invalid_argument(std::string(what) + " " + quoted(text) + " is too large");
  return v * factor;
}

}  // namespace

uint64_t parse_number(std::string_view text) {
  uint64_t v;
  size_t end = parse_prefix(text, v, "number");
  if (end != text.size()) throw std::invalid_argument("bad number " + quoted(text) + " (decimal or 0x hex)");
  return v;
}

uint64_t parse_size(std::string_view text) {
  const char* kForm = " (a number with an optional K, M or G suffix: 640K, 128M, 128MiB)";
  uint64_t v;
  size_t end;
  try {
    end = parse_prefix(text, v, "size");
  } catch (const std::invalid_argument& e) {
    if (std::string_view(e.what()).starts_with("bad")) throw std::invalid_argument(e.what() + std::string(kForm));
    throw;
  }
  std::string_view rest = text.substr(end);
  unsigned shift = 0;
  if (!rest.empty()) {
    switch (std::tolower(static_cast<unsigned char>(rest[0]))) {
      case 'k': shift = 10; break;
      case 'm': shift = 20; break;
      case 'g': shift = 30; break;
      default: break;
    }
    if (shift) rest.remove_prefix(1);
  }
  // "B" may follow a plain number or a unit; "iB" only makes sense after a unit.
  bool suffix_ok = rest.empty() || equals_ignoring_case(rest, "b") || (shift && equals_ignoring_case(rest, "ib"));
  if (!suffix_ok) throw std::invalid_argument("bad size " + quoted(text) + kForm);
  return scale(text, v, uint64_t(1) << shift, "size");
}

std::string format_size(uint64_t bytes) {
  if (bytes != 0) {
    if (bytes % (1ull << 30) == 0) return std::to_string(bytes >> 30) + "G";
    if (bytes % (1ull << 20) == 0) return std::to_string(bytes >> 20) + "M";
    if (bytes % (1ull << 10) == 0) return std::to_string(bytes >> 10) + "K";
  }
  return std::to_string(bytes);
}

Duration parse_duration(std::string_view text) {
  uint64_t v;
  size_t end = parse_prefix(text, v, "duration");
  std::string_view suffix = text.substr(end);
  struct Unit {
    const char* suffix;
    Duration::Unit unit;
    uint64_t factor;
  };
  static constexpr Unit kUnits[] = {
      {"", Duration::Unit::Instructions, 1},
      {"K", Duration::Unit::Instructions, 1'000},
      {"M", Duration::Unit::Instructions, 1'000'000},
      {"G", Duration::Unit::Instructions, 1'000'000'000},
      {"ns", Duration::Unit::VirtualNs, 1},
      {"us", Duration::Unit::VirtualNs, 1'000},
      {"ms", Duration::Unit::VirtualNs, 1'000'000},
      {"s", Duration::Unit::VirtualNs, 1'000'000'000},
  };
  for (const Unit& u : kUnits)
    if (suffix == u.suffix) return Duration{u.unit, scale(text, v, u.factor, "duration"), std::string(text)};
  throw std::invalid_argument("bad duration " + quoted(text) +
                              " (instructions: N, NK, NM, NG; virtual time: Nns, Nus, Nms, Ns)");
}

}  // namespace kjump
