// The CPU as a Multiboot loader leaves it, for engine-level tests: flat 32-bit protected mode
// (GDT at 0x500: code 0x08, data 0x10), paging off, `code` at 0x1000 and EIP there, ESP 0x7000.
#pragma once

#include <cstdint>
#include <vector>

#include "emu/engine.h"

namespace kjump::test {

inline void boot_flat(Engine& e, const std::vector<uint8_t>& code) {
  e.ram().write_phys(0x1000, code.data(), code.size());
  const uint64_t gdt[3] = {0, 0x00cf9a000000ffffull, 0x00cf93000000ffffull};
  e.ram().write_phys(0x500, gdt, sizeof gdt);
  e.set_gdtr({0x500, sizeof gdt - 1});
  e.load_flat_segments(0x08, 0x10);
  e.set_reg(Reg::EIP, 0x1000);
  e.set_reg(Reg::ESP, 0x7000);
}

}  // namespace kjump::test
