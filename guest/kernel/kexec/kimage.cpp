// kernel/kexec.c's image bookkeeping (2.6.27), page for page.
//
// The indirection list is a chain of pages of kimage_entry_t words:
//   DESTINATION|d  set the destination cursor to d
//   SOURCE|s       page s goes to the cursor; the cursor moves on one page
//   INDIRECTION|p  continue reading at page p
//   DONE           end
// relocate_kernel's swap_pages walks it with paging off, so every page it names, and the pages
// holding the list itself, must stay where they are while it runs: hence the rules below.
#include "kexec/kimage.h"

#include <stdarg.h>

#include "lib/errno.h"
#include "lib/printf.h"
#include "lib/string.h"
#include "mm/memmap.h"
#include "mm/page_alloc.h"

namespace kjump {
namespace {

constexpr uint32_t kPageMask = ~uint32_t(PAGE_SIZE - 1);
constexpr uint32_t kNoDest = 0xFFFFFFFFu;  // KIMAGE_NO_DEST
// KEXEC_CONTROL_MEMORY_LIMIT = TASK_SIZE: control pages need a kernel virtual address.
constexpr uint64_t kControlMemoryLimit = PAGE_OFFSET;
constexpr uint32_t kEntriesPerPage = PAGE_SIZE / sizeof(kimage_entry_t);

char g_detail[128];

// image->dest_pages: pages we allocated that are some segment's destination, parked until
// that destination is loaded. Linux keeps a list; a bitmap over lowmem gives the same answer
// without an O(N) search per page (a window of 32 MiB parks ~8000 pages). Only the image
// being loaded uses it (kexec_load holds kexec_mutex), and it is empty after every load.
uint32_t g_parked[kLowmemLimit / PAGE_SIZE / 32];

bool is_parked(uint32_t addr) {
  uint32_t pfn = addr / PAGE_SIZE;
  return pfn < kLowmemLimit / PAGE_SIZE && (g_parked[pfn / 32] & (1u << (pfn % 32)));
}
void set_parked(uint32_t addr, bool on) {
  uint32_t pfn = addr / PAGE_SIZE;
  if (on) g_parked[pfn / 32] |= 1u << (pfn % 32);
  else g_parked[pfn / 32] &= ~(1u << (pfn % 32));
}

// Pages left parked when a load fails half-way go back to the allocator.
void release_parked() {
  for (uint32_t w = 0; w < sizeof g_parked / 4; ++w) {
    while (g_parked[w]) {
      int bit = __builtin_ctz(g_parked[w]);
      g_parked[w] &= g_parked[w] - 1;
      free_page((w * 32 + bit) * PAGE_SIZE);
    }
  }
}

kimage_entry_t* entry_ptr(kimage_entry_t e) {
  return static_cast<kimage_entry_t*>(phys_to_virt(e & kPageMask));
}

// for_each_kimage_entry: fn(ptr, entry) for every word up to (not including) DONE or 0.
template <typename Fn>
void for_each_entry(const Kimage* image, Fn fn) {
  const kimage_entry_t* ptr = &image->head;
  for (kimage_entry_t e; (e = *ptr) && !(e & IND_DONE);) {
    if (!fn(const_cast<kimage_entry_t*>(ptr), e)) return;
    ptr = (e & IND_INDIRECTION) ? entry_ptr(e) : ptr + 1;
  }
}

// The image being built: which lowmem pages are some segment's destination, and for each
// destination page already loaded, the SOURCE word that names its data (Linux walks the list
// for that, kimage_dst_used; with thousands of segments from several calls it would be
// quadratic). Pages beyond lowmem are never handed out by the allocator, so they are never a
// candidate; a segment reaching up there is only checked for overlap (g_high).
struct Build {
  const Kimage* image;
  uint32_t pfns;               // pages the map covers (top of RAM in lowmem)
  kimage_entry_t** source_of;  // [pfn]: the SOURCE word for destination pfn, or nullptr
  phys_addr map_pages;
  uint32_t map_npages;
};
Build g_build;
uint32_t g_dest[kLowmemLimit / PAGE_SIZE / 32];

bool test_bit(const uint32_t* bits, uint32_t pfn) { return bits[pfn / 32] & (1u << (pfn % 32)); }

bool is_dest_page(uint32_t addr) {
  uint32_t pfn = addr / PAGE_SIZE;
  return pfn < kLowmemLimit / PAGE_SIZE && test_bit(g_dest, pfn);
}

// Does [start, end) (page aligned, from the allocator) hold any segment's destination?
bool is_destination_range(const Kimage*, uint64_t start, uint64_t end) {
  for (uint64_t a = start; a < end; a += PAGE_SIZE)
    if (a < kLowmemLimit && is_dest_page(static_cast<uint32_t>(a))) return true;
  return false;
}

void mark_destination(uint64_t start, uint64_t end) {
  for (uint64_t a = start; a < end && a < kLowmemLimit; a += PAGE_SIZE) {
    uint32_t pfn = static_cast<uint32_t>(a / PAGE_SIZE);
    g_dest[pfn / 32] |= 1u << (pfn % 32);
  }
}

kimage_entry_t*& source_slot(uint32_t dest) {
  static kimage_entry_t* none;
  uint32_t pfn = dest / PAGE_SIZE;
  if (pfn >= g_build.pfns) {
    none = nullptr;
    return none;
  }
  return g_build.source_of[pfn];
}

// kimage_dst_used: the SOURCE word already loaded for destination page `page`, if any.
kimage_entry_t* dst_used(Kimage*, uint32_t page) { return source_slot(page); }

// kimage_alloc_page: a page for `destination` that keeps the invariant "a source page is its
// own destination or no destination at all", so swap_pages never overwrites a page it has
// yet to read, whatever order the list is in.
phys_addr alloc_page_for(Kimage* image, uint32_t destination) {
  if (destination != kNoDest && is_parked(destination)) {
    set_parked(destination, false);
    return destination;
  }
  for (;;) {
    phys_addr page = alloc_page();
    if (!page) return 0;
    if (page == destination) return page;
    if (!is_destination_range(image, page, uint64_t(page) + PAGE_SIZE)) return page;
    // Someone's destination. If its data is already loaded elsewhere, move the data here (this
    // page is its final place) and take the old page, which is no destination at all.
    if (kimage_entry_t* old = dst_used(image, page)) {
      phys_addr old_page = *old & kPageMask;
      memcpy(phys_to_virt(page), phys_to_virt(old_page), PAGE_SIZE);
      *old = page | (*old & ~kPageMask);
      return old_page;
    }
    set_parked(page, true);  // dest_pages: handed out when its destination is loaded
  }
}

int add_entry(Kimage* image, kimage_entry_t entry) {
  if (*image->entry != 0) image->entry++;
  if (image->entry == image->last_entry) {
    phys_addr ind = alloc_page_for(image, kNoDest);
    if (!ind) return -ENOMEM;
    image->indirection_pages++;
    *image->entry = ind | IND_INDIRECTION;
    image->entry = static_cast<kimage_entry_t*>(phys_to_virt(ind));
    image->last_entry = image->entry + kEntriesPerPage - 1;
  }
  *image->entry = entry;
  image->entry++;
  *image->entry = 0;
  return 0;
}

}  // namespace

void kexec_set_detail(const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  struct Sink {
    char* p;
    size_t left;
  } sink{g_detail, sizeof g_detail - 1};
  vformat(
      [](char c, void* ctx) {
        auto* s = static_cast<Sink*>(ctx);
        if (s->left) *s->p++ = c, --s->left;
      },
      &sink, fmt, ap);
  *sink.p = 0;
  va_end(ap);
}

const char* kexec_error_detail() { return g_detail; }

int kimage_create(Kimage** out, uint32_t entry) {
  *out = nullptr;
  phys_addr self = alloc_page();
  if (!self) {
    kexec_set_detail("no memory for the image");
    return -ENOMEM;
  }
  static_assert(sizeof(Kimage) <= PAGE_SIZE);
  auto* image = static_cast<Kimage*>(phys_to_virt(self));  // zeroed
  image->entry = &image->head;
  image->last_entry = &image->head;
  image->start = entry;
  // The map from destination to its SOURCE word covers RAM up to its top in lowmem.
  const RangeSet& ram = system_ram();
  uint64_t top = ram.count() ? ram.at(ram.count() - 1).end : 0;
  if (top > kLowmemLimit) top = kLowmemLimit;
  uint32_t pfns = static_cast<uint32_t>(top / PAGE_SIZE);
  uint32_t npages = (pfns * 4 + PAGE_SIZE - 1) / PAGE_SIZE;
  phys_addr map = npages ? alloc_pages_contig(npages) : 0;  // zeroed
  if (npages && !map) {
    kexec_set_detail("no %u contiguous pages for the image's destination map", npages);
    free_page(self);
    return -ENOMEM;
  }
  kimage_build_end(const_cast<Kimage*>(g_build.image));  // a stale build (cannot happen under kexec_mutex)
  g_build = Build{image, pfns, static_cast<kimage_entry_t**>(phys_to_virt(map)), map, npages};
  *out = image;
  return 0;
}

void kimage_build_end(Kimage* image) {
  if (!image || g_build.image != image) return;
  if (g_build.map_pages) free_pages_contig(g_build.map_pages, g_build.map_npages);
  g_build = Build{};
  memset(g_dest, 0, sizeof g_dest);
}

int kimage_add_segments(Kimage* image, uint32_t nr, const KexecSegment* segs) {
  uint32_t base = image->nr_segments;
  // Destinations must be whole pages below KEXEC_DESTINATION_MEMORY_LIMIT (4 GiB - 1).
  for (uint32_t i = 0; i < nr; ++i) {
    uint64_t ms = segs[i].mem, me = ms + segs[i].memsz;
    if ((ms & ~kPageMask) || (me & ~uint64_t(kPageMask))) {
      kexec_set_detail("segment %u: mem 0x%x or mem+memsz 0x%llx not page aligned", base + i,
                       segs[i].mem, me);
      return -EADDRNOTAVAIL;
    }
    if (me > 0xFFFFFFFFull) {
      kexec_set_detail("segment %u ends at 0x%llx, beyond 4 GiB", base + i, me);
      return -EADDRNOTAVAIL;
    }
  }
  // No two destinations may overlap: half-open ranges, so an empty segment overlaps nothing.
  // Within the call pairwise, as Linux; against earlier calls by page (their bits are set).
  for (uint32_t i = 0; i < nr; ++i) {
    uint64_t ms = segs[i].mem, me = ms + segs[i].memsz;
    for (uint32_t j = 0; j < i; ++j) {
      uint64_t ps = segs[j].mem, pe = ps + segs[j].memsz;
      if (me > ms && pe > ps && me > ps && ms < pe) {
        kexec_set_detail("segments %u and %u overlap at 0x%llx", base + j, base + i,
                         ms > ps ? ms : ps);
        return -EINVAL;
      }
    }
    for (uint32_t j = 0; j < base; ++j) {  // beyond lowmem there are no bits: compare ranges
      uint64_t ps = image->segment[j].mem, pe = ps + image->segment[j].memsz;
      if (pe <= kLowmemLimit && me <= kLowmemLimit) continue;
      if (me > ms && pe > ps && me > ps && ms < pe) {
        kexec_set_detail("segment %u overlaps segment %u of an earlier call at 0x%llx", base + i,
                         j, ms > ps ? ms : ps);
        return -EINVAL;
      }
    }
    for (uint64_t a = ms; a < me && a < kLowmemLimit; a += PAGE_SIZE) {
      if (is_dest_page(static_cast<uint32_t>(a))) {
        kexec_set_detail("segment %u overlaps a segment of an earlier call at 0x%llx", base + i, a);
        return -EINVAL;
      }
    }
  }
  for (uint32_t i = 0; i < nr; ++i) {
    if (segs[i].bufsz > segs[i].memsz) {
      kexec_set_detail("segment %u: bufsz 0x%x > memsz 0x%x", base + i, segs[i].bufsz,
                       segs[i].memsz);
      return -EINVAL;
    }
  }
  if (uint64_t(base) + nr > kKimageMaxSegments) {
    kexec_set_detail("an image holds at most %u segments", kKimageMaxSegments);
    return -EINVAL;
  }
  // The segment table grows in whole pages, the old one copied over.
  uint32_t need = ((base + nr) * sizeof(KexecSegment) + PAGE_SIZE - 1) / PAGE_SIZE;
  if (need > image->segment_npages) {
    uint32_t grow = need < 2 * image->segment_npages ? 2 * image->segment_npages : need;
    phys_addr pages = alloc_pages_contig(grow);
    if (!pages) {
      kexec_set_detail("no memory for the segment table (%u pages)", grow);
      return -ENOMEM;
    }
    auto* table = static_cast<KexecSegment*>(phys_to_virt(pages));
    if (base) memcpy(table, image->segment, base * sizeof(KexecSegment));
    if (image->segment_pages) free_pages_contig(image->segment_pages, image->segment_npages);
    image->segment = table;
    image->segment_pages = pages;
    image->segment_npages = grow;
  }
  for (uint32_t i = 0; i < nr; ++i) {
    image->segment[base + i] = segs[i];
    mark_destination(segs[i].mem, uint64_t(segs[i].mem) + segs[i].memsz);
  }
  image->nr_segments = base + nr;
  return 0;
}

int kimage_alloc_control_pages(Kimage* image) {
  image->control_code_page = kimage_alloc_control_page(image);
  if (!image->control_code_page) {
    kexec_set_detail("cannot allocate the control page");
    return -ENOMEM;
  }
  image->swap_page = kimage_alloc_control_page(image);
  if (!image->swap_page) {
    kexec_set_detail("cannot allocate the swap page");
    return -ENOMEM;
  }
  return 0;
}

// kimage_alloc_normal_control_pages: rejected candidates (someone's destination) are held
// until a good page turns up, so the allocator cannot hand them to us again, then freed. They
// are chained through their own first word.
phys_addr kimage_alloc_control_page(Kimage* image) {
  phys_addr rejected = 0, good = 0;
  for (;;) {
    phys_addr p = alloc_page();
    if (!p) break;
    if (uint64_t(p) + PAGE_SIZE > kControlMemoryLimit ||
        is_destination_range(image, p, uint64_t(p) + PAGE_SIZE)) {
      *static_cast<phys_addr*>(phys_to_virt(p)) = rejected;
      rejected = p;
      continue;
    }
    good = p;
    break;
  }
  while (rejected) {
    phys_addr next = *static_cast<phys_addr*>(phys_to_virt(rejected));
    free_page(rejected);
    rejected = next;
  }
  return good;
}

// kimage_load_normal_segment: DESTINATION, then one zeroed SOURCE page per page of memsz with
// the part of buf that falls in it. bufsz 0 gives zero pages (kexec-tools' backup segments).
int kimage_load_segment(Kimage* image, const KexecSegment& seg) {
  uint32_t maddr = seg.mem;
  uint32_t mbytes = seg.memsz, ubytes = seg.bufsz;
  const uint8_t* buf = static_cast<const uint8_t*>(seg.buf);
  image->destination = maddr & kPageMask;
  if (add_entry(image, image->destination | IND_DESTINATION)) goto nomem;
  while (mbytes) {
    phys_addr page = alloc_page_for(image, maddr & kPageMask);
    if (!page) goto nomem;
    if (add_entry(image, page | IND_SOURCE)) {
      free_page(page);
      goto nomem;
    }
    source_slot(image->destination) = image->entry - 1;
    image->destination += PAGE_SIZE;
    image->source_pages++;
    uint8_t* ptr = static_cast<uint8_t*>(phys_to_virt(page));
    memset(ptr, 0, PAGE_SIZE);
    uint32_t off = maddr & ~kPageMask;
    uint32_t mchunk = PAGE_SIZE - off;
    if (mchunk > mbytes) mchunk = mbytes;
    uint32_t uchunk = mchunk < ubytes ? mchunk : ubytes;
    if (uchunk) memcpy(ptr + off, buf, uchunk);
    ubytes -= uchunk;
    maddr += mchunk;
    buf += mchunk;
    mbytes -= mchunk;
  }
  return 0;
nomem:
  kexec_set_detail("out of memory loading the segment at 0x%x (page 0x%x)", seg.mem, maddr);
  release_parked();
  return -ENOMEM;
}

void kimage_terminate(Kimage* image) {
  if (*image->entry != 0) image->entry++;
  *image->entry = IND_DONE;
  // A page is parked only while its destination is not loaded yet, so with every segment
  // loaded none is left; free any survivor rather than leak it.
  release_parked();
}

void kimage_free(Kimage* image) {
  if (!image) return;
  kimage_entry_t ind = 0;
  for_each_entry(image, [&](kimage_entry_t*, kimage_entry_t e) {
    if (e & IND_INDIRECTION) {
      if (ind & IND_INDIRECTION) free_page(ind & kPageMask);  // done with the previous one
      ind = e;
    } else if (e & IND_SOURCE) {
      free_page(e & kPageMask);
    }
    return true;
  });
  if (ind & IND_INDIRECTION) free_page(ind & kPageMask);
  const phys_addr control_pages[] = {image->control_code_page, image->swap_page, image->pgd,
                                     image->pte0, image->pte1};
  for (phys_addr p : control_pages)
    if (p) free_page(p);
  if (image->segment_pages) free_pages_contig(image->segment_pages, image->segment_npages);
  kimage_build_end(image);
  free_page(virt_to_phys(image));
}

// Rebuilds the destination -> SOURCE word map from the list (after list pages moved).
void rebuild_source_map(Kimage* image) {
  memset(g_build.source_of, 0, g_build.pfns * sizeof(kimage_entry_t*));
  uint32_t destination = 0;
  for_each_entry(image, [&](kimage_entry_t* ptr, kimage_entry_t e) {
    if (e & IND_DESTINATION) {
      destination = e & kPageMask;
    } else if (e & IND_SOURCE) {
      source_slot(destination) = ptr;
      destination += PAGE_SIZE;
    }
    return true;
  });
}

int kimage_settle(Kimage* image) {
  // 1. Source pages: a page an earlier call took for destination d may be the destination x
  //    of a later call. Put x's data into x (swap the two pages' contents) and give d's data
  //    x's old source page; if that one is a destination too, go on from there. Each step
  //    puts one page's data in place for good, so this ends. Afterwards every source page is
  //    its own destination or none, as kimage_alloc_page keeps it in a one-call load.
  static uint8_t tmp[PAGE_SIZE];
  uint32_t destination = 0;
  for_each_entry(image, [&](kimage_entry_t* ptr, kimage_entry_t e) {
    if (e & IND_DESTINATION) {
      destination = e & kPageMask;
      return true;
    }
    if (!(e & IND_SOURCE)) return true;
    uint32_t d = destination;
    destination += PAGE_SIZE;
    for (phys_addr x = *ptr & kPageMask; x != d && is_dest_page(x); x = *ptr & kPageMask) {
      kimage_entry_t* owner = source_slot(x);  // x's own data is in page z
      if (!owner) break;  // cannot happen: every destination is loaded by now
      phys_addr z = *owner & kPageMask;
      memcpy(tmp, phys_to_virt(x), PAGE_SIZE);
      memcpy(phys_to_virt(x), phys_to_virt(z), PAGE_SIZE);
      memcpy(phys_to_virt(z), tmp, PAGE_SIZE);
      *owner = x | IND_SOURCE;
      *ptr = z | IND_SOURCE;
      image->settled_pages++;
    }
    return true;
  });

  // 2. Indirection pages: relocate_kernel reads the list while it copies, so no list page may
  //    be a destination. One that became one moves to a page that is none; alloc_page_for
  //    finds it (a free destination page takes its own data, handing back the data's old
  //    page, which step 1 made a non-destination). The map points into list pages, so it is
  //    rebuilt after each move, before the old page is let go.
  kimage_entry_t* word = &image->head;
  while (*word && !(*word & IND_DONE)) {
    if (!(*word & IND_INDIRECTION)) {
      ++word;
      continue;
    }
    phys_addr page = *word & kPageMask;
    if (is_dest_page(page)) {
      phys_addr moved = alloc_page_for(image, kNoDest);
      if (!moved) {
        kexec_set_detail("out of memory moving an indirection page off a destination");
        release_parked();
        return -ENOMEM;
      }
      memcpy(phys_to_virt(moved), phys_to_virt(page), PAGE_SIZE);
      *word = moved | IND_INDIRECTION;
      rebuild_source_map(image);
      free_page(page);
      image->settled_indirection_pages++;
    }
    word = entry_ptr(*word);
  }
  release_parked();  // alloc_page_for may have parked destination pages: none is needed now
  return 0;
}

phys_addr kimage_source_of(const Kimage* image, uint32_t dest) {
  dest &= kPageMask;
  phys_addr found = 0;
  uint32_t destination = 0;
  for_each_entry(image, [&](kimage_entry_t*, kimage_entry_t e) {
    if (e & IND_DESTINATION) {
      destination = e & kPageMask;
    } else if (e & IND_SOURCE) {
      if (destination == dest) {
        found = e & kPageMask;
        return false;
      }
      destination += PAGE_SIZE;
    }
    return true;
  });
  return found;
}

}  // namespace kjump
