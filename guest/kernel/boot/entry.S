/* Multiboot v1 header and the physical-address entry stub.
 *
 * The loader jumps here with paging off, EAX = 0x2BADB002, EBX = physical MBI address and
 * nothing else we may trust: ESP, GDTR and IDTR belong to the firmware (on QEMU the GDT sits in
 * option-ROM memory). So, before touching any memory that is not ours, we take our own stack and
 * our own GDT, then turn on paging with an early directory that maps the first 8 MiB both at 0 and
 * at PAGE_OFFSET, and jump to the higher-half kernel. mm/paging.cpp later removes the identity
 * half and maps all RAM.
 *
 * This file is linked at its physical address (section .boot: VMA == LMA), so e_entry is the
 * physical address of _start and no loader has to convert anything.
 */
#include "abi/multiboot_info.h"
#include "boot/layout.h"

#define MB_MAGIC MULTIBOOT_HEADER_MAGIC
#define MB_FLAGS (MULTIBOOT_PAGE_ALIGN | MULTIBOOT_MEMORY_INFO)

#define V2P(x) ((x) - PAGE_OFFSET)

#define PDE_PRESENT 0x001
#define PDE_WRITE 0x002
#define PDE_LARGE 0x080
#define CR4_PSE 0x00000010
#define CR0_WP 0x00010000
#define CR0_PG 0x80000000

.section .multiboot, "a"
.align 4
  .long MB_MAGIC
  .long MB_FLAGS
  .long -(MB_MAGIC + MB_FLAGS)

.section .boot.text, "ax"
.code32
.globl _start
_start:
  cli
  cld
  mov $V2P(boot_stack_top), %esp
  mov %eax, %ebp                      /* keep the Multiboot magic ... */
  mov %ebx, %esi                      /* ... and the MBI pointer across the setup below */

  /* Our GDT (gdt_table, boot/gdt.cpp) at its physical address for now. */
  lgdt early_gdt_desc
  ljmp $KERNEL_CS, $1f
1:
  mov $KERNEL_DS, %eax
  mov %eax, %ds
  mov %eax, %es
  mov %eax, %ss
  mov %eax, %fs
  mov %eax, %gs

  /* Zero the BSS ourselves rather than trusting every loader to. It holds the stack we are on
   * (still empty) and the page directory built next. */
  mov $V2P(__bss_start), %edi
  mov $V2P(__bss_end), %ecx
  sub %edi, %ecx
  shr $2, %ecx
  xor %eax, %eax
  rep stosl

  /* Early directory: 4 MiB PSE pages for [0, EARLY_MAP_SIZE) at 0 and at PAGE_OFFSET. */
  mov $V2P(kernel_pgdir), %edi
  mov $(PDE_PRESENT | PDE_WRITE | PDE_LARGE), %eax
  mov $(EARLY_MAP_SIZE / LARGE_PAGE_SIZE), %ecx
2:
  mov %eax, (%edi)
  mov %eax, (PAGE_OFFSET >> 20)(%edi)  /* PDE index 768 = byte offset 0xC00 */
  add $LARGE_PAGE_SIZE, %eax
  add $4, %edi
  loop 2b

  mov %cr4, %eax
  or $CR4_PSE, %eax
  mov %eax, %cr4
  mov $V2P(kernel_pgdir), %eax
  mov %eax, %cr3
  mov %cr0, %eax
  or $(CR0_PG | CR0_WP), %eax
  mov %eax, %cr0

  /* An absolute jump: from here on EIP is a higher-half address. */
  mov $higher_half, %eax
  jmp *%eax

.section .boot.data, "a"
.align 8
early_gdt_desc:
  .word GDT_ENTRIES * 8 - 1
  .long V2P(gdt_table)

.text
higher_half:
  add $PAGE_OFFSET, %esp
  push %esi                           /* kmain(magic, mbi_phys) */
  push %ebp
  xor %ebp, %ebp                      /* terminate frame-pointer walks */
  call kmain
1:
  cli
  hlt
  jmp 1b

.section .bss
.align 16
.globl boot_stack_bottom
boot_stack_bottom:
  .skip BOOT_STACK_SIZE
.globl boot_stack_top
boot_stack_top:

/* No executable stack wanted (silences GNU ld). */
.section .note.GNU-stack, "", @progbits
