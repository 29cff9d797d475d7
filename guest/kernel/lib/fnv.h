// FNV-1a, 32-bit, fed one little-endian 32-bit word at a time (four times fewer steps than the
// byte-wise variant, which matters when a console command sums 100 MiB of a dump). Trailing
// bytes of a buffer whose length is not a multiple of 4 are fed as one zero-padded word.
#pragma once
#include <stddef.h>
#include <stdint.h>

namespace kjump {

constexpr uint32_t kFnvOffsetBasis = 0x811C9DC5u;
constexpr uint32_t kFnvPrime = 0x01000193u;

inline uint32_t fnv1a_words(uint32_t h, const void* data, size_t len) {
  const uint8_t* p = static_cast<const uint8_t*>(data);
  for (; len >= 4; p += 4, len -= 4)
    h = (h ^ (p[0] | p[1] << 8 | p[2] << 16 | uint32_t(p[3]) << 24)) * kFnvPrime;
  if (len) {
    uint32_t w = 0;
    for (size_t i = 0; i < len; ++i) w |= uint32_t(p[i]) << (8 * i);
    h = (h ^ w) * kFnvPrime;
  }
  return h;
}

}  // namespace kjump
