#include "kexec/vmcore.h"

#include "abi/elf32.h"
#include "abi/kexec_control_page.h"
#include "boot/cmdline_param.h"
#include "kexec/core_header.h"
#include "lib/printf.h"
#include "lib/string.h"
#include "mm/addr.h"
#include "mm/page_alloc.h"
#include "mm/paging.h"

namespace kjump {
namespace {

constexpr uint32_t kPageMask = ~uint32_t(PAGE_SIZE - 1);
constexpr uint32_t kNotesMax = 4096;
// An indirection list never has more entries than pages it can move, plus its own pages.
constexpr uint32_t kMaxListEntries = 2 * (kLowmemLimit / PAGE_SIZE);

Vmcore g_vmcore;
// The ELF header and program headers as /proc/vmcore serves them: one PT_NOTE (all of A's
// notes merged, fs/proc/vmcore.c's merge_note_headers_elf32), then the PT_LOADs by address,
// offsets rewritten to positions in the file (header, notes, each PT_LOAD in turn).
uint8_t g_header[sizeof(elf::Ehdr) + (1 + Vmcore::kMaxLoads) * sizeof(elf::Phdr)];
uint8_t g_notes[kNotesMax];
// g_backup[i]: the physical page holding A's contents of window page i (0 = not found, or
// kFreePage: A had nothing there). Pages of our own, sized for the window at each open.
uint32_t* g_backup;
phys_addr g_backup_pages;
uint32_t g_backup_npages;
constexpr uint32_t kFreePage = 1;  // never a page address
alignas(16) const uint8_t kZeroPage[PAGE_SIZE] = {};

uint32_t pad4(uint32_t n) { return (n + 3) & ~3u; }

bool in_direct_map(uint64_t paddr, uint64_t len) { return paddr + len <= direct_map_size(); }

bool in_window(const Vmcore& vc, uint32_t paddr) {
  return paddr >= vc.window_start && paddr < vc.window_end;
}

// Where A's contents of the page holding paddr are now (kernel virtual), or nullptr.
const uint8_t* old_page(const Vmcore& vc, uint32_t paddr) {
  uint32_t page = paddr & kPageMask;
  if (in_window(vc, page)) {
    if (!vc.backup_map) return nullptr;
    page = g_backup[(page - vc.window_start) / PAGE_SIZE];
    if (!page) return nullptr;
    if (page == kFreePage) return kZeroPage;
  }
  if (!in_direct_map(page, PAGE_SIZE)) return nullptr;
  return static_cast<const uint8_t*>(phys_to_virt(page));
}

bool copy_old(const Vmcore& vc, uint32_t paddr, uint8_t* out, uint32_t len) {
  while (len) {
    const uint8_t* page = old_page(vc, paddr);
    if (!page) return false;
    uint32_t o = paddr & (PAGE_SIZE - 1);
    uint32_t n = PAGE_SIZE - o < len ? PAGE_SIZE - o : len;
    memcpy(out, page + o, n);
    out += n;
    paddr += n;
    len -= n;
  }
  return true;
}

const Vmcore* fail(const char* why) {
  kprintf("vmcore: %s\n", why);
  return nullptr;
}

// A's control page, found from the jump-back entry purgatory put on our command line (it lies
// in that page), holds the head of A's indirection list. It is a kexec control page, never a
// destination, so it is outside our window and we read it in place. Each SOURCE entry pairs a
// destination page (in our window) with the source page holding A's old contents.
void find_backup_map(Vmcore& vc) {
  uint32_t entry, npages = (vc.window_end - vc.window_start) / PAGE_SIZE;
  if (!vc.window_end || !cmdline_number("kexec_jump_back_entry", &entry)) return;
  uint32_t cp = entry & kPageMask;
  if (in_window(vc, cp) || !in_direct_map(cp, PAGE_SIZE)) return;
  const auto* data = static_cast<const uint8_t*>(phys_to_virt(cp));
  uint32_t va, head;
  memcpy(&va, data + CP_VA_CONTROL_PAGE, 4);
  memcpy(&head, data + CP_PA_BACKUP_PAGES_MAP, 4);
  if (va != reinterpret_cast<uint32_t>(phys_to_virt(cp))) return;  // not a control page

  if (g_backup_pages) free_pages_contig(g_backup_pages, g_backup_npages);
  g_backup_npages = (npages * 4 + PAGE_SIZE - 1) / PAGE_SIZE;
  g_backup_pages = alloc_pages_contig(g_backup_npages);  // zeroed
  if (!g_backup_pages) {
    kprintf("vmcore: no %u pages for the backup map; the window is left out\n", g_backup_npages);
    return;
  }
  g_backup = static_cast<uint32_t*>(phys_to_virt(g_backup_pages));
  const uint32_t* ptr = nullptr;
  const uint32_t* page_end = nullptr;
  uint32_t e = head, dest = 0, found = 0;
  // The walk of relocate_kernel's swap_pages, with every page checked before it is read.
  for (uint32_t n = 0; n < kMaxListEntries; ++n) {
    if (e & IND_DESTINATION) {
      dest = e & kPageMask;
    } else if (e & IND_INDIRECTION) {
      uint32_t page = e & kPageMask;
      if (in_window(vc, page) || !in_direct_map(page, PAGE_SIZE)) return;
      ptr = static_cast<const uint32_t*>(phys_to_virt(page));
      page_end = ptr + PAGE_SIZE / 4;
    } else if (e & IND_DONE) {
      vc.backup_map = head & kPageMask;
      vc.backup_pages = found;
      return;
    } else if (e & IND_SOURCE) {
      uint32_t src = e & kPageMask;
      // A source page is its own destination or none (kimage_alloc_page): one inside the
      // window was a free page of A's that kexec used in place. A had nothing there, and what
      // is there now is ours, changing as we run: it reads as zeroes, as a free page should.
      if (in_window(vc, dest) && (!in_window(vc, src) || src == dest) &&
          in_direct_map(src, PAGE_SIZE)) {
        uint32_t& slot = g_backup[(dest - vc.window_start) / PAGE_SIZE];
        if (!slot) ++found;
        slot = src == dest ? kFreePage : src;
      }
      dest += PAGE_SIZE;
    }
    if (!ptr || ptr == page_end) return;
    e = *ptr++;
  }
}

// The window pages found in the backup map, as PT_LOADs of contiguous runs.
void add_window_loads(Vmcore& vc) {
  if (!vc.backup_map) return;
  uint32_t npages = (vc.window_end - vc.window_start) / PAGE_SIZE;
  for (uint32_t i = 0; i < npages;) {
    if (!g_backup[i]) {
      ++i;
      continue;
    }
    uint32_t j = i;
    while (j < npages && g_backup[j]) ++j;
    if (vc.nloads == Vmcore::kMaxLoads) return;
    uint32_t paddr = vc.window_start + i * PAGE_SIZE;
    vc.loads[vc.nloads++] =
        VmcoreLoad{paddr, paddr + PAGE_OFFSET, (j - i) * PAGE_SIZE, 0, true};
    i = j;
  }
}

void sort_loads(Vmcore& vc) {
  for (int i = 1; i < vc.nloads; ++i)
    for (int j = i; j > 0 && vc.loads[j].paddr < vc.loads[j - 1].paddr; --j) {
      VmcoreLoad t = vc.loads[j];
      vc.loads[j] = vc.loads[j - 1];
      vc.loads[j - 1] = t;
    }
}

// One PT_NOTE's notes, appended to g_notes up to the first empty note (Linux's real size).
// Notes inside the header page are part of what A gave us and are read in place; any other
// note buffer is A's memory (crash_notes, vmcoreinfo_note, in A's .bss) and is read as A left
// it, through the backup map if it lies in our window.
void merge_notes(Vmcore& vc, uint32_t paddr, uint32_t size) {
  static uint8_t buf[kNotesMax];
  if (size > sizeof buf) size = sizeof buf;
  bool in_header = paddr >= vc.elfcorehdr && uint64_t(paddr) + size <= vc.elfcorehdr + PAGE_SIZE;
  if (in_header) {
    memcpy(buf, phys_to_virt(paddr), size);
  } else if (!copy_old(vc, paddr, buf, size)) {
    kprintf("vmcore: PT_NOTE at 0x%08x: A's memory there is not in the dump; left out\n", paddr);
    return;
  }
  for (uint32_t off = 0; off + sizeof(elf::Nhdr) <= size;) {
    elf::Nhdr nh;
    memcpy(&nh, buf + off, sizeof nh);
    if (nh.n_namesz == 0) break;
    uint32_t len = sizeof nh + pad4(nh.n_namesz) + pad4(nh.n_descsz);
    if (nh.n_namesz > 64 || nh.n_descsz > kNotesMax || off + len > size ||
        vc.note_size + len > kNotesMax)
      break;
    if (vc.nnotes < Vmcore::kMaxNotes) {
      VmcoreNote& n = vc.notes[vc.nnotes++];
      memset(n.name, 0, sizeof n.name);
      memcpy(n.name, buf + off + sizeof nh, nh.n_namesz < sizeof n.name ? nh.n_namesz : sizeof n.name - 1);
      n.type = nh.n_type;
      n.descsz = nh.n_descsz;
      n.offset = vc.note_size;
    }
    memcpy(g_notes + vc.note_size, buf + off, len);
    vc.note_size += len;
    off += len;
  }
}

}  // namespace

const Vmcore* vmcore_open() {
  Vmcore& vc = g_vmcore;
  memset(&vc, 0, sizeof vc);
  if (!cmdline_number("elfcorehdr", &vc.elfcorehdr))
    return fail("no elfcorehdr= on the command line (this kernel was not started by kexec jump)");
  if (!in_direct_map(vc.elfcorehdr, PAGE_SIZE)) return fail("elfcorehdr outside RAM");
  const auto* eh = static_cast<const elf::Ehdr*>(phys_to_virt(vc.elfcorehdr));
  if (memcmp(eh->e_ident, elf::kMagic, 4) != 0 || eh->e_ident[4] != elf::kClass32 ||
      eh->e_type != elf::kEtCore || eh->e_machine != elf::kEm386 ||
      eh->e_phentsize != sizeof(elf::Phdr))
    return fail("elfcorehdr does not point at an ELF32 i386 core header");
  if (eh->e_phoff + eh->e_phnum * sizeof(elf::Phdr) > PAGE_SIZE || eh->e_phnum > Vmcore::kMaxLoads)
    return fail("too many program headers");
  const auto* ph = reinterpret_cast<const elf::Phdr*>(reinterpret_cast<const uint8_t*>(eh) + eh->e_phoff);
  for (int i = 0; i < eh->e_phnum; ++i) {
    if (ph[i].p_type == elf::kPtNote) {
      ++vc.header_notes;
      if (!in_direct_map(ph[i].p_offset, ph[i].p_filesz)) return fail("PT_NOTE beyond mapped RAM");
    } else if (ph[i].p_type == elf::kPtLoad) {
      if (!in_direct_map(ph[i].p_offset, ph[i].p_filesz)) return fail("PT_LOAD beyond mapped RAM");
      vc.loads[vc.nloads++] = VmcoreLoad{ph[i].p_offset, ph[i].p_vaddr, ph[i].p_filesz, 0, false};
    }
  }
  if (vc.header_notes == 0) return fail("no PT_NOTE");

  // Our own note first (it lives in the header page): the window A gave us.
  for (int i = 0; i < eh->e_phnum; ++i) {
    if (ph[i].p_type != elf::kPtNote || ph[i].p_filesz < sizeof(elf::Nhdr) + 8 + 12) continue;
    const auto* nh = static_cast<const elf::Nhdr*>(phys_to_virt(ph[i].p_offset));
    const char* name = reinterpret_cast<const char*>(nh + 1);
    if (nh->n_type == kKjumpNoteWindow && nh->n_namesz == 6 && memcmp(name, "KJUMP", 6) == 0) {
      const auto* desc = reinterpret_cast<const uint32_t*>(name + 8);
      vc.window_start = desc[0];
      vc.window_end = desc[1];
    }
  }
  find_backup_map(vc);
  for (int i = 0; i < eh->e_phnum; ++i)
    if (ph[i].p_type == elf::kPtNote) merge_notes(vc, ph[i].p_offset, ph[i].p_filesz);
  add_window_loads(vc);
  sort_loads(vc);

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
      src = g_notes + o;
      avail = vc->note_size - o;
    } else {
      int i = 0;
      while (i + 1 < vc->nloads && offset >= vc->loads[i + 1].offset) ++i;
      const VmcoreLoad& l = vc->loads[i];
      uint32_t o = static_cast<uint32_t>(offset - l.offset);
      avail = l.size - o;
      if (l.from_backup) {
        // One page at a time: each window page has its own backup page.
        uint32_t in_page = PAGE_SIZE - (o & (PAGE_SIZE - 1));
        if (avail > in_page) avail = in_page;
        src = old_page(*vc, l.paddr + o) + (o & (PAGE_SIZE - 1));
      } else {
        src = static_cast<const uint8_t*>(phys_to_virt(l.paddr)) + o;
      }
    }
    uint32_t n = len - done < avail ? len - done : static_cast<uint32_t>(avail);
    memcpy(out + done, src, n);
    done += n;
    offset += n;
  }
  return done;
}

