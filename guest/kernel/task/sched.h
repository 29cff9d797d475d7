// Round-robin preemptive scheduler driven by the PIT tick, with sleep/wakeup on wait channels.
#pragma once
#include <stdint.h>

#include "task/task.h"

namespace kjump {

Task* current_task();

// Leaves the boot stack for good: becomes the first runnable task. Tasks 0 must be idle.
[[noreturn]] void sched_start();

// Picks the next runnable task and switches to it (maybe back to the caller).
void schedule();
// Called from the PIT interrupt: accounting, timed wake-ups, time-slice end.
void sched_tick();

// Block the current task until wakeup(chan). Call with interrupts disabled (after checking the
// condition), so a wakeup from an IRQ cannot slip in between the check and the sleep.
void sleep_on(const void* chan);
void wakeup(const void* chan);
// Block for n timer ticks.
void sleep_ticks(uint32_t n);
// Marks the current task dead and never returns.
[[noreturn]] void task_exit();

}  // namespace kjump

extern "C" void context_switch(uint32_t* save_esp, uint32_t new_esp);
