// The register frame every interrupt, exception and system call builds on the kernel stack
// (trap/vectors.S pushes it; the layout must match that file).
#pragma once
#include <stdint.h>

namespace kjump {

struct TrapFrame {
  uint32_t gs, fs, es, ds;
  uint32_t edi, esi, ebp, esp_at_pusha, ebx, edx, ecx, eax;  // pushal order, reversed
  uint32_t vector;
  uint32_t error_code;  // 0 for vectors without a CPU error code
  uint32_t eip, cs, eflags;
  uint32_t user_esp, user_ss;  // only present when the trap came from ring 3
};

constexpr uint8_t kSyscallVector = 0x80;

void idt_init();

using IrqHandler = void (*)();
void irq_register(int irq, IrqHandler handler);

// Set by interrupt handlers that made a task runnable; checked on the way out of every
// interrupt so a woken task runs at once instead of at the next tick.
void request_reschedule();

}  // namespace kjump

extern "C" void trap_dispatch(kjump::TrapFrame* frame);
extern "C" void trap_return();  // the tail of the common stub: pops a TrapFrame and irets
