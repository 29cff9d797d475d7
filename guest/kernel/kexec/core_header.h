// The ELF core header kernel A hands to kernel B (elfcorehdr=): A's memory as an ELF32 core
// file whose "file offsets" are physical addresses, as kexec-tools' crashdump-x86.c builds it
// for --load-preserve-context.
#pragma once
#include <stdint.h>

#include "mm/range_set.h"

namespace kjump {

// Note in the header's own (last) PT_NOTE: name "KJUMP", type kKjumpNoteWindow, desc =
// {window start, window end, PAGE_OFFSET}: which part of A's RAM B was given (and is therefore
// not in the PT_LOADs: B reads A's contents of it from A's backup pages). The type is no
// "CORE" note type ("KJ" 1), so readelf does not take it for an NT_PRSTATUS.
constexpr uint32_t kKjumpNoteWindow = 0x4B4A0001;

struct CoreHeader {
  static constexpr uint32_t kSize = 4096;
  uint8_t data[kSize];
  uint32_t size;  // bytes used
  int loads;      // PT_LOADs written
};

// A note buffer in A's memory that the header points at with a PT_NOTE of its own, as
// kexec-tools does for each CPU's crash_notes and for vmcoreinfo_note (both read from sysfs).
struct CoreNoteBuffer {
  uint32_t paddr, size;
};

// The PT_NOTEs first: one per buffer in `buffers`, then the KJUMP note inside this header;
// then one PT_LOAD per range of `ram` minus the reserved window [win_start, win_end), p_vaddr =
// paddr + PAGE_OFFSET. Built for physical address `base` (the last PT_NOTE points into it).
// False (after printing why) if it does not fit in a page.
bool build_core_header(uint32_t base, const RangeSet& ram, uint32_t win_start, uint32_t win_end,
                       const CoreNoteBuffer* buffers, int nbuffers, CoreHeader* out);

}  // namespace kjump
