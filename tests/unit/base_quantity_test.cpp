// The one grammar for numbers, sizes and durations (base/quantity.h), shared by the CLI and
// the scenario language.
#include <doctest/doctest.h>

#include <stdexcept>

#include "base/quantity.h"

using namespace kjump;

TEST_CASE("quantity: numbers are decimal or 0x hex") {
  CHECK(parse_number("0") == 0);
  CHECK(parse_number("4096") == 4096);
  CHECK(parse_number("0x9500") == 0x9500);
  CHECK(parse_number("0XfF") == 255);
  CHECK_THROWS_WITH_AS(parse_number("12a"), "bad number '12a' (decimal or 0x hex)", std::invalid_argument);
  CHECK_THROWS_WITH_AS(parse_number(""), "bad number ''", std::invalid_argument);
  CHECK_THROWS_AS(parse_number("0x"), std::invalid_argument);
  CHECK_THROWS_WITH_AS(parse_number("18446744073709551616"), "number '18446744073709551616' is too large",
                       std::invalid_argument);
}

TEST_CASE("quantity: sizes take K/M/G in either case, with an optional iB or B") {
  CHECK(parse_size("4096") == 4096);
  CHECK(parse_size("640K") == 640 * 1024);
  CHECK(parse_size("640k") == 640 * 1024);
  CHECK(parse_size("128M") == 128ull << 20);
  CHECK(parse_size("128MiB") == 128ull << 20);
  CHECK(parse_size("128MB") == 128ull << 20);
  CHECK(parse_size("128mib") == 128ull << 20);
  CHECK(parse_size("2G") == 2ull << 30);
  CHECK(parse_size("3g") == 3ull << 30);
  CHECK(parse_size("512B") == 512);
  CHECK(parse_size("0x1000") == 4096);
  CHECK(parse_size("0x10M") == 16ull << 20);
  CHECK(parse_size("0") == 0);
  CHECK(parse_size("16777215G") == 16777215ull << 30);
  CHECK(parse_size("18446744073709551615") == 18446744073709551615ull);
  CHECK_THROWS_WITH_AS(parse_size("12Q"), "bad size '12Q' (a number with an optional K, M or G suffix: 640K, 128M, 128MiB)",
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(parse_size("17179869184G"), "size '17179869184G' is too large", std::invalid_argument);
  CHECK_THROWS_WITH_AS(parse_size("18446744073709551616"), "size '18446744073709551616' is too large", std::invalid_argument);
  for (const char* bad : {"", "M", "12iB", "12 M", "-1", "1.5G", "12MiBs", "0x"}) {
    CAPTURE(bad);
    CHECK_THROWS_AS(parse_size(bad), std::invalid_argument);
  }
}

TEST_CASE("quantity: format_size is the shortest form parse_size reads back") {
  CHECK(format_size(128ull << 20) == "128M");
  CHECK(format_size(2ull << 30) == "2G");
  CHECK(format_size(1536 * 1024) == "1536K");
  CHECK(format_size(12345) == "12345");
  for (uint64_t v : {uint64_t(0), uint64_t(1536 * 1024), uint64_t(3) << 30, uint64_t(12345)}) CHECK(parse_size(format_size(v)) == v);
}

TEST_CASE("quantity: durations are instructions or virtual time") {
  Duration d = parse_duration("10M");
  CHECK(d.unit == Duration::Unit::Instructions);
  CHECK(d.amount == 10'000'000);
  CHECK(d.spelling == "10M");
  CHECK(parse_duration("5000").amount == 5000);
  CHECK(parse_duration("3K").amount == 3000);
  CHECK(parse_duration("2G").amount == 2'000'000'000);
  d = parse_duration("10ms");
  CHECK(d.unit == Duration::Unit::VirtualNs);
  CHECK(d.amount == 10'000'000);
  CHECK(parse_duration("250us").amount == 250'000);
  CHECK(parse_duration("2s").amount == 2'000'000'000);
  CHECK(parse_duration("7ns").amount == 7);
  CHECK_THROWS_AS(parse_duration("10h"), std::invalid_argument);
  CHECK_THROWS_AS(parse_duration("ms"), std::invalid_argument);
  CHECK_THROWS_WITH_AS(parse_duration("18446744073709551615s"), "duration '18446744073709551615s' is too large",
                       std::invalid_argument);
}
