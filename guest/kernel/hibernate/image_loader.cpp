#include "hibernate/image_loader.h"

#include "abi/crc32.h"
#include "abi/hibernate_image.h"
#include "drivers/block.h"
#include "kexec/build_id.h"
#include "kexec/kexec.h"
#include "lib/errno.h"
#include "lib/printf.h"
#include "lib/string.h"
#include "mm/memmap.h"
#include "mm/page_alloc.h"

namespace kjump {
namespace {

using hibernate::ImageHeader;
using hibernate::ImageRange;
using hibernate::kSectorSize;
using hibernate::kSectorsPerPage;

// One kexec_load call stages at most this much data (and KEXEC_SEGMENT_MAX ranges).
constexpr uint32_t kStagePages = hibernate::kMaxRangePages;

uint8_t g_sector[kSectorSize];

struct Loader {
  const char* name;
  const BlockDevice* dev;
  ImageHeader h;
  ImageRange* table;
  phys_addr table_pages, stage_pages;
  uint32_t table_npages;
  uint8_t* stage;
};

// Reads `bytes` from sector `first` on into out.
bool read_bytes(const Loader& l, uint32_t first, void* out, uint32_t bytes) {
  uint8_t* p = static_cast<uint8_t*>(out);
  for (uint32_t done = 0, s = first; done < bytes; done += kSectorSize, ++s) {
    if (int err = block_read(l.dev, s, g_sector)) {
      kprintf("kexec: %s: read of sector %u failed (error %d)\n", l.name, s, err);
      return false;
    }
    uint32_t n = bytes - done < kSectorSize ? bytes - done : kSectorSize;
    memcpy(p + done, g_sector, n);
  }
  return true;
}

bool refuse(const Loader& l, const char* what) {
  kprintf("kexec: %s: %s; nothing loaded\n", l.name, what);
  return false;
}

bool check_header(Loader& l) {
  if (!read_bytes(l, 0, g_sector, kSectorSize)) return false;
  bool zero = true;
  for (uint8_t b : g_sector) zero = zero && b == 0;
  if (zero) return refuse(l, "empty: no hibernation image (sector 0 is all zero)");
  memcpy(&l.h, g_sector, sizeof l.h);
  const ImageHeader& h = l.h;
  char why[160];
  if (memcmp(h.magic, hibernate::kMagic, sizeof h.magic) != 0)
    return refuse(l, "not a hibernation image (bad magic)");
  if (h.version != hibernate::kVersion) {
    ksnprintf(why, sizeof why, "image format version %u, this kernel reads %u", h.version, hibernate::kVersion);
    return refuse(l, why);
  }
  if (h.header_size != sizeof h || h.flags & ~hibernate::kKnownFlags || h.page_size != PAGE_SIZE)
    return refuse(l, "header_size, flags or page_size is not this kernel's");
  uint32_t want = h.header_crc;
  ImageHeader copy = h;
  copy.header_crc = 0;
  if (crc32(&copy, sizeof copy) != want) {
    ksnprintf(why, sizeof why, "header checksum 0x%08x does not match (the image is damaged or half written)", want);
    return refuse(l, why);
  }
  const BuildId& own = kernel_build_id();
  if (memcmp(h.build_id, own.bytes, sizeof own.bytes) != 0) {
    char theirs[2 * hibernate::kBuildIdSize + 1], ours[2 * hibernate::kBuildIdSize + 1];
    BuildId id;
    memcpy(id.bytes, h.build_id, sizeof id.bytes);
    format_build_id(id, theirs);
    format_build_id(own, ours);
    ksnprintf(why, sizeof why, "image of kernel build %s, this kernel is build %s", theirs, ours);
    return refuse(l, why);
  }
  uint64_t table_end = h.table_sector + (uint64_t(h.range_count) * sizeof(ImageRange) + kSectorSize - 1) / kSectorSize;
  uint64_t notes_end = h.notes_sector + (uint64_t(h.notes_size) + kSectorSize - 1) / kSectorSize;
  if (h.range_count == 0 || h.range_count > hibernate::kMaxRanges || h.notes_size > hibernate::kMaxNotesSize ||
      h.table_sector < 1 || h.notes_sector < table_end || h.data_sector < notes_end ||
      h.total_sectors != h.data_sector + uint64_t(h.page_count) * kSectorsPerPage)
    return refuse(l, "inconsistent layout (range_count, sectors, page_count)");
  if (h.total_sectors > l.dev->sectors) {
    ksnprintf(why, sizeof why, "truncated: the image has %u sectors, the partition %u", h.total_sectors, l.dev->sectors);
    return refuse(l, why);
  }
  return true;
}

bool in_ram(uint64_t start, uint64_t end) {
  const RangeSet& ram = system_ram();
  for (int i = 0; i < ram.count(); ++i)
    if (start >= ram.at(i).start && end <= ram.at(i).end) return true;
  return false;
}

bool check_table(Loader& l) {
  const ImageHeader& h = l.h;
  uint32_t bytes = h.range_count * sizeof(ImageRange);
  l.table_npages = (bytes + PAGE_SIZE - 1) / PAGE_SIZE;
  l.table_pages = alloc_pages_contig(l.table_npages);
  if (!l.table_pages) return refuse(l, "no memory for the range table");
  l.table = static_cast<ImageRange*>(phys_to_virt(l.table_pages));
  if (!read_bytes(l, h.table_sector, l.table, bytes)) return false;
  if (crc32(l.table, bytes) != h.table_crc) return refuse(l, "range table checksum does not match");
  uint64_t pages = 0, prev_end = 0;
  char why[160];
  for (uint32_t i = 0; i < h.range_count; ++i) {
    const ImageRange& r = l.table[i];
    uint64_t end = uint64_t(r.paddr) + uint64_t(r.pages) * PAGE_SIZE;
    const char* bad = nullptr;
    if (r.paddr & (PAGE_SIZE - 1)) bad = "not page aligned";
    else if (r.pages == 0 || r.pages > hibernate::kMaxRangePages) bad = "bad page count";
    else if (r.paddr < prev_end) bad = "overlaps or precedes the one before";
    else if (r.flags & ~hibernate::kKnownRangeFlags) bad = "unknown flags";
    else if ((r.flags & hibernate::kRangeZero) && r.data_crc) bad = "zero range with a checksum";
    else if (!in_ram(r.paddr, end)) bad = "outside this machine's RAM";
    if (bad) {
      ksnprintf(why, sizeof why, "range %u (0x%08x, %u pages): %s", i, r.paddr, r.pages, bad);
      return refuse(l, why);
    }
    prev_end = end;
    if (!(r.flags & hibernate::kRangeZero)) pages += r.pages;
  }
  if (pages != h.page_count) return refuse(l, "the data ranges do not add up to page_count");
  static uint8_t notes[hibernate::kMaxNotesSize];
  if (!read_bytes(l, h.notes_sector, notes, h.notes_size)) return false;
  if (crc32(notes, h.notes_size) != h.notes_crc) return refuse(l, "notes checksum does not match");
  return true;
}

bool entry_in_image(const Loader& l, uint32_t entry) {
  for (uint32_t i = 0; i < l.h.range_count; ++i) {
    const ImageRange& r = l.table[i];
    if (entry >= r.paddr && entry - r.paddr < r.pages * PAGE_SIZE) return true;
  }
  return false;
}

// Reads, checks and loads the ranges, at most KEXEC_SEGMENT_MAX and kStagePages per call.
bool load_ranges(Loader& l, uint32_t entry, uint32_t* calls) {
  KexecSegment seg[KEXEC_SEGMENT_MAX];
  uint32_t sector = l.h.data_sector;
  char why[160];
  for (uint32_t i = 0; i < l.h.range_count;) {
    uint32_t n = 0, staged = 0;
    while (i + n < l.h.range_count && n < KEXEC_SEGMENT_MAX && staged + l.table[i + n].pages <= kStagePages) {
      const ImageRange& r = l.table[i + n];
      if (r.flags & hibernate::kRangeZero) {  // zeroes: no data, kimage zero-fills
        seg[n++] = KexecSegment{nullptr, 0, r.paddr, r.pages * PAGE_SIZE};
        continue;
      }
      uint8_t* buf = l.stage + staged * PAGE_SIZE;
      if (!read_bytes(l, sector, buf, r.pages * PAGE_SIZE)) return false;
      sector += r.pages * kSectorsPerPage;
      if (crc32(buf, r.pages * PAGE_SIZE) != r.data_crc) {
        ksnprintf(why, sizeof why, "range %u (0x%08x, %u pages): data checksum does not match", i + n, r.paddr, r.pages);
        return refuse(l, why);
      }
      seg[n] = KexecSegment{buf, r.pages * PAGE_SIZE, r.paddr, r.pages * PAGE_SIZE};
      staged += r.pages;
      ++n;
    }
    bool last = i + n == l.h.range_count;
    // The last call closes the image; a single call is a plain one-call load.
    int err = kexec_load(entry, n, seg, last ? 0 : KEXEC_PARTIAL);
    ++*calls;
    if (err) {
      ksnprintf(why, sizeof why, "kexec_load failed: %s (%s)", errno_name(err), kexec_error_detail());
      return refuse(l, why);
    }
    i += n;
  }
  return true;
}

}  // namespace

void hibernate_kexec_load(const char* device, bool has_entry, uint32_t entry) {
  static Loader l;
  memset(&l, 0, sizeof l);
  l.name = device;
  l.dev = block_find(device);
  if (!l.dev) {
    kprintf("kexec: %s: no such device\n", device);
    return;
  }
  if (kexec_partial_open()) {
    kprintf("kexec: an image is being loaded in parts already\n");
    return;
  }
  uint32_t calls = 0;
  bool ok = check_header(l) && check_table(l);
  if (ok && has_entry && entry != l.h.jump_back_entry) {
    char why[120];
    ksnprintf(why, sizeof why, "--entry=0x%x is not the image's jump-back entry 0x%x", entry, l.h.jump_back_entry);
    ok = refuse(l, why);
  }
  if (ok && !entry_in_image(l, l.h.jump_back_entry)) ok = refuse(l, "the jump-back entry is not in the image");
  if (ok) {
    l.stage_pages = alloc_pages_contig(kStagePages);
    if (!l.stage_pages) ok = refuse(l, "no 1 MiB of contiguous memory to stage the image");
    else l.stage = static_cast<uint8_t*>(phys_to_virt(l.stage_pages));
  }
  if (ok) ok = load_ranges(l, l.h.jump_back_entry, &calls);
  if (!ok && kexec_partial_open()) kexec_load(0, 0, nullptr, KEXEC_PARTIAL);  // abandon
  if (ok) {
    KexecImageInfo info = kexec_image_info();
    kprintf("kexec: loaded %s: hibernation image, %u pages (%u of them zero) in %u segments by %u "
            "kexec_load calls, entry 0x%08x\n",
            device, l.h.page_count + l.h.zero_pages_excluded, l.h.zero_pages_excluded,
            info.nr_segments, calls, info.start);
    kprintf("kexec: control page 0x%08x, swap page 0x%08x, %u source pages, %u indirection pages\n",
            info.control_page, info.swap_page, info.source_pages, info.indirection_pages);
    if (calls > 1)
      kprintf("kexec: at the last call %u pages and %u indirection pages moved off later destinations\n",
              info.settled_pages, info.settled_indirection_pages);
  }
  if (l.stage_pages) free_pages_contig(l.stage_pages, kStagePages);
  if (l.table_pages) free_pages_contig(l.table_pages, l.table_npages);
}

}  // namespace kjump
