// The `kexec` shell command: the user-space half of kexec jump, after kexec-tools (Oct 2008,
// ceb04ae "kexec jump support" + 2b6a50a "core dump file support for ELF loader"; docs/kexec-jump-reference.md §5).
//
//   kexec -l FILE [--append=STR] [--initrd=FILE] [--args-none] [--entry=ADDR]
//   kexec --load-preserve-context FILE --mem-min=ADDR --mem-max=ADDR [same options]
//   kexec --load-jump-back-helper --entry=ADDR
//   kexec -e | -u
//
// FILE is fw:NAME (a fw_cfg file; "opt/" may be left out), or for -l --args-none a partition
// /dev/hdaN holding a hibernation image (hibernate/image_loader.cpp). A Multiboot kernel gets what a
// Multiboot loader would give it (an info block with our memory map and its command line),
// entered through purgatory; with --load-preserve-context also an ELF core header of our
// memory and a command line that confines it to the window [mem-min, mem-max]:
//   <FILE> <append> kjk.kernel=<next letter> memmap=exactmap memmap=SIZEK@STARTK ... elfcorehdr=ADDRK
// Then add_backup_segments makes every page of the window a destination (zero-filled): the
// swap at kexec -e saves our contents of the window in the image's source pages.
#include "boot/cmdline_param.h"
#include "drivers/fw_cfg.h"
#include "hibernate/image_loader.h"
#include "kexec/core_header.h"
#include "kexec/crash_notes.h"
#include "kexec/elf_loader.h"
#include "kexec/kexec.h"
#include "kexec/kexec_options.h"
#include "kexec/multiboot_params.h"
#include "kexec/purgatory/purgatory.h"
#include "kexec/purgatory_blob.h"
#include "kexec/vmcoreinfo.h"
#include "lib/errno.h"
#include "lib/printf.h"
#include "lib/string.h"
#include "mm/memmap.h"
#include "mm/page_alloc.h"
#include "mm/paging.h"
#include "shell/commands.h"

