#include "image/mbr.h"

#include <cstddef>

#include "base/bytes.h"
#include "base/hex.h"
#include "image/image_error.h"

namespace kjump::image {
namespace {

constexpr size_t kEntrySize = sizeof(mbr::PartitionEntry);

// CHS the way fdisk and sfdisk fill it for LBA disks: 255 heads, 63 sectors per track, and
// 1023/254/63 for everything past cylinder 1023 (which is where every modern partition is).
void put_chs(uint8_t* p, uint32_t lba) {
  uint32_t c = lba / (255 * 63), h = (lba / 63) % 255, s = lba % 63 + 1;
  if (c > 1023) c = 1023, h = 254, s = 63;
  p[0] = uint8_t(h);
  p[1] = uint8_t((s & 0x3F) | ((c >> 2) & 0xC0));
  p[2] = uint8_t(c & 0xFF);
}

std::string range_text(const MbrPartition& p) {
  return "LBA " + std::to_string(p.lba_first) + " + " + std::to_string(p.sectors) + " sectors";
}

}  // namespace

bool has_mbr(const ByteSource& disk) {
  if (disk.size() < kDiskSectorSize) return false;
  uint8_t sig[2];
  disk.read(mbr::kSignatureOffset, sig, 2);
  return sig[0] == mbr::kSignature[0] && sig[1] == mbr::kSignature[1];
}

MbrTable read_mbr(const ByteSource& disk) {
  if (disk.size() < kDiskSectorSize) {
    throw ImageError(disk.name() + ": no MBR partition table (the file has " + std::to_string(disk.size()) +
                     " bytes, less than one sector)");
  }
  uint8_t sector[kDiskSectorSize];
  disk.read(0, sector, sizeof sector);
  if (sector[mbr::kSignatureOffset] != mbr::kSignature[0] || sector[mbr::kSignatureOffset + 1] != mbr::kSignature[1]) {
    throw ImageError(disk.name() + ": no MBR partition table (no 0x55 0xaa signature at byte 510)");
  }
  MbrTable t{};
  for (int i = 0; i < mbr::kPrimaryEntries; ++i) {
    const uint8_t* e = sector + mbr::kTableOffset + i * kEntrySize;
    MbrPartition& p = t[size_t(i)];
    p.number = i + 1;
    p.status = e[offsetof(mbr::PartitionEntry, status)];
    p.type = e[offsetof(mbr::PartitionEntry, type)];
    p.lba_first = uint32_t(load_le(e + offsetof(mbr::PartitionEntry, lba_first), 4));
    p.sectors = uint32_t(load_le(e + offsetof(mbr::PartitionEntry, sectors), 4));
  }
  return t;
}

std::string partition_problem(const MbrTable& table, int number, uint64_t disk_size) {
  const MbrPartition& p = table[size_t(number - 1)];
  if (!p.used()) return "unused (type 0x00)";
  if (p.status != 0x00 && p.status != 0x80) return "status byte " + hex(p.status, 2) + " is neither 0x00 nor 0x80";
  if (p.sectors == 0) return "has zero sectors";
  if (p.lba_first == 0) return "starts at LBA 0, the MBR itself";
  const uint64_t end = p.offset() + p.bytes();
  if (end > disk_size) {
    return range_text(p) + " ends at byte " + std::to_string(end) + ", past the end of the file (" +
           std::to_string(disk_size) + " bytes)";
  }
  for (const MbrPartition& q : table) {
    if (q.number == p.number || !q.used() || q.sectors == 0) continue;
    if (p.offset() < q.offset() + q.bytes() && q.offset() < end) {
      return range_text(p) + " overlaps partition " + std::to_string(q.number) + " (" + range_text(q) + ")";
    }
  }
  return "";
}

PartitionExtent find_partition(const ByteSource& disk, int number) {
  PartitionExtent x;
  x.number = number;
  if (number == 0) {
    x.size = disk.size();
    x.label = disk.name() + ": partition 0 (whole disk)";
    return x;
  }
  if (number < 0 || number > mbr::kPrimaryEntries) {
    throw ImageError(disk.name() + ": partition " + std::to_string(number) +
                     ": no such partition (0 is the whole disk, 1 to 4 the MBR's entries)");
  }
  x.label = disk.name() + ": partition " + std::to_string(number);
  if (!has_mbr(disk)) {
    throw ImageError(x.label + ": the disk has no MBR partition table (no 0x55 0xaa signature at byte 510); "
                     "partition 0 is the whole disk");
  }
  MbrTable t = read_mbr(disk);
  std::string why = partition_problem(t, number, disk.size());
  if (!why.empty()) throw ImageError(x.label + ": " + why, t[size_t(number - 1)].used());
  const MbrPartition& p = t[size_t(number - 1)];
  x.offset = p.offset();
  x.size = p.bytes();
  x.type = p.type;
  return x;
}

int default_partition(const ByteSource& disk) { return has_mbr(disk) ? 1 : 0; }

std::array<uint8_t, kDiskSectorSize> encode_mbr(const std::vector<MbrPartition>& partitions) {
  std::array<uint8_t, kDiskSectorSize> s{};
  for (const MbrPartition& p : partitions) {
    if (p.number < 1 || p.number > mbr::kPrimaryEntries) continue;  // the layout never makes one
    uint8_t* e = s.data() + mbr::kTableOffset + (p.number - 1) * kEntrySize;
    e[offsetof(mbr::PartitionEntry, status)] = p.status;
    e[offsetof(mbr::PartitionEntry, type)] = p.type;
    put_chs(e + offsetof(mbr::PartitionEntry, chs_first), p.lba_first);
    put_chs(e + offsetof(mbr::PartitionEntry, chs_last), p.lba_first + p.sectors - 1);
    store_le(e + offsetof(mbr::PartitionEntry, lba_first), p.lba_first, 4);
    store_le(e + offsetof(mbr::PartitionEntry, sectors), p.sectors, 4);
  }
  s[mbr::kSignatureOffset] = mbr::kSignature[0];
  s[mbr::kSignatureOffset + 1] = mbr::kSignature[1];
  return s;
}

std::string partition_type_name(uint8_t type) {
  switch (type) {
    case mbr::kTypeLinux: return "0x83 (Linux)";
    case mbr::kTypeLinuxSwap: return "0x82 (Linux swap)";
    case 0x05: case 0x0F: case 0x85: return hex(type, 2) + " (extended: not followed)";
    default: return hex(type, 2);
  }
}

}  // namespace kjump::image
