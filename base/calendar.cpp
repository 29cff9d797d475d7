// The calendar helpers of calendar.h. Every formula is integer-only; the comments name the
// source of each, since the constants are not obvious.
#include "base/calendar.h"

#include <cstdio>
#include <stdexcept>
#include <string>

namespace kjump {

// H. Hinnant, "chrono-Compatible Low-Level Date Algorithms": the year is shifted to start in
// March, so the leap day is the last day of a year and the month lengths follow 153/5.
int64_t days_from_civil(int year, int month, int day) {
  int64_t y = int64_t(year) - (month <= 2);
  int64_t era = floor_div(y, 400);
  int64_t yoe = y - era * 400;
  int64_t mp = month > 2 ? month - 3 : month + 9;
  int64_t doy = (153 * mp + 2) / 5 + day - 1;
  int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

CivilDate civil_from_days(int64_t z) {
  z += 719468;
  int64_t era = floor_div(z, 146097);
  int64_t doe = z - era * 146097;
  int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t y = yoe + era * 400;
  int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  int64_t mp = (5 * doy + 2) / 153;
  CivilDate c{};
  c.day = int(doy - (153 * mp + 2) / 5 + 1);
  c.month = int(mp < 10 ? mp + 3 : mp - 9);
  c.year = int(y + (c.month <= 2));
  return c;
}

// QEMU's mktimegm, the same March-based formula with C's truncating division.
int64_t mktimegm(int year, int month, int day, int hour, int minute, int second) {
  int64_t y = year, m = month, d = day;
  if (m < 3) {
    m += 12;
    y--;
  }
  int64_t t = kSecondsPerDay * (d + (153 * m - 457) / 5 + 365 * y + y / 4 - y / 100 + y / 400 - 719469);
  return t + 3600LL * hour + 60LL * minute + second;
}

CivilTime CivilTime::parse(std::string_view text) {
  CivilTime t;
  std::string s(text);
  int n = 0;
  char tail = 0;
  bool ok = false;
  if (s.size() == 19 && std::sscanf(s.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%n", &t.year, &t.month, &t.day, &t.hour,
                                    &t.minute, &t.second, &n) == 6 && n == 19) {
    ok = true;
  } else if (s.size() == 10 && std::sscanf(s.c_str(), "%4d-%2d-%2d%n%c", &t.year, &t.month, &t.day, &n, &tail) == 3 &&
             n == 10) {
    t.hour = t.minute = t.second = 0;
    ok = true;
  }
  ok = ok && t.month >= 1 && t.month <= 12 && t.day >= 1 && t.day <= 31 && t.hour <= 23 && t.minute <= 59 &&
       t.second <= 59 && t.hour >= 0 && t.minute >= 0 && t.second >= 0;
  // mktimegm folds 2021-02-30 into March; the day then no longer matches.
  if (ok) ok = from_unix_seconds(t.to_unix_seconds()).day == t.day;
  if (!ok) throw std::invalid_argument("'" + s + "' is not YYYY-MM-DD[THH:MM:SS]");
  return t;
}

CivilTime CivilTime::from_unix_seconds(int64_t unix_seconds) {
  int64_t days = floor_div(unix_seconds, kSecondsPerDay);
  int64_t sod = unix_seconds - days * kSecondsPerDay;
  CivilDate date = civil_from_days(days);
  CivilTime c;
  c.year = date.year;
  c.month = date.month;
  c.day = date.day;
  c.hour = int(sod / 3600);
  c.minute = int(sod / 60 % 60);
  c.second = int(sod % 60);
  return c;
}

int64_t CivilTime::to_unix_seconds() const { return mktimegm(year, month, day, hour, minute, second); }

int CivilTime::weekday() const { return weekday_from_days(days_from_civil(year, month, day)); }

}  // namespace kjump
