#include "machine/boot/e820.h"

#include "machine/boot/boot_error.h"
#include "base/quantity.h"

namespace kjump {

void check_ram_size(uint64_t ram_size) {
  if (ram_size < kMinRamSize) {
    throw BootError("--mem " + format_size(ram_size) + " is too small: the PC memory map needs at least 2M");
  }
  if (ram_size >= kRamSizeLimit) {
    throw BootError("--mem " + format_size(ram_size) +
                    " is too large: RAM from 3.5G up would need the PCI hole split, which is not modelled");
  }
  if (ram_size % 8192 != 0) {
    throw BootError("--mem " + format_size(ram_size) + " is not a multiple of 8K (QEMU rounds -m up to 8K)");
  }
}

std::vector<E820Entry> seabios_e820_map(uint64_t ram_size) {
  check_ram_size(ram_size);
  const uint64_t high_table = ram_size - kSeabiosHighTable;
  return {
      {0, kEbdaBase, E820Type::Ram},
      {kEbdaBase, 0x400, E820Type::Reserved},
      {kBiosAreaBase, 0x10000, E820Type::Reserved},
      {kHighMemory, high_table - kHighMemory, E820Type::Ram},
      {high_table, kSeabiosHighTable, E820Type::Reserved},
      {kBiosRomBase, 0x40000, E820Type::Reserved},
  };
}

uint32_t multiboot_mem_upper_kib(const std::vector<E820Entry>& map) {
  uint32_t cursor = 0x100000;
  size_t i = 0;
  while (i < map.size()) {
    const E820Entry& e = map[i];
    const uint32_t base = static_cast<uint32_t>(e.base);
    const uint32_t end = base + static_cast<uint32_t>(e.length);  // wraps like the ROM's addl
    if (e.type == E820Type::Ram && (e.base >> 32) == 0 && base <= cursor && cursor < end) {
      cursor = end;
      i = 0;  // the map is not guaranteed sorted: start over
      continue;
    }
    ++i;
  }
  return (cursor - 0x100000) >> 10;
}

}  // namespace kjump
