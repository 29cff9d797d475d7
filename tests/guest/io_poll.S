/* A Multiboot kernel that polls the primary IDE status port ITERATIONS times, as a driver
 * waiting for BSY to clear does, then prints "io_poll done" and exits with status 33.
 * Three instructions per poll (in, dec, jnz), all in one translated block: the cost of a
 * port access is what this measures (engine I/O path, docs/unicorn-fast-paths.md §1). */
#include "mb_test_kernel.h"
#ifndef ITERATIONS
#define ITERATIONS 3000000
#endif
MULTIBOOT_HEADER
        .section .text
        .globl _start
_start:
        cli
        mov $ITERATIONS, %ecx
        mov $0x1f7, %dx
1:      in (%dx), %al
        dec %ecx
        jnz 1b
        PRINT_AND_EXIT(msg)

        .section .rodata
msg:    .asciz "io_poll done\n"
