// The PC partition table (MBR): four primary entries at offset 0x1BE of sector 0, signature
// 0x55 0xAA at 0x1FE. The guest's IDE driver reads it to name /dev/hda1../dev/hda4; the host's
// `kjump disk create` writes it (so does sfdisk). Only LBA fields are used; CHS is ignored.
//
// Freestanding: includes only <stddef.h> and <stdint.h>.
#pragma once
#include <stddef.h>
#include <stdint.h>

namespace kjump::mbr {

constexpr uint32_t kTableOffset = 0x1BE;
constexpr uint32_t kSignatureOffset = 0x1FE;
constexpr uint8_t kSignature[2] = {0x55, 0xAA};
constexpr int kPrimaryEntries = 4;
constexpr uint8_t kTypeEmpty = 0x00;
constexpr uint8_t kTypeLinux = 0x83;
constexpr uint8_t kTypeLinuxSwap = 0x82;  // what a hibernating partition usually is

struct PartitionEntry {
  uint8_t status;      // 0x80 bootable, 0 otherwise
  uint8_t chs_first[3];
  uint8_t type;        // kTypeEmpty: unused entry
  uint8_t chs_last[3];
  uint32_t lba_first;  // little-endian (the table is not 4-byte aligned in the sector: copy it out)
  uint32_t sectors;
};
static_assert(sizeof(PartitionEntry) == 16);
static_assert(offsetof(PartitionEntry, type) == 4 && offsetof(PartitionEntry, lba_first) == 8);

}  // namespace kjump::mbr
