// A's window, read back through A's backup pages, as Linux's /proc/vmcore never could.
//
// A hibernation image holds A's memory outside the window B ran in; what A had inside the
// window was swapped into A's kexec source pages ("backup pages") at the jump, and the image
// holds those, because resuming needs them there: A's re-entry code swaps them back. So the
// window is in the image once, at the backup pages' addresses. For a core file that gdb reads
// at A's addresses (A's kernel and .bss are in the window), we find A's control page from the
// image's jump-back entry (the entry lies in it), take the head of A's indirection list from
// its data area (CP_PA_BACKUP_PAGES_MAP, abi/kexec_control_page.h) and walk the list in the
// image's pages: each SOURCE entry pairs a window page with the page holding A's contents of
// it — relocate_kernel's own walk, and guest/kernel/kexec/vmcore.cpp's.
#pragma once
#include <cstdint>
#include <vector>

#include "image/byte_source.h"
#include "image/image_check.h"

namespace kjump::image {

struct WindowPage {
  uint32_t paddr;  // in A's window
  uint32_t from;   // the image page holding A's contents of it
};

// An image's pages by physical address (a checked image: `report.ok()`).
class ImagePages {
 public:
  ImagePages(const ByteSource& partition, const ImageReport& report);
  bool contains(uint32_t paddr) const;
  // The page at paddr (page aligned); false if the image does not hold it.
  bool read(uint32_t paddr, uint8_t out[4096]) const;

 private:
  struct Run {
    uint32_t paddr, pages;
    bool zero;
    uint64_t data_offset;  // in the partition, for a data range
  };
  const Run* find(uint32_t paddr) const;
  const ByteSource& part_;
  std::vector<Run> runs_;  // sorted by paddr, as the table is
};

// The window pages whose contents the image holds in backup pages, sorted by address. Empty
// when the image has no KJUMP window note, or the control page or list is not in the image, or
// the window's pages are in the image themselves. Never throws for bad list contents: the walk
// is bounded and checked at every step, like the guest's.
std::vector<WindowPage> window_pages(const ImagePages& pages, const ImageReport& report);

}  // namespace kjump::image
