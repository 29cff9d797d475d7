// How `kjump disk create --partition SIZE[:TYPE]` and the scenario's `disk NAME scratch SIZE
// partitions SIZE[:TYPE]...` lay a disk out: the partitions one after another from LBA 2048,
// each starting on a 1 MiB boundary, as fdisk does by default; the last may be `rest` (to the
// end of the disk). One function for both, so a script's disk and a command's disk with the
// same words are the same bytes.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "image/mbr.h"

namespace kjump::image {

constexpr uint32_t kFirstPartitionLba = 2048;  // 1 MiB, fdisk's default alignment
constexpr uint32_t kPartitionAlignSectors = 2048;

struct PartitionSpec {
  uint64_t bytes = 0;  // when !rest: a positive multiple of 512
  bool rest = false;
  uint8_t type = mbr::kTypeLinux;
};

// "64M", "64M:82", "rest", "rest:0x83". TYPE is hex, one or two digits, with or without 0x,
// not 00 (an empty entry). Throws std::invalid_argument quoting the text.
PartitionSpec parse_partition_spec(std::string_view text);

// Partitions 1..n of a disk of `disk_bytes` (a multiple of 512). At most four; only the last
// may be `rest`; each must fit before the end of the disk. Throws std::invalid_argument
// naming the partition ("partition 2 (20M) ends at 41 MiB, past the end of the 40M disk").
std::vector<MbrPartition> layout_partitions(uint64_t disk_bytes, const std::vector<PartitionSpec>& specs);

}  // namespace kjump::image
