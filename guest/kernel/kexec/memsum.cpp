#include "kexec/memsum.h"

#include "kexec/crash_notes.h"
#include "lib/fnv.h"
#include "task/sched.h"

extern "C" char __data_start[], __bss_end[];

namespace kjump {

MemSum memsum() {
  struct Hole {
    uint32_t start, end;
  } holes[2] = {};
  uint32_t start = reinterpret_cast<uint32_t>(__data_start);
  uint32_t end = reinterpret_cast<uint32_t>(__bss_end);
  if (const Task* t = current_task()) holes[0] = {t->kstack_top - kKernelStackSize, t->kstack_top};
  uint32_t notes = reinterpret_cast<uint32_t>(phys_to_virt(crash_notes_paddr()));
  holes[1] = {notes, notes + crash_notes_size()};
  if (holes[1].start < holes[0].start) {
    Hole t = holes[0];
    holes[0] = holes[1];
    holes[1] = t;
  }
  uint32_t h = kFnvOffsetBasis, bytes = 0, at = start;
  for (const Hole& hole : holes) {
    if (hole.start < at || hole.end > end) continue;  // not inside (or overlapping): summed
    h = fnv1a_words(h, reinterpret_cast<const void*>(at), hole.start - at);
    bytes += hole.start - at;
    at = hole.end;
  }
  h = fnv1a_words(h, reinterpret_cast<const void*>(at), end - at);
  bytes += end - at;
  return MemSum{h, bytes};
}

}  // namespace kjump
