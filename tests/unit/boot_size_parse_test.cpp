#include <doctest/doctest.h>

#include "machine/boot/boot_error.h"
#include "machine/boot/size_parse.h"

using namespace kjump;

TEST_CASE("boot size: plain bytes and K/M/G suffixes in powers of 1024") {
  CHECK(parse_size("4096") == 4096);
  CHECK(parse_size("640K") == 640 * 1024);
  CHECK(parse_size("640k") == 640 * 1024);
  CHECK(parse_size("128M") == 134217728);
  CHECK(parse_size("128m") == 134217728);
  CHECK(parse_size("128MiB") == 134217728);
  CHECK(parse_size("128MB") == 134217728);
  CHECK(parse_size("128mib") == 134217728);
  CHECK(parse_size("2G") == 2147483648ull);
  CHECK(parse_size("3g") == 3221225472ull);
  CHECK(parse_size("512B") == 512);
  CHECK(parse_size("16777215G") == 16777215ull << 30);
  CHECK(parse_size("18446744073709551615") == 18446744073709551615ull);
}

TEST_CASE("boot size: anything else is one clear error naming the text") {
  CHECK_THROWS_WITH_AS(parse_size("12Q"), "bad size '12Q': expected a whole number of bytes with an optional K, M or G suffix",
                       BootError);
  CHECK_THROWS_WITH_AS(parse_size("0"), "bad size '0': must be greater than zero", BootError);
  CHECK_THROWS_WITH_AS(parse_size("0M"), "bad size '0M': must be greater than zero", BootError);
  CHECK_THROWS_WITH_AS(parse_size("17179869184G"), "bad size '17179869184G': too large", BootError);
  CHECK_THROWS_WITH_AS(parse_size("18446744073709551616"), "bad size '18446744073709551616': too large", BootError);
  for (const char* bad : {"", "M", "-1", "1.5M", "12 M", " 12M", "12M ", "4iB", "12MM", "12MiBB", "0x100", "12T"}) {
    CAPTURE(bad);
    CHECK_THROWS_AS(parse_size(bad), BootError);
  }
}

TEST_CASE("boot size: formatted in the shortest exact unit, QEMU rounds RAM to 8 KiB") {
  CHECK(format_size(128ull << 20) == "128M");
  CHECK(format_size(2ull << 30) == "2G");
  CHECK(format_size(1536 * 1024) == "1536K");
  CHECK(format_size(12345) == "12345");
  CHECK(parse_size(format_size(1536 * 1024)) == 1536 * 1024);
  CHECK(qemu_round_ram_size(128ull << 20) == 128ull << 20);
  CHECK(qemu_round_ram_size((128ull << 20) + 1) == (128ull << 20) + 8192);
  CHECK(qemu_round_ram_size(8191) == 8192);
  CHECK(qemu_round_ram_size(~0ull) == ~0ull / 8192 * 8192);
}
