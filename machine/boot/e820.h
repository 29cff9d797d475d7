// The BIOS memory map (INT 15h/E820) that QEMU 7.2 + SeaBIOS 1.16.2 give a pc machine
// without a PCI hole, and the Multiboot mem_lower/mem_upper derived from it the way the
// multiboot_dma.bin option ROM derives them (docs/pc-devices-reference.md §8.2).
#pragma once

#include <cstdint>
#include <vector>

namespace kjump {

enum class E820Type : uint32_t { Ram = 1, Reserved = 2 };

struct E820Entry {
  uint64_t base;
  uint64_t length;
  E820Type type;
  bool operator==(const E820Entry&) const = default;
};

// SeaBIOS's fixed reservations, in the order its list is sorted.
inline constexpr uint64_t kEbdaBase = 0x9FC00;         // 1 KiB EBDA below 640 KiB
inline constexpr uint64_t kBiosAreaBase = 0xF0000;     // 64 KiB BIOS segment
inline constexpr uint64_t kHighMemory = 0x100000;      // 1 MiB
inline constexpr uint64_t kSeabiosHighTable = 0x20000; // top 128 KiB of RAM: SeaBIOS tables
inline constexpr uint64_t kBiosRomBase = 0xFFFC0000;   // 256 KiB BIOS flash below 4 GiB

// mem_lower: INT 12h with SeaBIOS's 1 KiB EBDA.
inline constexpr uint32_t kMultibootMemLowerKib = kEbdaBase / 1024;  // 639

// Smallest and (exclusive) largest RAM we model. Above 0xE0000000 QEMU's i440fx splits RAM
// around the PCI hole (from exactly 3.5 GiB on, with gigabyte alignment), which we do not do.
inline constexpr uint64_t kMinRamSize = 2ull << 20;
inline constexpr uint64_t kRamSizeLimit = 0xE0000000;

// Throws BootError unless ram_size is in [2 MiB, 3.5 GiB) and a multiple of 8 KiB (what
// QEMU rounds -m up to, softmmu/vl.c).
void check_ram_size(uint64_t ram_size);

// The six entries of §8.2 for this RAM size (checked with check_ram_size).
std::vector<E820Entry> seabios_e820_map(uint64_t ram_size);

// KiB of type-1 RAM contiguous from 1 MiB, computed as the option ROM does: grow a cursor
// from 1 MiB through any RAM entry (below 4 GiB) containing it, rescanning the whole
// (unordered) map after each step, with the ROM's 32-bit arithmetic.
uint32_t multiboot_mem_upper_kib(const std::vector<E820Entry>& map);

}  // namespace kjump
