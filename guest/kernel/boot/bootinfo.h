// What the boot loader told us, copied into kernel memory at boot so nothing later depends on
// the loader's structures (which live in memory the allocator could otherwise hand out).
#pragma once
#include <stdint.h>

namespace kjump {

struct FirmwareRange {
  uint64_t base, length;
  uint32_t type;
};

// A physical range the loader put something in, which the allocator must not hand out.
struct LoaderRange {
  uint32_t start, end;  // [start, end)
  const char* what;
};

struct BootInfo {
  static constexpr int kMaxRanges = 32;
  static constexpr int kMaxLoaderRanges = 40;
  static constexpr int kCmdlineMax = 1024;

  bool has_memory;
  uint32_t mem_lower_kib, mem_upper_kib;
  char cmdline[kCmdlineMax];  // full Multiboot command line, including the kernel path word
  int range_count;
  FirmwareRange ranges[kMaxRanges];
  int module_count;
  int loader_range_count;
  LoaderRange loader_ranges[kMaxLoaderRanges];
};

// Returns false (after printing why) if magic is not the Multiboot one.
bool bootinfo_capture(uint32_t magic, uint32_t mbi_phys);
const BootInfo& bootinfo();

// The command line without the leading kernel path word (QEMU passes "<path> <append>", kjump
// may pass the path differently), i.e. what Linux shows in /proc/cmdline for its parameters.
const char* kernel_args();

}  // namespace kjump
