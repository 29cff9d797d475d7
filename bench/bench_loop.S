/* CPU-bound benchmark guest: a Multiboot kernel that runs a fixed loop of ALU work and
 * memory updates (an LCG scattering adds over a 16 KiB table), prints "done" on COM1 and
 * exits through isa-debug-exit (status 33). The same image runs on kjump and on QEMU.
 * ITERATIONS is set at build time; the instruction count is exact and printed by kjump. */
#ifndef ITERATIONS
#define ITERATIONS 40000000
#endif
#include "bench_guest.h"

        BENCH_START
        mov $1, %eax
1:      imul $1103515245, %eax, %eax
        add $12345, %eax
        mov %eax, %edx
        shr $18, %edx
        and $0xffc, %edx
        add %eax, table(%edx)
        dec %ecx
        jnz 1b
        PRINT_AND_EXIT(msg)

        .section .rodata
msg:    .asciz "done\n"
        .section .bss
        .balign 4096
table:  .fill 4096, 4, 0
