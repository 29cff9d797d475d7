#include "task/sched.h"

#include "arch/x86.h"
#include "boot/gdt.h"
#include "drivers/pit.h"
#include "trap/trap.h"

namespace kjump {
namespace {

Task* g_current = nullptr;
// Where the boot stack's context goes when sched_start leaves it; never resumed.
uint32_t g_boot_esp;

int index_of(const Task* t) {
  for (int i = 0; i < kMaxTasks; ++i)
    if (task_by_index(i) == t) return i;
  return 0;
}

// Round robin over slots 1..N starting after the current task; the idle task (slot 0) only when
// nobody else can run. Slot order is fixed, so the choice is deterministic.
Task* pick_next() {
  int start = g_current ? index_of(g_current) : 0;
  for (int k = 1; k <= kMaxTasks; ++k) {
    int i = (start + k) % kMaxTasks;
    if (i == 0) continue;
    Task* t = task_by_index(i);
    if (t && (t->state == TaskState::Runnable || t->state == TaskState::Running)) return t;
  }
  return task_by_index(0);
}

void switch_to(Task* next, uint32_t* save_esp) {
  next->state = TaskState::Running;
  tss_set_kernel_stack(next->kstack_top);
  g_current = next;
  context_switch(save_esp, next->saved_esp);
}

}  // namespace

Task* current_task() { return g_current; }

void sched_start() {
  x86::cli();
  g_current = nullptr;
  switch_to(pick_next(), &g_boot_esp);
  x86::halt_forever();  // unreachable: nobody switches back to the boot stack
}

void schedule() {
  uint32_t f = x86::save_irq();
  Task* prev = g_current;
  Task* next = pick_next();
  if (next != prev) {
    if (prev->state == TaskState::Running) prev->state = TaskState::Runnable;
    switch_to(next, &prev->saved_esp);
  }
  x86::restore_irq(f);
}

void sched_tick() {
  if (g_current) g_current->ticks++;
  uint64_t now = jiffies();
  for (int i = 0; i < kMaxTasks; ++i) {
    Task* t = task_by_index(i);
    if (t && t->state == TaskState::Sleeping && t->wake_tick && t->wake_tick <= now) {
      t->state = TaskState::Runnable;
      t->wake_tick = 0;
      t->wait_chan = nullptr;
    }
  }
  request_reschedule();  // one tick is the time slice
}

void sleep_on(const void* chan) {
  g_current->state = TaskState::Sleeping;
  g_current->wait_chan = chan;
  g_current->wake_tick = 0;
  schedule();
}

void wakeup(const void* chan) {
  uint32_t f = x86::save_irq();
  for (int i = 0; i < kMaxTasks; ++i) {
    Task* t = task_by_index(i);
    if (t && t->state == TaskState::Sleeping && t->wait_chan == chan) {
      t->state = TaskState::Runnable;
      t->wait_chan = nullptr;
      request_reschedule();
    }
  }
  x86::restore_irq(f);
}

void sleep_ticks(uint32_t n) {
  uint32_t f = x86::save_irq();
  g_current->state = TaskState::Sleeping;
  g_current->wait_chan = nullptr;
  g_current->wake_tick = jiffies() + (n ? n : 1);
  schedule();
  x86::restore_irq(f);
}

void task_exit() {
  x86::cli();
  g_current->state = TaskState::Dead;
  schedule();
  x86::halt_forever();
}

}  // namespace kjump
