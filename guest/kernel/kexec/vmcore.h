// /proc/vmcore in the kexec'd kernel (fs/proc/vmcore.c, 2.6.27): the previous kernel's memory
// as an ELF core file, described by the header at elfcorehdr=ADDR[K] and read in place through
// the direct map (copy_oldmem_page). Only A's RAM outside our window is in it; what A had inside
// the window sits in A's kexec source pages, which are ordinary A RAM and therefore dumped.
#pragma once
#include <stdint.h>

namespace kjump {

struct VmcoreLoad {
  uint32_t paddr, vaddr;
  uint32_t size;
  uint64_t offset;  // in the /proc/vmcore file
};

struct Vmcore {
  static constexpr int kMaxLoads = 64;
  uint32_t elfcorehdr;  // physical address
  uint32_t note_paddr, note_size;
  uint32_t window_start, window_end;  // from the KJUMP note, 0 if absent
  int nloads;
  VmcoreLoad loads[kMaxLoads];
  uint32_t header_size;  // the rewritten ELF header + program headers we serve
  uint64_t size;         // whole file
};

// Parses elfcorehdr= from our command line and validates the header (ELF32, ET_CORE, EM_386,
// exactly one PT_NOTE, PT_LOADs inside the direct map). nullptr (after printing why) if there
// is no usable dump.
const Vmcore* vmcore_open();

// Reads [offset, offset+len) of /proc/vmcore; returns the bytes read (short at the end).
uint32_t vmcore_read(const Vmcore* vc, uint64_t offset, void* buf, uint32_t len);

// A's memory at physical address paddr, if a PT_LOAD covers all len bytes; nullptr otherwise.
const void* vmcore_old_memory(const Vmcore* vc, uint32_t paddr, uint32_t len);

}  // namespace kjump
