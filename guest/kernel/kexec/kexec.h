// kexec with KEXEC_PRESERVE_CONTEXT ("kexec jump"), as Linux 2.6.27 implements it (see
// docs/kexec-jump-reference.md). This header is the "system call" surface the shell's
// kexec-tools front end (kexec_tools.cpp) uses.
#pragma once
#include <stddef.h>
#include <stdint.h>

namespace kjump {

// Flags word of kexec_load (include/linux/kexec.h).
constexpr uint32_t KEXEC_ON_CRASH = 0x00000001;
constexpr uint32_t KEXEC_PRESERVE_CONTEXT = 0x00000002;
// kjump's answer to the seed's 16-segment limit (kexec/kexec_load.cpp): more calls follow.
constexpr uint32_t KEXEC_PARTIAL = 0x00000100;
constexpr uint32_t KEXEC_FLAGS = KEXEC_ON_CRASH | KEXEC_PRESERVE_CONTEXT | KEXEC_PARTIAL;
constexpr uint32_t KEXEC_ARCH_MASK = 0xffff0000;
constexpr uint32_t KEXEC_ARCH_DEFAULT = 0;
constexpr uint32_t KEXEC_ARCH_386 = 3u << 16;
constexpr uint32_t KEXEC_SEGMENT_MAX = 16;

// struct kexec_segment: buf/bufsz is what to copy (kernel virtual address here, since our
// "user space" is the shell), mem/memsz the physical destination.
struct KexecSegment {
  const void* buf;
  uint32_t bufsz;
  uint32_t mem;
  uint32_t memsz;
};

// sys_kexec_load: 0 or a negative errno, with Linux's checks in Linux's order. nr_segments == 0
// unloads. On failure kexec_error_detail() says which check failed, in one line.
int kexec_load(uint32_t entry, uint32_t nr_segments, const KexecSegment* segments, uint32_t flags);
const char* kexec_error_detail();

// reboot(LINUX_REBOOT_CMD_KEXEC): runs the loaded image. With preserve_context it returns 0
// after the peer jumped back (or a negative errno, nothing jumped); otherwise it never returns.
int kernel_kexec();

// What the shell shows about the loaded image.
struct KexecImageInfo {
  bool loaded;
  bool preserve_context;
  uint32_t start;
  uint32_t nr_segments;
  uint32_t calls;  // kexec_load calls that built it
  uint32_t control_page, swap_page;
  uint32_t source_pages, indirection_pages;
  uint32_t settled_pages, settled_indirection_pages;  // an image in parts: moved at its close
};
KexecImageInfo kexec_image_info();
// An image is being built by KEXEC_PARTIAL calls and is not closed yet.
bool kexec_partial_open();

// Reads a word of the peer's memory at physical address paddr as the loaded image holds it
// between jumps: a destination page's peer contents live in its source page while we run.
// False if paddr is not a destination of the loaded image.
bool kexec_peer_read(uint32_t paddr, uint32_t* value);

// Counters for `jumpstat`.
struct JumpStats {
  uint32_t jumps;          // kexec -e with preserve_context that reached machine_kexec
  uint32_t returns;        // ... and came back
  uint32_t memory_intact;  // returns with .data/.bss (minus the live stack) unchanged
  uint32_t ticks_frozen;   // returns with jiffies unchanged across the excursion
  uint32_t refused;        // kexec -e that failed before jumping
};
const JumpStats& jump_stats();
// The counters themselves, by name: a debugger reading a dump of this kernel prints them.
extern JumpStats kexec_jump_stats;

}  // namespace kjump
