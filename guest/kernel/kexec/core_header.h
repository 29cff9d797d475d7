// The ELF core header kernel A hands to kernel B (elfcorehdr=): A's memory as an ELF32 core
// file whose "file offsets" are physical addresses, as kexec-tools' crashdump-x86.c builds it
// for --load-preserve-context.
#pragma once
#include <stdint.h>

#include "mm/range_set.h"

namespace kjump {

// Note in the header's PT_NOTE: name "KJUMP", type 1, desc = {window start, window end,
// PAGE_OFFSET}: which part of A's RAM B was given (and is therefore not in the PT_LOADs).
constexpr uint32_t kKjumpNoteWindow = 1;

struct CoreHeader {
  static constexpr uint32_t kSize = 4096;
  uint8_t data[kSize];
  uint32_t size;  // bytes used
  int loads;      // PT_LOADs written
};

// One PT_LOAD per range of `ram` minus the reserved window [win_start, win_end), p_vaddr =
// paddr + PAGE_OFFSET. Built for physical address `base` (the PT_NOTE points into it). False
// (after printing why) if it does not fit in a page.
bool build_core_header(uint32_t base, const RangeSet& ram, uint32_t win_start, uint32_t win_end,
                       CoreHeader* out);

}  // namespace kjump
