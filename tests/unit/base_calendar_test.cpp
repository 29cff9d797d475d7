#include <doctest/doctest.h>

#include <array>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <string>

#include "base/calendar.h"
#include "base/muldiv.h"

using namespace kjump;

TEST_CASE("base: floor_div and floor_mod round toward negative infinity") {
  CHECK(floor_div(7, 2) == 3);
  CHECK(floor_mod(7, 2) == 1);
  CHECK(floor_div(-7, 2) == -4);
  CHECK(floor_mod(-7, 2) == 1);
  CHECK(floor_div(7, -2) == -4);
  CHECK(floor_mod(7, -2) == -1);
  CHECK(floor_div(-8, 2) == -4);  // exact: no adjustment
  CHECK(floor_mod(-8, 2) == 0);
  CHECK(floor_div(-1, kSecondsPerDay) == -1);
  CHECK(floor_mod(-1, kSecondsPerDay) == 86399);
  CHECK(floor_div(-86400, kSecondsPerDay) == -1);
  CHECK(floor_div(-86401, kSecondsPerDay) == -2);
  static_assert(floor_div(-1, 1000000000) == -1 && floor_mod(-1, 1000000000) == 999999999);
}

TEST_CASE("base: days_from_civil and civil_from_days on known dates") {
  struct Known {
    int y, m, d;
    int64_t days;
    int weekday;
  };
  const Known known[] = {
      {1970, 1, 1, 0, 4},         {1969, 12, 31, -1, 3},      {2000, 3, 1, 11017, 3},
      {2024, 2, 29, 19782, 4},    {1900, 2, 28, -25509, 3},   {1900, 3, 1, -25508, 4},
      {1600, 2, 29, -135081, 2},  {2100, 3, 1, 47541, 1},     {1, 1, 1, -719162, 1},
      {9999, 12, 31, 2932896, 5}, {0, 3, 1, -719468, 3},      {0, 1, 1, -719528, 6},
      {-1, 12, 31, -719529, 5},
  };
  for (const Known& k : known) {
    CAPTURE(k.y);
    CAPTURE(k.m);
    CAPTURE(k.d);
    CHECK(days_from_civil(k.y, k.m, k.d) == k.days);
    CivilDate c = civil_from_days(k.days);
    CHECK(c.year == k.y);
    CHECK(c.month == k.m);
    CHECK(c.day == k.d);
    CHECK(weekday_from_days(k.days) == k.weekday);
  }
}

TEST_CASE("base: leap years follow the Gregorian 4/100/400 rule") {
  auto feb_days = [](int year) { return int(days_from_civil(year, 3, 1) - days_from_civil(year, 2, 1)); };
  CHECK(feb_days(2023) == 28);
  CHECK(feb_days(2024) == 29);
  CHECK(feb_days(1900) == 28);
  CHECK(feb_days(2100) == 28);
  CHECK(feb_days(2000) == 29);
  CHECK(feb_days(1600) == 29);
  CHECK(feb_days(0) == 29);
  CHECK(feb_days(-4) == 29);
  CHECK(days_from_civil(2001, 1, 1) - days_from_civil(2000, 1, 1) == 366);
  CHECK(days_from_civil(2101, 1, 1) - days_from_civil(2100, 1, 1) == 365);
  CHECK(days_from_civil(2400, 1, 1) - days_from_civil(2000, 1, 1) == 146097);  // one 400-year era
}

TEST_CASE("base: civil_from_days is the inverse of days_from_civil, and mktimegm agrees on valid dates") {
  for (int64_t z = -800000; z <= 3000000; z += 997) {
    CivilDate c = civil_from_days(z);
    CAPTURE(z);
    REQUIRE(days_from_civil(c.year, c.month, c.day) == z);
    REQUIRE(c.month >= 1);
    REQUIRE(c.month <= 12);
    REQUIRE(c.day >= 1);
    REQUIRE(c.day <= 31);
    // QEMU's formula divides with C truncation: exact from year 1 on.
    if (c.year >= 1) REQUIRE(mktimegm(c.year, c.month, c.day, 0, 0, 0) == z * kSecondsPerDay);
  }
}

