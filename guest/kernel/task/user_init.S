/* The ring-3 program. Its bytes are copied into a user page (task/user_task.cpp), so the code
 * must be position independent: only relative jumps, no absolute data references.
 *
 * It asks for its pid, then forever: bump a counter, report it to the kernel, sleep 10 ticks.
 * The counter only advances while the task is scheduled, which is what "frozen" will mean. */
#include "trap/syscall_numbers.h"

.section .rodata
.globl user_init_start, user_init_end
user_init_start:
  movl $SYS_getpid, %eax
  int $0x80
  movl %eax, %esi           /* pid, kept for debugging */
  xorl %edi, %edi           /* the counter */
1:
  incl %edi
  movl $SYS_write_counter, %eax
  movl %edi, %ebx
  int $0x80
  movl $SYS_sleep, %eax
  movl $10, %ebx
  int $0x80
  jmp 1b
user_init_end:

/* No executable stack wanted (silences GNU ld). */
.section .note.GNU-stack, "", @progbits
