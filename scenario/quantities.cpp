#include "scenario/quantities.h"

#include <limits>
#include <stdexcept>

namespace kjump::scenario {
namespace {

constexpr uint64_t kMax = std::numeric_limits<uint64_t>::max();

// Parses the numeric prefix of `text`; returns the index of the first character after it.
size_t parse_prefix(const std::string& text, uint64_t& value) {
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
    if (value > (kMax - unsigned(d)) / base) throw std::invalid_argument("number '" + text + "' is too large");
    value = value * base + unsigned(d);
    ++digits;
  }
  if (digits == 0) throw std::invalid_argument("bad number '" + text + "'");
  return i;
}

uint64_t scale(const std::string& text, uint64_t v, uint64_t factor) {
  if (factor && v > kMax / factor) throw std::invalid_argument("number '" + text + "' is too large");
  return v * factor;
}

}  // namespace

uint64_t parse_number(const std::string& text) {
  uint64_t v;
  size_t end = parse_prefix(text, v);
  if (end != text.size()) throw std::invalid_argument("bad number '" + text + "' (decimal or 0x hex)");
  return v;
}

uint64_t parse_byte_size(const std::string& text) {
  uint64_t v;
  size_t end = parse_prefix(text, v);
  std::string suffix = text.substr(end);
  uint64_t factor = 0;
  if (suffix.empty()) factor = 1;
  else if (suffix == "K" || suffix == "k") factor = 1ull << 10;
  else if (suffix == "M" || suffix == "m") factor = 1ull << 20;
  else if (suffix == "G" || suffix == "g") factor = 1ull << 30;
  if (!factor) throw std::invalid_argument("bad size '" + text + "' (a number with an optional K, M or G suffix)");
  return scale(text, v, factor);
}

Duration parse_duration(const std::string& text) {
  uint64_t v;
  size_t end = parse_prefix(text, v);
  std::string suffix = text.substr(end);
  Duration d;
  d.spelling = text;
  struct Unit {
    const char* suffix;
    Duration::Unit unit;
    uint64_t factor;
  };
  static const Unit kUnits[] = {
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
    if (suffix == u.suffix) {
      d.unit = u.unit;
      d.amount = scale(text, v, u.factor);
      return d;
    }
  throw std::invalid_argument("bad duration '" + text +
                              "' (instructions: N, NK, NM, NG; virtual time: Nns, Nus, Nms, Ns)");
}

}  // namespace kjump::scenario
