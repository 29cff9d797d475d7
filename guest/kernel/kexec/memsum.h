// memsum: a checksum over the kernel's own .data and .bss, so a kernel can show that its memory
// came back from a kexec jump exactly as it left it.
#pragma once
#include <stdint.h>

namespace kjump {

struct MemSum {
  uint32_t sum;    // FNV-1a (lib/fnv.h)
  uint32_t bytes;  // bytes summed
};

// Sums [__data_start, __bss_end) except the running task's kernel stack, which is legitimately
// different between any two moments (it holds this very call), and crash_notes, which every
// jump fills with the registers of that jump (kexec/crash_notes.h).
MemSum memsum();

}  // namespace kjump
