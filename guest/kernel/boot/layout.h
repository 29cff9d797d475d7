// Where the kernel lives, shared by C++ and assembly. Linux i386 conventions: the kernel is
// loaded at physical 1 MiB and runs at PAGE_OFFSET + physical.
#pragma once

#define PAGE_OFFSET 0xC0000000
#define KERNEL_PHYS_BASE 0x00100000
#define PAGE_SIZE 4096
#define LARGE_PAGE_SIZE 0x400000   /* 4 MiB PSE page */

/* Selectors, as in Linux 2.6.27 (GDT_ENTRY_KERNEL_BASE = 12). kexec code (phase 2) reloads
 * __KERNEL_CS/__KERNEL_DS before jumping, so they must stay at these slots. */
#define GDT_ENTRY_KERNEL_CS 12
#define GDT_ENTRY_KERNEL_DS 13
#define GDT_ENTRY_USER_CS 14
#define GDT_ENTRY_USER_DS 15
#define GDT_ENTRY_TSS 16
#define GDT_ENTRIES 17

#define KERNEL_CS 0x60   /* 12 * 8 */
#define KERNEL_DS 0x68   /* 13 * 8 */
#define USER_CS 0x73     /* 14 * 8 | RPL 3 */
#define USER_DS 0x7B     /* 15 * 8 | RPL 3 */
#define TSS_SEL 0x80     /* 16 * 8 */

/* The early page directory maps this much physical memory twice (identity and PAGE_OFFSET):
 * enough for the kernel image, its BSS and the Multiboot structures QEMU places after it. */
#define EARLY_MAP_SIZE 0x00800000

#define BOOT_STACK_SIZE 16384
