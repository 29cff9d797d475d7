// Tasks: a fixed table of kernel threads, some of which also have a ring-3 part. All tasks share
// one address space (the kernel's page directory, with the user pages mapped U/S).
#pragma once
#include <stdint.h>

namespace kjump {

enum class TaskState : uint8_t { Unused, Runnable, Running, Sleeping, Frozen, Dead };

struct Task {
  uint32_t pid;
  char name[16];
  TaskState state;
  bool user;               // runs in ring 3 between system calls
  uint32_t saved_esp;      // kernel stack pointer while switched out (task/switch.S)
  uint32_t kstack_top;     // esp0 for ring-3 -> ring-0 transitions
  const void* wait_chan;   // what a Sleeping task waits for; nullptr = only a deadline
  uint64_t wake_tick;      // jiffies at which a timed sleep ends; 0 = not timed
  uint64_t ticks;          // timer ticks during which this task was on the CPU
  uint32_t syscalls;       // system calls made
  uint32_t user_counter;   // last value the task reported with SYS_write_counter
};

constexpr int kMaxTasks = 8;
constexpr uint32_t kKernelStackSize = 8192;

// A kernel thread that starts in entry() with interrupts on.
Task* task_create_kernel(const char* name, void (*entry)());
// A task that enters ring 3 at user_eip with user_esp (pages must already be mapped U/S).
Task* task_create_user(const char* name, uint32_t user_eip, uint32_t user_esp);

Task* task_by_index(int i);  // nullptr for unused slots
const char* task_state_name(TaskState s);

}  // namespace kjump
