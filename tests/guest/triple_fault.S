/* A Multiboot kernel that triple-faults on purpose: an IDT with limit 0, then int3. kjump
 * must end with a report and exit status 64, not crash. */
        .section .multiboot, "a"
        .balign 4
        .long 0x1BADB002, 0x00000003, -(0x1BADB002 + 0x00000003)
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
