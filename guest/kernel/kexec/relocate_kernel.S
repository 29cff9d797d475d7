/* relocate_kernel: the kexec trampoline (mirrors arch/x86/kernel/relocate_kernel_32.S, 2.6.27,
 * docs/kexec-jump-reference.md §3.2-3.4), with the return-path fixes docs/kexec-jump-reference.md §3.6 and §8 ask for.
 *
 * machine_kexec copies everything from relocate_kernel to relocate_kernel_end (at most
 * KEXEC_CONTROL_CODE_MAX_SIZE bytes, checked by kernel.ld) into the image's control page and
 * calls it there:
 *
 *   uint32_t relocate_kernel(head, page_list, start, has_pae, preserve_context, pr_reg)
 *
 * pr_reg (kernel virtual, or 0) is the NT_PRSTATUS register array of crash_notes
 * (kexec/crash_notes.h): before anything else we write into it the state this call resumes
 * from when the peer comes back: EIP = our return address, ESP = the caller's ESP after the
 * `ret`, EBX/ESI/EDI/EBP/EFLAGS = exactly the words we push below and pop at the end, EAX/ECX/
 * EDX and the segment registers as they are at the call, orig_eax = -1 (not a system call).
 * A dump of A taken by the peer then shows a debugger where A is: inside machine_kexec.
 *
 * The code is position independent: it runs at the control page's virtual address, then at
 * its physical address with paging off, and (preserve_context) comes back the same way.
 * The result is the peer's re-entry point, which machine_kexec stores into image->start.
 *
 * ---- How the peer comes back (docs/kexec-jump-reference.md §3.5): one slot, never a read above it -------------
 * Before `call *start` we push one slot word (0) on the swap page, so the callee's stack is
 *     swap+4088: return address (= our re-entry point, peer_returned below)
 *     swap+4092: slot (0)
 * and peer_returned reads exactly one word, [ESP], whoever returns:
 *   1. a kernel returning through its own jump-back image (kernel B): its relocate_kernel
 *      `call`s our re-entry point from its own swap page, so [ESP] = B's re-entry point;
 *   2. a physical-mode routine returning with a plain `ret`: ESP is left at the slot inside
 *      OUR swap page, so [ESP] = the slot: 0, or whatever next entry the routine wrote there;
 *   3. a kernel restoring a hibernation image with a normal kexec: its relocate_kernel pushed
 *      0 before the start address (see identity_mapped) and `ret`s into us, so [ESP] = 0.
 * Linux's i386 code reads the word above the swap page in case 2 (garbage, outside every kexec
 * page); the x86_64 fix 2cacf7f23a02 added such a slot. Nothing here reads or writes outside
 * the control page, the swap pages and the pages of the indirection list.
 *
 * Registers at the peer's first instruction (preserve_context): paging off, EFLAGS = 0,
 * CS = 0x60 / DS..SS = 0x68 (flat, cached; GDTR and IDTR have limit 0), CR3 = 0, CR4 = 0 when
 * has_pae, ESP = swap + 4088, [ESP] = our re-entry point. Only the stack words are protocol.
 */
#include "abi/kexec_control_page.h"
#include "boot/layout.h"

#define CR0_PE 0x00000001
#define CR0_EM 0x00000004
#define CR0_TS 0x00000008
#define CR0_WP 0x00010000
#define CR0_AM 0x00040000
#define CR0_PG 0x80000000

/* Position-independent addressing of a label inside the copy: reg holds the copy's base. */
#define REL(label) ((label) - relocate_kernel)

/* Byte offsets in pr_reg (i386 user_regs_struct, abi/elf32.h's kReg*). */
#define PR_EBX 0
#define PR_ECX 4
#define PR_EDX 8
#define PR_ESI 12
#define PR_EDI 16
#define PR_EBP 20
#define PR_EAX 24
#define PR_DS 28
#define PR_ES 32
#define PR_FS 36
#define PR_GS 40
#define PR_ORIG_EAX 44
#define PR_EIP 48
#define PR_CS 52
#define PR_EFLAGS 56
#define PR_ESP 60
#define PR_SS 64

/* pr_reg[field] := the word at off(%esp) / a segment register (zero-extended: EAX's high
 * half must be 0). EDI = pr_reg, EAX is scratch. */
.macro PR_FROM_STACK off, field
	movl	\off(%esp), %eax
	movl	%eax, \field(%edi)
.endm
.macro PR_FROM_SEG seg, field
	movw	\seg, %ax
	movl	%eax, \field(%edi)
.endm

