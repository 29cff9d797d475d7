// Little-endian byte codecs, written once: a growing writer and a bounds-checked reader.
//
//   ByteWriter w;  w.u32(7);  w.str16("pit");           // 07 00 00 00  03 00 'p' 'i' 't'
//   ByteReader r(w.data(), fail_with<MyError>("x.bin: truncated"));
//   r.u32();  r.str16();                                 // 7, "pit"; past the end: throws MyError
//
// A reader that runs past its end calls its `on_short` handler with a Truncation (what was
// wanted, where, and how much was left); the handler throws the caller's own error type. With
// no handler, or one that returns, the reader throws TruncatedError carrying that description.
// The host is little-endian, but the codecs do not rely on it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace kjump {

// The `n` low bytes of `v`, least significant first, to `p`; and back.
inline void store_le(uint8_t* p, uint64_t v, size_t n) {
  for (size_t i = 0; i < n; ++i) p[i] = uint8_t(v >> (8 * i));
}
inline uint64_t load_le(const uint8_t* p, size_t n) {
  uint64_t v = 0;
  for (size_t i = 0; i < n; ++i) v |= uint64_t(p[i]) << (8 * i);
  return v;
}

class ByteWriter {
 public:
  void u8(uint8_t v) { out_.push_back(v); }
  void u16(uint16_t v) { le(v, 2); }
  void u32(uint32_t v) { le(v, 4); }
  void u64(uint64_t v) { le(v, 8); }
  void le(uint64_t v, size_t n);
  void bytes(const void* p, size_t n);
  void bytes(std::span<const uint8_t> b) { bytes(b.data(), b.size()); }
  void str(std::string_view s) { bytes(s.data(), s.size()); }
  // A string after its length as a u16 / u32. Throws std::length_error if it does not fit.
  void str16(std::string_view s);
  void str32(std::string_view s);

  size_t size() const { return out_.size(); }
  const std::vector<uint8_t>& data() const { return out_; }
  std::vector<uint8_t> take() { return std::move(out_); }

 private:
  std::vector<uint8_t> out_;
};

// What a reader wanted when it ran out of bytes.
struct Truncation {
  std::string_view what;  // "u32", "string", "bytes", or the caller's own name for the item
  size_t offset;          // where the item starts, from the start of the reader's range
  size_t wanted;          // bytes the item needs
  size_t left;            // bytes there were
  // "u32 needs 4 bytes at offset 12, 2 left"
  std::string describe() const;
};

struct TruncatedError : std::runtime_error {
  explicit TruncatedError(const Truncation& t) : std::runtime_error("truncated: " + t.describe()) {}
};

class ByteReader {
 public:
  // Called when a read runs past the end; expected to throw.
  using OnShort = std::function<void(const Truncation&)>;

  explicit ByteReader(std::span<const uint8_t> data, OnShort on_short = {})
      : data_(data), on_short_(std::move(on_short)) {}
  ByteReader(const uint8_t* p, size_t n, OnShort on_short = {}) : ByteReader({p, n}, std::move(on_short)) {}

  // The next `n` bytes (the reader moves past them).
  std::span<const uint8_t> take(size_t n, std::string_view what = "bytes");
  uint8_t u8() { return uint8_t(le(1, "u8")); }
  uint16_t u16() { return uint16_t(le(2, "u16")); }
  uint32_t u32() { return uint32_t(le(4, "u32")); }
  uint64_t u64() { return le(8, "u64"); }
  uint64_t le(size_t n, std::string_view what);
  std::string str(size_t n, std::string_view what = "string");
  // Strings written by ByteWriter::str16 / str32.
  std::string str16() { return str(u16()); }
  std::string str32() { return str(u32()); }
  // Everything not yet read.
  std::span<const uint8_t> rest() { return take(left()); }

  size_t offset() const { return pos_; }
  size_t left() const { return data_.size() - pos_; }
  bool done() const { return pos_ == data_.size(); }

 private:
  std::span<const uint8_t> data_;
  size_t pos_ = 0;
  OnShort on_short_;
};

// An OnShort that throws `E(message)` whatever was cut short, for formats whose messages
// name the place ("file: truncated in section RAM") rather than the item.
template <class E>
ByteReader::OnShort fail_with(std::string message) {
  return [m = std::move(message)](const Truncation&) { throw E(m); };
}

}  // namespace kjump
