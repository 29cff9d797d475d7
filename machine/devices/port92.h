// System control port A (0x92): bit 1 is the fast A20 gate, bit 0 a reset pulse (QEMU's
// port92 device). It powers on with A20 enabled (0x02), the state SeaBIOS hands a
// Multiboot kernel and the state our machine starts in.
#pragma once

#include <cstdint>
#include <functional>

#include "machine/device.h"

namespace kjump {

class Bus;

class Port92 : public Device, public PortIo {
 public:
  static constexpr uint16_t kPort = 0x92;

  // Both callbacks are optional: A20 level changes, and a 0->1 write of bit 0.
  explicit Port92(std::function<void(bool)> on_a20 = {}, std::function<void()> on_reset_request = {});

  void map(Bus& bus);

  void reset() override { outport_ = 0x02; }
  // Configuration: the A20 gate bit, which the kernel programs and a resume keeps; not bit 0,
  // a reset pulse.
  void declare_state(StateDecl& d) override { d.field("outport", outport_).config(0x02).any(); }

  uint32_t io_read(uint16_t port, unsigned size) override;
  void io_write(uint16_t port, unsigned size, uint32_t value) override;

  bool a20_enabled() const { return outport_ & 0x02; }

 private:
  std::function<void(bool)> on_a20_;
  std::function<void()> on_reset_request_;
  uint8_t outport_ = 0x02;
};

}  // namespace kjump
