/* The start of every bench guest (assembly, preprocessed by gcc): the Multiboot header, then
 * `_start` with a stack and ECX = ITERATIONS, the guest's loop count (set at build time). */
#ifndef KJUMP_BENCH_GUEST_H
#define KJUMP_BENCH_GUEST_H
#include "mb_test_kernel.h"

#define BENCH_START                                                       \
        MULTIBOOT_HEADER;                                                 \
        .section .text;                                                   \
        .globl _start;                                                    \
_start: mov $0x90000, %esp;                                               \
        mov $ITERATIONS, %ecx

#endif
