/* Purgatory: the code between relocate_kernel and the next kernel (kexec-tools'
 * purgatory/arch/i386/setup-x86.S + entry32.S, reduced to what a Multiboot kernel needs).
 *
 * A position-independent blob: the loader places it anywhere in the kexec window, so it finds
 * its own address with call/pop and addresses its data relative to that. It runs with paging
 * off, IF = 0, on whatever stack relocate_kernel left (the kexec swap page, or the control page
 * for a normal kexec), with GDTR/IDTR of limit 0 and flat cached segments:
 *   1. takes the word at [ESP]: the jump-back entry (kernel A's re-entry point; 0 for a normal
 *      kexec, which pushes 0 there), and stores it in jump_back_entry;
 *   2. moves to its own stack and loads its own GDT (flat code 0x08, data 0x10);
 *   3. if the entry is nonzero and there is a command line, appends
 *      " kexec_jump_back_entry=0x%x" (lowercase hex, no padding) at its end, into the 64 bytes
 *      the loader reserved there;
 *   4. enters the kernel as a Multiboot loader would: EAX = 0x2BADB002, EBX = MBI.
 */
#include "kexec/purgatory/purgatory.h"

#define MULTIBOOT_BOOTLOADER_MAGIC 0x2BADB002
#define PG_CS 0x08
#define PG_DS 0x10

.code32
.section .text
.globl purgatory_start
purgatory_start:
	jmp	start
	.balign 8, 0
params:
	.long	0			/* PURGATORY_MBI */
	.long	0			/* PURGATORY_KERNEL_ENTRY */
	.long	0			/* PURGATORY_CMDLINE_END */
	.long	0			/* PURGATORY_JUMP_BACK_ENTRY */

start:
	cli
	cld
	movl	(%esp), %eax		/* the jump-back entry: the only word of that stack we use */
	call	1f
1:	popl	%ebp
	subl	$1b, %ebp		/* EBP = our load address (the blob is linked at 0) */
	leal	stack_top(%ebp), %esp
	movl	%eax, PURGATORY_JUMP_BACK_ENTRY(%ebp)

	/* Own GDT: its descriptor needs the table's absolute address, known only now. */
	leal	gdt(%ebp), %eax
	movl	%eax, gdt_desc+2(%ebp)
	lgdt	gdt_desc(%ebp)
	leal	2f(%ebp), %eax
	pushl	$PG_CS
	pushl	%eax
	lret
2:	movl	$PG_DS, %eax
	movl	%eax, %ds
	movl	%eax, %es
	movl	%eax, %fs
	movl	%eax, %gs
	movl	%eax, %ss

	movl	PURGATORY_JUMP_BACK_ENTRY(%ebp), %edx
	testl	%edx, %edx
	jz	enter_kernel
	movl	PURGATORY_CMDLINE_END(%ebp), %edi
	testl	%edi, %edi
	jz	enter_kernel

	leal	option(%ebp), %esi	/* " kexec_jump_back_entry=0x" */
	movl	$(option_end - option), %ecx
	rep	movsb

	/* Hex digits of EDX, most significant first, leading zeros skipped (at least one). */
	movl	$8, %ecx
3:	roll	$4, %edx
	movl	%edx, %eax
	andl	$0xf, %eax
	jnz	4f
	cmpl	$1, %ecx		/* the last digit is printed even if it is 0 */
	je	4f
	decl	%ecx
	jmp	3b
4:	movb	hexdigits(%ebp, %eax), %al
	stosb
	decl	%ecx
	jz	5f
	roll	$4, %edx
	movl	%edx, %eax
	andl	$0xf, %eax
	jmp	4b
5:	movb	$0, (%edi)

enter_kernel:
	movl	PURGATORY_MBI(%ebp), %ebx
	movl	PURGATORY_KERNEL_ENTRY(%ebp), %ecx
	movl	$MULTIBOOT_BOOTLOADER_MAGIC, %eax
	jmp	*%ecx

.section .rodata
option:
	.ascii	" kexec_jump_back_entry=0x"
option_end:
hexdigits:
	.ascii	"0123456789abcdef"

.section .data
	.balign 8
gdt:
	.quad	0
	.quad	0x00cf9a000000ffff	/* 0x08: flat 4 GiB code, DPL 0 */
	.quad	0x00cf92000000ffff	/* 0x10: flat 4 GiB data, DPL 0 */
gdt_end:
gdt_desc:
	.word	gdt_end - gdt - 1
	.long	0			/* base: patched at run time */

.section .bss
	.balign 16
stack:
	.skip	256
stack_top:

.section .note.GNU-stack, "", @progbits
