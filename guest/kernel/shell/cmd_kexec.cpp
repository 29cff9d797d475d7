// The kexec-jump companions of `kexec` (kexec/kexec_tools.cpp): vmcore, memsum, jumpstat, peek.
#include "kexec/kexec.h"
#include "kexec/memsum.h"
#include "kexec/vmcore.h"
#include "lib/fnv.h"
#include "lib/hexdump.h"
#include "lib/printf.h"
#include "lib/string.h"
#include "shell/commands.h"

namespace kjump {
namespace {

bool parse_number(const char* s, uint64_t* v) {
  const char* end;
  return parse_u64(s, v, &end) && *end == 0;
}

void vmcore_list(const Vmcore* vc) {
  kprintf("vmcore: elfcorehdr 0x%08x: ELF32 ET_CORE EM_386, 1 PT_NOTE (%u bytes), %d PT_LOAD\n",
          vc->elfcorehdr, vc->note_size, vc->nloads);
  if (vc->window_end)
    kprintf("vmcore: kernel A gave us [0x%08x-0x%08x]\n", vc->window_start, vc->window_end - 1);
  uint64_t ram = 0;
  for (int i = 0; i < vc->nloads; ++i) {
    const VmcoreLoad& l = vc->loads[i];
    kprintf("  PT_LOAD %d: paddr 0x%08x-0x%08x vaddr 0x%08x size 0x%08x\n", i, l.paddr,
            l.paddr + l.size - 1, l.vaddr, l.size);
    ram += l.size;
  }
  kprintf("vmcore: %llu bytes of memory, file size %llu bytes\n", ram, vc->size);
}

void vmcore_sum(const Vmcore* vc) {
  static uint8_t chunk[4096];
  uint32_t h = kFnvOffsetBasis;
  uint64_t off = 0;
  for (uint32_t n; (n = vmcore_read(vc, off, chunk, sizeof chunk)) > 0; off += n)
    h = fnv1a_words(h, chunk, n);
  kprintf("vmcore: fnv1a 0x%08x over %llu bytes\n", h, off);
}

}  // namespace

// vmcore | vmcore sum | vmcore read ADDR [LEN]
void cmd_vmcore(const CommandLine& cl) {
  const Vmcore* vc = vmcore_open();
  if (!vc) return;
  if (cl.argc == 1) {
    vmcore_list(vc);
  } else if (cl.argc == 2 && strcmp(cl.argv[1], "sum") == 0) {
    vmcore_sum(vc);
  } else if ((cl.argc == 3 || cl.argc == 4) && strcmp(cl.argv[1], "read") == 0) {
    uint64_t addr, len = 64;
    if (!parse_number(cl.argv[2], &addr) || (cl.argc == 4 && !parse_number(cl.argv[3], &len)) ||
        len == 0 || len > 4096 || addr > 0xFFFFFFFFull) {
      kprintf("usage: vmcore read ADDR [LEN<=4096]\n");
      return;
    }
    const void* p = vmcore_old_memory(vc, static_cast<uint32_t>(addr), static_cast<uint32_t>(len));
    if (!p) {
      kprintf("vmcore: 0x%08llx+%llu is not in the dump\n", addr, len);
      return;
    }
    hexdump(p, static_cast<size_t>(len), static_cast<uint32_t>(addr));
  } else {
    kprintf("usage: vmcore | vmcore sum | vmcore read ADDR [LEN]\n");
  }
}

void cmd_memsum(const CommandLine&) {
  MemSum m = memsum();
  kprintf("memsum: fnv1a 0x%08x over %u bytes of .data/.bss (running stack excluded)\n", m.sum,
          m.bytes);
}

// Deterministic text about this kernel's kexec-jump history.
void cmd_jumpstat(const CommandLine&) {
  const JumpStats& s = jump_stats();
  kprintf("jumpstat: %u jump(s), %u return(s), %u refused\n", s.jumps, s.returns, s.refused);
  kprintf("jumpstat: memory intact on %u of %u return(s), ticks frozen on %u of %u\n",
          s.memory_intact, s.returns, s.ticks_frozen, s.returns);
}

// peek ADDR [WORDS]: the peer's memory as the loaded image keeps it between jumps.
void cmd_peek(const CommandLine& cl) {
  uint64_t addr, words = 1;
  if (cl.argc < 2 || cl.argc > 3 || !parse_number(cl.argv[1], &addr) || (addr & 3) ||
      (cl.argc == 3 && (!parse_number(cl.argv[2], &words) || words == 0 || words > 64))) {
    kprintf("usage: peek ADDR [WORDS<=64]   (ADDR 4-byte aligned)\n");
    return;
  }
  for (uint64_t i = 0; i < words; ++i) {
    uint32_t a = static_cast<uint32_t>(addr + 4 * i), v;
    if (!kexec_peer_read(a, &v)) {
      kprintf("peek: 0x%08x is not a destination of the loaded image\n", a);
      return;
    }
    kprintf("peek: 0x%08x: 0x%08x\n", a, v);
  }
}

}  // namespace kjump