bool vmcore_read_old(const Vmcore* vc, uint32_t paddr, void* buf, uint32_t len) {
  for (uint32_t done = 0; done < len;) {
    uint32_t a = paddr + done;
    const VmcoreLoad* l = nullptr;
    for (int i = 0; i < vc->nloads && !l; ++i)
      if (a >= vc->loads[i].paddr && a - vc->loads[i].paddr < vc->loads[i].size) l = &vc->loads[i];
    if (!l) return false;
    uint32_t n = l->paddr + l->size - a;
    if (n > len - done) n = len - done;
    if (!copy_old(*vc, a, static_cast<uint8_t*>(buf) + done, n)) return false;
    done += n;
  }
  return true;
}

const void* vmcore_find_note(const Vmcore* vc, const char* name, uint32_t type, uint32_t* descsz) {
  for (int i = 0; i < vc->nnotes; ++i) {
    const VmcoreNote& n = vc->notes[i];
    if (n.type != type || strcmp(n.name, name) != 0) continue;
    const auto* nh = reinterpret_cast<const elf::Nhdr*>(g_notes + n.offset);
    *descsz = n.descsz;
    return g_notes + n.offset + sizeof(elf::Nhdr) + pad4(nh->n_namesz);
  }
  return nullptr;
}

}  // namespace kjump
