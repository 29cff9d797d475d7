// struct kimage and the page bookkeeping of kernel/kexec.c (2.6.27): indirection list,
// control and swap pages, and kimage_alloc_page's invariant that a source page is either its
// own destination or no destination at all.
#pragma once
#include <stdint.h>

#include "abi/kexec_control_page.h"
#include "kexec/kexec.h"
#include "mm/addr.h"

namespace kjump {

using kimage_entry_t = uint32_t;  // page-aligned physical address | one IND_* flag

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
  KexecSegment segment[KEXEC_SEGMENT_MAX];
  bool preserve_context;
  // Statistics only.
  uint32_t source_pages, indirection_pages;
};

// do_kimage_alloc + kimage_normal_alloc: copies and checks the segments (-EADDRNOTAVAIL,
// -EINVAL), allocates the control page and the swap page (-ENOMEM).
int kimage_normal_alloc(Kimage** out, uint32_t entry, uint32_t nr_segments,
                        const KexecSegment* segments);
// A control page: never a destination of any segment, below KEXEC_CONTROL_MEMORY_LIMIT.
phys_addr kimage_alloc_control_page(Kimage* image);
int kimage_load_segment(Kimage* image, const KexecSegment& segment);
void kimage_terminate(Kimage* image);
// Frees every page the image owns, and the image itself. Accepts nullptr.
void kimage_free(Kimage* image);

// The source page that holds destination page `dest` (0 if none).
phys_addr kimage_source_of(const Kimage* image, uint32_t dest);

// Set by kexec_load; one line for kexec_error_detail().
void kexec_set_detail(const char* fmt, ...) __attribute__((format(printf, 1, 2)));

}  // namespace kjump
