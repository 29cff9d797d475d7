// 16550A UART on COM1 (0x3F8-0x3FF, IRQ4) with QEMU 7.2's serial.c semantics
// (docs/pc-devices-reference.md §1.4): synchronous transmit, level-computed IRQ not gated by
// OUT2, 16-byte FIFOs with trigger levels, a character timeout of 4 character times of
// virtual time, loopback, and QEMU's receive flow control (host input waits in a queue
// until the UART has room for it, so nothing is lost to overruns).
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "emu/event_queue.h"
#include "machine/device.h"
#include "machine/irq.h"

namespace kjump {

class Bus;

class Uart16550 : public Device, public PortIo {
 public:
  static constexpr uint16_t kBase = 0x3F8;
  static constexpr uint32_t kCount = 8;
  static constexpr size_t kFifoSize = 16;

  using Output = std::function<void(uint8_t)>;

  Uart16550(const Clock& clock, EventQueue& queue, IrqLine irq, Output output);

  void map(Bus& bus);

  void reset() override;
  void declare_state(StateDecl& d) override;
  void post_load() override;
  void audit_quiesce(std::vector<std::string>& findings) const override;

  uint32_t io_read(uint16_t port, unsigned size) override;
  void io_write(uint16_t port, unsigned size, uint32_t value) override;

  // Bytes typed by the host. They queue here (as guest state) and enter the receiver as
  // fast as the guest makes room, like QEMU's chardev front end.
  void host_input(std::span<const uint8_t> bytes);
  size_t pending_input() const { return input_.size() - input_pos_; }

  // For tests and the debugger.
  bool irq_level() const { return (iir_ & 0x01) == 0; }
  uint64_t char_transmit_time() const { return char_transmit_time_; }

 private:
  void update_irq();
  void update_parameters();
  void write_fcr(uint8_t val);
  void transmit();
  void receive(const uint8_t* buf, size_t n);
  void recv_fifo_put(uint8_t c);
  size_t can_receive() const;
  void pull_input();
  void on_fifo_timeout();
  uint8_t read_byte(uint16_t port);
  void write_byte(uint16_t port, uint8_t value);

  const Clock& clock_;
  IrqLine irq_;
  Output output_;

  uint16_t divider_ = 0x0C;
  uint8_t rbr_ = 0, thr_ = 0, tsr_ = 0;
  uint8_t ier_ = 0, iir_ = 0x01, lcr_ = 0, mcr_ = 0x08, lsr_ = 0x60, msr_ = 0xB0, scr_ = 0, fcr_ = 0;
  uint8_t thr_ipending_ = 0;
  uint8_t timeout_ipending_ = 0;
  uint8_t last_break_enable_ = 0;
  uint8_t recv_fifo_itl_ = 1;
  uint64_t char_transmit_time_ = 0;
  std::vector<uint8_t> recv_fifo_;  // oldest byte first, at most kFifoSize
  std::vector<uint8_t> input_;      // host bytes not yet taken by the receiver ...
  uint64_t input_pos_ = 0;          // ... starting at this index
  Timer fifo_timeout_timer_;
};

}  // namespace kjump
