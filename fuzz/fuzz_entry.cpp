#include "fuzz/fuzz_entry.h"

#include <cstring>
#include <span>

#include "image/core_file.h"
#include "image/image_check.h"
#include "image/image_error.h"
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
  uint64_t pages = 0;
  for (const auto& g : r.ranges) pages += g.pages;
  KJ_FUZZ_ASSERT(pages == r.header.page_count);
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

}  // namespace

int image_input(const uint8_t* data, size_t size) {
  MemorySource disk(std::span<const uint8_t>(data, size), "fuzz.img");
  for (int n = 0; n <= 4; ++n) check_one(disk, n);
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
