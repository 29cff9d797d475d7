// The CPU state at a Multiboot kernel's first instruction, as QEMU 7.2 + SeaBIOS 1.16.2 +
// multiboot_dma.bin leave it (docs/pc-devices-reference.md §8.3). Plain data: the engine applies
// it; the loader only writes the option ROM's GDT into RAM so GDTR points at real bytes.
#pragma once

#include <array>
#include <cstdint>

namespace kjump {

// A segment register with its hidden descriptor cache.
struct SegmentCache {
  uint16_t selector;
  uint32_t base;
  uint32_t limit;  // in bytes, as cached (0xFFFFFFFF for a flat 4 GiB segment)
  uint8_t access;  // descriptor byte 5: P, DPL, S, type (0x9A code, 0x93 data)
  uint8_t flags;   // descriptor flag nibble G, D/B, L, AVL (0xC: 4 KiB granular, 32-bit)
  bool operator==(const SegmentCache&) const = default;
};

struct MultibootEntryState {
  uint32_t eax, ebx, ecx, edx, esi, edi, ebp, esp;
  uint32_t eip;
  uint32_t eflags;
  uint32_t cr0, cr2, cr3, cr4;
  uint64_t efer;
  uint32_t dr6, dr7;
  SegmentCache cs, ds, es, fs, gs, ss;
  SegmentCache ldtr, tr;  // null selectors; caches as `-d cpu` shows them
  uint32_t gdtr_base;
  uint16_t gdtr_limit;
  uint32_t idtr_base;
  uint16_t idtr_limit;
};

// Where multiboot_dma.bin's GDT sits once SeaBIOS has placed the option ROM.
inline constexpr uint32_t kSeabiosMultibootGdtAddr = 0xCB2B8;

// The option ROM's five descriptors, byte for byte: null, 0x08 flat 32-bit code, 0x10 flat
// 32-bit data, 0x18 16-bit code (64 KiB), 0x20 16-bit data (64 KiB). The accessed bits are
// clear, as in the ROM image: QEMU's segment loads try to set them, but SeaBIOS has made
// the option-ROM area read-only by then. Guests must not rely on this table.
inline constexpr std::array<uint8_t, 40> kSeabiosMultibootGdt = {
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  //
    0xFF, 0xFF, 0x00, 0x00, 0x00, 0x9A, 0xCF, 0x00,  //
    0xFF, 0xFF, 0x00, 0x00, 0x00, 0x92, 0xCF, 0x00,  //
    0xFF, 0xFF, 0x00, 0x00, 0x00, 0x9E, 0x00, 0x00,  //
    0xFF, 0xFF, 0x00, 0x00, 0x00, 0x92, 0x00, 0x00,  //
};

// The state for a kernel entered at `entry` with the MBI at `mbi_addr` (0x9500 for QEMU).
MultibootEntryState multiboot_entry_state(uint32_t entry, uint32_t mbi_addr);

}  // namespace kjump
