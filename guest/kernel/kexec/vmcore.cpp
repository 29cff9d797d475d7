#include "kexec/vmcore.h"

#include "abi/elf32.h"
#include "boot/bootinfo.h"
#include "kexec/core_header.h"
#include "lib/printf.h"
#include "lib/string.h"
#include "mm/addr.h"
#include "mm/paging.h"

namespace kjump {
namespace {

Vmcore g_vmcore;
// The ELF header and program headers as /proc/vmcore serves them: PT_NOTE and PT_LOAD offsets
// rewritten to positions in the file (header, then the note, then each PT_LOAD in turn).
uint8_t g_header[sizeof(elf::Ehdr) + (1 + Vmcore::kMaxLoads) * sizeof(elf::Phdr)];

// "elfcorehdr=" value: a number with an optional K/M suffix, like Linux's memparse.
bool find_elfcorehdr(uint32_t* addr) {
  const char* p = kernel_args();
  while (*p) {
    while (is_space(*p)) ++p;
    if (starts_with(p, "elfcorehdr=")) {
      uint64_t v;
      const char* end;
      if (!parse_u64(p + 11, &v, &end)) return false;
      if (*end == 'K' || *end == 'k') v <<= 10;
      else if (*end == 'M' || *end == 'm') v <<= 20;
      if (v > 0xFFFFFFFFull) return false;
      *addr = static_cast<uint32_t>(v);
      return true;
    }
    while (*p && !is_space(*p)) ++p;
  }
  return false;
}

bool in_direct_map(uint64_t paddr, uint64_t len) { return paddr + len <= direct_map_size(); }

const Vmcore* fail(const char* why) {
  kprintf("vmcore: %s\n", why);
  return nullptr;
}

}  // namespace

const Vmcore* vmcore_open() {
  Vmcore& vc = g_vmcore;
  memset(&vc, 0, sizeof vc);
  if (!find_elfcorehdr(&vc.elfcorehdr))
    return fail("no elfcorehdr= on the command line (this kernel was not started by kexec jump)");
  if (!in_direct_map(vc.elfcorehdr, PAGE_SIZE)) return fail("elfcorehdr outside RAM");
  const auto* eh = static_cast<const elf::Ehdr*>(phys_to_virt(vc.elfcorehdr));
  if (memcmp(eh->e_ident, elf::kMagic, 4) != 0 || eh->e_ident[4] != elf::kClass32 ||
      eh->e_type != elf::kEtCore || eh->e_machine != elf::kEm386 ||
      eh->e_phentsize != sizeof(elf::Phdr))
    return fail("elfcorehdr does not point at an ELF32 i386 core header");
  if (eh->e_phoff + eh->e_phnum * sizeof(elf::Phdr) > PAGE_SIZE || eh->e_phnum > 1 + Vmcore::kMaxLoads)
    return fail("too many program headers");
  const auto* ph = reinterpret_cast<const elf::Phdr*>(reinterpret_cast<const uint8_t*>(eh) + eh->e_phoff);
  int notes = 0;
  for (int i = 0; i < eh->e_phnum; ++i) {
    if (ph[i].p_type == elf::kPtNote) {
      ++notes;
      vc.note_paddr = ph[i].p_offset;
      vc.note_size = ph[i].p_filesz;
    } else if (ph[i].p_type == elf::kPtLoad) {
      if (!in_direct_map(ph[i].p_offset, ph[i].p_filesz)) return fail("PT_LOAD beyond mapped RAM");
      vc.loads[vc.nloads++] = VmcoreLoad{ph[i].p_offset, ph[i].p_vaddr, ph[i].p_filesz, 0};
    }
  }
  if (notes != 1) return fail("expected exactly one PT_NOTE");
  if (!in_direct_map(vc.note_paddr, vc.note_size)) return fail("PT_NOTE beyond mapped RAM");

  // Our own note, if present: the window A gave us.
  if (vc.note_size >= sizeof(elf::Nhdr) + 8 + 12) {
    const auto* nh = static_cast<const elf::Nhdr*>(phys_to_virt(vc.note_paddr));
    const char* name = reinterpret_cast<const char*>(nh + 1);
    if (nh->n_type == kKjumpNoteWindow && nh->n_namesz == 6 && memcmp(name, "KJUMP", 6) == 0) {
      const auto* desc = reinterpret_cast<const uint32_t*>(name + 8);
      vc.window_start = desc[0];
      vc.window_end = desc[1];
    }
  }

  // The file we serve.
  uint16_t phnum = static_cast<uint16_t>(1 + vc.nloads);
  vc.header_size = sizeof(elf::Ehdr) + phnum * sizeof(elf::Phdr);
  memset(g_header, 0, sizeof g_header);
  auto* neh = reinterpret_cast<elf::Ehdr*>(g_header);
  *neh = *eh;
  neh->e_phoff = sizeof(elf::Ehdr);
  neh->e_phnum = phnum;
  neh->e_shoff = neh->e_shnum = neh->e_shentsize = neh->e_shstrndx = 0;
  auto* nph = reinterpret_cast<elf::Phdr*>(g_header + sizeof(elf::Ehdr));
  nph[0] = elf::Phdr{elf::kPtNote, vc.header_size, 0, 0, vc.note_size, vc.note_size, 0, 0};
  uint64_t off = vc.header_size + vc.note_size;
  for (int i = 0; i < vc.nloads; ++i) {
    VmcoreLoad& l = vc.loads[i];
    l.offset = off;
    nph[1 + i] = elf::Phdr{elf::kPtLoad, static_cast<uint32_t>(off), l.vaddr, l.paddr, l.size,
                           l.size, elf::kPfR | elf::kPfW | elf::kPfX, 0};
    off += l.size;
  }
  vc.size = off;
  return &vc;
}

uint32_t vmcore_read(const Vmcore* vc, uint64_t offset, void* buf, uint32_t len) {
  auto* out = static_cast<uint8_t*>(buf);
  uint32_t done = 0;
  while (done < len && offset < vc->size) {
    const uint8_t* src;
    uint64_t avail;
    if (offset < vc->header_size) {
      src = g_header + offset;
      avail = vc->header_size - offset;
    } else if (offset < vc->header_size + vc->note_size) {
      uint64_t o = offset - vc->header_size;
      src = static_cast<const uint8_t*>(phys_to_virt(vc->note_paddr)) + o;
      avail = vc->note_size - o;
    } else {
      int i = 0;
      while (i + 1 < vc->nloads && offset >= vc->loads[i + 1].offset) ++i;
      uint64_t o = offset - vc->loads[i].offset;
      src = static_cast<const uint8_t*>(phys_to_virt(vc->loads[i].paddr)) + o;
      avail = vc->loads[i].size - o;
    }
    uint32_t n = len - done < avail ? len - done : static_cast<uint32_t>(avail);
    memcpy(out + done, src, n);
    done += n;
    offset += n;
  }
  return done;
}

const void* vmcore_old_memory(const Vmcore* vc, uint32_t paddr, uint32_t len) {
  for (int i = 0; i < vc->nloads; ++i) {
    const VmcoreLoad& l = vc->loads[i];
    if (paddr >= l.paddr && uint64_t(paddr) + len <= uint64_t(l.paddr) + l.size)
      return phys_to_virt(paddr);
  }
  return nullptr;
}

}  // namespace kjump
