// The MC146818 register map, as QEMU keeps it apart from the model in
// include/hw/rtc/mc146818rtc_regs.h: CMOS indices of the clock bytes and control registers,
// and the bits of registers A-C. The model (rtc.cpp) uses these names; tests and the
// debugger may too, when they read CmosRtc::cmos(). Values in comments are QEMU's names.
#pragma once

#include <cstdint>

namespace kjump::mc146818 {

// Clock bytes: BCD unless register B's DM bit is set.
constexpr uint8_t kSeconds = 0x00;       // RTC_SECONDS
constexpr uint8_t kSecondsAlarm = 0x01;  // RTC_SECONDS_ALARM
constexpr uint8_t kMinutes = 0x02;       // RTC_MINUTES
constexpr uint8_t kMinutesAlarm = 0x03;  // RTC_MINUTES_ALARM
constexpr uint8_t kHours = 0x04;         // RTC_HOURS (bit 7 = PM in 12-hour mode)
constexpr uint8_t kHoursAlarm = 0x05;    // RTC_HOURS_ALARM
constexpr uint8_t kDayOfWeek = 0x06;     // RTC_DAY_OF_WEEK, 1 = Sunday
constexpr uint8_t kDayOfMonth = 0x07;    // RTC_DAY_OF_MONTH
constexpr uint8_t kMonth = 0x08;         // RTC_MONTH
constexpr uint8_t kYear = 0x09;          // RTC_YEAR, 00-99
constexpr uint8_t kAlarmDontCare = 0xC0;  // RTC_ALARM_DONT_CARE: an alarm byte with both top bits set

// Control registers.
constexpr uint8_t kRegA = 0x0A;  // RTC_REG_A
constexpr uint8_t kRegB = 0x0B;  // RTC_REG_B
constexpr uint8_t kRegC = 0x0C;  // RTC_REG_C, read-only, cleared by reading
constexpr uint8_t kRegD = 0x0D;  // RTC_REG_D, read-only

// PC CMOS mappings: the century byte, and the IBM PS/2 alias that redirects to it.
constexpr uint8_t kCentury = 0x32;     // RTC_CENTURY
constexpr uint8_t kPs2Century = 0x37;  // RTC_IBM_PS2_CENTURY_BYTE

// Register A.
constexpr uint8_t kRegAUip = 0x80;  // REG_A_UIP

// Register B.
constexpr uint8_t kRegBSet = 0x80;   // REG_B_SET: freeze the clock bytes
constexpr uint8_t kRegBPie = 0x40;   // REG_B_PIE
constexpr uint8_t kRegBAie = 0x20;   // REG_B_AIE
constexpr uint8_t kRegBUie = 0x10;   // REG_B_UIE
constexpr uint8_t kRegBSqwe = 0x08;  // REG_B_SQWE
constexpr uint8_t kRegBDm = 0x04;    // REG_B_DM: binary, not BCD
constexpr uint8_t kRegB24h = 0x02;   // REG_B_24H

// Register C.
constexpr uint8_t kRegCIrqf = 0x80;  // REG_C_IRQF
constexpr uint8_t kRegCPf = 0x40;    // REG_C_PF
constexpr uint8_t kRegCAf = 0x20;    // REG_C_AF
constexpr uint8_t kRegCUf = 0x10;    // REG_C_UF
constexpr uint8_t kRegCMask = 0x70;  // REG_C_MASK: the three flags

}  // namespace kjump::mc146818
