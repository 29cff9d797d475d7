#include "machine/devices/debug_exit.h"

#include "machine/bus.h"

namespace kjump {

DebugExit::DebugExit(OnExit on_exit, uint16_t iobase, uint16_t iosize)
    : Device("debug-exit"), on_exit_(std::move(on_exit)), iobase_(iobase), iosize_(iosize) {}

void DebugExit::map(Bus& bus) { bus.map_io(iobase_, iosize_, this, "debug-exit"); }

void DebugExit::io_write(uint16_t port, unsigned size, uint32_t value) {
  // Only the bits the access carries count (an 8-bit OUT of 0x80 gives status 1).
  uint32_t v = size == 1 ? (value & 0xFF) : size == 2 ? (value & 0xFFFF) : value;
  if (on_exit_) on_exit_(status_for(v));
}

}  // namespace kjump
