// The PC's I/O bus: port decode and MMIO regions. Unassigned ports read as all ones and
// swallow writes, as on QEMU's pc machine.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "machine/device.h"

namespace kjump {

class Bus {
 public:
  // Claims ports [first, first+count). Throws std::logic_error on overlap.
  void map_io(uint16_t first, uint32_t count, PortIo* dev, std::string owner);
  // Claims [base, base+size); base and size 4 KiB aligned. Throws on overlap.
  void map_mmio(uint64_t base, uint64_t size, Mmio* dev, std::string owner);

  uint32_t io_read(uint16_t port, unsigned size);
  void io_write(uint16_t port, unsigned size, uint32_t value);

  struct MmioRegion {
    uint64_t base, size;
    Mmio* dev;
    std::string owner;
  };
  const std::vector<MmioRegion>& mmio_regions() const { return mmio_; }

  // Which device owns a port ("" if none): for traces and the debugger.
  std::string owner_of(uint16_t port) const;
  // The device that handles a port (null if none): the run's event list samples only it.
  PortIo* device_at(uint16_t port) const;

 private:
  struct IoRange {
    uint16_t first;
    uint32_t count;
    PortIo* dev;
    std::string owner;
  };
  const IoRange* find(uint16_t port) const;
  std::vector<IoRange> io_;
  std::vector<MmioRegion> mmio_;
};

}  // namespace kjump
