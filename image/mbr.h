// The PC partition table of a raw disk image (abi/mbr.h): reading its four primary entries,
// checking each against the file's size, naming partition N's byte range, and encoding a
// table for `kjump disk create`. Partition 0 is the whole disk, as the tools number them (the
// guest's /dev/hda is partition 0 of its disk, /dev/hda1 partition 1).
//
// What Linux's msdos partition code accepts, we accept: entries are LBA only (CHS ignored on
// reading, written as fdisk does with 255 heads and 63 sectors), status 0x00 or 0x80, no
// extended partitions followed.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "abi/mbr.h"
#include "image/byte_source.h"

namespace kjump::image {

constexpr uint32_t kDiskSectorSize = 512;

struct MbrPartition {
  int number = 0;  // 1..4, the entry's position
  uint8_t status = 0;
  uint8_t type = mbr::kTypeEmpty;
  uint32_t lba_first = 0;
  uint32_t sectors = 0;
  bool used() const { return type != mbr::kTypeEmpty; }
  uint64_t offset() const { return uint64_t{lba_first} * kDiskSectorSize; }
  uint64_t bytes() const { return uint64_t{sectors} * kDiskSectorSize; }
};
using MbrTable = std::array<MbrPartition, mbr::kPrimaryEntries>;

// At least one sector and the 0x55 0xAA signature at byte 510.
bool has_mbr(const ByteSource& disk);
// The four entries as written. Throws ImageError "<disk>: no MBR partition table (...)".
MbrTable read_mbr(const ByteSource& disk);
// Why a used entry cannot be used on a disk of `disk_size` bytes ("" if it can): status,
// zero sectors, starting in the MBR sector, running past the end of the file, overlapping
// another used entry of `table`.
std::string partition_problem(const MbrTable& table, int number, uint64_t disk_size);

// One partition's bytes on the disk, and how messages name it ("disk.img: partition 1").
struct PartitionExtent {
  int number = 0;
  uint64_t offset = 0, size = 0;
  uint8_t type = 0;  // 0 for partition 0
  std::string label;
};
// Partition 0: the whole file. 1..4: a used entry that passes partition_problem. Anything
// else throws ImageError naming the disk and the partition (`damaged` for a used entry that
// fails partition_problem).
PartitionExtent find_partition(const ByteSource& disk, int number);
// 1 when the disk has an MBR, else 0 (the whole disk).
int default_partition(const ByteSource& disk);

// Sector 0 of a disk with these partitions (at most four; `number` gives the slot; other
// slots are empty): zero bootstrap code, disk signature 0, CHS as fdisk writes it, 0x55 0xAA.
std::array<uint8_t, kDiskSectorSize> encode_mbr(const std::vector<MbrPartition>& partitions);

// "0x83 (Linux)", "0x82 (Linux swap)", "0x0c" — for listings.
std::string partition_type_name(uint8_t type);

}  // namespace kjump::image
