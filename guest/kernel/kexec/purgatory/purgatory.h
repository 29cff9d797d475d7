/* The purgatory blob's parameter block, filled in by the loader (kexec/kexec_tools.cpp) in its
 * copy of the blob before the copy becomes a segment. Offsets from the start of the blob, whose
 * first instruction is the entry point. Shared by purgatory.S and C++. */
#pragma once

#define PURGATORY_MBI 0x08             /* physical address of the Multiboot info -> EBX */
#define PURGATORY_KERNEL_ENTRY 0x0C    /* the next kernel's physical entry point */
#define PURGATORY_CMDLINE_END 0x10     /* physical address of the cmdline's NUL; 0 = none */
#define PURGATORY_JUMP_BACK_ENTRY 0x14 /* written by purgatory: the word it found at [ESP] */

/* kexec-tools' PURGATORY_CMDLINE_SIZE: room reserved after the command line for the
 * " kexec_jump_back_entry=0x%x" purgatory appends. */
#define PURGATORY_CMDLINE_SPARE 64