.text
.globl relocate_kernel
relocate_kernel:
	/* Callee-saved registers and EFLAGS of the caller: 20 bytes; arguments at 24..44(%esp). */
	pushl	%ebx
	pushl	%esi
	pushl	%edi
	pushl	%ebp
	pushfl

	/* crash_save_cpu's registers, while the kernel's mappings are still ours (see above).
	 * EDI and EBP are free: they are saved, and loaded below. */
	movl	20+24(%esp), %edi		/* pr_reg */
	testl	%edi, %edi
	jz	1f
	movl	%eax, PR_EAX(%edi)
	movl	%ecx, PR_ECX(%edi)
	movl	%edx, PR_EDX(%edi)
	PR_FROM_STACK 16, PR_EBX
	PR_FROM_STACK 12, PR_ESI
	PR_FROM_STACK 8, PR_EDI
	PR_FROM_STACK 4, PR_EBP
	PR_FROM_STACK 0, PR_EFLAGS
	PR_FROM_STACK 20, PR_EIP		/* our return address */
	leal	24(%esp), %eax			/* ESP after the `ret` */
	movl	%eax, PR_ESP(%edi)
	movl	$-1, PR_ORIG_EAX(%edi)
	xorl	%eax, %eax
	PR_FROM_SEG %cs, PR_CS
	PR_FROM_SEG %ds, PR_DS
	PR_FROM_SEG %es, PR_ES
	PR_FROM_SEG %fs, PR_FS
	PR_FROM_SEG %gs, PR_GS
	PR_FROM_SEG %ss, PR_SS
1:
	movl	20+8(%esp), %ebp		/* page_list */
	movl	4*VA_CONTROL_PAGE(%ebp), %edi

	/* What the way back needs, saved in the control page's data area (virtual address). */
	movl	%esp, CP_ESP(%edi)
	movl	%cr0, %eax
	movl	%eax, CP_CR0(%edi)
	movl	%cr3, %eax
	movl	%eax, CP_CR3(%edi)
	movl	%cr4, %eax
	movl	%eax, CP_CR4(%edi)

	movl	20+4(%esp), %ebx		/* head: first entry of the indirection list */
	movl	20+12(%esp), %edx		/* start: where the peer is entered */
	movl	20+16(%esp), %ecx		/* has_pae: this CPU has CR4 */
	movl	20+20(%esp), %esi		/* preserve_context */

	/* EFLAGS := 0: interrupts off and DF clear for the string copies. */
	pushl	$0
	popfl

	movl	%edi, CP_VA_CONTROL_PAGE(%edi)
	movl	4*PA_PGD(%ebp), %eax
	movl	%eax, CP_PA_PGD(%edi)
	movl	4*PA_SWAP_PAGE(%ebp), %eax
	movl	%eax, CP_PA_SWAP_PAGE(%edi)
	movl	%ebx, CP_PA_BACKUP_PAGES_MAP(%edi)

	/* Transition page tables: only this page, at its virtual and at its physical address.
	 * The kernel stack is no longer mapped, so nothing may touch it until ESP is moved. */
	movl	4*PA_CONTROL_PAGE(%ebp), %edi
	movl	4*PA_PGD(%ebp), %eax
	movl	%eax, %cr3
	leal	KEXEC_CONTROL_PAGE_SIZE(%edi), %esp
	leal	REL(identity_mapped)(%edi), %eax
	pushl	%eax
	ret

identity_mapped:
	/* EDI = physical control page, ESP = its top. For a normal kexec the peer finds 0 at
	 * [ESP] (later kernels' "push 0", docs/kexec-jump-reference.md §3.6): kexec-tools' purgatory reads it as
	 * the jump-back entry and must see "none". */
	pushl	$0
	pushl	%edx				/* start */

	/* Paging off; keep PE and the cache bits. */
	movl	%cr0, %eax
	andl	$~(CR0_PG | CR0_AM | CR0_WP | CR0_TS | CR0_EM), %eax
	orl	$CR0_PE, %eax
	movl	%eax, %cr0

	/* CR4 := 0 so the peer starts without PSE/PAE (only a CPU with CR4 may write it). */
	testl	%ecx, %ecx
	jz	1f
	xorl	%eax, %eax
	movl	%eax, %cr4
1:
	xorl	%eax, %eax
	movl	%eax, %cr3			/* flush the TLB */

	pushl	CP_PA_SWAP_PAGE(%edi)
	pushl	%ebx
	call	swap_pages
	addl	$8, %esp

	xorl	%eax, %eax
	movl	%eax, %cr3			/* serialise: the pages we wrote may hold code */

	testl	%esi, %esi
	jnz	call_peer

	/* Normal kexec: all registers 0, "return" into start; ESP is left at the 0 pushed above. */
	xorl	%ebx, %ebx
	xorl	%ecx, %ecx
	xorl	%edx, %edx
	xorl	%esi, %esi
	xorl	%edi, %edi
	xorl	%ebp, %ebp
	ret

call_peer:
	popl	%edx				/* start */
	movl	CP_PA_SWAP_PAGE(%edi), %esp
	addl	$KEXEC_CONTROL_PAGE_SIZE, %esp
	pushl	$0				/* the slot a plain `ret` leaves ESP on */
	call	*%edx

	/* ---- re-entry point: the peer transfers control here (see the header) ---- */
peer_returned:
	movl	(%esp), %ebp			/* the peer's re-entry point: the one word we read */

	/* Find ourselves (the push lands just below the peer's ESP, inside the page it is in),
	 * then leave the peer's stack for our own. */
	call	1f
