// Reading kernel A's VMCOREINFO note ("KEY=VALUE" lines, kexec/vmcoreinfo.cpp) in kernel B,
// as makedumpfile does: what the hibernation writer needs to leave A's free pages out without
// A's debuginfo.
#pragma once
#include <stdint.h>

#include "kexec/build_id.h"
#include "kexec/vmcore.h"

namespace kjump {

struct DumpKernelInfo {
  bool has_build_id;
  BuildId build_id;
  bool has_bitmap;          // all four page_bitmap keys present and sane
  uint32_t bitmap_vaddr;    // SYMBOL(page_bitmap), A's virtual address
  uint32_t bitmap_bytes;    // SIZE(page_bitmap)
  uint32_t bitmap_pages;    // NUMBER(page_bitmap_pages)
  uint32_t bit_free;        // NUMBER(bit_free): 0 or 1
  uint32_t page_offset;     // from the KJUMP window note, else 0xC0000000
};

// False (after saying why) if the dump has no VMCOREINFO note.
bool read_dump_kernel_info(const Vmcore* vc, DumpKernelInfo* out);

}  // namespace kjump
