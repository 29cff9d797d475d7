#include <doctest/doctest.h>

#include "machine/boot/boot_error.h"
#include "machine/boot/e820.h"

using namespace kjump;

TEST_CASE("boot e820: the map QEMU+SeaBIOS give a 128 MiB pc (docs/pc-devices-reference.md §8.2)") {
  std::vector<E820Entry> expected = {
      {0x0, 0x9FC00, E820Type::Ram},
      {0x9FC00, 0x400, E820Type::Reserved},
      {0xF0000, 0x10000, E820Type::Reserved},
      {0x100000, 0x7EE0000, E820Type::Ram},
      {0x7FE0000, 0x20000, E820Type::Reserved},
      {0xFFFC0000, 0x40000, E820Type::Reserved},
  };
  auto map = seabios_e820_map(128ull << 20);
  CHECK(map == expected);
  CHECK(multiboot_mem_upper_kib(map) == 129920);
  CHECK(kMultibootMemLowerKib == 639);
}

TEST_CASE("boot e820: 64 MiB moves only the top RAM entry and SeaBIOS's high tables") {
  auto map = seabios_e820_map(64ull << 20);
  REQUIRE(map.size() == 6);
  CHECK(map[3] == E820Entry{0x100000, 0x3EE0000, E820Type::Ram});
  CHECK(map[4] == E820Entry{0x3FE0000, 0x20000, E820Type::Reserved});
  CHECK(multiboot_mem_upper_kib(map) == 64384);
}

TEST_CASE("boot e820: mem_upper follows contiguous RAM from 1 MiB in an unsorted map, as the ROM does") {
  std::vector<E820Entry> map = {
      {0x300000, 0x100000, E820Type::Ram},   // contiguous, but listed first
      {0x200000, 0x100000, E820Type::Ram},
      {0x100000, 0x100000, E820Type::Ram},
      {0x400000, 0x100000, E820Type::Reserved},
      {0x500000, 0x100000, E820Type::Ram},   // after a hole: not counted
  };
  CHECK(multiboot_mem_upper_kib(map) == 3 * 1024);
  CHECK(multiboot_mem_upper_kib({{0, 0x9FC00, E820Type::Ram}}) == 0);
  // Entries above 4 GiB are skipped even if their low half would match.
  CHECK(multiboot_mem_upper_kib({{0x100100000ull, 0x100000, E820Type::Ram}, {0x100000, 0x1000, E820Type::Ram}}) == 4);
}

TEST_CASE("boot e820: RAM sizes below 2 MiB or from 3.5 GiB or not 8 KiB multiples are refused") {
  CHECK_NOTHROW(seabios_e820_map(2ull << 20));
  CHECK(multiboot_mem_upper_kib(seabios_e820_map(2ull << 20)) == 896);
  CHECK_NOTHROW(seabios_e820_map(0xE0000000 - 8192));
  CHECK_THROWS_WITH_AS(seabios_e820_map(1ull << 20), "--mem 1M is too small: the PC memory map needs at least 2M",
                       BootError);
  CHECK_THROWS_WITH_AS(
      seabios_e820_map(0xE0000000),
      "--mem 3584M is too large: RAM from 3.5G up would need the PCI hole split, which is not modelled", BootError);
  CHECK_THROWS_AS(seabios_e820_map(4ull << 30), BootError);
  CHECK_THROWS_WITH_AS(seabios_e820_map((64ull << 20) + 4096),
                       "--mem 65540K is not a multiple of 8K (QEMU rounds -m up to 8K)", BootError);
}
