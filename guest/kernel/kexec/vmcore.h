// /proc/vmcore in the kexec'd kernel (fs/proc/vmcore.c, 2.6.27): the previous kernel's memory
// as an ELF core file, described by the header at elfcorehdr=ADDR[K] and read in place through
// the direct map (copy_oldmem_page).
//
// What A had inside our window is not there any more (we run there): the swap at the jump
// moved it into A's kexec source pages ("backup pages"). 2.6.27 left it at that, so a dump of
// A lacked A's own kernel (loaded at 1 MiB, inside the window) and a debugger could not read
// it. We go one step further: A's indirection list is the map from each window page to the
// page now holding A's contents (relocate_kernel swaps back with it, and keeps its head in the
// control page's data area, CP_PA_BACKUP_PAGES_MAP); B finds that control page from its own
// kexec_jump_back_entry=, walks the list, and serves the window as further PT_LOADs read
// through that map. The file is then A's memory as A saw it, at A's addresses, and notes that
// A keeps in its own .bss (crash_notes, VMCOREINFO) read as A wrote them.
#pragma once
#include <stdint.h>

namespace kjump {

struct VmcoreLoad {
  uint32_t paddr, vaddr;
  uint32_t size;
  uint64_t offset;   // in the /proc/vmcore file
  bool from_backup;  // inside the window: read through A's backup map
};

struct VmcoreNote {
  char name[16];
  uint32_t type, descsz;
  uint32_t offset;  // of its header in the merged notes
};

struct Vmcore {
  static constexpr int kMaxLoads = 64;
  static constexpr int kMaxNotes = 8;
  uint32_t elfcorehdr;                // physical address
  int header_notes;                   // PT_NOTEs in A's header (merged into one, as Linux does)
  uint32_t note_size;                 // bytes of merged notes we serve
  uint32_t window_start, window_end;  // from the KJUMP note, 0 if absent
  uint32_t backup_map;                // first page of A's indirection list, 0 if not found
  uint32_t backup_pages;              // window pages whose A contents we found
  int nnotes;
  VmcoreNote notes[kMaxNotes];
  int nloads;
  VmcoreLoad loads[kMaxLoads];
  uint32_t header_size;  // the rewritten ELF header + program headers we serve
  uint64_t size;         // whole file
};

// Parses elfcorehdr= from our command line and validates the header (ELF32, ET_CORE, EM_386,
// at least one PT_NOTE, PT_LOADs inside the direct map). nullptr (after printing why) if there
// is no usable dump.
const Vmcore* vmcore_open();

// Reads [offset, offset+len) of /proc/vmcore; returns the bytes read (short at the end).
uint32_t vmcore_read(const Vmcore* vc, uint64_t offset, void* buf, uint32_t len);

// A's memory at physical address paddr, len bytes, if PT_LOADs cover all of them.
bool vmcore_read_old(const Vmcore* vc, uint32_t paddr, void* buf, uint32_t len);

// The descriptor of the first note with this name and type in the merged notes, or nullptr.
const void* vmcore_find_note(const Vmcore* vc, const char* name, uint32_t type, uint32_t* descsz);

}  // namespace kjump
