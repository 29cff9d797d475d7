// Intel 8254 PIT (ports 0x40-0x43) and the port-0x61 speaker/gate register, computed from
// virtual time exactly as QEMU 7.2's i8254 + pcspk do (docs/pc-devices-reference.md §3).
//
// Counters are not stepped: each channel remembers when its count was loaded and derives
// the counter, OUT and the next IRQ0 transition from the elapsed 1.193182 MHz ticks.
// Channel 0 drives IRQ0 through one Timer armed at QEMU's "next transition" instant, so
// the IRQ edges fall on the same virtual nanosecond as under `qemu -icount shift=0`.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "emu/event_queue.h"
#include "machine/device.h"
#include "machine/irq.h"

namespace kjump {

class Bus;

class Pit8254 : public Device, public PortIo {
 public:
  static constexpr uint16_t kBase = 0x40;
  static constexpr uint32_t kCount = 4;
  static constexpr uint16_t kSpeakerPort = 0x61;
  static constexpr uint64_t kFrequencyHz = 1193182;

  Pit8254(const Clock& clock, EventQueue& queue, IrqLine irq0);

  void map(Bus& bus);  // 0x40-0x43 and 0x61

  void reset() override;
  void declare_state(StateDecl& d) override;
  void audit_quiesce(std::vector<std::string>& findings) const override;

  uint32_t io_read(uint16_t port, unsigned size) override;
  void io_write(uint16_t port, unsigned size, uint32_t value) override;

  // Whole 1.193182 MHz ticks in `ns` nanoseconds (floor), and the QEMU conversion back
  // (floor as well: QEMU's muldiv64). Exposed so tests can state expected instants.
  static uint64_t ns_to_ticks(uint64_t ns);
  static uint64_t ticks_to_ns(uint64_t ticks);

  // Views for tests and the debugger.
  int mode(int ch) const { return ch_[ch].mode; }
  uint32_t count(int ch) const { return ch_[ch].count; }
  bool out(int ch) const { return get_out(ch_[ch], clock_.now()); }

 private:
  // Field names follow QEMU's PITChannelState.
  struct Channel {
    uint32_t count = 0x10000;  // 1..65536
    uint16_t latched_count = 0;
    uint8_t count_latched = 0;  // 0, or the RW state the latch is read in
    uint8_t status_latched = 0;
    uint8_t status = 0;
    uint8_t read_state = 0;
    uint8_t write_state = 0;
    uint8_t write_latch = 0;
    uint8_t rw_mode = 0;
    uint8_t mode = 3;
    uint8_t bcd = 0;  // stored only; counting is always binary, as in QEMU
    uint8_t gate = 0;
    uint64_t count_load_time = 0;
    uint64_t next_transition_time = kNever;
  };
  enum : uint8_t { kRwLsb = 1, kRwMsb = 2, kRwWord0 = 3, kRwWord1 = 4 };

  uint64_t elapsed_ticks(const Channel& s, uint64_t t) const;
  int get_count(const Channel& s) const;
  bool get_out(const Channel& s, uint64_t t) const;
  uint64_t next_transition(const Channel& s, uint64_t t) const;  // kNever if none
  void irq_timer_update(int ch, uint64_t current_time);
  void on_irq_timer();
  void load_count(int ch, uint32_t val);
  void latch_count(Channel& s);
  void set_gate(int ch, uint8_t val);
  uint8_t read_byte(uint16_t port);
  void write_byte(uint16_t port, uint8_t value);

  const Clock& clock_;
  IrqLine irq0_;
  Channel ch_[3];
  uint8_t speaker_data_on_ = 0;
  uint8_t refresh_clock_ = 0;  // port 0x61 bit 4, toggled by every read
  Timer irq_timer_;            // channel 0's next OUT transition
};

}  // namespace kjump
