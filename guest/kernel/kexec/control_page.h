/* The kexec control page and page_list layout, shared by relocate_kernel.S and machine_kexec.cpp.
 *
 * One 4 KiB page per image (KEXEC_CONTROL_PAGE_SIZE on i386):
 *   0x000-0x7FF  copy of relocate_kernel (the code is copied there at every jump, never more
 *                than KEXEC_CONTROL_CODE_MAX_SIZE bytes, so the data area below survives)
 *   0x800-0x81F  Linux's data area, same offsets as arch/x86/kernel/relocate_kernel_32.S
 *   0x820-0x8A7  kjump additions (see below)
 *   ...   0xFFF  stack of the physical-mode phases (grows down from the top of the page)
 */
#pragma once

#define KEXEC_CONTROL_PAGE_SIZE 4096
#define KEXEC_CONTROL_CODE_MAX_SIZE 2048

/* Linux 2.6.27 data area. */
#define CP_ESP 0x800                 /* A's ESP after relocate_kernel's five pushes */
#define CP_CR0 0x804
#define CP_CR3 0x808
#define CP_CR4 0x80C
#define CP_VA_CONTROL_PAGE 0x810     /* kernel virtual address of this page */
#define CP_PA_PGD 0x814              /* transition page directory */
#define CP_PA_SWAP_PAGE 0x818
#define CP_PA_BACKUP_PAGES_MAP 0x81C /* the image's head entry: the list that swaps back */

/* kjump additions. Linux's i386 return path never reloads the GDT (reference §3.6, §8); we
 * reload a flat GDT kept in this page as soon as the peer hands the CPU back (so no segment
 * load depends on the peer's GDTR), and the kernel's own GDT as soon as paging is back. */
#define CP_KERNEL_GDTR 0x820         /* 6 bytes: A's real GDTR, written by machine_kexec */
#define CP_FLAT_GDTR 0x828           /* 6 bytes: limit/base of the flat GDT below (physical) */
#define CP_FLAT_GDT 0x830            /* 14 descriptors: slots 12/13 = 0x60 code, 0x68 data */
#define CP_FLAT_GDT_ENTRIES 14
#define CP_DATA_END 0x8A0

/* page_list[] indices (the 2.6.29+ layout: the transition tables are built in C). */
#define PA_CONTROL_PAGE 0
#define VA_CONTROL_PAGE 1
#define PA_PGD 2
#define PA_SWAP_PAGE 3
#define PAGES_NR 4

/* Indirection-list entry flags (include/linux/kexec.h). */
#define IND_DESTINATION 0x1
#define IND_INDIRECTION 0x2
#define IND_DONE 0x4
#define IND_SOURCE 0x8
