// `makedumpfile [-d LEVEL] /proc/vmcore /dev/hdaN`, in kernel B (seed step 7): kernel A's memory
// as a hibernation image (abi/hibernate_image.h) on a partition. The seed's initramfs had
// makedumpfile for this; like it we leave out the pages A does not need back, but without A's
// debuginfo: A's VMCOREINFO says where its page allocator's bitmap is and which bit means free.
// Dump levels, as makedumpfile's -d: 1 = zero pages (kept as zero ranges without data: a
// resume must zero them), 16 = free pages (not restored at all) (2, 4, 8 — page cache and
// user pages — do not exist in our kernel and are refused). The default is 17, both.
//
// Order of writes, for the power-cut rule: sector 0 zeroed and flushed (the old image is gone),
// then range table, notes and data, a flush, then the header, a flush. Nothing is written
// before the image is known to fit.
#include "abi/crc32.h"
#include "abi/hibernate_image.h"
#include "boot/cmdline_param.h"
#include "drivers/block.h"
#include "hibernate/vmcoreinfo_parse.h"
#include "kexec/vmcore.h"
#include "lib/printf.h"
#include "lib/string.h"
#include "mm/page_alloc.h"
#include "shell/commands.h"

namespace kjump {
namespace {

using hibernate::ImageHeader;
using hibernate::ImageRange;
using hibernate::kSectorSize;
using hibernate::kSectorsPerPage;

constexpr uint32_t kPageMask = ~uint32_t(PAGE_SIZE - 1);
constexpr uint32_t kLevelZero = 1, kLevelFree = 16, kLevelKnown = kLevelZero | kLevelFree;

alignas(16) uint8_t g_page[PAGE_SIZE];
uint8_t g_sector[kSectorSize];

struct Writer {
  const Vmcore* vc;
  const BlockDevice* dev;
  uint32_t level;
  DumpKernelInfo info;
  const uint32_t* bitmap;  // A's allocator bitmap, read from the dump; nullptr: not excluding
  ImageRange* table;
  uint32_t table_cap, nranges;
  ImageHeader h;
};

bool all_zero(const uint8_t* p) {
  const uint32_t* w = reinterpret_cast<const uint32_t*>(p);
  for (uint32_t i = 0; i < PAGE_SIZE / 4; ++i)
    if (w[i]) return false;
  return true;
}

bool page_is_free(const Writer& w, uint32_t paddr) {
  if (!w.bitmap) return false;
  uint32_t pfn = paddr / PAGE_SIZE;
  if (pfn >= w.info.bitmap_pages) return false;
  uint32_t bit = (w.bitmap[pfn / 32] >> (pfn % 32)) & 1;
  return bit == w.info.bit_free;
}

// Pass 1: which pages go in, as ranges of at most kMaxRangePages. Only whole pages: a RAM
// range of the firmware map that ends inside a page (640 KiB - 1 KiB, below the EBDA) leaves a
// part page that A's allocator never managed and A never used.
bool plan_ranges(Writer& w) {
  for (int i = 0; i < w.vc->nloads; ++i) {
    const VmcoreLoad& l = w.vc->loads[i];
    // The window is in the image once, in A's backup pages (outside it), where resuming
    // needs it: A's re-entry code swaps it back from there. `kjump image extract` reads it
    // back through A's indirection list, as /proc/vmcore does.
    if (l.from_backup) continue;
    uint32_t first = (l.paddr + PAGE_SIZE - 1) & kPageMask;
    uint64_t end = (uint64_t(l.paddr) + l.size) & ~uint64_t(PAGE_SIZE - 1);
    for (uint64_t a = first; a < end; a += PAGE_SIZE) {
      uint32_t paddr = static_cast<uint32_t>(a);
      w.h.dump_pages++;
      if ((w.level & kLevelFree) && page_is_free(w, paddr)) {
        w.h.free_pages_excluded++;
        continue;
      }
      if (!vmcore_read_old(w.vc, paddr, g_page, PAGE_SIZE)) {
        kprintf("makedumpfile: cannot read A's page 0x%08x from the dump\n", paddr);
        return false;
      }
      // A zero page is restored as zeroes (C's memory there is C's), without data.
      uint32_t flags = (w.level & kLevelZero) && all_zero(g_page) ? hibernate::kRangeZero : 0;
      if (flags) w.h.zero_pages_excluded++;
      else w.h.page_count++;
      ImageRange* last = w.nranges ? &w.table[w.nranges - 1] : nullptr;
      if (last && last->paddr + last->pages * PAGE_SIZE == paddr && last->flags == flags &&
          last->pages < hibernate::kMaxRangePages) {
        last->pages++;
      } else {
        if (w.nranges == w.table_cap) {
          kprintf("makedumpfile: more than %u ranges\n", w.table_cap);
          return false;
        }
        w.table[w.nranges++] = ImageRange{paddr, 1, 0, flags};
      }
    }
  }
  return true;
}

bool write_sector(const Writer& w, uint32_t sector, const void* data) {
  if (int err = block_write(w.dev, sector, data)) {
    kprintf("makedumpfile: %s: write of sector %u failed (error %d)\n", w.dev->name, sector, err);
    return false;
  }
  return true;
}

bool flush(const Writer& w) {
  if (int err = block_flush()) {
    kprintf("makedumpfile: %s: flush failed (error %d)\n", w.dev->name, err);
    return false;
  }
  return true;
}

// `bytes` bytes from sector `first` on, the last sector zero-padded.
bool write_bytes(const Writer& w, uint32_t first, const void* data, uint32_t bytes) {
  const uint8_t* p = static_cast<const uint8_t*>(data);
  for (uint32_t done = 0, s = first; done < bytes; done += kSectorSize, ++s) {
    uint32_t n = bytes - done < kSectorSize ? bytes - done : kSectorSize;
    memset(g_sector, 0, sizeof g_sector);
    memcpy(g_sector, p + done, n);
    if (!write_sector(w, s, g_sector)) return false;
  }
  return true;
}

// Pass 2: each range's pages, read again from the dump, with its checksum.
bool write_data(Writer& w) {
  uint32_t sector = w.h.data_sector;
  for (uint32_t r = 0; r < w.nranges; ++r) {
    ImageRange& range = w.table[r];
    if (range.flags & hibernate::kRangeZero) continue;
    uint32_t c = kCrc32Init;
    for (uint32_t i = 0; i < range.pages; ++i) {
      if (!vmcore_read_old(w.vc, range.paddr + i * PAGE_SIZE, g_page, PAGE_SIZE)) return false;
      c = crc32_update(c, g_page, PAGE_SIZE);
      for (uint32_t s = 0; s < kSectorsPerPage; ++s)
        if (!write_sector(w, sector++, g_page + s * kSectorSize)) return false;
    }
    range.data_crc = crc32_final(c);
  }
  return true;
}

bool parse_args(const CommandLine& cl, uint32_t* level, const char** from, const char** to) {
  *level = kLevelKnown;
  int i = 1;
  if (i < cl.argc && strcmp(cl.argv[i], "-d") == 0) {
    uint64_t v;
    const char* end;
    if (i + 1 >= cl.argc || !parse_u64(cl.argv[i + 1], &v, &end) || *end || v > 31) {
      kprintf("makedumpfile: -d takes a dump level 0..31\n");
      return false;
    }
    if (v & ~uint64_t(kLevelKnown)) {
      kprintf("makedumpfile: dump level %llu: only 1 (zero pages) and 16 (free pages) apply here\n", v);
      return false;
    }
    *level = static_cast<uint32_t>(v);
    i += 2;
  }
  if (cl.argc - i != 2 || strcmp(cl.argv[i], "/proc/vmcore") != 0) {
    kprintf("usage: makedumpfile [-d LEVEL] /proc/vmcore /dev/hdaN\n");
    return false;
  }
  *from = cl.argv[i];
  *to = cl.argv[i + 1];
  return true;
}

}  // namespace

void cmd_makedumpfile(const CommandLine& cl) {
  static Writer w;
  memset(&w, 0, sizeof w);
  const char* from;
  const char* to;
  if (!parse_args(cl, &w.level, &from, &to)) return;
  w.dev = block_find(to);
  if (!w.dev) {
    kprintf("makedumpfile: %s: no such device\n", to);
    return;
  }
  uint32_t entry;
  if (!cmdline_number("kexec_jump_back_entry", &entry)) {
    kprintf("makedumpfile: no kexec_jump_back_entry= on the command line: nothing could resume this dump\n");
    return;
  }
  if (!(w.vc = vmcore_open()) || !read_dump_kernel_info(w.vc, &w.info)) return;
  if (!w.info.has_build_id) {
    kprintf("makedumpfile: A's VMCOREINFO has no BUILD-ID: kernel C could not check the image\n");
    return;
  }

  // A's bitmap, read out of the dump.
  phys_addr bitmap_pages = 0;
  uint32_t bitmap_npages = (w.info.bitmap_bytes + PAGE_SIZE - 1) / PAGE_SIZE;
  if ((w.level & kLevelFree) && !w.info.has_bitmap)
    kprintf("makedumpfile: A's VMCOREINFO has no page_bitmap: free pages stay in\n");
  if ((w.level & kLevelFree) && w.info.has_bitmap) {
    bitmap_pages = alloc_pages_contig(bitmap_npages);
    if (!bitmap_pages ||
        !vmcore_read_old(w.vc, w.info.bitmap_vaddr - w.info.page_offset,
                         phys_to_virt(bitmap_pages), w.info.bitmap_bytes)) {
      kprintf("makedumpfile: cannot read A's page bitmap at 0x%08x; free pages stay in\n",
              w.info.bitmap_vaddr);
      if (bitmap_pages) free_pages_contig(bitmap_pages, bitmap_npages);
      bitmap_pages = 0;
    } else {
      w.bitmap = static_cast<const uint32_t*>(phys_to_virt(bitmap_pages));
    }
  }
  // At worst a range per page (data and zero pages alternating).
  uint64_t dump_pages = 0;
  for (int i = 0; i < w.vc->nloads; ++i) dump_pages += w.vc->loads[i].size / PAGE_SIZE + 1;
  w.table_cap = static_cast<uint32_t>(dump_pages + 1);
  if (w.table_cap > hibernate::kMaxRanges) w.table_cap = hibernate::kMaxRanges;
  uint32_t table_npages = (w.table_cap * sizeof(ImageRange) + PAGE_SIZE - 1) / PAGE_SIZE;
  phys_addr table_pages = alloc_pages_contig(table_npages);

  ImageHeader& h = w.h;
  bool ok = false;
  if (!table_pages) {
    kprintf("makedumpfile: no %u pages for the range table\n", table_npages);
  } else {
    w.table = static_cast<ImageRange*>(phys_to_virt(table_pages));
    if (plan_ranges(w)) {
      uint32_t notes = w.vc->note_size <= hibernate::kMaxNotesSize ? w.vc->note_size : 0;
      static uint8_t note_bytes[hibernate::kMaxNotesSize];
      vmcore_read(w.vc, w.vc->header_size, note_bytes, notes);
      memcpy(h.magic, hibernate::kMagic, sizeof h.magic);
      h.version = hibernate::kVersion;
      h.header_size = sizeof h;
      h.page_size = PAGE_SIZE;
      memcpy(h.build_id, w.info.build_id.bytes, sizeof h.build_id);
      h.jump_back_entry = entry;
      h.range_count = w.nranges;
      h.table_sector = 1;
      uint32_t table_bytes = w.nranges * sizeof(ImageRange);
      h.notes_sector = h.table_sector + (table_bytes + kSectorSize - 1) / kSectorSize;
      h.notes_size = notes;
      h.notes_crc = crc32(note_bytes, notes);
      h.data_sector = h.notes_sector + (notes + kSectorSize - 1) / kSectorSize;
      uint64_t total = h.data_sector + uint64_t(h.page_count) * kSectorsPerPage;
      if (total > w.dev->sectors) {
        kprintf("makedumpfile: %s: the image needs %llu sectors, the partition has %u; nothing written\n",
                w.dev->name, total, w.dev->sectors);
      } else {
        h.total_sectors = static_cast<uint32_t>(total);
        memset(g_sector, 0, sizeof g_sector);
        ok = write_sector(w, 0, g_sector) && flush(w) && write_data(w);
        if (ok) {
          h.table_crc = crc32(w.table, table_bytes);
          h.header_crc = 0;
          h.header_crc = crc32(&h, sizeof h);
          ok = write_bytes(w, h.table_sector, w.table, table_bytes) &&
               write_bytes(w, h.notes_sector, note_bytes, notes) && flush(w) &&
               write_bytes(w, 0, &h, sizeof h) && flush(w);
        }
      }
    }
  }
  if (ok) {
    char id[2 * hibernate::kBuildIdSize + 1];
    format_build_id(w.info.build_id, id);
    kprintf("makedumpfile: %s: %u of %u pages in %u ranges (%u free left out, %u zero without data), "
            "%u sectors\n",
            w.dev->name, h.page_count, h.dump_pages, h.range_count, h.free_pages_excluded,
            h.zero_pages_excluded, h.total_sectors);
    kprintf("makedumpfile: kernel A build %s, jump-back entry 0x%08x, header crc 0x%08x\n", id,
            h.jump_back_entry, h.header_crc);
  }
  if (table_pages) free_pages_contig(table_pages, table_npages);
  if (bitmap_pages) free_pages_contig(bitmap_pages, bitmap_npages);
}

}  // namespace kjump
