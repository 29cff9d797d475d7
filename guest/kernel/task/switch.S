/* void context_switch(uint32_t* save_esp, uint32_t new_esp)
 * Saves the callee-saved registers on the current kernel stack, stores ESP in *save_esp, loads
 * new_esp and pops the other task's registers. Caller-saved registers are already saved by the
 * C++ caller, and EFLAGS.IF travels with each task's own save_irq/restore_irq. */
.text
.globl context_switch
context_switch:
  movl 4(%esp), %eax
  movl 8(%esp), %edx
  pushl %ebp
  pushl %ebx
  pushl %esi
  pushl %edi
  movl %esp, (%eax)
  movl %edx, %esp
  popl %edi
  popl %esi
  popl %ebx
  popl %ebp
  ret

/* No executable stack wanted (silences GNU ld). */
.section .note.GNU-stack, "", @progbits
