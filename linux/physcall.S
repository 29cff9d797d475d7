/* A physical-mode routine for kexec jump (scenario 4, scenarios/linux/linux_physcall.kjs),
 * loaded by kexec-tools with --load-preserve-context --args-none and called by `kexec -e`:
 * it says so on COM1 and returns with a plain `ret`, the peer David Woodhouse's x86_64 fix
 * (2cacf7f23a02) was tested with. It leaves nothing above its return address, so the i386
 * return path reads the dword just past the swap page as "the peer's re-entry point"
 * (docs/kexec-jump-reference.md §3.5, §3.6) — what kjump's trampoline audit must name.
 * Built by scripts/build-linux-guest.sh into /boot/physcall.elf, linked at 0x2000000. */
	.code32
	.text
	.globl _start
_start:
	movl	$msg, %esi
	movw	$0x3f8, %dx
1:	lodsb
	testb	%al, %al
	jz	2f
	outb	%al, %dx
	jmp	1b
2:	ret
msg:	.asciz	"physcall: running with paging off, returning with ret\r\n"
