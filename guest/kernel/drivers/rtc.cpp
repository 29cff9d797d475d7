#include "drivers/rtc.h"

#include "arch/x86.h"
#include "pm/pm.h"

namespace kjump {
namespace {

constexpr uint16_t kIndex = 0x70, kData = 0x71;
enum : uint8_t {
  SEC = 0x00, MIN = 0x02, HOUR = 0x04, DAY = 0x07, MONTH = 0x08, YEAR = 0x09,
  REG_A = 0x0A, REG_B = 0x0B, CENTURY = 0x32,
};
constexpr uint8_t kRegAUpdateInProgress = 0x80;
constexpr uint8_t kRegBBinary = 0x04;
constexpr uint8_t kRegB24Hour = 0x02;

uint8_t cmos_read(uint8_t index) {
  x86::outb(kIndex, index);
  return x86::inb(kData);
}

struct Raw {
  uint8_t sec, min, hour, day, month, year, century;
  bool operator==(const Raw&) const = default;
};

Raw read_raw() {
  // Wait out an update, then read. The caller compares two reads, so a rollover between the UIP
  // check and the reads is caught too.
  while (cmos_read(REG_A) & kRegAUpdateInProgress) {
  }
  return Raw{cmos_read(SEC), cmos_read(MIN), cmos_read(HOUR), cmos_read(DAY),
             cmos_read(MONTH), cmos_read(YEAR), cmos_read(CENTURY)};
}

uint8_t from_bcd(uint8_t v) { return static_cast<uint8_t>((v >> 4) * 10 + (v & 0x0F)); }

// Nothing to quiesce (we use no RTC interrupt), but the RTC is a device like any other and
// phase 2 wants the full list.
PmDevice g_pm{"rtc_cmos", {nullptr, nullptr, nullptr, nullptr, nullptr, nullptr}, PmStage::On, nullptr};

}  // namespace

void rtc_init() { pm_register(&g_pm); }

DateTime rtc_read() {
  Raw a = read_raw();
  for (;;) {
    Raw b = read_raw();
    if (a == b) break;
    a = b;
  }
  uint8_t b_reg = cmos_read(REG_B);
  bool pm = false;
  if (!(b_reg & kRegB24Hour)) {
    pm = a.hour & 0x80;
    a.hour &= 0x7F;
  }
  if (!(b_reg & kRegBBinary)) {
    a.sec = from_bcd(a.sec);
    a.min = from_bcd(a.min);
    a.hour = from_bcd(a.hour);
    a.day = from_bcd(a.day);
    a.month = from_bcd(a.month);
    a.year = from_bcd(a.year);
    a.century = from_bcd(a.century);
  }
  if (!(b_reg & kRegB24Hour)) a.hour = static_cast<uint8_t>(a.hour % 12 + (pm ? 12 : 0));
  uint16_t century = a.century ? a.century : 20;  // byte 0x32 is a PC convention, not a given
  return DateTime{static_cast<uint16_t>(century * 100 + a.year), a.month, a.day, a.hour, a.min,
                  a.sec};
}

}  // namespace kjump
