#include "fuzz/fuzz_entry.h"

#include <cstring>
#include <span>
#include <vector>

#include "abi/crc32.h"
#include "image/core_file.h"
#include "image/image_check.h"
#include "image/image_error.h"
#include "image/image_format.h"
#include "image/mbr.h"

namespace kjump::fuzz {
namespace {

using namespace image;

// A broken promise is a bug the fuzzer must report, whatever the build type.
#define KJ_FUZZ_ASSERT(cond) \
  do {                       \
    if (!(cond)) __builtin_trap(); \
  } while (0)

// Counts what the core writer produces; keeps nothing.
struct CountingSink final : ByteSink {
  uint64_t bytes = 0;
  void write(const void*, size_t n) override { bytes += n; }
};

void check_one(const ByteSource& disk, int number) {
  PartitionExtent x;
  try {
    x = find_partition(disk, number);
  } catch (const ImageError&) {
    return;
  }
  KJ_FUZZ_ASSERT(x.offset <= disk.size() && x.size <= disk.size() - x.offset);
  WindowSource part(disk, x.offset, x.size, x.label);
  ImageReport r = check_image(part);
  if (!r.ok()) {
    KJ_FUZZ_ASSERT(r.error.rfind(x.label, 0) == 0);  // every message names the partition
    return;
  }
  uint64_t pages = 0, zero = 0;
  for (const auto& g : r.ranges) (g.flags & hibernate::kRangeZero ? zero : pages) += g.pages;
  KJ_FUZZ_ASSERT(pages == r.header.page_count && zero == r.zero_pages);
  KJ_FUZZ_ASSERT(uint64_t{r.header.total_sectors} * hibernate::kSectorSize <= x.size);
  try {
    CorePlan plan = plan_core(r);
    CountingSink sink;
    write_core(part, r, plan, sink);
    KJ_FUZZ_ASSERT(sink.bytes == plan.file_size);
  } catch (const ImageError&) {
    // Only a core past 4 GiB is refused, and a fuzz input cannot describe one that passed.
    KJ_FUZZ_ASSERT(false);
  }
}

// Random mutations almost never keep a CRC right, so on their own they would stop at the
// first checksum. A second pass fixes every checksum the bytes allow (range data CRCs, then
// the table's, the notes', the header's) on a copy treated as a whole-disk image, and so lets
// the fuzzer reach the range, entry, notes and core-writer code with the reader unchanged.
// Every offset is bounds-checked here too: this runs on garbage.
std::vector<uint8_t> resealed(const uint8_t* data, size_t size) {
  std::vector<uint8_t> b(data, data + size);
  if (b.size() < hibernate::kSectorSize) return b;
  SectorBytes s;
  std::memcpy(s.data(), b.data(), s.size());
  hibernate::ImageHeader h = decode_header(s);
  auto fits = [&](uint64_t off, uint64_t len) { return off <= b.size() && len <= b.size() - off; };
  const uint64_t table = uint64_t{h.table_sector} * hibernate::kSectorSize;
  const uint64_t table_bytes = uint64_t{h.range_count} * sizeof(hibernate::ImageRange);
  if (h.range_count <= hibernate::kMaxRanges && fits(table, table_bytes)) {
    uint64_t at = uint64_t{h.data_sector} * hibernate::kSectorSize;
    for (uint64_t i = 0; i < h.range_count; ++i) {
      uint8_t* e = b.data() + table + i * sizeof(hibernate::ImageRange);
      hibernate::ImageRange g = decode_range(e);
      if (g.flags & hibernate::kRangeZero) continue;
      const uint64_t n = uint64_t{g.pages} * hibernate::kPageSize;
      if (!fits(at, n)) break;
      g.data_crc = crc32(b.data() + at, size_t(n));
      encode_range(g, e);
      at += n;
    }
    h.table_crc = crc32(b.data() + table, size_t(table_bytes));
  }
  const uint64_t notes = uint64_t{h.notes_sector} * hibernate::kSectorSize;
  if (fits(notes, h.notes_size)) h.notes_crc = crc32(b.data() + notes, h.notes_size);
  s = encode_header(h);
  if (h.header_size >= sizeof(hibernate::ImageHeader) && h.header_size <= hibernate::kSectorSize) {
    h.header_crc = header_crc(s, h.header_size);
    s = encode_header(h);
  }
  std::memcpy(b.data(), s.data(), sizeof(hibernate::ImageHeader));
  return b;
}

}  // namespace

int image_input(const uint8_t* data, size_t size) {
  MemorySource disk(std::span<const uint8_t>(data, size), "fuzz.img");
  for (int n = 0; n <= 4; ++n) check_one(disk, n);
  std::vector<uint8_t> fixed = resealed(data, size);
  MemorySource whole(fixed, "fuzz.img");
  check_one(whole, 0);
  return 0;
}

int mbr_input(const uint8_t* data, size_t size) {
  MemorySource disk(std::span<const uint8_t>(data, size), "fuzz.img");
  if (!has_mbr(disk)) {
    try {
      read_mbr(disk);
      KJ_FUZZ_ASSERT(false);  // no signature, no table
    } catch (const ImageError&) {
    }
    return 0;
  }
  MbrTable t = read_mbr(disk);
  std::vector<MbrPartition> used;
  for (const MbrPartition& p : t) {
    std::string problem = partition_problem(t, p.number, disk.size());
    if (p.used()) used.push_back(p);
    try {
      PartitionExtent x = find_partition(disk, p.number);
      KJ_FUZZ_ASSERT(problem.empty());
      KJ_FUZZ_ASSERT(x.offset >= hibernate::kSectorSize && x.offset + x.size <= disk.size());
    } catch (const ImageError&) {
      KJ_FUZZ_ASSERT(!problem.empty());
    }
  }
  auto sector = encode_mbr(used);
  uint8_t original[kDiskSectorSize];
  disk.read(0, original, sizeof original);
  for (const MbrPartition& p : used) {
    const size_t e = mbr::kTableOffset + size_t(p.number - 1) * sizeof(mbr::PartitionEntry);
    KJ_FUZZ_ASSERT(std::memcmp(sector.data() + e + 8, original + e + 8, 8) == 0);  // lba_first, sectors
    KJ_FUZZ_ASSERT(sector[e + 4] == original[e + 4]);                              // type
  }
  return 0;
}

}  // namespace kjump::fuzz
