// Extracting a checked hibernation image as an ELF32 core file (ET_CORE, EM_386) that readelf
// and `gdb KERNEL.elf dump.elf` read, the shape /proc/vmcore has (fs/proc/vmcore.c):
//
//   ELF header, program headers: one PT_NOTE, then one PT_LOAD per run of contiguous ranges
//   of one kind (data ranges, or kRangeZero ranges)
//   the PT_NOTE's bytes: the image's notes verbatim (NT_PRSTATUS, VMCOREINFO, KJUMP)
//   each data PT_LOAD's bytes, from a page-aligned offset: the run's pages
//
// A's window, which the image holds only in A's backup pages (image/window_pages.h), becomes
// PT_LOADs at the window's addresses too, so the core is A's memory as A saw it, kernel and
// .bss included. PT_LOADs are sorted by address.
//
// A run of zero ranges is a PT_LOAD with p_filesz 0 and p_memsz its size: memory that is
// there and reads as zeroes (the ELF rule for p_memsz > p_filesz; gdb reads it so), without
// a byte of it in the file, as the image has none either.
//
// p_paddr is the physical address; p_vaddr = p_paddr + PAGE_OFFSET, with PAGE_OFFSET from the
// KJUMP window note (desc word 2) or 0xC0000000 without it, in 32-bit arithmetic as A's own
// core header computes it. More than 65534 PT_LOADs use ELF's extended numbering (e_phnum =
// PN_XNUM, the count in section 0's sh_info), as Linux's core dumps do.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "image/byte_source.h"
#include "image/image_check.h"
#include "image/window_pages.h"

namespace kjump::image {

struct CoreLoad {
  uint32_t paddr = 0, vaddr = 0;
  uint32_t bytes = 0;   // p_memsz
  bool zero = false;    // kRangeZero ranges: p_filesz 0
  size_t first_range = 0, ranges = 0;  // which entries of the image's table it holds
  // A run of A's window (image/window_pages.h): its pages are plan.window[first_window ...],
  // read from the backup pages that hold them.
  bool window = false;
  size_t first_window = 0;
  uint64_t file_offset = 0;
};

struct CorePlan {
  uint32_t page_offset = 0;
  std::vector<WindowPage> window;  // A's window pages, each from its backup page
  bool page_offset_from_note = false;
  uint64_t notes_offset = 0;
  std::vector<CoreLoad> loads;
  bool extended_numbering = false;
  uint64_t file_size = 0;
};

// The file's layout for a valid image (`report.ok()`); throws ImageError if it is not, or if
// the core would pass 4 GiB (ELF32 offsets are 32-bit).
// `window` (window_pages()) adds A's window at A's addresses, one PT_LOAD per run.
CorePlan plan_core(const ImageReport& report, std::vector<WindowPage> window = {});

class ByteSink {
 public:
  virtual ~ByteSink() = default;
  virtual void write(const void* p, size_t n) = 0;
};

// Streams the core to `out`, reading the data range by range from `partition` and checking
// each range's data_crc again (the file could have changed since it was checked).
void write_core(const ByteSource& partition, const ImageReport& report, const CorePlan& plan, ByteSink& out);

// write_core into `path`, replaced atomically (base/atomic_file.h). Throws ImageError naming
// the file.
CorePlan extract_core(const ByteSource& partition, const ImageReport& report, const std::string& path);

}  // namespace kjump::image
