/* physcall: the "call a program in physical mode" use of kexec jump (the seed's fourth use).
 *
 * Loaded with  kexec --load-preserve-context fw:physcall --mem-min=0x3000000
 *              --mem-max=0x30fffff --args-none
 * and entered by relocate_kernel with paging off, ESP in kernel A's swap page and [ESP] = A's
 * re-entry point, [ESP+4] = the slot (0). It works only inside its own window:
 *   - counts the pages of the window after its own page that are entirely zero (kexec gives a
 *     preserve-context image zero-filled backup pages, so the first call sees 255);
 *   - stamps the last page of the window with the call number, so the next call sees one zero
 *     page fewer: the window's memory survives between calls, kept in A's source pages;
 *   - records calls and result at 0x03000800 (read in A with `peek 0x3000800 4`);
 *   - names itself as the next entry by writing its own address into the slot above its return
 *     address, and returns with a plain `ret`: A's re-entry code reads [ESP] = that slot.
 */
#define WINDOW_START 0x03000000
#define WINDOW_END 0x03100000

.text
.globl physcall_entry
physcall_entry:
	pushl	%ebx
	pushl	%esi
	incl	calls

	xorl	%ebx, %ebx			/* zero pages */
	movl	$(WINDOW_START + 0x1000), %esi
1:	movl	$1024, %ecx
	movl	%esi, %edx
2:	cmpl	$0, (%edx)
	jne	3f
	addl	$4, %edx
	loop	2b
	incl	%ebx
3:	addl	$0x1000, %esi
	cmpl	$WINDOW_END, %esi
	jb	1b
	movl	%ebx, zero_pages

	movl	calls, %eax
	movl	%eax, (WINDOW_END - 0x1000)
	movl	$((WINDOW_END - WINDOW_START) / 0x1000 - 1), pages_scanned

	popl	%esi
	popl	%ebx
	movl	$physcall_entry, 4(%esp)	/* the slot: "call me again next time" */
	ret

.data
.globl result
result:
magic:		.ascii	"PHYS"
calls:		.long	0
zero_pages:	.long	0
pages_scanned:	.long	0

.section .note.GNU-stack, "", @progbits
