// Calendar arithmetic in plain integers: the proleptic Gregorian calendar in UTC, with no
// time zone, no leap seconds and no host time function, so the same inputs give the same
// answer on every host. Used for clocks a guest reads (the CMOS RTC) and for parsing the
// date-times a user gives; nothing here knows about devices.
//
// Two conversions from a date to seconds exist on purpose:
//   - days_from_civil (H. Hinnant's algorithm) is exact for every valid date, before 1970
//     and before year 0 included, and is the inverse of civil_from_days;
//   - mktimegm is QEMU's (util/cutils.c): it accepts out-of-range fields (month 13, day 0,
//     hour 25) and folds them the way QEMU does, which is what a guest writing odd values
//     into clock registers must see.
#pragma once

#include <cstdint>
#include <string_view>

namespace kjump {

// Division that rounds toward negative infinity, and the remainder that goes with it (it has
// the sign of `b`): floor_div(-1, 86400) == -1, floor_mod(-1, 86400) == 86399.
constexpr int64_t floor_div(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }
constexpr int64_t floor_mod(int64_t a, int64_t b) { return a - floor_div(a, b) * b; }

constexpr int64_t kSecondsPerDay = 86400;

struct CivilDate {
  int year, month, day;  // month 1..12, day 1..31
};

// Days since 1970-01-01 of a valid civil date, and back.
int64_t days_from_civil(int year, int month, int day);
CivilDate civil_from_days(int64_t days);

// Day of the week of a day count since 1970-01-01 (a Thursday): 0 = Sunday .. 6 = Saturday.
constexpr int weekday_from_days(int64_t days) { return int(floor_mod(days + 4, 7)); }

// Seconds since 1970-01-01T00:00:00 UTC, QEMU's mktimegm (see the top of this file).
int64_t mktimegm(int year, int month, int day, int hour, int minute, int second);

// A UTC calendar instant, to the second.
struct CivilTime {
  int year = 1970, month = 1, day = 1, hour = 0, minute = 0, second = 0;

  // "YYYY-MM-DDTHH:MM:SS" or "YYYY-MM-DD" (midnight), the forms of QEMU's -rtc base=. A
  // date that does not exist (2023-02-29) is refused. Throws std::invalid_argument naming
  // the text on anything else; callers add what the text was for.
  static CivilTime parse(std::string_view text);

  // Breaks down any instant, negative ones included (floor: -1 is 1969-12-31T23:59:59).
  static CivilTime from_unix_seconds(int64_t unix_seconds);
  int64_t to_unix_seconds() const;  // through mktimegm
  int weekday() const;              // 0 = Sunday
};

}  // namespace kjump
