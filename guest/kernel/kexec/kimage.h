// struct kimage and the page bookkeeping of kernel/kexec.c (2.6.27): indirection list,
// control and swap pages, and kimage_alloc_page's invariant that a source page is either its
// own destination or no destination at all.
#pragma once
#include <stdint.h>

#include "abi/kexec_control_page.h"
#include "kexec/kexec.h"
#include "mm/addr.h"

namespace kjump {

using kimage_entry_t = uint32_t;

// An image built in parts (KEXEC_PARTIAL) may have this many segments in all.
constexpr uint32_t kKimageMaxSegments = 16384;  // page-aligned physical address | one IND_* flag

struct Kimage {
  kimage_entry_t head;         // the first IND_INDIRECTION word
  kimage_entry_t* entry;       // next free slot (kernel virtual address)
  kimage_entry_t* last_entry;  // last slot of the current indirection page
  uint32_t destination;        // destination of the next source page
  uint32_t start;              // entry point; after a jump, the peer's re-entry point
  phys_addr control_code_page;
  phys_addr swap_page;
  // kimage_arch (2.6.29's per-image transition tables): one directory, two page tables.
  phys_addr pgd, pte0, pte1;
  uint32_t nr_segments;
  KexecSegment* segment;  // nr_segments entries, in pages the image owns (segment_pages)
  phys_addr segment_pages;
  uint32_t segment_npages;
  bool preserve_context;
  // Built by several kexec_load calls (KEXEC_PARTIAL): the flags and entry every call must
  // repeat, and how many calls so far.
  uint32_t flags;
  uint32_t calls;
  // Statistics only.
  uint32_t source_pages, indirection_pages;
  uint32_t settled_pages, settled_indirection_pages;  // moved by kimage_settle
};

// do_kimage_alloc: an image with no segments yet. It is "the image being built": the one
// whose destinations kimage_alloc_page knows (one at a time; kexec_mutex or the pending
// partial image guarantees it) until kimage_build_end or kimage_free.
int kimage_create(Kimage** out, uint32_t entry);
// Checks and appends segments (-EADDRNOTAVAIL, -EINVAL, -ENOMEM), in Linux's order within the
// call: alignment, overlap (with each other and with every segment of earlier calls), bufsz.
// Nothing is appended on failure.
int kimage_add_segments(Kimage* image, uint32_t nr, const KexecSegment* segments);
// The control page and the swap page (-ENOMEM): after the destinations are known.
int kimage_alloc_control_pages(Kimage* image);
// A control page: never a destination of any segment, below KEXEC_CONTROL_MEMORY_LIMIT.
phys_addr kimage_alloc_control_page(Kimage* image);
int kimage_load_segment(Kimage* image, const KexecSegment& segment);
void kimage_terminate(Kimage* image);
// The last call of an image built in parts: pages allocated by earlier calls may have become
// destinations of later ones. Moves data so that every source page is again its own
// destination or none, and moves indirection pages off destinations. Then the image keeps
// kimage_alloc_page's invariant as if it had been loaded in one call. -ENOMEM if a moved
// indirection page finds no home.
int kimage_settle(Kimage* image);
// The image is complete (or abandoned): forget its destinations.
void kimage_build_end(Kimage* image);
// Frees every page the image owns, and the image itself. Accepts nullptr.
void kimage_free(Kimage* image);

// The source page that holds destination page `dest` (0 if none).
phys_addr kimage_source_of(const Kimage* image, uint32_t dest);

// Set by kexec_load; one line for kexec_error_detail().
void kexec_set_detail(const char* fmt, ...) __attribute__((format(printf, 1, 2)));

}  // namespace kjump
