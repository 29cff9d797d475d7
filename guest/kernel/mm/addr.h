// Physical <-> kernel-virtual conversion for the direct map of RAM at PAGE_OFFSET.
#pragma once
#include <stdint.h>
#include "boot/layout.h"

namespace kjump {

using phys_addr = uint32_t;

// Top of the direct map (Linux's 896 MiB lowmem limit, leaving room for nothing else here).
constexpr uint32_t kLowmemLimit = 0x38000000;

inline void* phys_to_virt(phys_addr p) { return reinterpret_cast<void*>(p + PAGE_OFFSET); }
inline phys_addr virt_to_phys(const void* v) {
  return reinterpret_cast<uint32_t>(v) - PAGE_OFFSET;
}

inline uint32_t page_round_down(uint64_t a) { return static_cast<uint32_t>(a & ~uint64_t(PAGE_SIZE - 1)); }

}  // namespace kjump