namespace kjump {
namespace {

using Action = KexecOptions::Action;

constexpr uint32_t kPageMask = ~uint32_t(PAGE_SIZE - 1);
// Our early page tables (boot/entry.S) map the first 8 MiB: the next kernel reads its Multiboot
// info there before it maps the rest of RAM.
constexpr uint32_t kEarlyMapLimit = EARLY_MAP_SIZE;
// Room for more than KEXEC_SEGMENT_MAX, so that too many is the kernel's error to report.
constexpr uint32_t kMaxSegments = 64;

uint32_t page_up(uint64_t a) { return static_cast<uint32_t>((a + PAGE_SIZE - 1) & ~uint64_t(PAGE_SIZE - 1)); }

struct SegmentList {
  KexecSegment seg[kMaxSegments];
  uint32_t count;
  bool add(const void* buf, uint32_t bufsz, uint32_t mem, uint32_t memsz) {
    if (count == kMaxSegments) {
      kprintf("kexec: more than %u segments\n", kMaxSegments);
      return false;
    }
    seg[count++] = KexecSegment{buf, bufsz, mem, memsz};
    return true;
  }
  void sort() {  // by destination, as kexec-tools keeps them
    for (uint32_t i = 1; i < count; ++i)
      for (uint32_t j = i; j > 0 && seg[j].mem < seg[j - 1].mem; --j) {
        KexecSegment t = seg[j];
        seg[j] = seg[j - 1];
        seg[j - 1] = t;
      }
  }
};

// A file read into physically contiguous pages (fw_cfg DMA wants one piece).
struct LoadedFile {
  const char* name = nullptr;
  phys_addr pages = 0;
  uint32_t npages = 0;
  uint32_t size = 0;
  const uint8_t* data() const { return static_cast<const uint8_t*>(phys_to_virt(pages)); }
  void release() {
    if (pages) free_pages_contig(pages, npages);
    pages = 0;
  }
};

// Buffers for the segments we build; kexec_load copies them into the image's own pages.
MultibootParams g_mbi;
CoreHeader g_core;
uint8_t g_purgatory[PAGE_SIZE];
char g_cmdline[MultibootParams::kCmdlineMax];
SegmentList g_segments;

bool read_file(const char* path, LoadedFile* out) {
  if (!starts_with(path, "fw:")) {
    kprintf("kexec: %s: only fw:NAME files are supported\n", path);
    return false;
  }
  const char* name = path + 3;
  const FwCfgFile* f = fw_cfg_present() ? fw_cfg_find(name) : nullptr;
  char opt_name[64];
  if (!f && fw_cfg_present()) {
    ksnprintf(opt_name, sizeof opt_name, "opt/%s", name);
    f = fw_cfg_find(opt_name);
  }
  if (!f) {
    kprintf("kexec: %s: no such file\n", path);
    return false;
  }
  out->name = path;
  out->size = f->size;
  out->npages = (f->size + PAGE_SIZE - 1) / PAGE_SIZE;
  out->pages = out->npages ? alloc_pages_contig(out->npages) : 0;
  if (out->npages && !out->pages) {
    kprintf("kexec: %s: no %u contiguous pages to read it into\n", path, out->npages);
    return false;
  }
  if (f->size && !fw_cfg_read(f, 0, phys_to_virt(out->pages), f->size)) {
    kprintf("kexec: %s: read error\n", path);
    out->release();
    return false;
  }
  return true;
}

void print_load_error(int err) {
  kprintf("kexec_load failed: %s (%s)\n", errno_name(err), kexec_error_detail());
}

void print_segments(const SegmentList& s) {
  for (uint32_t i = 0; i < s.count; ++i) {
    const KexecSegment& g = s.seg[i];
    kprintf("kexec: segment %2u: mem 0x%08x-0x%08x bufsz 0x%x\n", i, g.mem,
            g.mem + g.memsz - (g.memsz ? 1 : 0), g.bufsz);
  }
}

// kexec-tools' add_backup_segments: every page of the window's RAM not already covered by a
// segment becomes a segment of its own with no data (bufsz 0), page-rounded.
void add_backup_segments(SegmentList* s, uint32_t win_start, uint32_t win_end) {
  RangeSet holes;
  const RangeSet& ram = system_ram();
  for (int i = 0; i < ram.count(); ++i) {
    uint64_t a = ram.at(i).start > win_start ? ram.at(i).start : win_start;
    uint64_t b = ram.at(i).end < win_end ? ram.at(i).end : win_end;
    if (a < b) holes.add(a, b);
  }
  for (uint32_t i = 0; i < s->count; ++i) holes.remove(s->seg[i].mem, uint64_t(s->seg[i].mem) + s->seg[i].memsz);
  for (int i = 0; i < holes.count(); ++i) {
    uint32_t a = page_up(holes.at(i).start);
    uint32_t b = static_cast<uint32_t>(holes.at(i).end) & kPageMask;
    if (a < b) s->add(nullptr, 0, a, b - a);
  }
}

// B's command line for a preserve-context load: exactmap confines it to the window minus the
// core-header page. kexec-tools' 2008 code also offered B "memmap=640K@0K" even when the low
// 640K was outside the window; B then clobbered low memory of A's that no backup segment had
// saved. We give B only the window: low memory only if the window includes it.
bool append_window_memmap(char* cmd, uint32_t cap, uint32_t win_start, uint32_t win_end,
                          uint32_t core_base) {
  RangeSet b_ram;
  const RangeSet& ram = system_ram();
  for (int i = 0; i < ram.count(); ++i) {
    uint64_t a = ram.at(i).start > win_start ? ram.at(i).start : win_start;
    uint64_t e = ram.at(i).end < win_end ? ram.at(i).end : win_end;
    if (a < e) b_ram.add(page_up(a), e & kPageMask);
  }
  b_ram.remove(core_base, uint64_t(core_base) + PAGE_SIZE);
  size_t len = strlen(cmd);
  len += ksnprintf(cmd + len, cap - len, " memmap=exactmap");
  for (int i = 0; i < b_ram.count(); ++i)
    len += ksnprintf(cmd + len, cap - len, " memmap=%uK@%uK",
                     static_cast<uint32_t>((b_ram.at(i).end - b_ram.at(i).start) >> 10),
                     static_cast<uint32_t>(b_ram.at(i).start >> 10));
  len += ksnprintf(cmd + len, cap - len, " elfcorehdr=%uK", core_base >> 10);
  if (len + 1 >= cap) {
    kprintf("kexec: command line too long\n");
    return false;
  }
  return true;
}

// crashdump-x86.c's load_crashdump_segments for --load-preserve-context: one PT_NOTE for the
// CPU's crash_notes (filled by the jump itself), one for VMCOREINFO (kexec-tools 2008 skipped
// it in this mode; a dump tool needs it to find A's free pages), our window note, and A's RAM.
bool build_preserve_core_header(uint32_t core_base, uint32_t win_start, uint32_t win_end) {
  const CoreNoteBuffer notes[] = {{crash_notes_paddr(), crash_notes_size()},
                                  {vmcoreinfo_note_paddr(), vmcoreinfo_note_size()}};
  return build_core_header(core_base, system_ram(), win_start, win_end, notes, 2, &g_core);
}

// The i386 ELF loader: PT_LOADs at their physical addresses, each inside [lo, hi) and RAM.
bool add_elf_segments(const ElfImage& elf, uint32_t lo, uint64_t hi, SegmentList* s,
                      uint32_t* top) {
  *top = 0;
  for (int i = 0; i < elf.ehdr->e_phnum; ++i) {
    const elf::Phdr& ph = elf.phdrs[i];
    if (ph.p_type != elf::kPtLoad || ph.p_memsz == 0) continue;
    if (ph.p_paddr & ~kPageMask) {
      kprintf("kexec: Base address: 0x%x is not page aligned\n", ph.p_paddr);
      return false;
    }
    uint32_t memsz = page_up(ph.p_memsz);
    uint64_t end = uint64_t(ph.p_paddr) + memsz;
    if (ph.p_paddr < lo || end > hi) {
      kprintf("kexec: segment 0x%08x-0x%08llx is outside [0x%08x, 0x%08llx]\n", ph.p_paddr,
              end - 1, lo, hi - 1);
      return false;
    }
    if (!s->add(elf.file + ph.p_offset, ph.p_filesz, ph.p_paddr, memsz)) return false;
    if (end > *top) *top = static_cast<uint32_t>(end);
  }
  if (s->count == 0) {
    kprintf("kexec: %s: no PT_LOAD to load\n", elf.ehdr ? "file" : "?");
    return false;
  }
  return true;
}

void do_load(const KexecOptions& o) {
  bool preserve = o.action == Action::LoadPreserveContext;
  if (o.file && is_device_path(o.file)) {
    // Seed step 9: a hibernation image on a partition (hibernate/image_loader.cpp).
    if (preserve || !o.args_none || o.append || o.initrd) {
      kprintf("kexec: %s: a hibernation image is loaded with -l --args-none [--entry=ADDR]\n", o.file);
      return;
    }
    hibernate_kexec_load(o.file, o.has_entry, o.entry);
    return;
  }
  if (preserve && !o.has_mem_max) {
    kprintf("Please specify memory range used by kexeced kernel to preserve the context of "
            "original kernel with --mem-max\n");
    return;
  }
  if (!o.file) {
    kprintf("kexec: no file to load\n");
    return;
  }
  uint32_t win_start = preserve ? page_up(o.mem_min) : 0;
  uint64_t win_end = preserve ? (o.mem_max + 1) & ~uint64_t(PAGE_SIZE - 1) : 0x100000000ull;
  if (preserve && (win_end <= win_start || win_end > 0x100000000ull)) {
    kprintf("kexec: empty or bad window [0x%llx, 0x%llx]\n", o.mem_min, o.mem_max);
    return;
  }

  LoadedFile file, initrd;
  SegmentList& s = g_segments;
  s.count = 0;
  ElfImage elf{};
  uint32_t top = 0, entry = 0;
  bool ok = read_file(o.file, &file) &&
            elf_parse(o.file, file.data(), file.size, o.args_none, &elf) &&
            add_elf_segments(elf, win_start, win_end, &s, &top);
  if (ok && !o.args_none && !has_multiboot_header(file.data(), file.size)) {
    kprintf("kexec: %s: not a Multiboot kernel (use --args-none for a plain program)\n", o.file);
    ok = false;
  }

  if (ok && o.args_none) {
    entry = elf.ehdr->e_entry;  // 0 for a core file: then --entry says where to go
  } else if (ok) {
    // Multiboot info, then purgatory, then the module, in the pages after the kernel.
    uint32_t mbi_base = page_up(top);
    uint32_t purgatory_base = mbi_base + PAGE_SIZE;
    uint32_t next = purgatory_base + PAGE_SIZE;
    MultibootModule module{};
    if (o.initrd) {
      ok = read_file(o.initrd, &initrd);
      module = MultibootModule{next, next + initrd.size, o.initrd};
      next += page_up(initrd.size);
    }
    // The core header goes at the top of the window (kexec-tools allocates it top-down).
    uint32_t core_base = preserve ? static_cast<uint32_t>(win_end) - PAGE_SIZE : 0;
    uint64_t limit = preserve ? core_base : win_end;
    if (ok && (mbi_base + PAGE_SIZE > kEarlyMapLimit || next > limit)) {
      kprintf("kexec: no room for the boot data at 0x%08x (window or first 8 MiB)\n", mbi_base);
      ok = false;
    }
    if (ok) {
      // The loaded kernel is the next one of the jump: its prompt says so (kernel_name()).
      char self = kernel_name();
      ksnprintf(g_cmdline, sizeof g_cmdline, "%s%s%s kjk.kernel=%c", o.file, o.append ? " " : "",
                o.append ? o.append : "", self < 'Z' ? char(self + 1) : 'Z');
      if (preserve)
        ok = append_window_memmap(g_cmdline, sizeof g_cmdline, win_start,
                                  static_cast<uint32_t>(win_end), core_base) &&
             build_preserve_core_header(core_base, win_start, static_cast<uint32_t>(win_end));
    }
    ok = ok && build_multiboot_params(mbi_base, g_cmdline, o.initrd ? &module : nullptr, &g_mbi);
    if (ok) {
      uint32_t blob = static_cast<uint32_t>(purgatory_blob_end - purgatory_blob);
      memset(g_purgatory, 0, sizeof g_purgatory);
      memcpy(g_purgatory, purgatory_blob, blob);
      auto put = [](uint32_t off, uint32_t v) { memcpy(g_purgatory + off, &v, 4); };
      put(PURGATORY_MBI, mbi_base);
      put(PURGATORY_KERNEL_ENTRY, elf.ehdr->e_entry);
      put(PURGATORY_CMDLINE_END, g_mbi.cmdline_end);
      ok = s.add(g_mbi.data, MultibootParams::kSize, mbi_base, PAGE_SIZE) &&
           s.add(g_purgatory, blob, purgatory_base, PAGE_SIZE) &&
           (!o.initrd || s.add(initrd.data(), initrd.size, module.start, page_up(initrd.size))) &&
           (!preserve || s.add(g_core.data, g_core.size, core_base, PAGE_SIZE));
      entry = purgatory_base;
    }
  }
  if (ok) {
    if (o.has_entry) entry = o.entry;
    if (preserve) add_backup_segments(&s, win_start, static_cast<uint32_t>(win_end));
    s.sort();
    print_segments(s);
    int err = kexec_load(entry, s.count, s.seg, preserve ? KEXEC_PRESERVE_CONTEXT : 0);
    if (err) {
      print_load_error(err);
    } else {
      KexecImageInfo info = kexec_image_info();
      kprintf("kexec: loaded %s: %u segments, entry 0x%08x%s\n", o.file, s.count, entry,
              preserve ? ", preserve context" : "");
      kprintf("kexec: control page 0x%08x, swap page 0x%08x, %u source pages, %u indirection pages\n",
              info.control_page, info.swap_page, info.source_pages, info.indirection_pages);
    }
  }
  file.release();
  initrd.release();
}

// In the kexec'd kernel: an image that only jumps back. One empty segment {0, 0, 0, 0}: the
// list is [DESTINATION 0, DONE], nothing is swapped, and entry = A's re-entry point.
void do_load_jump_back_helper(const KexecOptions& o) {
  if (!o.has_entry || o.entry == 0) {
    kprintf("kexec: please specify the jump back entry with --entry\n");
    return;
  }
  if (kexec_image_info().loaded) {
    kprintf("kexec: an image is already loaded: make sure you are in kexeced kernel\n");
    return;
  }
  KexecSegment empty{nullptr, 0, 0, 0};
  int err = kexec_load(o.entry, 1, &empty, KEXEC_PRESERVE_CONTEXT);
  if (err) print_load_error(err);
  else kprintf("kexec: jump back helper loaded, entry 0x%08x\n", o.entry);
}

uint32_t test_flags(const KexecOptions& o) {
  return KEXEC_PRESERVE_CONTEXT | (o.partial ? KEXEC_PARTIAL : 0);
}

void report_test_load(int err, uint32_t count) {
  if (err) print_load_error(err);
  else if (count == 0 && kexec_partial_open() == false && strcmp(kexec_error_detail(), "ok") != 0)
    kprintf("kexec: %s\n", kexec_error_detail());
  else if (kexec_partial_open())
    kprintf("kexec: part loaded (%u segments); the image stays open\n", count);
  else
    kprintf("kexec: test image loaded (%u segments, no entry point)\n", count);
}

// --test-segments=N: N one-page segments of zeroes from 16 MiB up, to probe kexec_load's limit.
void do_test_segments(const KexecOptions& o) {
  SegmentList& s = g_segments;
  s.count = 0;
  for (uint32_t i = 0; i < o.test_segments && i < kMaxSegments; ++i)
    s.add(nullptr, 0, 0x01000000 + i * PAGE_SIZE, PAGE_SIZE);
  int err = kexec_load(o.has_entry ? o.entry : 0, o.test_segments, s.seg, test_flags(o));
  report_test_load(err, o.test_segments);
}

// --test-load=MEM+MEMSZ[/BUFSZ][@SRC],...: segments exactly as given, data taken from our
// memory at physical SRC (default 0).
void do_test_load(const KexecOptions& o) {
  SegmentList& s = g_segments;
  s.count = 0;
  const char* p = o.test_load;
  while (*p) {
    uint64_t mem, memsz, bufsz = 0;
    const char* end;
    if (!parse_u64(p, &mem, &end) || *end != '+' || !parse_u64(end + 1, &memsz, &end)) {
      kprintf("kexec: --test-load: expected MEM+MEMSZ[/BUFSZ] at '%s'\n", p);
      return;
    }
    if (*end == '/' && !parse_u64(end + 1, &bufsz, &end)) {
      kprintf("kexec: --test-load: bad BUFSZ at '%s'\n", p);
      return;
    }
    uint64_t src = 0;  // @SRC: the data is our memory from physical SRC on
    if (*end == '@' && !parse_u64(end + 1, &src, &end)) {
      kprintf("kexec: --test-load: bad @SRC at '%s'\n", p);
      return;
    }
    if (src + bufsz > direct_map_size()) {
      kprintf("kexec: --test-load: data 0x%llx+0x%llx is beyond our RAM\n", src, bufsz);
      return;
    }
    if (!s.add(phys_to_virt(static_cast<uint32_t>(src)), static_cast<uint32_t>(bufsz),
               static_cast<uint32_t>(mem), static_cast<uint32_t>(memsz)))
      return;
    p = *end == ',' ? end + 1 : end;
    if (*end && *end != ',') {
      kprintf("kexec: --test-load: unexpected '%s'\n", end);
      return;
    }
  }
  print_segments(s);
  int err = kexec_load(o.has_entry ? o.entry : 0, s.count, s.seg, test_flags(o));
  report_test_load(err, s.count);
}

void do_exec() {
  int err = kernel_kexec();
  if (err) kprintf("kexec: kernel_kexec failed: %s (%s)\n", errno_name(err), kexec_error_detail());
}

void do_unload() {
  int err = kexec_load(0, 0, nullptr, 0);
  if (err) print_load_error(err);
  else kprintf("kexec: unloaded\n");
}

void do_status() {
  if (kexec_partial_open()) kprintf("kexec: an image is being loaded in parts (not closed)\n");
  KexecImageInfo info = kexec_image_info();
  if (!info.loaded) {
    kprintf("kexec: no image loaded\n");
    return;
  }
  kprintf("kexec: image loaded: entry 0x%08x, %u segments%s\n", info.start, info.nr_segments,
          info.preserve_context ? ", preserve context" : "");
  if (info.calls > 1)
    kprintf("kexec: built by %u kexec_load calls; at its close %u pages and %u indirection pages "
            "moved off later destinations\n",
            info.calls, info.settled_pages, info.settled_indirection_pages);
  kprintf("kexec: control page 0x%08x, swap page 0x%08x, %u source pages, %u indirection pages\n",
          info.control_page, info.swap_page, info.source_pages, info.indirection_pages);
}

}  // namespace

void cmd_kexec(const CommandLine& cl) {
  KexecOptions o;
  if (!parse_kexec_options(cl, &o)) return;
  switch (o.action) {
    case Action::Load:
    case Action::LoadPreserveContext: do_load(o); break;
    case Action::LoadJumpBackHelper: do_load_jump_back_helper(o); break;
    case Action::Exec: do_exec(); break;
    case Action::Unload: do_unload(); break;
    case Action::TestSegments: do_test_segments(o); break;
    case Action::TestLoad: do_test_load(o); break;
    case Action::Status: do_status(); break;
  }
}

}  // namespace kjump
