#include "kexec/memsum.h"

#include "lib/fnv.h"
#include "task/sched.h"

extern "C" char __data_start[], __bss_end[];

namespace kjump {

MemSum memsum() {
  uint32_t start = reinterpret_cast<uint32_t>(__data_start);
  uint32_t end = reinterpret_cast<uint32_t>(__bss_end);
  uint32_t hole_start = end, hole_end = end;
  if (const Task* t = current_task()) {
    hole_start = t->kstack_top - kKernelStackSize;
    hole_end = t->kstack_top;
  }
  uint32_t h = kFnvOffsetBasis, bytes = 0;
  if (hole_start >= start && hole_end <= end) {
    h = fnv1a_words(h, __data_start, hole_start - start);
    h = fnv1a_words(h, reinterpret_cast<const void*>(hole_end), end - hole_end);
    bytes = (hole_start - start) + (end - hole_end);
  } else {
    h = fnv1a_words(h, __data_start, end - start);
    bytes = end - start;
  }
  return MemSum{h, bytes};
}

}  // namespace kjump