1:	popl	%edi
	subl	$REL(1b), %edi			/* EDI = physical control page */
	leal	KEXEC_CONTROL_PAGE_SIZE(%edi), %esp

	/* Our flat GDT before any segment load: the peer left GDTR pointing at its own table
	 * (or at nothing: limit 0). */
	lgdt	CP_FLAT_GDTR(%edi)
	leal	REL(2f)(%edi), %eax
	pushl	$KERNEL_CS
	pushl	%eax
	lret
2:	movl	$KERNEL_DS, %eax
	movl	%eax, %ds
	movl	%eax, %es
	movl	%eax, %fs
	movl	%eax, %gs
	movl	%eax, %ss

	/* Swap again: our pages come back, the peer's go into our source pages for next time. */
	pushl	CP_PA_SWAP_PAGE(%edi)
	pushl	CP_PA_BACKUP_PAGES_MAP(%edi)
	call	swap_pages
	addl	$8, %esp

	/* Paging on with the transition tables. CR4 first: setting CR0.PG with the peer's CR4
	 * would walk our tables in whatever format the peer left selected (docs/kexec-jump-reference.md §8). */
	movl	CP_CR4(%edi), %eax
	movl	%eax, %cr4
	movl	CP_PA_PGD(%edi), %eax
	movl	%eax, %cr3
	movl	%cr0, %eax
	orl	$CR0_PG, %eax
	movl	%eax, %cr0

	movl	CP_VA_CONTROL_PAGE(%edi), %edi
	leal	KEXEC_CONTROL_PAGE_SIZE(%edi), %esp
	leal	REL(virtual_mapped)(%edi), %eax
	jmp	*%eax

virtual_mapped:
	movl	CP_CR4(%edi), %eax
	movl	%eax, %cr4
	movl	CP_CR3(%edi), %eax
	movl	%eax, %cr3			/* the kernel's own page directory */
	movl	CP_CR0(%edi), %eax
	movl	%eax, %cr0

	/* The kernel's own GDT, and every segment register from it, before the C code runs. */
	lgdt	CP_KERNEL_GDTR(%edi)
	leal	REL(3f)(%edi), %eax
	pushl	$KERNEL_CS
	pushl	%eax
	lret
3:	movl	$KERNEL_DS, %eax
	movl	%eax, %ds
	movl	%eax, %es
	movl	%eax, %fs
	movl	%eax, %gs
	movl	%eax, %ss

	movl	CP_ESP(%edi), %esp
	movl	%ebp, %eax			/* return the peer's re-entry point */
	popfl
	popl	%ebp
	popl	%edi
	popl	%esi
	popl	%ebx
	ret

/* swap_pages(entry, swap_page): walk the indirection list and exchange every source page with
 * its destination through the swap page (docs/kexec-jump-reference.md §3.4). Paging is off. Running it twice
 * undoes it, which is why one list serves the way out, the way back and every later trip.
 * Bits are tested in Linux's order: DESTINATION, INDIRECTION, DONE, SOURCE.
 * Registers: EBX = next list word, EDI = destination, EDX = swap page. */
swap_pages:
	movl	4(%esp), %ecx			/* the head is handled like any other entry */
	movl	8(%esp), %edx
	pushl	%ebp
	pushl	%ebx
	pushl	%edi
	pushl	%esi
	jmp	1f
0:	movl	(%ebx), %ecx
	addl	$4, %ebx
1:	testl	$IND_DESTINATION, %ecx
	jz	2f
	movl	%ecx, %edi
	andl	$0xfffff000, %edi
	jmp	0b
2:	testl	$IND_INDIRECTION, %ecx
	jz	2f
	movl	%ecx, %ebx
	andl	$0xfffff000, %ebx
	jmp	0b
2:	testl	$IND_DONE, %ecx
	jnz	done
	testl	$IND_SOURCE, %ecx
	jz	0b				/* a word without a flag is skipped */
	movl	%ecx, %esi
	andl	$0xfffff000, %esi
	movl	%edi, %eax			/* EAX = destination, EBP = source */
	movl	%esi, %ebp
	movl	%edx, %edi			/* source -> swap */
	movl	$1024, %ecx
	rep	movsl
	movl	%ebp, %edi			/* destination -> source */
	movl	%eax, %esi
	movl	$1024, %ecx
	rep	movsl
	movl	%edx, %esi			/* swap -> destination */
	movl	%eax, %edi
	movl	$1024, %ecx
	rep	movsl
	jmp	0b				/* EDI = next destination page */
done:
	popl	%esi
	popl	%edi
	popl	%ebx
	popl	%ebp
	ret

.globl relocate_kernel_end
relocate_kernel_end:

/* kernel.ld asserts this is at most KEXEC_CONTROL_CODE_MAX_SIZE (Linux's fb45daa6). */
.globl kexec_control_code_size
.set kexec_control_code_size, relocate_kernel_end - relocate_kernel
/* Offset of the re-entry point inside the control page, for messages and tests. */
.globl kexec_reentry_offset
.set kexec_reentry_offset, peer_returned - relocate_kernel

.section .note.GNU-stack, "", @progbits
