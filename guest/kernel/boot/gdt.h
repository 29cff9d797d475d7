// The GDT (Linux 2.6.27 slots, see boot/layout.h) and the single TSS, which only exists to give
// the CPU a ring-0 stack (esp0) when a ring-3 task traps into the kernel.
#pragma once
#include <stdint.h>

namespace kjump {

// Fills in the TSS descriptor, reloads GDTR with the higher-half address, reloads every segment
// register and loads TR.
void gdt_init();
// Stack the CPU switches to on a ring-3 -> ring-0 transition; set on every task switch.
void tss_set_kernel_stack(uint32_t esp0);

}  // namespace kjump
