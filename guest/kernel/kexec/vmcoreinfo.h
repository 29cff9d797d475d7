// VMCOREINFO (kernel/kexec.c, 2.6.24+): a note of "KEY=value" lines that tells a dump tool
// (makedumpfile, crash) what it needs to know about this kernel without its debug info. Our
// keys, in Linux's formats (SYMBOL in lowercase hex without 0x, SIZE and NUMBER in decimal):
//   OSRELEASE=kjump-guest          the kernel's release string
//   PAGESIZE=4096
//   SYMBOL(_stext)=c0101000         start of kernel text (virtual)
//   SYMBOL(swapper_pg_dir)=...      the kernel page directory (kernel_pgdir)
//   SYMBOL(page_bitmap)=...         the page allocator's bitmap (virtual address) ...
//   SIZE(page_bitmap)=28672         ... its size in bytes,
//   NUMBER(page_bitmap_pages)=...   ... how many pages (from pfn 0) it describes,
//   NUMBER(bit_free)=0              ... and the value of a free page's bit (bit pfn%32 of word
//                                   pfn/32); with these a dump tool leaves A's free pages out
//   SYMBOL(crash_notes)=...         the NT_PRSTATUS note buffer
// kexec-tools 2008 left VMCOREINFO out of a preserve-context core header; we put it in, so a
// dump of A can be read and trimmed with nothing but the dump.
#pragma once
#include <stdint.h>

#include "mm/addr.h"

namespace kjump {

// The note ("VMCOREINFO", type 0) followed by an empty note header, built on first use
// (Linux: crash_save_vmcoreinfo_init at boot; nothing in it changes while we run).
phys_addr vmcoreinfo_note_paddr();
uint32_t vmcoreinfo_note_size();

}  // namespace kjump