TEST_CASE("base: mktimegm folds out-of-range fields as QEMU does") {
  const int64_t new_year_2020 = mktimegm(2020, 1, 1, 0, 0, 0);
  CHECK(new_year_2020 == 1577836800);
  CHECK(mktimegm(2019, 13, 1, 0, 0, 0) == new_year_2020);         // month 13 is next January
  CHECK(mktimegm(2019, 12, 32, 0, 0, 0) == new_year_2020);        // day 32 is the 1st
  CHECK(mktimegm(2019, 12, 31, 24, 0, 0) == new_year_2020);       // hour 24 is midnight
  CHECK(mktimegm(2019, 12, 31, 23, 59, 60) == new_year_2020);     // second 60 carries
  CHECK(mktimegm(2021, 2, 30, 0, 0, 0) == mktimegm(2021, 3, 2, 0, 0, 0));
  CHECK(mktimegm(2020, 1, 1, -1, 0, 0) == new_year_2020 - 3600);  // negative fields borrow
  CHECK(mktimegm(1901, 12, 13, 20, 45, 52) == -2147483648LL);     // before 1970
}

TEST_CASE("base: CivilTime parses QEMU's -rtc base= forms and breaks instants down") {
  CivilTime t = CivilTime::parse("2038-01-19T03:14:08");
  CHECK(t.to_unix_seconds() == 2147483648LL);  // past 32 bits
  CHECK(t.weekday() == 2);                     // a Tuesday
  CivilTime midnight = CivilTime::parse("2024-02-29");
  CHECK(midnight.hour == 0);
  CHECK(midnight.to_unix_seconds() == 19782 * kSecondsPerDay);
  CHECK(CivilTime{}.to_unix_seconds() == 0);  // the default is the Unix epoch

  CHECK_THROWS_AS(CivilTime::parse("2100-02-29"), std::invalid_argument);  // not a leap year
  CHECK_THROWS_AS(CivilTime::parse("2021-04-31"), std::invalid_argument);
  CHECK_THROWS_AS(CivilTime::parse("2021-13-01"), std::invalid_argument);
  CHECK_THROWS_AS(CivilTime::parse("2021-01-01T24:00:00"), std::invalid_argument);
  CHECK_THROWS_AS(CivilTime::parse("2021-01-01T00:00:00Z"), std::invalid_argument);
  CHECK_THROWS_AS(CivilTime::parse("2021-01-01x"), std::invalid_argument);
  CHECK_THROWS_AS(CivilTime::parse(""), std::invalid_argument);
  try {
    CivilTime::parse("soon");
    FAIL("parse accepted 'soon'");
  } catch (const std::invalid_argument& e) {
    CHECK(std::string(e.what()).find("'soon'") != std::string::npos);  // the message names the text
  }

  auto fields = [](const CivilTime& c) {
    return std::array<int, 6>{c.year, c.month, c.day, c.hour, c.minute, c.second};
  };
  CHECK(fields(CivilTime::from_unix_seconds(-2147483648LL)) == std::array<int, 6>{1901, 12, 13, 20, 45, 52});
  // Floor, not truncation: one second before 1969-12-31 is the 30th, not the 31st.
  CHECK(fields(CivilTime::from_unix_seconds(-86401)) == std::array<int, 6>{1969, 12, 30, 23, 59, 59});
  for (int64_t s : {int64_t(0), int64_t(-1), int64_t(951782399), int64_t(4102444800), int64_t(-62135596800)}) {
    CAPTURE(s);
    CHECK(CivilTime::from_unix_seconds(s).to_unix_seconds() == s);
  }
}

TEST_CASE("base: muldiv64 keeps the 128-bit product") {
  constexpr uint64_t kMax = std::numeric_limits<uint64_t>::max();
  static_assert(muldiv64(10, 1, 3) == 3);  // rounds down
  CHECK(muldiv64(kMax, kMax, kMax) == kMax);
  CHECK(muldiv64(uint64_t(1) << 63, 1193182, 1000000000) == 11005161493678455ull);
  CHECK(muldiv64(1000000000000000000ull, 1193182, 1000000000) == 1193182000000000ull);
  CHECK(muldiv64(uint64_t(1) << 40, uint64_t(1) << 40, uint64_t(1) << 60) == uint64_t(1) << 20);
  CHECK(muldiv64(0, kMax, 1) == 0);
  CHECK(muldiv64(1193181, 1000000000, 1193182) == 999999161);  // just under a second of PIT ticks
}
