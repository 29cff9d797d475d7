// CRC-32 (IEEE 802.3: reflected polynomial 0xEDB88320, initial value and final XOR 0xFFFFFFFF),
// the checksum zlib's crc32() and `gzip` compute. One definition for the guest (the hibernation
// writer and loader) and the host (image tools), so the two can never disagree.
//
//   uint32_t c = kjump::crc32_update(kjump::kCrc32Init, data, n);   // repeatable, in pieces
//   uint32_t crc = kjump::crc32_final(c);
//   crc32(data, n) == crc32_final(crc32_update(kCrc32Init, data, n))
//
// Freestanding: includes only <stddef.h> and <stdint.h>.
#pragma once
#include <stddef.h>
#include <stdint.h>

namespace kjump {

namespace crc32_detail {
struct Table {
  uint32_t v[256];
};
constexpr Table make_table() {
  Table t{};
  for (uint32_t i = 0; i < 256; ++i) {
    uint32_t c = i;
    for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
    t.v[i] = c;
  }
  return t;
}
inline constexpr Table kTable = make_table();
}  // namespace crc32_detail

constexpr uint32_t kCrc32Init = 0xFFFFFFFFu;

inline uint32_t crc32_update(uint32_t c, const void* data, size_t n) {
  const uint8_t* p = static_cast<const uint8_t*>(data);
  for (size_t i = 0; i < n; ++i) c = crc32_detail::kTable.v[(c ^ p[i]) & 0xFF] ^ (c >> 8);
  return c;
}
inline uint32_t crc32_final(uint32_t c) { return c ^ 0xFFFFFFFFu; }
inline uint32_t crc32(const void* data, size_t n) { return crc32_final(crc32_update(kCrc32Init, data, n)); }

}  // namespace kjump
