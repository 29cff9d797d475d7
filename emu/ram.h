// Guest RAM: one host buffer, mapped into Unicorn with uc_mem_map_ptr so that guest
// accesses and host accesses (devices, loaders, snapshots) see the same bytes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>

#include "emu/phys_memory.h"

namespace kjump {

class GuestRam : public PhysMemory {
 public:
  explicit GuestRam(uint64_t size);
  ~GuestRam() override;
  GuestRam(const GuestRam&) = delete;
  GuestRam& operator=(const GuestRam&) = delete;

  uint64_t size() const { return size_; }
  uint8_t* data() { return data_; }
  const uint8_t* data() const { return data_; }
  bool contains(uint64_t pa, size_t n) const { return pa <= size_ && n <= size_ - pa; }

  bool read_phys(uint64_t pa, void* dst, size_t n) const override;
  // Host writes are invisible to code Unicorn has already translated; the engine installs
  // this hook to invalidate translations whenever the host writes guest RAM.
  bool write_phys(uint64_t pa, const void* src, size_t n) override;
  void set_write_observer(std::function<void(uint64_t pa, size_t n)> f) { on_write_ = std::move(f); }

  // Zero all of RAM by giving the pages back to the kernel (fresh zero pages on next touch):
  // power-on of a 128 MiB machine costs microseconds instead of a 128 MiB memset.
  void clear();

  uint32_t read32(uint64_t pa) const;
  void write32(uint64_t pa, uint32_t v);

 private:
  uint64_t size_;
  uint8_t* data_;
  std::function<void(uint64_t, size_t)> on_write_;
};

}  // namespace kjump
