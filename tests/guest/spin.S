/* A Multiboot kernel that spins forever with interrupts off: kjump's --max-insns must stop it
 * with a report (exit status 66). */
        .section .multiboot, "a"
        .balign 4
        .long 0x1BADB002, 0x00000003, -(0x1BADB002 + 0x00000003)
        .section .text
        .globl _start
_start:
        cli
1:      inc %eax
        jmp 1b
