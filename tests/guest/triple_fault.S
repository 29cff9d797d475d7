/* A Multiboot kernel that triple-faults on purpose: an IDT with limit 0, then int3. kjump
 * must end with a report and exit status 64, not crash. */
#include "mb_test_kernel.h"
MULTIBOOT_HEADER
        .section .text
        .globl _start
_start:
        lidt null_idt
        int3
        hlt
        .section .rodata
null_idt:
        .word 0
        .long 0
