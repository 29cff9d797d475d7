#include "image/partition_layout.h"

#include <cctype>
#include <stdexcept>
#include <string>

#include "base/quantity.h"

namespace kjump::image {
namespace {

uint8_t parse_type(std::string_view t, std::string_view whole) {
  std::string_view digits = t;
  if (digits.size() > 2 && digits[0] == '0' && (digits[1] == 'x' || digits[1] == 'X')) digits.remove_prefix(2);
  bool hex_digits = !digits.empty() && digits.size() <= 2;
  for (char c : digits) hex_digits = hex_digits && std::isxdigit(static_cast<unsigned char>(c));
  if (!hex_digits) {
    throw std::invalid_argument("partition '" + std::string(whole) + "': type '" + std::string(t) +
                                "' is not a hex byte (83 Linux, 82 Linux swap)");
  }
  auto v = uint8_t(std::stoul(std::string(digits), nullptr, 16));
  if (v == mbr::kTypeEmpty) {
    throw std::invalid_argument("partition '" + std::string(whole) + "': type 00 marks an unused entry");
  }
  return v;
}

std::string spec_text(const PartitionSpec& s) { return s.rest ? "rest" : format_size(s.bytes); }

std::string mib_text(uint64_t bytes) {
  return bytes % (1u << 20) == 0 ? std::to_string(bytes >> 20) + " MiB" : std::to_string(bytes) + " bytes";
}

}  // namespace

PartitionSpec parse_partition_spec(std::string_view text) {
  PartitionSpec s;
  std::string_view size = text;
  auto colon = text.find(':');
  if (colon != std::string_view::npos) {
    size = text.substr(0, colon);
    s.type = parse_type(text.substr(colon + 1), text);
  }
  if (size == "rest") {
    s.rest = true;
    return s;
  }
  try {
    s.bytes = parse_size(size);
  } catch (const std::invalid_argument& e) {
    throw std::invalid_argument("partition '" + std::string(text) + "': " + e.what() + " (SIZE[:TYPE] or rest[:TYPE])");
  }
  if (s.bytes == 0 || s.bytes % kDiskSectorSize) {
    throw std::invalid_argument("partition '" + std::string(text) + "': size must be a positive multiple of 512 bytes");
  }
  return s;
}

std::vector<MbrPartition> layout_partitions(uint64_t disk_bytes, const std::vector<PartitionSpec>& specs) {
  if (specs.size() > size_t(mbr::kPrimaryEntries)) {
    throw std::invalid_argument(std::to_string(specs.size()) + " partitions: an MBR holds at most 4");
  }
  if (disk_bytes % kDiskSectorSize) {
    throw std::invalid_argument("disk size " + std::to_string(disk_bytes) + " is not a multiple of 512");
  }
  // LBAs and sector counts are 32-bit in an MBR: 2 TiB at most.
  const uint64_t disk_sectors = disk_bytes / kDiskSectorSize;
  if (!specs.empty() && disk_sectors > 0xFFFFFFFFull) {
    throw std::invalid_argument("disk size " + format_size(disk_bytes) + " is over 2 TiB, more than an MBR can describe");
  }
  std::vector<MbrPartition> out;
  uint64_t start = kFirstPartitionLba;
  for (size_t i = 0; i < specs.size(); ++i) {
    const PartitionSpec& s = specs[i];
    const std::string name = "partition " + std::to_string(i + 1) + " (" + spec_text(s) + ")";
    if (s.rest && i + 1 != specs.size()) throw std::invalid_argument(name + ": only the last partition may be 'rest'");
    if (start >= disk_sectors) {
      throw std::invalid_argument(name + " would start at " + mib_text(start * kDiskSectorSize) +
                                  ", at or past the end of the " + format_size(disk_bytes) + " disk");
    }
    const uint64_t sectors = s.rest ? disk_sectors - start : s.bytes / kDiskSectorSize;
    if (start + sectors > disk_sectors) {
      throw std::invalid_argument(name + " ends at " + mib_text((start + sectors) * kDiskSectorSize) +
                                  ", past the end of the " + format_size(disk_bytes) + " disk");
    }
    MbrPartition p;
    p.number = int(i + 1);
    p.type = s.type;
    p.lba_first = uint32_t(start);
    p.sectors = uint32_t(sectors);
    out.push_back(p);
    start = (start + sectors + kPartitionAlignSectors - 1) / kPartitionAlignSectors * kPartitionAlignSectors;
  }
  return out;
}

}  // namespace kjump::image
