// MC146818 RTC + CMOS RAM (index 0x70, data 0x71, IRQ8) as QEMU 7.2's mc146818rtc with
// `-rtc base=<epoch>,clock=vm` (docs/pc-devices-reference.md §4): the time is the fixed epoch
// plus elapsed virtual time, so it is identical in every run. Periodic and update-ended /
// alarm interrupts run on Timers. The date arithmetic is base/calendar.h (integer code, no
// host time function); the register names are rtc_regs.h; the PC's configuration bytes
// (QEMU's pc_cmos_init, board code rather than the chip) are filled in rtc_pc_cmos.cpp.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/calendar.h"
#include "emu/event_queue.h"
#include "machine/device.h"
#include "machine/irq.h"

namespace kjump {

class Bus;

class CmosRtc : public Device, public PortIo {
 public:
  static constexpr uint16_t kBase = 0x70;
  static constexpr uint32_t kCount = 2;
  // The `-rtc base=` every kjump machine and every differential QEMU run uses.
  static constexpr CivilTime kDefaultEpoch{2020, 1, 1, 0, 0, 0};

  // `ram_bytes` fills the memory-size CMOS bytes the way QEMU's pc_cmos_init does.
  CmosRtc(const Clock& clock, EventQueue& queue, IrqLine irq8, uint64_t ram_bytes,
          CivilTime epoch = kDefaultEpoch);

  void map(Bus& bus);

  void reset() override;
  void declare_state(StateDecl& d) override;
  void audit_quiesce(std::vector<std::string>& findings) const override;

  uint32_t io_read(uint16_t port, unsigned size) override;
  void io_write(uint16_t port, unsigned size, uint32_t value) override;

  // Raw CMOS byte, no side effects (for tests, the debugger and the boot code).
  uint8_t cmos(uint8_t index) const { return cmos_[index & 0x7F]; }

 private:
  int64_t guest_rtc_ns() const;
  bool running() const;
  int to_bcd(int a) const;
  int from_bcd(int a) const;
  void set_cmos_time(int64_t unix_seconds);
  void update_time();  // refresh the time bytes from the clock
  void set_time();     // re-base the clock on the time bytes
  uint32_t periodic_clock_ticks() const;
  void periodic_timer_update(uint64_t current_time, uint32_t old_period, bool period_change);
  void on_periodic_timer();
  void check_update_timer();
  uint8_t convert_hour(uint8_t hour) const;
  int64_t next_alarm_seconds();
  void on_update_timer();
  bool update_in_progress();
  void fill_config_bytes();
  uint8_t read_byte(uint16_t port);
  void write_byte(uint16_t port, uint8_t value);

  const Clock& clock_;
  IrqLine irq_;
  uint64_t ram_bytes_;
  int64_t epoch_unix_;

  uint8_t cmos_[128] = {};
  uint8_t index_ = 0;
  int64_t base_rtc_ = 0;      // RTC seconds (Unix) at last_update_
  uint64_t last_update_ = 0;  // virtual ns of the last re-base
  int64_t offset_ = 0;        // sub-second phase (ns) at last_update_
  uint64_t next_periodic_time_ = 0;
  uint64_t next_alarm_time_ = 0;
  uint32_t period_ = 0;  // in 32.768 kHz cycles, 0 = off
  Timer periodic_timer_;
  Timer update_timer_;
};

}  // namespace kjump
