// The i8042 keyboard controller as far as a kernel without a keyboard driver touches it
// (QEMU 7.2 hw/input/pckbd.c; docs/linux-guest-reference.md (e), "Reboot path"): the status
// port 0x64 with the input buffer empty, so Linux's kb_wait() returns at once, and the
// controller command 0xFE (pulse output line P2.0 = CPU reset; any 0xF0-0xFF pulse with bit 0
// clear), which asks the machine to reset — the machine ends the run there, as QEMU does with
// -no-reboot. Data port 0x60 reads 0 (no byte queued) and ignores writes.
//
// Stateless on purpose: no keyboard is modelled, so nothing the guest writes is kept, and the
// machine's declared state (and every golden trace's hash) is the same with or without it.
#pragma once

#include <cstdint>
#include <functional>

#include "machine/device.h"

namespace kjump {

class Bus;

class Kbc8042 : public Device, public PortIo {
 public:
  static constexpr uint16_t kDataPort = 0x60, kStatusPort = 0x64;
  // KBD_STAT_UNLOCKED | KBD_STAT_CMD | KBD_STAT_SELFTEST: what SeaBIOS's keyboard set-up
  // leaves (the self-test passed); bit 1 (input buffer full) and bit 0 (output full) clear.
  static constexpr uint8_t kStatus = 0x1C;
  static constexpr uint8_t kCmdReset = 0xFE;

  explicit Kbc8042(std::function<void(uint8_t command)> on_reset);

  void map(Bus& bus);
  void reset() override {}
  void declare_state(StateDecl&) override {}

  uint32_t io_read(uint16_t port, unsigned size) override;
  void io_write(uint16_t port, unsigned size, uint32_t value) override;

 private:
  std::function<void(uint8_t)> on_reset_;
};

// The i8257 DMA page registers (0x81-0x83, 0x87, 0x89-0x8b, 0x8f), present on QEMU's pc:
// Linux's i8237A_init_ops() reads 0x87 and takes 0xFF for "no legacy DMA" (then it skips
// its DMA resume work after a kexec jump, which QEMU's guest does). They read 0, the value
// after QEMU's reset; writes (the DMA resume) are not kept — stateless like the 8042, as no
// DMA is modelled.
class DmaPages : public Device, public PortIo {
 public:
  DmaPages() : Device("dma-pages") {}
  void map(Bus& bus);
  void reset() override {}
  void declare_state(StateDecl&) override {}
  uint32_t io_read(uint16_t, unsigned) override { return 0; }
  void io_write(uint16_t, unsigned, uint32_t) override {}
};

}  // namespace kjump
