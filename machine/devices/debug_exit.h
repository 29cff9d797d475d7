// isa-debug-exit (`-device isa-debug-exit,iobase=0xf4,iosize=0x04`): any write ends the
// run with host status ((value << 1) | 1) & 0xFF, from inside the OUT instruction, as
// QEMU 7.2 does (docs/pc-devices-reference.md §6). Reads return 0. No state.
#pragma once

#include <cstdint>
#include <functional>

#include "machine/device.h"

namespace kjump {

class Bus;

class DebugExit : public Device, public PortIo {
 public:
  static constexpr uint16_t kDefaultBase = 0xF4;
  static constexpr uint16_t kDefaultSize = 4;

  using OnExit = std::function<void(int status)>;

  explicit DebugExit(OnExit on_exit, uint16_t iobase = kDefaultBase, uint16_t iosize = kDefaultSize);

  void map(Bus& bus);

  // The status the host process would exit with for a written value.
  static int status_for(uint32_t value) { return int(((uint64_t(value) << 1) | 1) & 0xFF); }

  void reset() override {}
  // Configuration: none; an exit write ends the machine, it programs nothing.
  void declare_state(StateDecl&) override {}

  uint32_t io_read(uint16_t port, unsigned size) override { return 0; }
  void io_write(uint16_t port, unsigned size, uint32_t value) override;

 private:
  OnExit on_exit_;
  uint16_t iobase_, iosize_;
};

}  // namespace kjump
