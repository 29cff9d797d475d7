// The kexec-jump companions of `kexec` (kexec/kexec_tools.cpp): vmcore, memsum, jumpstat, peek.
#include "abi/elf32.h"
#include "drivers/ide.h"
#include "kexec/core_header.h"
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

const char* note_kind(const VmcoreNote& n) {
  if (strcmp(n.name, "CORE") == 0 && n.type == elf::kNtPrstatus) return "NT_PRSTATUS";
  if (strcmp(n.name, "VMCOREINFO") == 0) return "VMCOREINFO";
  if (strcmp(n.name, "KJUMP") == 0 && n.type == kKjumpNoteWindow) return "window";
  return "?";
}

void vmcore_list(const Vmcore* vc) {
  int header_loads = 0;
  for (int i = 0; i < vc->nloads; ++i) header_loads += vc->loads[i].from_backup ? 0 : 1;
  kprintf("vmcore: elfcorehdr 0x%08x: ELF32 ET_CORE EM_386, %d PT_NOTE, %d PT_LOAD\n",
          vc->elfcorehdr, vc->header_notes, header_loads);
  if (vc->window_end)
    kprintf("vmcore: kernel A gave us [0x%08x-0x%08x]\n", vc->window_start, vc->window_end - 1);
  if (vc->backup_map)
    kprintf("vmcore: A's contents of %u window pages are in its backup pages (list at 0x%08x)\n",
            vc->backup_pages, vc->backup_map);
  for (int i = 0; i < vc->nnotes; ++i) {
    const VmcoreNote& n = vc->notes[i];
    kprintf("  note %d: %s type 0x%x (%s), %u bytes\n", i, n.name, n.type, note_kind(n), n.descsz);
  }
  uint32_t descsz;
  const auto* pr = static_cast<const elf::PrStatus*>(
      vmcore_find_note(vc, "CORE", elf::kNtPrstatus, &descsz));
  if (pr && descsz == sizeof(elf::PrStatus))
    kprintf("vmcore: A jumped from pid %d at eip 0x%08x, esp 0x%08x, ebp 0x%08x\n", pr->pr_pid,
            pr->pr_reg[elf::kRegEip], pr->pr_reg[elf::kRegEsp], pr->pr_reg[elf::kRegEbp]);
  uint64_t ram = 0;
  for (int i = 0; i < vc->nloads; ++i) {
    const VmcoreLoad& l = vc->loads[i];
    kprintf("  PT_LOAD %d: paddr 0x%08x-0x%08x vaddr 0x%08x size 0x%08x%s\n", i, l.paddr,
            l.paddr + l.size - 1, l.vaddr, l.size, l.from_backup ? " (from backup pages)" : "");
    ram += l.size;
  }
  kprintf("vmcore: %llu bytes of memory, %u bytes of notes, file size %llu bytes\n", ram,
          vc->note_size, vc->size);
}

void vmcore_sum(const Vmcore* vc) {
  static uint8_t chunk[4096];
  uint32_t h = kFnvOffsetBasis;
  uint64_t off = 0;
  for (uint32_t n; (n = vmcore_read(vc, off, chunk, sizeof chunk)) > 0; off += n)
    h = fnv1a_words(h, chunk, n);
  kprintf("vmcore: fnv1a 0x%08x over %llu bytes\n", h, off);
}

// `cp /proc/vmcore /dev/hdb1` of the seed's step 7, with an LBA for the partition: the whole
// file from sector LBA on (the last sector zero-padded), then FLUSH CACHE, so the image is on
// the disk before anyone powers off. The checksum is `vmcore sum`'s, over the bytes written.
void vmcore_save(const Vmcore* vc, const char* arg) {
  static uint8_t sector[512];
  uint64_t lba;
  if (!parse_number(arg, &lba)) {
    kprintf("usage: vmcore save LBA\n");
    return;
  }
  if (!ide_present()) {
    kprintf("vmcore: no disk on the primary master\n");
    return;
  }
  uint64_t sectors = (vc->size + 511) / 512, have = ide_info().sectors;
  if (lba >= have || sectors > have - lba) {
    kprintf("vmcore: %llu bytes (%llu sectors) do not fit on the disk at LBA %llu (%llu sectors)\n",
            vc->size, sectors, lba, have);
    return;
  }
  uint32_t h = kFnvOffsetBasis;
  for (uint64_t i = 0; i < sectors; ++i) {
    memset(sector, 0, sizeof sector);
    uint32_t n = vmcore_read(vc, i * 512, sector, sizeof sector);
    h = fnv1a_words(h, sector, n);
    if (int err = ide_write(static_cast<uint32_t>(lba + i), sector)) {
      kprintf("vmcore: write LBA %llu failed (error %d)\n", lba + i, err);
      return;
    }
  }
  if (int err = ide_flush()) {
    kprintf("vmcore: flush failed (error %d)\n", err);
    return;
  }
  kprintf("vmcore: wrote %llu bytes (%llu sectors) at LBA %llu, fnv1a 0x%08x\n", vc->size, sectors,
          lba, h);
}

}  // namespace

// vmcore | vmcore sum | vmcore read ADDR [LEN] | vmcore save LBA
void cmd_vmcore(const CommandLine& cl) {
  const Vmcore* vc = vmcore_open();
  if (!vc) return;
  if (cl.argc == 1) {
    vmcore_list(vc);
  } else if (cl.argc == 2 && strcmp(cl.argv[1], "sum") == 0) {
    vmcore_sum(vc);
  } else if (cl.argc == 3 && strcmp(cl.argv[1], "save") == 0) {
    vmcore_save(vc, cl.argv[2]);
  } else if ((cl.argc == 3 || cl.argc == 4) && strcmp(cl.argv[1], "read") == 0) {
    uint64_t addr, len = 64;
    if (!parse_number(cl.argv[2], &addr) || (cl.argc == 4 && !parse_number(cl.argv[3], &len)) ||
        len == 0 || len > 4096 || addr > 0xFFFFFFFFull) {
      kprintf("usage: vmcore read ADDR [LEN<=4096]\n");
      return;
    }
    static uint8_t buf[4096];
    if (addr + len > 0x100000000ull ||
        !vmcore_read_old(vc, static_cast<uint32_t>(addr), buf, static_cast<uint32_t>(len))) {
      kprintf("vmcore: 0x%08llx+%llu is not in the dump\n", addr, len);
      return;
    }
    hexdump(buf, static_cast<size_t>(len), static_cast<uint32_t>(addr));
  } else {
    kprintf("usage: vmcore | vmcore sum | vmcore read ADDR [LEN] | vmcore save LBA\n");
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
