/* One entry stub per IDT vector, all funnelling into trap_common, which saves a TrapFrame
 * (trap/trap.h) and calls trap_dispatch(frame). Vectors where the CPU pushes no error code get
 * a dummy 0 so every frame has the same shape. */
#include "boot/layout.h"

.altmacro

.macro stub n
trap_stub_\n:
  .if (\n == 8) || (\n == 10) || (\n == 11) || (\n == 12) || (\n == 13) || (\n == 14) || (\n == 17) || (\n == 21) || (\n == 29) || (\n == 30)
  .else
  pushl $0
  .endif
  pushl $\n
  jmp trap_common
.endm

.macro table_entry n
  .long trap_stub_\n
.endm

.text
.set i, 0
.rept 256
  stub %i
  .set i, i + 1
.endr

trap_common:
  pushal
  pushl %ds
  pushl %es
  pushl %fs
  pushl %gs
  mov $KERNEL_DS, %ax
  mov %ax, %ds
  mov %ax, %es
  mov %ax, %fs
  mov %ax, %gs
  pushl %esp                /* TrapFrame* */
  call trap_dispatch
  addl $4, %esp
/* New tasks start here too: task/task.cpp builds a TrapFrame under a context whose return
 * address is trap_return, so the first switch to a task "returns" from an interrupt into it. */
.globl trap_return
trap_return:
  popl %gs
  popl %fs
  popl %es
  popl %ds
  popal
  addl $8, %esp             /* vector and error code */
  iret

.section .rodata
.align 4
.globl trap_stub_table
trap_stub_table:
.set i, 0
.rept 256
  table_entry %i
  .set i, i + 1
.endr

/* No executable stack wanted (silences GNU ld). */
.section .note.GNU-stack, "", @progbits
