// trap_dispatch: the single C++ entry for exceptions, hardware interrupts and system calls.
#include "trap/trap.h"

#include "arch/x86.h"
#include "boot/layout.h"
#include "drivers/pic.h"
#include "lib/printf.h"
#include "task/freezer.h"
#include "task/sched.h"
#include "trap/syscall.h"

namespace kjump {
namespace {

IrqHandler g_irq_handlers[16];
volatile bool g_need_resched = false;

const char* const kExceptionNames[32] = {
    "#DE divide error", "#DB debug", "NMI", "#BP breakpoint", "#OF overflow",
    "#BR bound range", "#UD invalid opcode", "#NM device not available", "#DF double fault",
    "coprocessor segment overrun", "#TS invalid TSS", "#NP segment not present",
    "#SS stack fault", "#GP general protection", "#PF page fault", "reserved 15",
    "#MF x87 error", "#AC alignment check", "#MC machine check", "#XM SIMD error",
    "#VE virtualization", "#CP control protection", "reserved 22", "reserved 23",
    "reserved 24", "reserved 25", "reserved 26", "reserved 27", "reserved 28", "reserved 29",
    "reserved 30", "reserved 31"};

// Everything a post-mortem needs, then stop: the transcript must end at the report.
[[noreturn]] void fatal_trap(const TrapFrame* f) {
  bool from_user = (f->cs & 3) != 0;
  uint32_t esp = from_user ? f->user_esp : reinterpret_cast<uint32_t>(&f->user_esp);
  uint32_t ss = from_user ? f->user_ss : KERNEL_DS;
  if (f->vector < 32)
    kprintf("\n*** EXCEPTION %u (%s) err=%08x cr2=%08x\n", f->vector, kExceptionNames[f->vector],
            f->error_code, x86::read_cr2());
  else
    kprintf("\n*** UNEXPECTED INTERRUPT vector %u\n", f->vector);
  kprintf("eip=%08x cs=%04x eflags=%08x ring=%u\n", f->eip, f->cs, f->eflags, f->cs & 3);
  kprintf("eax=%08x ebx=%08x ecx=%08x edx=%08x\n", f->eax, f->ebx, f->ecx, f->edx);
  kprintf("esi=%08x edi=%08x ebp=%08x esp=%08x\n", f->esi, f->edi, f->ebp, esp);
  kprintf("ds=%04x es=%04x fs=%04x gs=%04x ss=%04x\n", f->ds, f->es, f->fs, f->gs, ss);
  kprintf("cr0=%08x cr3=%08x cr4=%08x\n", x86::read_cr0(), x86::read_cr3(), x86::read_cr4());
  if (const Task* t = current_task()) kprintf("task: pid %u (%s)\n", t->pid, t->name);
  kprintf("system halted\n");
  x86::halt_forever();
}

void handle_irq(int irq) {
  if (pic_is_spurious(irq)) return;
  // EOI first: the handler may switch tasks, and the line must not stay in service meanwhile.
  pic_eoi(irq);
  if (g_irq_handlers[irq]) g_irq_handlers[irq]();
}

}  // namespace

void irq_register(int irq, IrqHandler handler) { g_irq_handlers[irq] = handler; }

void request_reschedule() { g_need_resched = true; }

}  // namespace kjump

extern "C" void trap_dispatch(kjump::TrapFrame* f) {
  using namespace kjump;
  if (f->vector >= kIrqVectorBase && f->vector < kIrqVectorBase + 16u)
    handle_irq(static_cast<int>(f->vector - kIrqVectorBase));
  else if (f->vector == kSyscallVector)
    syscall_dispatch(f);
  else
    fatal_trap(f);
  if (g_need_resched) {
    g_need_resched = false;
    schedule();
  }
  // Returning to ring 3 is the freezer's safe point: no kernel state is held here.
  if ((f->cs & 3) && freezing()) {
    x86::sti();
    try_to_freeze();
  }
}
