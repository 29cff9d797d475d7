/* Shared pieces of the tiny Multiboot test kernels (assembly, preprocessed by gcc):
 * the Multiboot v1 header, and "print a string on COM1, then exit through isa-debug-exit
 * with status 33". Real PC software: the same image runs on QEMU. */
#ifndef KJUMP_MB_TEST_KERNEL_H
#define KJUMP_MB_TEST_KERNEL_H

/* A Multiboot v1 header (flags: page-align modules, memory map), first in the image. */
#define MULTIBOOT_HEADER                                                  \
        .section .multiboot, "a";                                         \
        .balign 4;                                                        \
        .long 0x1BADB002, 0x00000003, -(0x1BADB002 + 0x00000003)

/* Prints the NUL-terminated string at `msg` on COM1 (polled, no init needed on QEMU or
 * kjump), then writes 0x10 to port 0xF4 (exit status 33) and halts. Clobbers eax, edx, esi. */
#define PRINT_AND_EXIT(msg)                                               \
        mov $msg, %esi;                                                   \
9001:   lodsb;                                                            \
        test %al, %al;                                                    \
        jz 9002f;                                                         \
        mov $0x3f8, %dx;                                                  \
        out %al, %dx;                                                     \
        jmp 9001b;                                                        \
9002:   mov $0x10, %al;                                                   \
        out %al, $0xf4;                                                   \
        cli;                                                              \
        hlt

#endif
