#include "task/task.h"

#include "boot/layout.h"
#include "lib/string.h"
#include "task/sched.h"
#include "trap/trap.h"

namespace kjump {
namespace {

Task g_tasks[kMaxTasks];
alignas(16) uint8_t g_stacks[kMaxTasks][kKernelStackSize];
uint32_t g_next_pid = 0;

constexpr uint32_t kEflagsReserved = 0x2;
constexpr uint32_t kEflagsIf = 0x200;

Task* alloc_task(const char* name, bool user) {
  for (int i = 0; i < kMaxTasks; ++i) {
    Task& t = g_tasks[i];
    if (t.state != TaskState::Unused) continue;
    memset(&t, 0, sizeof t);
    t.pid = g_next_pid++;
    strlcpy(t.name, name, sizeof t.name);
    t.user = user;
    t.kstack_top = reinterpret_cast<uint32_t>(g_stacks[i] + kKernelStackSize);
    return &t;
  }
  return nullptr;
}

// Below the frame: the saved registers context_switch pops (edi, esi, ebx, ebp) and its return
// address, trap_return. The first switch to the task therefore "returns from an interrupt" into
// it, through exactly the path every later resumption takes.
void push_switch_context(Task* t, uint32_t* frame_start) {
  uint32_t* sp = frame_start;
  *--sp = reinterpret_cast<uint32_t>(&trap_return);
  for (int i = 0; i < 4; ++i) *--sp = 0;  // ebp, ebx, esi, edi
  t->saved_esp = reinterpret_cast<uint32_t>(sp);
  t->state = TaskState::Runnable;
}

}  // namespace

Task* task_create_kernel(const char* name, void (*entry)()) {
  Task* t = alloc_task(name, false);
  if (!t) return nullptr;
  // A ring-0 iret pops only eip/cs/eflags, so the frame stops before user_esp; the word above
  // it becomes entry()'s return address: falling off the end of a task exits it.
  uint32_t* top = reinterpret_cast<uint32_t*>(t->kstack_top);
  *--top = reinterpret_cast<uint32_t>(&task_exit);
  auto* f = reinterpret_cast<TrapFrame*>(reinterpret_cast<uint8_t*>(top) -
                                         __builtin_offsetof(TrapFrame, user_esp));
  memset(f, 0, __builtin_offsetof(TrapFrame, user_esp));
  f->gs = f->fs = f->es = f->ds = KERNEL_DS;
  f->eip = reinterpret_cast<uint32_t>(entry);
  f->cs = KERNEL_CS;
  f->eflags = kEflagsReserved | kEflagsIf;
  push_switch_context(t, reinterpret_cast<uint32_t*>(f));
  return t;
}

Task* task_create_user(const char* name, uint32_t user_eip, uint32_t user_esp) {
  Task* t = alloc_task(name, true);
  if (!t) return nullptr;
  auto* f = reinterpret_cast<TrapFrame*>(t->kstack_top - sizeof(TrapFrame));
  memset(f, 0, sizeof *f);
  f->gs = f->fs = f->es = f->ds = USER_DS;
  f->eip = user_eip;
  f->cs = USER_CS;
  f->eflags = kEflagsReserved | kEflagsIf;
  f->user_esp = user_esp;
  f->user_ss = USER_DS;
  push_switch_context(t, reinterpret_cast<uint32_t*>(f));
  return t;
}

Task* task_by_index(int i) {
  if (i < 0 || i >= kMaxTasks || g_tasks[i].state == TaskState::Unused) return nullptr;
  return &g_tasks[i];
}

const char* task_state_name(TaskState s) {
  switch (s) {
    case TaskState::Unused: return "unused";
    case TaskState::Runnable: return "runnable";
    case TaskState::Running: return "running";
    case TaskState::Sleeping: return "sleeping";
    case TaskState::Frozen: return "frozen";
    case TaskState::Dead: return "dead";
  }
  return "?";
}

}  // namespace kjump
