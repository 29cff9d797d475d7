// How saved field values read in inspection, diffs and `kjump snapshot diff` (emu/state.h):
// hex for integers, true/false, quoted strings, short byte vectors spelt out, long blobs as a
// size and a hash.
#include <cstdio>

#include "base/bytes.h"
#include "base/hex.h"
#include "emu/state_detail.h"

namespace kjump::state_detail {

// A payload of at most 8 bytes as an integer, a longer one as bytes (a short byte vector's
// spelling, else its size and hash): values whose declaration is not at hand.
std::string format_raw(std::span<const uint8_t> p, bool as_integer) {
  if (as_integer && !p.empty() && p.size() <= 8) return hex(load_le(p.data(), p.size()));
  if (p.size() <= 16) {
    std::string s = "[";
    for (size_t i = 0; i < p.size(); ++i) {
      char b[4];
      std::snprintf(b, sizeof b, "%s%02x", i ? " " : "", p[i]);
      s += b;
    }
    return s + "]";
  }
  return std::to_string(p.size()) + " bytes, hash " + hex(hash_bytes(p.data(), p.size()));
}

// `p` is a payload `fits` accepts for `f`.
std::string format_fitting(const StateField& f, std::span<const uint8_t> p) {
  switch (f.type) {
    case FieldType::Unsigned:
    case FieldType::Signed:
    case FieldType::Bool: {
      std::string s;
      if (f.count > 1) s += "[";
      for (size_t i = 0; i < f.count; ++i) {
        if (i) s += " ";
        uint64_t v = load_le(&p[i * f.size], f.size);
        if (f.type == FieldType::Bool) s += v ? "true" : "false";
        else if (f.type == FieldType::Signed) {
          int64_t sv = static_cast<int64_t>(v << (64 - 8 * f.size)) >> (64 - 8 * f.size);
          s += std::to_string(sv);
        } else s += hex(v);
      }
      if (f.count > 1) s += "]";
      return s;
    }
    case FieldType::String:
      return "\"" + std::string(p.begin(), p.end()) + "\"";
    case FieldType::TimerState:
      return p[0] ? "armed @" + std::to_string(load_le(p.data() + 1, 8)) : "idle";
    case FieldType::ByteVector: return format_raw(p, false);
    case FieldType::Bytes: return std::to_string(p.size()) + " bytes, hash " + hex(hash_bytes(p.data(), p.size()));
  }
  return "?";
}

}  // namespace kjump::state_detail
