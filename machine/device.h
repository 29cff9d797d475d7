// The device model's contract. A device is small and explicit (Firecracker style): it
// declares its state once (VMState style), handles its own ports, and talks to the rest
// of the machine only through the objects given to its constructor: IRQ lines, timers on
// the event queue, the clock, and guest-physical memory for DMA.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "emu/state.h"

namespace kjump {

class PortIo {
 public:
  virtual ~PortIo() = default;
  // size is 1, 2 or 4. `port` is the absolute port number.
  virtual uint32_t io_read(uint16_t port, unsigned size) = 0;
  virtual void io_write(uint16_t port, unsigned size, uint32_t value) = 0;
};

class Mmio {
 public:
  virtual ~Mmio() = default;
  // `offset` is relative to the region's base; size is 1, 2, 4 or 8.
  virtual uint64_t mmio_read(uint64_t offset, unsigned size) = 0;
  virtual void mmio_write(uint64_t offset, unsigned size, uint64_t value) = 0;
};

class Device : public Stateful {
 public:
  explicit Device(std::string name) : name_(std::move(name)) {}
  const std::string& name() const { return name_; }

  // Power-on state (what QEMU's reset gives, before any firmware runs).
  virtual void reset() = 0;

  // Quiesce audit (kexec jump): append one line per reason the device is not quiet right
  // now (unmasked or pending IRQ, interrupts enabled, busy...). Quiet devices append nothing.
  virtual void audit_quiesce(std::vector<std::string>& findings) const {}

 private:
  std::string name_;
};

}  // namespace kjump
