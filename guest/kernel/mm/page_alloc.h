// Physical page allocator: a bitmap over lowmem (everything the direct map can reach), built
// from the usable-RAM set minus everything already in use (kernel image, loader data).
// Allocation is lowest-address-first, so it is deterministic.
#pragma once
#include <stdint.h>

#include "mm/addr.h"
#include "mm/range_set.h"

namespace kjump {

void page_alloc_init(const RangeSet& usable);
// Marks [start, end) as in use (rounded out to whole pages). Only before handing out pages.
void page_alloc_reserve(uint64_t start, uint64_t end);

// One zeroed page; 0 when memory is exhausted (physical page 0 is never handed out).
phys_addr alloc_page();
void free_page(phys_addr p);

// `count` physically contiguous zeroed pages (lowest address first); 0 if there is no such run.
// For buffers a device or a loader needs in one piece (kexec reads whole files into one).
phys_addr alloc_pages_contig(uint32_t count);
void free_pages_contig(phys_addr first, uint32_t count);

struct PageStats {
  uint32_t total;  // usable pages the allocator manages
  uint32_t free;
};
PageStats page_stats();

// Where the allocator's state is, for VMCOREINFO (kexec/vmcoreinfo.cpp): bit (pfn % 32) of
// word pfn / 32 describes page pfn, for pfn < pages; a clear bit is a free page, a set bit is
// in use, reserved or not RAM. A dump tool can leave free pages out of a hibernation image.
struct PageBitmap {
  const uint32_t* words;
  uint32_t bytes;
  uint32_t pages;
};
PageBitmap page_bitmap();

}  // namespace kjump
