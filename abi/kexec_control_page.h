/* The kexec control page and page_list layout (i386), shared by the guest's relocate_kernel.S
 * and machine_kexec.cpp and by the host's kexec audit (machine/kexec/audit.cpp), which finds
 * control pages in guest RAM by this layout and walks their indirection lists.
 *
 * One 4 KiB page per image (KEXEC_CONTROL_PAGE_SIZE on i386):
 *   0x000-0x7FF  copy of relocate_kernel (the code is copied there at every jump, never more
 *                than KEXEC_CONTROL_CODE_MAX_SIZE bytes, so the data area below survives)
 *   0x800-0x81F  Linux's data area, same offsets as arch/x86/kernel/relocate_kernel_32.S
 *   0x820-0x89F  kjump additions (see below)
 *   0x8A0-0xFFF  stack of the physical-mode phases (grows down from the top of the page)
 *
 * Usable from assembly (the macros) and from freestanding or hosted C++ (the struct below,
 * whose offsets are pinned to the macros). Includes nothing but <stddef.h>/<stdint.h>.
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

/* kjump additions. Linux's i386 return path never reloads the GDT (docs/kexec-jump-reference.md §3.6, §8); we
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

/* Indirection-list entry flags (include/linux/kexec.h): an entry is a page-aligned physical
 * address with one of these in its low bits. */
#define IND_DESTINATION 0x1
#define IND_INDIRECTION 0x2
#define IND_DONE 0x4
#define IND_SOURCE 0x8

#ifndef __ASSEMBLER__
#include <stddef.h>
#include <stdint.h>

namespace kjump::kexec {

// A GDTR image as lgdt reads it.
struct __attribute__((packed)) Gdtr {
  uint16_t limit;
  uint32_t base;
};
static_assert(sizeof(Gdtr) == 6);

// The whole control page. Fields are little-endian guest words; the host reads them from
// guest RAM at these offsets.
struct ControlPage {
  uint8_t code[KEXEC_CONTROL_CODE_MAX_SIZE];
  // Linux 2.6.27 data area.
  uint32_t esp, cr0, cr3, cr4;
  uint32_t va_control_page;
  uint32_t pa_pgd;
  uint32_t pa_swap_page;
  uint32_t pa_backup_pages_map;
  // kjump additions.
  Gdtr kernel_gdtr;
  uint8_t pad0[2];
  Gdtr flat_gdtr;
  uint8_t pad1[2];
  uint64_t flat_gdt[CP_FLAT_GDT_ENTRIES];
  uint8_t stack[KEXEC_CONTROL_PAGE_SIZE - CP_DATA_END];
};
static_assert(sizeof(ControlPage) == KEXEC_CONTROL_PAGE_SIZE);
static_assert(offsetof(ControlPage, esp) == CP_ESP);
static_assert(offsetof(ControlPage, cr0) == CP_CR0);
static_assert(offsetof(ControlPage, cr3) == CP_CR3);
static_assert(offsetof(ControlPage, cr4) == CP_CR4);
static_assert(offsetof(ControlPage, va_control_page) == CP_VA_CONTROL_PAGE);
static_assert(offsetof(ControlPage, pa_pgd) == CP_PA_PGD);
static_assert(offsetof(ControlPage, pa_swap_page) == CP_PA_SWAP_PAGE);
static_assert(offsetof(ControlPage, pa_backup_pages_map) == CP_PA_BACKUP_PAGES_MAP);
static_assert(offsetof(ControlPage, kernel_gdtr) == CP_KERNEL_GDTR);
static_assert(offsetof(ControlPage, flat_gdtr) == CP_FLAT_GDTR);
static_assert(offsetof(ControlPage, flat_gdt) == CP_FLAT_GDT);
static_assert(offsetof(ControlPage, stack) == CP_DATA_END);

}  // namespace kjump::kexec

#endif  // __ASSEMBLER__
