// The hibernation image, format v1: what the guest's `makedumpfile` (kernel B, seed step 7)
// writes to a disk partition, what the guest's `kexec -l --args-none /dev/hdaN` (kernel C, seed
// step 9) loads, and what the host's `kjump image info|verify|extract` read.
//
// On the partition, in 512-byte sectors from its first sector (all fields little-endian):
//   sector 0                  ImageHeader, zero-padded to 512 bytes
//   table_sector ...          ImageRange[range_count]
//   notes_sector ...          notes_size bytes: A's ELF notes as /proc/vmcore merged them
//                             (NT_PRSTATUS with A's registers at the jump, VMCOREINFO, KJUMP)
//   data_sector ...           the ranges' pages, in table order, each range's pages in a row
//   total_sectors             sectors in all, header included
//
// What is saved: A's memory outside the window B ran in (/proc/vmcore's PT_LOADs from A's core
// header), minus the pages A's allocator had free (VMCOREINFO's page_bitmap). A's contents of
// the window are in A's backup pages, outside it, so they are saved once, there; a reader that
// wants them at their own addresses walks A's indirection list from the control page that
// holds jump_back_entry (image/window_pages.h does). Pages that are all zero are ranges with
// kRangeZero and no data: C must zero them (they are A's zeroed .bss, page tables ...; C's
// memory there holds C's own data). A resumes by C copying every range to its physical
// address and entering jump_back_entry: A's own re-entry code then swaps its window back from
// its backup pages, as after any jump back.
//
// Checks (CRC-32, IEEE, reflected polynomial 0xEDB88320, as zlib's crc32; abi/crc32.h):
//   header_crc over the header_size bytes of the header with header_crc set to zero;
//   table_crc over the range table, notes_crc over the notes, and each data range's data_crc
//   over that range's pages (a chunk is one range, at most kMaxRangePages pages; a kRangeZero
//   range has no data and data_crc 0).
//
// Power-cut rule: the writer first replaces sector 0 with zeroes and flushes, then writes the
// table, notes and data, flushes, and writes the header last and flushes. A cut anywhere leaves
// no header (no image) or the whole image; a reader also refuses any range whose data_crc does
// not match, so a half-written image is never accepted.
//
// Freestanding: includes only <stddef.h> and <stdint.h>.
#pragma once
#include <stddef.h>
#include <stdint.h>

namespace kjump::hibernate {

constexpr uint8_t kMagic[8] = {'K', 'J', 'H', 'I', 'B', 'E', 'R', 'N'};
constexpr uint32_t kVersion = 1;
constexpr uint32_t kSectorSize = 512;
constexpr uint32_t kPageSize = 4096;
constexpr uint32_t kSectorsPerPage = kPageSize / kSectorSize;
constexpr uint32_t kMaxRangePages = 256;   // one chunk: 1 MiB
constexpr uint32_t kMaxRanges = 1u << 16;  // a reader refuses more
constexpr uint32_t kMaxNotesSize = 4096;
constexpr uint32_t kBuildIdSize = 8;

// Header flags word. None is defined in v1; a reader refuses unknown bits.
constexpr uint32_t kKnownFlags = 0;
// ImageRange flags.
constexpr uint32_t kRangeZero = 1;  // pages of zeroes: no data on disk
constexpr uint32_t kKnownRangeFlags = kRangeZero;

struct ImageHeader {
  uint8_t magic[8];                  // 0x00: kMagic
  uint32_t version;                  // 0x08: kVersion
  uint32_t header_size;              // 0x0C: sizeof(ImageHeader) in v1
  uint32_t flags;                    // 0x10: kKnownFlags
  uint32_t page_size;                // 0x14: kPageSize
  uint8_t build_id[kBuildIdSize];    // 0x18: kernel A's build id (VMCOREINFO BUILD-ID=)
  uint32_t jump_back_entry;          // 0x20: where C enters A (A's kexec_jump_back_entry)
  uint32_t range_count;              // 0x24
  uint32_t page_count;               // 0x28: pages with data: sum of the data ranges' pages
  uint32_t table_sector;             // 0x2C
  uint32_t table_crc;                // 0x30
  uint32_t notes_sector;             // 0x34
  uint32_t notes_size;               // 0x38: bytes, at most kMaxNotesSize
  uint32_t notes_crc;                // 0x3C
  uint32_t data_sector;              // 0x40
  uint32_t total_sectors;            // 0x44
  // What the writer saw (information for `kjump image info`; not needed to resume).
  uint32_t dump_pages;               // 0x48: pages /proc/vmcore holds
  uint32_t free_pages_excluded;      // 0x4C: left out, not restored
  uint32_t zero_pages_excluded;      // 0x50: pages in kRangeZero ranges (restored as zeroes)
  uint32_t header_crc;               // 0x54: last field
};
static_assert(sizeof(ImageHeader) == 0x58);
static_assert(offsetof(ImageHeader, build_id) == 0x18 && offsetof(ImageHeader, jump_back_entry) == 0x20);
static_assert(offsetof(ImageHeader, table_crc) == 0x30 && offsetof(ImageHeader, data_sector) == 0x40);
static_assert(offsetof(ImageHeader, header_crc) == 0x54);

// One saved run of pages of A's physical memory. Ranges are sorted by paddr and do not overlap;
// the data of the data ranges follows in table order.
struct ImageRange {
  uint32_t paddr;     // page aligned
  uint32_t pages;     // 1 .. kMaxRangePages
  uint32_t data_crc;  // over pages * kPageSize bytes; 0 for a kRangeZero range
  uint32_t flags;     // kKnownRangeFlags
};
static_assert(sizeof(ImageRange) == 16);
constexpr uint32_t kRangesPerSector = kSectorSize / sizeof(ImageRange);

}  // namespace kjump::hibernate
