// The "parameter block" of a kexec'd Multiboot kernel: what a Multiboot loader would leave for
// it (info structure, memory map, command line, module), built as one segment. kexec-tools does
// the same for a bzImage with its zero page (kexec/arch/i386/kexec-bzImage.c).
#pragma once
#include <stdint.h>

namespace kjump {

struct MultibootModule {
  uint32_t start, end;  // physical, [start, end)
  const char* string;
};

struct MultibootParams {
  static constexpr uint32_t kSize = 4096;  // one page
  static constexpr uint32_t kCmdlineMax = 1024;  // the kernel copies at most this (bootinfo.h)
  uint8_t data[kSize];
  uint32_t cmdline_end;  // physical address of the command line's NUL (for purgatory)
};

// Lays the block out for physical address `base`: memory map = our firmware map (so the next
// kernel can map, and read, all of RAM), command line + PURGATORY_CMDLINE_SPARE bytes, the
// optional module. False (after printing why) if the command line does not fit.
bool build_multiboot_params(uint32_t base, const char* cmdline, const MultibootModule* module,
                            MultibootParams* out);

}  // namespace kjump
