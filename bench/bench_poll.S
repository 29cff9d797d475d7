/* Polling benchmark guest: a Multiboot kernel that reads COM1's line status register (port
 * 0x3FD) ITERATIONS times, as a driver waiting for "transmitter empty" does, testing the THRE
 * bit each time (always set: nothing is being sent), then prints "done" on COM1 and exits
 * through isa-debug-exit (status 33). 5 instructions per iteration; kjump prints the exact
 * count. The same image runs on kjump and on QEMU. */
#ifndef ITERATIONS
#define ITERATIONS 10000000
#endif
#include "bench_guest.h"

        BENCH_START
        mov $0x3fd, %dx
1:      in %dx, %al
        test $0x20, %al
        jz 2f
        dec %ecx
        jnz 1b
2:      PRINT_AND_EXIT(msg)

        .section .rodata
msg:    .asciz "done\n"
