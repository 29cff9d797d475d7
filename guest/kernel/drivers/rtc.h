// MC146818 CMOS RTC (index 0x70, data 0x71): wall-clock date and time, read safely.
#pragma once
#include <stdint.h>

namespace kjump {

struct DateTime {
  uint16_t year;
  uint8_t month, day, hour, minute, second;
};

void rtc_init();
DateTime rtc_read();

}  // namespace kjump
