/* A Multiboot kernel that spins forever with interrupts off: kjump's --max-insns must stop it
 * with a report (exit status 66). */
#include "mb_test_kernel.h"
MULTIBOOT_HEADER
        .section .text
        .globl _start
_start:
        cli
1:      inc %eax
        jmp 1b
