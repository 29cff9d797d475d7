#include "trap/syscall.h"

#include "drivers/pit.h"
#include "task/freezer.h"
#include "task/sched.h"

namespace kjump {

void syscall_dispatch(TrapFrame* f) {
  Task* self = current_task();
  self->syscalls++;
  switch (f->eax) {
    case SYS_getpid: f->eax = self->pid; break;
    case SYS_yield:
      schedule();
      f->eax = 0;
      break;
    case SYS_sleep: {
      // A freezable sleep: the freezer may wake us early; after thaw, sleep out the rest.
      uint64_t deadline = jiffies() + (f->ebx ? f->ebx : 1);
      for (uint64_t now; (now = jiffies()) < deadline;) {
        sleep_ticks(static_cast<uint32_t>(deadline - now));
        try_to_freeze();
      }
      f->eax = 0;
      break;
    }
    case SYS_write_counter:
      self->user_counter = f->ebx;
      f->eax = 0;
      break;
    default: f->eax = static_cast<uint32_t>(-ENOSYS);
  }
}

}  // namespace kjump
