#include "machine/devices/kbc8042.h"

#include "machine/bus.h"

namespace kjump {

Kbc8042::Kbc8042(std::function<void(uint8_t)> on_reset) : Device("kbc8042"), on_reset_(std::move(on_reset)) {}

void Kbc8042::map(Bus& bus) {
  bus.map_io(kDataPort, 1, this, "kbc8042");
  bus.map_io(kStatusPort, 1, this, "kbc8042");
}

uint32_t Kbc8042::io_read(uint16_t port, unsigned size) {
  uint32_t v = port == kStatusPort ? kStatus : 0;
  // A wider access reaches the unassigned ports after it, which read as all ones.
  for (unsigned i = 1; i < size; ++i) v |= 0xFFu << (8 * i);
  return v;
}

void Kbc8042::io_write(uint16_t port, unsigned, uint32_t value) {
  if (port != kStatusPort) return;
  const uint8_t cmd = uint8_t(value);
  // pckbd.c: a pulse command (0xF0-0xFF) that pulses bit 0 is the reset command.
  if ((cmd & 0xF0) == 0xF0 && !(cmd & 1) && on_reset_) on_reset_(cmd);
}

void DmaPages::map(Bus& bus) {
  bus.map_io(0x81, 3, this, "dma-pages");
  bus.map_io(0x87, 1, this, "dma-pages");
  bus.map_io(0x89, 3, this, "dma-pages");
  bus.map_io(0x8f, 1, this, "dma-pages");
}

}  // namespace kjump
