#include "base/bytes.h"

#include <limits>

namespace kjump {

void ByteWriter::le(uint64_t v, size_t n) {
  size_t at = out_.size();
  out_.resize(at + n);
  store_le(out_.data() + at, v, n);
}

void ByteWriter::bytes(const void* p, size_t n) {
  auto* b = static_cast<const uint8_t*>(p);
  out_.insert(out_.end(), b, b + n);
}

void ByteWriter::str16(std::string_view s) {
  if (s.size() > std::numeric_limits<uint16_t>::max()) throw std::length_error("string too long for a u16 length");
  u16(uint16_t(s.size()));
  str(s);
}

void ByteWriter::str32(std::string_view s) {
  if (s.size() > std::numeric_limits<uint32_t>::max()) throw std::length_error("string too long for a u32 length");
  u32(uint32_t(s.size()));
  str(s);
}

std::string Truncation::describe() const {
  return std::string(what) + " needs " + std::to_string(wanted) + (wanted == 1 ? " byte" : " bytes") + " at offset " +
         std::to_string(offset) + ", " + std::to_string(left) + " left";
}

std::span<const uint8_t> ByteReader::take(size_t n, std::string_view what) {
  if (n > left()) {
    Truncation t{what, pos_, n, left()};
    if (on_short_) on_short_(t);
    throw TruncatedError(t);
  }
  auto r = data_.subspan(pos_, n);
  pos_ += n;
  return r;
}

uint64_t ByteReader::le(size_t n, std::string_view what) { return load_le(take(n, what).data(), n); }

std::string ByteReader::str(size_t n, std::string_view what) {
  auto b = take(n, what);
  return std::string(reinterpret_cast<const char*>(b.data()), b.size());
}

}  // namespace kjump
