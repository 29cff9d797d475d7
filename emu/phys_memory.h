// Guest-physical memory as devices see it (DMA). Implemented by the engine's RAM, which
// also invalidates translated code that a write lands on.
#pragma once

#include <cstddef>
#include <cstdint>

namespace kjump {

class PhysMemory {
 public:
  virtual ~PhysMemory() = default;
  // Both return false (and copy nothing) if any byte of the range is not RAM.
  virtual bool read_phys(uint64_t pa, void* dst, size_t n) const = 0;
  virtual bool write_phys(uint64_t pa, const void* src, size_t n) = 0;
};

}  // namespace kjump
