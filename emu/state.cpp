#include "emu/state.h"

#include <xxhash.h>

#include <cstring>
#include <cstdio>

#include "emu/event_queue.h"

namespace kjump {
namespace {

void put_u16(std::vector<uint8_t>& out, uint16_t v) { out.push_back(v & 0xff); out.push_back(v >> 8); }
void put_u32(std::vector<uint8_t>& out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back((v >> (8 * i)) & 0xff);
}

// The payload of one field, in little-endian byte order (the host is x86-64).
void payload_of(const StateField& f, std::vector<uint8_t>& out) {
  switch (f.type) {
    case FieldType::Unsigned:
    case FieldType::Signed:
    case FieldType::Bool:
    case FieldType::Bytes: {
      size_t n = f.type == FieldType::Bytes ? f.size : f.size * f.count;
      auto* p = static_cast<const uint8_t*>(f.ptr);
      out.insert(out.end(), p, p + n);
      break;
    }
    case FieldType::ByteVector: {
      auto& v = *static_cast<const std::vector<uint8_t>*>(f.ptr);
      out.insert(out.end(), v.begin(), v.end());
      break;
    }
    case FieldType::String: {
      auto& s = *static_cast<const std::string*>(f.ptr);
      out.insert(out.end(), s.begin(), s.end());
      break;
    }
    case FieldType::TimerState: {
      auto& t = *static_cast<const Timer*>(f.ptr);
      out.push_back(t.armed() ? 1 : 0);
      uint64_t d = t.deadline();
      for (int i = 0; i < 8; ++i) out.push_back((d >> (8 * i)) & 0xff);
      break;
    }
  }
}

struct Record {
  std::string name;
  std::span<const uint8_t> payload;
};

std::vector<Record> parse(std::span<const uint8_t> blob) {
  std::vector<Record> recs;
  size_t i = 0;
  auto need = [&](size_t n) {
    if (i + n > blob.size()) throw StateError("state blob truncated");
  };
  while (i < blob.size()) {
    need(2);
    uint16_t nl = blob[i] | (blob[i + 1] << 8);
    i += 2;
    need(nl);
    std::string name(reinterpret_cast<const char*>(&blob[i]), nl);
    i += nl;
    need(4);
    uint32_t pl = blob[i] | (blob[i + 1] << 8) | (blob[i + 2] << 16) | (uint32_t(blob[i + 3]) << 24);
    i += 4;
    need(pl);
    recs.push_back({std::move(name), blob.subspan(i, pl)});
    i += pl;
  }
  return recs;
}

void apply(const StateField& f, std::span<const uint8_t> p) {
  auto bad = [&] { throw StateError("state field '" + f.name + "' has the wrong size"); };
  switch (f.type) {
    case FieldType::Unsigned:
    case FieldType::Signed:
    case FieldType::Bool:
    case FieldType::Bytes: {
      size_t n = f.type == FieldType::Bytes ? f.size : f.size * f.count;
      if (p.size() != n) bad();
      std::memcpy(f.ptr, p.data(), n);
      break;
    }
    case FieldType::ByteVector:
      static_cast<std::vector<uint8_t>*>(f.ptr)->assign(p.begin(), p.end());
      break;
    case FieldType::String:
      static_cast<std::string*>(f.ptr)->assign(p.begin(), p.end());
      break;
    case FieldType::TimerState: {
      if (p.size() != 9) bad();
      uint64_t d = 0;
      for (int i = 0; i < 8; ++i) d |= uint64_t(p[1 + i]) << (8 * i);
      static_cast<Timer*>(f.ptr)->restore(p[0] != 0, d);
      break;
    }
  }
}

std::string hex(uint64_t v) {
  char b[24];
  std::snprintf(b, sizeof b, "0x%llx", static_cast<unsigned long long>(v));
  return b;
}

uint64_t read_le(const uint8_t* p, size_t n) {
  uint64_t v = 0;
  for (size_t i = 0; i < n; ++i) v |= uint64_t(p[i]) << (8 * i);
  return v;
}

std::string format_field(const StateField& f) {
  std::vector<uint8_t> p;
  payload_of(f, p);
  switch (f.type) {
    case FieldType::Unsigned:
    case FieldType::Signed:
    case FieldType::Bool: {
      std::string s;
      if (f.count > 1) s += "[";
      for (size_t i = 0; i < f.count; ++i) {
        if (i) s += " ";
        uint64_t v = read_le(&p[i * f.size], f.size);
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
      return "\"" + *static_cast<const std::string*>(f.ptr) + "\"";
    case FieldType::TimerState: {
      auto& t = *static_cast<const Timer*>(f.ptr);
      return t.armed() ? "armed @" + std::to_string(t.deadline()) : "idle";
    }
    case FieldType::ByteVector:
      if (p.size() <= 16) {
        std::string s = "[";
        for (size_t i = 0; i < p.size(); ++i) {
          char b[4];
          std::snprintf(b, sizeof b, "%s%02x", i ? " " : "", p[i]);
          s += b;
        }
        return s + "]";
      }
      [[fallthrough]];
    case FieldType::Bytes:
      return std::to_string(p.size()) + " bytes, hash " + hex(hash_bytes(p.data(), p.size()));
  }
  return "?";
}

}  // namespace

uint64_t hash_bytes(const void* p, size_t n, uint64_t seed) { return XXH3_64bits_withSeed(p, n, seed); }

std::vector<uint8_t> save_state(Stateful& s) {
  StateDecl d;
  s.declare_state(d);
  std::vector<uint8_t> out, payload;
  for (auto& f : d.fields()) {
    payload.clear();
    payload_of(f, payload);
    put_u16(out, static_cast<uint16_t>(f.name.size()));
    out.insert(out.end(), f.name.begin(), f.name.end());
    put_u32(out, static_cast<uint32_t>(payload.size()));
    out.insert(out.end(), payload.begin(), payload.end());
  }
  return out;
}

void load_state(Stateful& s, std::span<const uint8_t> blob) {
  StateDecl d;
  s.declare_state(d);
  auto recs = parse(blob);
  auto& fields = d.fields();
  if (recs.size() != fields.size())
    throw StateError("state has " + std::to_string(recs.size()) + " fields, expected " +
                     std::to_string(fields.size()));
  for (size_t i = 0; i < fields.size(); ++i)
    if (recs[i].name != fields[i].name)
      throw StateError("state field '" + recs[i].name + "' found where '" + fields[i].name + "' was expected");
  for (size_t i = 0; i < fields.size(); ++i) apply(fields[i], recs[i].payload);
  s.post_load();
}

uint64_t hash_state(Stateful& s) {
  StateDecl d;
  s.declare_state(d);
  std::vector<uint8_t> buf;
  for (auto& f : d.fields()) {
    if (!f.hashed) continue;
    buf.insert(buf.end(), f.name.begin(), f.name.end());
    buf.push_back(0);
    payload_of(f, buf);
  }
  return hash_bytes(buf.data(), buf.size());
}

std::vector<InspectedField> inspect_state(Stateful& s) {
  StateDecl d;
  s.declare_state(d);
  std::vector<InspectedField> out;
  for (auto& f : d.fields()) out.push_back({f.name, format_field(f)});
  return out;
}

std::vector<std::string> diff_state(Stateful& s, std::span<const uint8_t> a, std::span<const uint8_t> b) {
  auto ra = parse(a), rb = parse(b);
  StateDecl d;
  s.declare_state(d);
  std::vector<std::string> out;
  size_t n = std::min(ra.size(), rb.size());
  for (size_t i = 0; i < n; ++i) {
    if (i < d.fields().size() && !d.fields()[i].hashed) continue;
    bool same = ra[i].name == rb[i].name && ra[i].payload.size() == rb[i].payload.size() &&
                std::memcmp(ra[i].payload.data(), rb[i].payload.data(), ra[i].payload.size()) == 0;
    if (!same) out.push_back(ra[i].name);
  }
  for (size_t i = n; i < ra.size(); ++i) out.push_back(ra[i].name);
  for (size_t i = n; i < rb.size(); ++i) out.push_back(rb[i].name);
  return out;
}

}  // namespace kjump
