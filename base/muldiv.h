// a * b / c without overflow, as QEMU's muldiv64 (include/qemu/host-utils.h): the product
// is formed in 128 bits, so converting between clock rates (ns <-> PIT ticks, ns <-> RTC
// cycles) never loses the high bits of a large virtual time. Rounds down; `c` must not be 0.
#pragma once

#include <cstdint>

namespace kjump {

constexpr uint64_t muldiv64(uint64_t a, uint64_t b, uint64_t c) {
  return static_cast<uint64_t>(static_cast<unsigned __int128>(a) * b / c);
}

}  // namespace kjump
