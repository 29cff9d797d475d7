#include "machine/bus.h"

#include <stdexcept>

namespace kjump {

void Bus::map_io(uint16_t first, uint32_t count, PortIo* dev, std::string owner) {
  for (auto& r : io_)
    if (first < r.first + r.count && r.first < first + count)
      throw std::logic_error("I/O ports of " + owner + " overlap " + r.owner);
  io_.push_back({first, count, dev, std::move(owner)});
}

void Bus::map_mmio(uint64_t base, uint64_t size, Mmio* dev, std::string owner) {
  if ((base | size) & 0xfff) throw std::logic_error("MMIO region of " + owner + " is not 4 KiB aligned");
  for (auto& r : mmio_)
    if (base < r.base + r.size && r.base < base + size)
      throw std::logic_error("MMIO region of " + owner + " overlaps " + r.owner);
  mmio_.push_back({base, size, dev, std::move(owner)});
}

const Bus::IoRange* Bus::find(uint16_t port) const {
  for (auto& r : io_)
    if (port >= r.first && port < r.first + r.count) return &r;
  return nullptr;
}

uint32_t Bus::io_read(uint16_t port, unsigned size) {
  if (auto* r = find(port)) return r->dev->io_read(port, size);
  return size == 1 ? 0xff : size == 2 ? 0xffff : 0xffffffffu;
}

void Bus::io_write(uint16_t port, unsigned size, uint32_t value) {
  if (auto* r = find(port)) r->dev->io_write(port, size, value);
}

PortIo* Bus::device_at(uint16_t port) const {
  auto* r = find(port);
  return r ? r->dev : nullptr;
}

std::string Bus::owner_of(uint16_t port) const {
  auto* r = find(port);
  return r ? r->owner : "";
}

}  // namespace kjump
