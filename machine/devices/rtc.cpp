// The MC146818 itself, after QEMU's hw/rtc/mc146818rtc.c: the clock bytes follow
// epoch + virtual time, the update cycle (UIP, UF, the alarm) and the periodic interrupt run
// on Timers, and a guest write re-bases the clock. Calendar arithmetic comes from
// base/calendar.h, register names from rtc_regs.h.
#include "machine/devices/rtc.h"

#include "base/calendar.h"
#include "base/muldiv.h"
#include "machine/bus.h"
#include "machine/devices/byte_ports.h"
#include "machine/devices/rtc_regs.h"

namespace kjump {

using namespace mc146818;

namespace {
constexpr int64_t kNsPerSecond = 1000000000LL;
constexpr uint32_t kRtcClockRate = 32768;
constexpr int64_t kUipHoldLength = 8 * kNsPerSecond / 32768;  // 244140 ns

// The date and time bytes: reading one first brings it up to date, writing one re-bases the
// clock (QEMU's case list, shared by cmos_ioport_read and cmos_ioport_write). Selecting the
// PS/2 century alias moves the index to the century byte for good, as QEMU does.
bool select_clock_byte(uint8_t& index) {
  if (index == kPs2Century) index = kCentury;
  switch (index) {
    case kCentury:
    case kSeconds:
    case kMinutes:
    case kHours:
    case kDayOfWeek:
    case kDayOfMonth:
    case kMonth:
    case kYear:
      return true;
    default:
      return false;
  }
}
}  // namespace

CmosRtc::CmosRtc(const Clock& clock, EventQueue& queue, IrqLine irq8, uint64_t ram_bytes, CivilTime epoch)
    : Device("rtc"),
      clock_(clock),
      irq_(irq8),
      ram_bytes_(ram_bytes),
      epoch_unix_(epoch.to_unix_seconds()),
      periodic_timer_(queue, "rtc.periodic", [this] { on_periodic_timer(); }),
      update_timer_(queue, "rtc.update", [this] { on_update_timer(); }) {
  reset();
}

void CmosRtc::map(Bus& bus) { bus.map_io(kBase, kCount, this, "rtc"); }

// Power-on: QEMU's realize (registers A-D, the date, pc_cmos_init's configuration bytes)
// followed by its reset. The clock follows epoch + virtual time since t = 0, which is what
// `clock=vm` gives a machine whose RTC was realized at virtual time 0.
void CmosRtc::reset() {
  for (auto& b : cmos_) b = 0;
  index_ = 0;
  fill_config_bytes();
  cmos_[kRegA] = 0x26;
  cmos_[kRegB] = 0x02;
  cmos_[kRegC] = 0x00;
  cmos_[kRegD] = 0x80;
  base_rtc_ = epoch_unix_;
  last_update_ = 0;
  offset_ = 0;
  update_time();
  period_ = 0;
  next_periodic_time_ = 0;
  next_alarm_time_ = 0;
  periodic_timer_.cancel();
  check_update_timer();
  irq_.lower();
}

// Configuration: register A without UIP (divider chain, periodic rate) and register B (SET,
// PIE/AIE/UIE, SQWE, binary, 24h); not the clock and alarm bytes (time, not settings), C/D
// (flags, status), the NVRAM bytes (firmware's, not a driver's), the index or the timers.
// Valid values: the index reaches 128 bytes of CMOS; RTC seconds up to year 9999 (what the
// guest can set), a sub-second phase under a second, times in the clock's range; the period
// is one register A can select (at most 2^14 cycles). Any CMOS byte is one the guest can write.
void CmosRtc::declare_state(StateDecl& d) {
  constexpr int64_t kMaxRtcSeconds = 253402300799;  // 9999-12-31 23:59:59
  d.field("cmos", cmos_).config_at(kRegA, uint8_t(~kRegAUip)).config_at(kRegB).any();
  d.field("index", index_).range(0, 127);
  d.field("base_rtc", base_rtc_).range(0, kMaxRtcSeconds);
  d.field("last_update", last_update_).range(0, kMaxStateTime);
  d.field("offset", offset_).range(0, kNsPerSecond - 1);
  d.field("next_periodic_time", next_periodic_time_).range(0, kMaxStateTime);
  d.field("next_alarm_time", next_alarm_time_).range(0, kMaxStateTime);
  d.field("period", period_).range(0, 1u << 14);
  d.field("periodic_timer", periodic_timer_);
  d.field("update_timer", update_timer_);
}

void CmosRtc::audit_quiesce(std::vector<std::string>& findings) const {
  uint8_t b = cmos_[kRegB];
  std::string on;
  if (b & kRegBPie) on += " PIE";
  if (b & kRegBAie) on += " AIE";
  if (b & kRegBUie) on += " UIE";
  if (!on.empty()) findings.push_back("rtc: interrupts enabled in register B:" + on);
}

int64_t CmosRtc::guest_rtc_ns() const {
  // In unsigned arithmetic: a guest may set the year 9999, whose nanoseconds pass 2^63, and
  // signed overflow is undefined; the wrapped value is the one this always computed.
  return int64_t(uint64_t(base_rtc_) * uint64_t(kNsPerSecond) + (clock_.now() - last_update_) + uint64_t(offset_));
}

bool CmosRtc::running() const { return !(cmos_[kRegB] & kRegBSet) && (cmos_[kRegA] & 0x70) <= 0x20; }

int CmosRtc::to_bcd(int a) const { return (cmos_[kRegB] & kRegBDm) ? a : ((a / 10) << 4) | (a % 10); }

int CmosRtc::from_bcd(int a) const {
  if ((a & kAlarmDontCare) == kAlarmDontCare) return -1;  // alarm wildcard
  return (cmos_[kRegB] & kRegBDm) ? a : ((a >> 4) * 10) + (a & 0x0F);
}

void CmosRtc::set_cmos_time(int64_t unix_seconds) {
  CivilTime tm = CivilTime::from_unix_seconds(unix_seconds);
  cmos_[kSeconds] = uint8_t(to_bcd(tm.second));
  cmos_[kMinutes] = uint8_t(to_bcd(tm.minute));
  if (cmos_[kRegB] & kRegB24h) {
    cmos_[kHours] = uint8_t(to_bcd(tm.hour));
  } else {
    int h = (tm.hour % 12) ? tm.hour % 12 : 12;
    cmos_[kHours] = uint8_t(to_bcd(h));
    if (tm.hour >= 12) cmos_[kHours] |= 0x80;
  }
  cmos_[kDayOfWeek] = uint8_t(to_bcd(tm.weekday() + 1));
  cmos_[kDayOfMonth] = uint8_t(to_bcd(tm.day));
  cmos_[kMonth] = uint8_t(to_bcd(tm.month));
  // base_year is 0 on the pc machine: the century byte holds the real century.
  cmos_[kYear] = uint8_t(to_bcd(tm.year % 100));
  cmos_[kCentury] = uint8_t(to_bcd(tm.year / 100));
}

void CmosRtc::update_time() {
  int64_t guest_sec = floor_div(guest_rtc_ns(), kNsPerSecond);
  if (!(cmos_[kRegB] & kRegBSet)) set_cmos_time(guest_sec);
}

void CmosRtc::set_time() {
  int sec = from_bcd(cmos_[kSeconds]);
  int min = from_bcd(cmos_[kMinutes]);
  int hour = from_bcd(cmos_[kHours] & 0x7F);
  if (!(cmos_[kRegB] & kRegB24h)) {
    hour %= 12;
    if (cmos_[kHours] & 0x80) hour += 12;
  }
  int mday = from_bcd(cmos_[kDayOfMonth]);
  int mon = from_bcd(cmos_[kMonth]);
  int year = from_bcd(cmos_[kYear]) + from_bcd(cmos_[kCentury]) * 100;
  base_rtc_ = mktimegm(year, mon, mday, hour, min, sec);
  last_update_ = clock_.now();
}

uint32_t CmosRtc::periodic_clock_ticks() const {
  if (!(cmos_[kRegB] & kRegBPie)) return 0;
  int code = cmos_[kRegA] & 0x0F;
  if (!code) return 0;
  if (code <= 2) code += 7;  // rates 1 and 2 behave as 8 and 9
  return 1u << (code - 1);
}

// QEMU periodic_timer_update with the default "discard" lost-tick policy. The phase is
// tied to absolute virtual time in 32.768 kHz cycles.
void CmosRtc::periodic_timer_update(uint64_t current_time, uint32_t old_period, bool period_change) {
  uint32_t period = periodic_clock_ticks();
  period_ = period;
  if (!period) {
    periodic_timer_.cancel();
    return;
  }
  int64_t cur_clock = int64_t(muldiv64(current_time, kRtcClockRate, kNsPerSecond));
  int64_t lost_clock = 0;
  if (old_period && period_change) {
    int64_t next_periodic_clock = int64_t(muldiv64(next_periodic_time_, kRtcClockRate, kNsPerSecond));
    int64_t last_periodic_clock = next_periodic_clock - old_period;
    lost_clock = cur_clock - last_periodic_clock;
    if (lost_clock < 0) lost_clock = 0;
  }
  if (lost_clock > int64_t(period)) lost_clock = period;
  int64_t next_irq_clock = cur_clock + period - lost_clock;
  next_periodic_time_ = muldiv64(uint64_t(next_irq_clock), kNsPerSecond, kRtcClockRate) + 1;
  periodic_timer_.arm(next_periodic_time_);
}

// On the guest path the timer runs when it is due and the next period follows the last one.
// A clock restored far ahead of next_periodic_time_ would catch up one period per firing
// (hours of host time for a large clock), so then the next period follows now: the ticks
// skipped would have set the same PF/IRQF bits in one instant.
void CmosRtc::on_periodic_timer() {
  const uint64_t now = clock_.now(), period_ns = muldiv64(period_, kNsPerSecond, kRtcClockRate) + 1;
  const bool far_behind = now > next_periodic_time_ && (now - next_periodic_time_) / 4 > period_ns;
  periodic_timer_update(far_behind ? now : next_periodic_time_, period_, false);
  cmos_[kRegC] |= kRegCPf;
  if (cmos_[kRegB] & kRegBPie) {
    cmos_[kRegC] |= kRegCIrqf;
    irq_.raise();
  }
}

void CmosRtc::check_update_timer() {
  // Dividers held in reset stop the update cycle and its interrupts.
  if ((cmos_[kRegA] & 0x60) == 0x60) {
    update_timer_.cancel();
    return;
  }
  uint64_t now = clock_.now();
  int64_t guest_nsec = floor_mod(guest_rtc_ns(), kNsPerSecond);
  uint64_t next_update_time = now + uint64_t(kNsPerSecond - guest_nsec);
  int64_t next_alarm_sec = next_alarm_seconds();
  next_alarm_time_ = next_update_time + uint64_t((next_alarm_sec - 1) * kNsPerSecond);
  // With UF already set and UIP not latched, only the alarm can still change anything.
  if (!(cmos_[kRegA] & kRegAUip) && (cmos_[kRegC] & kRegCUf)) {
    if ((cmos_[kRegB] & kRegBSet) || (cmos_[kRegC] & kRegCAf)) {
      update_timer_.cancel();
      return;
    }
    next_update_time = next_alarm_time_;
  }
  update_timer_.arm(next_update_time);
}

uint8_t CmosRtc::convert_hour(uint8_t hour) const {
  if (!(cmos_[kRegB] & kRegB24h)) {
    hour %= 12;
    if (cmos_[kHours] & 0x80) hour += 12;
  }
  return hour;
}

// Seconds from the current second to the next alarm match (QEMU get_next_alarm).
int64_t CmosRtc::next_alarm_seconds() {
  update_time();
  int32_t alarm_sec = from_bcd(cmos_[kSecondsAlarm]);
  int32_t alarm_min = from_bcd(cmos_[kMinutesAlarm]);
  int32_t alarm_hour = from_bcd(cmos_[kHoursAlarm]);
  alarm_hour = alarm_hour == -1 ? -1 : convert_hour(uint8_t(alarm_hour));
  int32_t cur_sec = from_bcd(cmos_[kSeconds]);
  int32_t cur_min = from_bcd(cmos_[kMinutes]);
  int32_t cur_hour = convert_hour(uint8_t(from_bcd(cmos_[kHours])));

  if (alarm_hour == -1) {
    alarm_hour = cur_hour;
    if (alarm_min == -1) {
      alarm_min = cur_min;
      if (alarm_sec == -1)
        alarm_sec = cur_sec + 1;
      else if (cur_sec > alarm_sec)
        alarm_min++;
    } else if (cur_min == alarm_min) {
      if (alarm_sec == -1)
        alarm_sec = cur_sec + 1;
      else if (cur_sec > alarm_sec)
        alarm_hour++;
      if (alarm_sec == 60) {
        alarm_sec = 0;
        alarm_hour++;
      }
    } else if (cur_min > alarm_min) {
      alarm_hour++;
    }
  } else if (cur_hour == alarm_hour) {
    if (alarm_min == -1) {
      alarm_min = cur_min;
      if (alarm_sec == -1)
        alarm_sec = cur_sec + 1;
      else if (cur_sec > alarm_sec)
        alarm_min++;
      if (alarm_sec == 60) {
        alarm_sec = 0;
        alarm_min++;
      }
      alarm_min %= 60;
    } else if (cur_min == alarm_min) {
      if (alarm_sec == -1) alarm_sec = cur_sec + 1;
      alarm_sec %= 60;
    }
  }
  if (alarm_min == -1) alarm_min = 0;
  if (alarm_sec == -1) alarm_sec = 0;
  if (alarm_sec == 60) {
    alarm_sec = 0;
    alarm_min++;
  }
  if (alarm_min == 60) {
    alarm_min = 0;
    alarm_hour++;
  }
  alarm_hour %= 24;
  int32_t hour = alarm_hour - cur_hour;
  int32_t min = hour * 60 + alarm_min - cur_min;
  int32_t sec = min * 60 + alarm_sec - cur_sec;
  return sec <= 0 ? sec + 86400 : sec;
}

void CmosRtc::on_update_timer() {
  uint8_t irqs = kRegCUf;
  update_time();
  cmos_[kRegA] &= ~kRegAUip;  // a latched UIP ends with the update
  if (clock_.now() >= next_alarm_time_) irqs |= kRegCAf;
  uint8_t new_irqs = irqs & ~cmos_[kRegC];
  cmos_[kRegC] |= irqs;
  if (new_irqs & cmos_[kRegB]) {
    cmos_[kRegC] |= kRegCIrqf;
    irq_.raise();
  }
  check_update_timer();
}

bool CmosRtc::update_in_progress() {
  if (!running()) return false;
  if (update_timer_.armed()) {
    // Latch UIP until the update timer has fired, so a reader never sees it drop early.
    if (int64_t(clock_.now()) >= int64_t(update_timer_.deadline()) - kUipHoldLength) {
      cmos_[kRegA] |= kRegAUip;
      return true;
    }
  }
  return floor_mod(guest_rtc_ns(), kNsPerSecond) >= kNsPerSecond - kUipHoldLength;
}

uint8_t CmosRtc::read_byte(uint16_t port) {
  if (port != kBase + 1) return 0xFF;  // the index port reads 0xFF
  if (select_clock_byte(index_)) {
    if (running()) update_time();
    return cmos_[index_];
  }
  switch (index_) {
    case kRegA: {
      uint8_t ret = cmos_[kRegA];
      if (update_in_progress()) ret |= kRegAUip;
      return ret;
    }
    case kRegC: {
      uint8_t ret = cmos_[kRegC];
      irq_.lower();
      cmos_[kRegC] = 0;
      if (ret & (kRegCUf | kRegCAf)) check_update_timer();
      return ret;
    }
    default:
      return cmos_[index_];
  }
}

void CmosRtc::write_byte(uint16_t port, uint8_t data) {
  if (port == kBase) {
    index_ = data & 0x7F;  // bit 7 (NMI disable) is ignored
    return;
  }
  if (port != kBase + 1) return;
  if (select_clock_byte(index_)) {
    cmos_[index_] = data;
    if (running()) {  // in SET mode the clock restarts only when SET is cleared
      set_time();
      check_update_timer();
    }
    return;
  }
  switch (index_) {
    case kSecondsAlarm:
    case kMinutesAlarm:
    case kHoursAlarm:
      cmos_[index_] = data;
      check_update_timer();
      break;
    case kRegA: {
      bool update_periodic = (cmos_[kRegA] ^ data) & 0x0F;
      uint32_t old_period = periodic_clock_ticks();
      if ((data & 0x60) == 0x60) {
        if (running()) update_time();
        cmos_[kRegA] &= ~kRegAUip;
      } else if (((cmos_[kRegA] & 0x60) == 0x60) && (data & 0x70) <= 0x20) {
        // Leaving divider reset: the first update comes half a second later.
        if (!(cmos_[kRegB] & kRegBSet)) {
          offset_ = 500000000;
          set_time();
        }
        cmos_[kRegA] &= ~kRegAUip;
      }
      cmos_[kRegA] = uint8_t((data & ~kRegAUip) | (cmos_[kRegA] & kRegAUip));
      if (update_periodic) periodic_timer_update(clock_.now(), old_period, true);
      check_update_timer();
      break;
    }
    case kRegB: {
      bool update_periodic = (cmos_[kRegB] ^ data) & kRegBPie;
      uint32_t old_period = periodic_clock_ticks();
      if (data & kRegBSet) {
        if (running()) update_time();  // freeze the bytes at the current time
        cmos_[kRegA] &= ~kRegAUip;
        data &= ~kRegBUie;
      } else if ((cmos_[kRegB] & kRegBSet) && (cmos_[kRegA] & 0x70) <= 0x20) {
        // Leaving SET mode restarts the clock from the written bytes, same sub-second phase.
        offset_ = floor_mod(guest_rtc_ns(), kNsPerSecond);
        set_time();
      }
      // A flag that is already set raises IRQ8 as soon as its enable turns on.
      if (data & cmos_[kRegC] & kRegCMask) {
        cmos_[kRegC] |= kRegCIrqf;
        irq_.raise();
      } else {
        cmos_[kRegC] &= ~kRegCIrqf;
        irq_.lower();
      }
      cmos_[kRegB] = data;
      if (update_periodic) periodic_timer_update(clock_.now(), old_period, true);
      check_update_timer();
      break;
    }
    case kRegC:
    case kRegD:
      break;  // read-only
    default:
      cmos_[index_] = data;
      break;
  }
}

uint32_t CmosRtc::io_read(uint16_t port, unsigned size) {
  return read_bytewise(port, size, [this](uint16_t p) { return read_byte(p); });
}

void CmosRtc::io_write(uint16_t port, unsigned size, uint32_t value) {
  write_bytewise(port, size, value, [this](uint16_t p, uint8_t v) { write_byte(p, v); });
}

}  // namespace kjump
