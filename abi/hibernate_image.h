// The hibernation image header, layout v1: what the guest's hibernation writer
// (guest/kernel/power/, the next issue) puts at the start of its disk partition and what the
// host's image tools (image/) read back. THIS IS A PLACEHOLDER FOR THE HIBERNATION ISSUE TO FILL
// IN: the fields below are the minimum that issue needs and are pinned so that both sides
// agree; it may add fields (raising kVersion and header_size) but must not move these.
//
// On disk, from partition offset 0 (all fields little-endian):
//   ImageHeader                    header_size bytes (sizeof(ImageHeader) in v1)
//   ImageRange[range_count]        right after the header: the saved physical memory
//   ...                            the ranges' bytes, each at its `offset`, 4 KiB aligned
// The header and the table fit in the first kHeaderBlockSize bytes.
//
// checksum: CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320, as zlib's crc32) over the
// header_size + range_count * sizeof(ImageRange) bytes of header and table, computed with the
// checksum field set to zero. It guards the header only; the hibernation issue decides
// whether range data gets its own checksums.
//
// Freestanding: includes only <stddef.h> and <stdint.h>.
#pragma once
#include <stddef.h>
#include <stdint.h>

namespace kjump::hibernate {

constexpr uint8_t kMagic[8] = {'K', 'J', 'H', 'I', 'B', 'E', 'R', 'N'};
constexpr uint32_t kVersion = 1;
constexpr uint32_t kHeaderBlockSize = 4096;  // header + range table, at most
constexpr uint32_t kRangeAlign = 4096;       // every range's offset, phys_start and length

struct ImageHeader {
  uint8_t magic[8];          // 0x00: kMagic
  uint32_t version;          // 0x08: kVersion
  uint32_t header_size;      // 0x0C: bytes before the range table; a reader skips what it does not know
  uint32_t jump_back_entry;  // 0x10: physical address the resumed kernel enters (kexec jump-back entry)
  uint32_t range_count;      // 0x14: entries in the range table
  uint32_t checksum;         // 0x18: see above
  uint32_t reserved;         // 0x1C: zero
};
static_assert(sizeof(ImageHeader) == 32);
static_assert(offsetof(ImageHeader, version) == 0x08 && offsetof(ImageHeader, header_size) == 0x0C);
static_assert(offsetof(ImageHeader, jump_back_entry) == 0x10 && offsetof(ImageHeader, range_count) == 0x14);
static_assert(offsetof(ImageHeader, checksum) == 0x18 && offsetof(ImageHeader, reserved) == 0x1C);

// One saved stretch of guest physical memory.
struct ImageRange {
  uint64_t phys_start;  // guest physical address
  uint64_t length;      // bytes
  uint64_t offset;      // where its bytes start, from the start of the partition
};
static_assert(sizeof(ImageRange) == 24);
static_assert(offsetof(ImageRange, length) == 8 && offsetof(ImageRange, offset) == 16);

constexpr uint32_t kMaxRanges = (kHeaderBlockSize - sizeof(ImageHeader)) / sizeof(ImageRange);
static_assert(kMaxRanges == 169);

}  // namespace kjump::hibernate
