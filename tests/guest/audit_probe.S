/* A Multiboot kernel that performs one hand-made "kexec trampoline" run, so the machine's
 * kexec audits can be tested against known right and wrong behaviour.
 *
 * It builds a fake kexec image by hand: a control page at 0x180000 whose data area (offset
 * 0x800, Linux 2.6.27 layout) names a swap page 0x181000 and an indirection list at 0x182000
 * with one destination page 0x190000 and its source page 0x183000. It then runs code copied
 * into the control page with paging off, touching the swap, destination and source pages,
 * and switches paging back on.
 * The host sets FLAGS (physical 0x170000) before the guest runs:
 *   bit 0: the trampoline also reads physical 0x300000 (outside the image: a finding)
 *   bit 1: leave IRQ0 unmasked at the PIC at the jump (not quiet: a finding)
 *   bit 2: zap the GDT (limit 0) before the jump, as Linux's machine_kexec does, and load SS
 *          after the return without reloading it: #GP -> #DF -> triple fault
 *   bit 3: the data area's saved CR4 says PAE while the trampoline turns paging back on with
 *          CR4.PAE = 0 (the i386 PAE kernel's return path): a finding
 *   bit 4: another PAGE_OFFSET: the control page's VA is CONTROL + 0x80000000, found through
 *          the page tables named by the saved CR0/CR3/CR4
 *   bit 5: the trampoline reads outside the image and then faults with paging still off
 *          (IDT limit 0: #UD -> #GP -> #DF -> triple fault), so the stretch is never closed
 * Built with PROBE_FLAGS defined, the probe sets FLAGS itself (audit_probe_dirty.elf).
 * Then "done" on COM1 and isa-debug-exit (status 33), unless a triple fault ends it first. */
#include "mb_test_kernel.h"
#define FLAGS    0x170000
#define CONTROL  0x180000
#define SWAP     0x181000
#define IND      0x182000
#define SOURCE   0x183000
#define DEST     0x190000
#define OUTSIDE  0x300000
#define PAGE_OFFSET 0xC0000000
#define OTHER_OFFSET 0x80000000

MULTIBOOT_HEADER

        .section .text
        .globl _start
_start:
        mov $0x90000, %esp
#ifdef PROBE_FLAGS
        movl $PROBE_FLAGS, FLAGS
#endif
        /* PIC: remap, then mask everything, or all but IRQ0 */
        mov $0x11, %al; out %al, $0x20; out %al, $0xa0
        mov $0x20, %al; out %al, $0x21
        mov $0x28, %al; out %al, $0xa1
        mov $0x04, %al; out %al, $0x21
        mov $0x02, %al; out %al, $0xa1
        mov $0x01, %al; out %al, $0x21; out %al, $0xa1
        mov $0xff, %al
        testl $2, FLAGS
        jz 1f
        mov $0xfe, %al
1:      out %al, $0x21
        mov $0xff, %al
        out %al, $0xa1
        /* paging: 4 MiB pages, identity and at PAGE_OFFSET */
        movl $0x83, page_dir
        movl $0x83, page_dir + 4 * (PAGE_OFFSET >> 22)
        movl $0x83, page_dir + 4 * (OTHER_OFFSET >> 22)
        mov %cr4, %eax
        or $0x10, %eax
        mov %eax, %cr4
        mov $page_dir, %eax
        mov %eax, %cr3
        mov %cr0, %eax
        or $0x80000000, %eax
        mov %eax, %cr0
        /* the image: data area, indirection list */
        movl $(CONTROL + PAGE_OFFSET), CONTROL + 0x810
        testl $16, FLAGS
        jz 5f
        movl $(CONTROL + OTHER_OFFSET), CONTROL + 0x810
        mov %cr0, %eax; mov %eax, CONTROL + 0x804
        mov %cr3, %eax; mov %eax, CONTROL + 0x808
        mov %cr4, %eax; mov %eax, CONTROL + 0x80c
5:      testl $8, FLAGS
        jz 6f
        movl $0x20, CONTROL + 0x80c    /* "the kernel ran with PAE" */
6:
        movl $SWAP, CONTROL + 0x818
        movl $(IND | 2), CONTROL + 0x81c
        movl $(DEST | 1), IND
        movl $(SOURCE | 8), IND + 4
        movl $4, IND + 8
        /* PIT channel 0: one-shot (mode 0) with the longest count, so it is quiet at the jump */
        mov $0x30, %al; out %al, $0x43
        mov $0xff, %al; out %al, $0x40; out %al, $0x40
        /* copy the chosen trampoline into the control page and run it there */
        mov $tramp, %esi
        mov $(tramp_end - tramp), %ecx
        testl $1, FLAGS
        jz 4f
        mov $tramp_bad, %esi
        mov $(tramp_bad_end - tramp_bad), %ecx
4:      testl $32, FLAGS
        jz 7f
        mov $tramp_fault, %esi
        mov $(tramp_fault_end - tramp_fault), %ecx
        lidt zero_table
7:      mov $CONTROL, %edi
        rep movsb
        testl $4, FLAGS
        jz 8f
        lgdt zero_table             /* machine_kexec's native_gdt_invalidate() */
8:      mov $CONTROL, %eax
        call *%eax
        testl $4, FLAGS
        jz 9f
        mov $0x10, %ax
        mov %ax, %ss                /* restore_processor_state's first segment load: #GP(0x10) */
9:
        /* report */
        PRINT_AND_EXIT(msg)

/* Position-independent: runs at CONTROL, identity-mapped. The `ret` comes after paging is
 * back on (mov to CR0 ends the block), so the stack read is not part of the audited stretch. */
tramp:
        mov %cr0, %eax
        and $0x7fffffff, %eax
        mov %eax, %cr0              /* paging off: the audit starts here */
        mov SWAP, %ebx              /* allowed: swap page */
        mov DEST, %ebx              /* allowed: destination page */
        movl $0x5a5a5a5a, SOURCE    /* allowed: source page */
        mov %cr0, %eax
        or $0x80000000, %eax
        mov %eax, %cr0              /* paging on: the audit ends */
        ret
tramp_end:

/* The same, plus one read outside the image. */
tramp_bad:
        mov %cr0, %eax
        and $0x7fffffff, %eax
        mov %eax, %cr0
        mov SWAP, %ebx
        mov OUTSIDE, %ebx           /* not allowed: neither control, swap, indirection, source nor destination */
        movl $0x5a5a5a5a, SOURCE
        mov %cr0, %eax
        or $0x80000000, %eax
        mov %eax, %cr0
        ret
tramp_bad_end:

/* Paging off, a read outside the image, then an undefined instruction with no IDT. */
tramp_fault:
        mov %cr0, %eax
        and $0x7fffffff, %eax
        mov %eax, %cr0
        mov OUTSIDE, %ebx
        ud2
tramp_fault_end:

        .section .rodata
msg:    .asciz "done\n"
zero_table: .word 0
        .long 0
        .section .bss
        .balign 4096
page_dir: .fill 1024, 4, 0
