// crash_notes (kernel/kexec.c): the per-CPU ELF note buffer whose physical address kexec-tools
// puts in the core header's first PT_NOTE. Linux fills it at crash time (crash_save_cpu); with
// kexec jump nothing filled it in 2.6.27, so the dump had no registers. Here the CPU fills it
// at every preserve-context jump: machine_kexec writes the prstatus fields that are not
// registers, and relocate_kernel writes pr_reg from the very values it saves on A's stack and
// restores on the way back, so a debugger reading the dump sees where A resumes.
#pragma once
#include <stdint.h>

#include "abi/elf32.h"
#include "mm/addr.h"

namespace kjump {

// Physical address and size of the buffer: one "CORE" NT_PRSTATUS note, then an empty note
// header (Linux's final_note) that ends the buffer for readers that walk it.
phys_addr crash_notes_paddr();
uint32_t crash_notes_size();

// crash_save_cpu's part before the jump: the note header and pr_pid. Returns the pr_reg array
// (kernel virtual address) for relocate_kernel to fill, indexed by elf::kReg*.
uint32_t* crash_save_cpu(uint32_t pid);

}  // namespace kjump
