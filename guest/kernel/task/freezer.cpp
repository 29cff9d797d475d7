#include "task/freezer.h"

#include "arch/x86.h"
#include "lib/printf.h"
#include "task/sched.h"

namespace kjump {
namespace {

constexpr int EBUSY = 16;
constexpr int kFreezeTimeoutTicks = 100;  // Linux waits 20 s; our tasks reach a safe point at once
volatile bool g_freezing = false;

// Every user task that still needs to be frozen; wake sleepers so they get to their safe point.
int unfrozen_user_tasks() {
  int n = 0;
  for (int i = 0; i < kMaxTasks; ++i) {
    Task* t = task_by_index(i);
    if (!t || !t->user || t->state == TaskState::Frozen || t->state == TaskState::Dead) continue;
    if (t->state == TaskState::Sleeping) {
      t->state = TaskState::Runnable;  // the sleep loop re-checks its deadline after thaw
      t->wait_chan = nullptr;
      t->wake_tick = 0;
    }
    ++n;
  }
  return n;
}

}  // namespace

bool freezing() { return g_freezing; }

void try_to_freeze() {
  Task* self = current_task();
  if (!g_freezing || !self->user) return;
  uint32_t f = x86::save_irq();
  self->state = TaskState::Frozen;
  schedule();  // not picked again until thaw_processes makes it runnable
  x86::restore_irq(f);
}

int freeze_processes() {
  g_freezing = true;
  for (int waited = 0;; ++waited) {
    uint32_t f = x86::save_irq();
    int left = unfrozen_user_tasks();
    x86::restore_irq(f);
    if (left == 0) return 0;
    if (waited == kFreezeTimeoutTicks) {
      kprintf("freeze: %d task(s) refused to freeze\n", left);
      thaw_processes();
      return -EBUSY;
    }
    sleep_ticks(1);  // let them run to their safe point
  }
}

void thaw_processes() {
  uint32_t f = x86::save_irq();
  g_freezing = false;
  for (int i = 0; i < kMaxTasks; ++i) {
    Task* t = task_by_index(i);
    if (t && t->state == TaskState::Frozen) t->state = TaskState::Runnable;
  }
  x86::restore_irq(f);
}

int frozen_count() {
  int n = 0;
  for (int i = 0; i < kMaxTasks; ++i) {
    Task* t = task_by_index(i);
    if (t && t->state == TaskState::Frozen) ++n;
  }
  return n;
}

}  // namespace kjump
