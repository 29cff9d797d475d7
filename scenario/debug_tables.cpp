// Descriptor tables, page tables and the kexec image, as text (debug_tables.h).
#include "scenario/debug_tables.h"

#include <cstdio>

#include "abi/kexec_control_page.h"
#include "base/hex.h"
#include "base/quantity.h"
#include "emu/state.h"

namespace kjump::scenario {
namespace {

std::optional<uint32_t> rd32v(Machine& m, uint32_t va) {
  uint8_t b[4];
  if (!m.engine().read_virt(va, b, 4)) return std::nullopt;
  return uint32_t(b[0] | b[1] << 8 | b[2] << 16 | uint32_t(b[3]) << 24);
}

std::optional<uint64_t> rdphys(const Machine& m, uint64_t pa, unsigned n) {
  const GuestRam& ram = const_cast<Machine&>(m).engine().ram();
  if (pa + n > ram.size()) return std::nullopt;
  uint64_t v = 0;
  for (unsigned i = 0; i < n; ++i) v |= uint64_t(ram.data()[pa + i]) << (8 * i);
  return v;
}

std::string sym_of(const Machine& m, uint32_t a) {
  std::string s = m.symbolize(a);
  return s.empty() ? "" : " <" + s + ">";
}

struct Descriptor {
  uint32_t base = 0, limit = 0;
  uint8_t access = 0, flags = 0;
};

Descriptor decode(const uint8_t* d) {
  Descriptor x;
  x.base = d[2] | d[3] << 8 | d[4] << 16 | uint32_t(d[7]) << 24;
  x.limit = d[0] | d[1] << 8 | (d[6] & 0xf) << 16;
  x.flags = d[6] >> 4;
  if (x.flags & 8) x.limit = x.limit << 12 | 0xfff;
  x.access = d[5];
  return x;
}

std::string system_type(uint8_t type) {
  switch (type) {
    case 0x1: return "tss16 available";
    case 0x2: return "ldt";
    case 0x3: return "tss16 busy";
    case 0x9: return "tss32 available";
    case 0xb: return "tss32 busy";
    case 0x4: return "call-gate16";
    case 0xc: return "call-gate32";
    case 0x5: return "task-gate";
    case 0x6: return "int-gate16";
    case 0x7: return "trap-gate16";
    case 0xe: return "int-gate32";
    case 0xf: return "trap-gate32";
  }
  return "reserved type " + std::to_string(type);
}

uint32_t tr_selector(Machine& m) {
  for (const InspectedField& f : inspect_state(m.engine().cpu_state()))
    if (f.name == "cpu.tr") return uint32_t(parse_number(f.value));
  return 0;
}

std::string flag_text(uint32_t flags, bool reserved) {
  std::string s;
  s += (flags & pte::kWritable) ? "rw" : "r-";
  s += (flags & pte::kUser) ? " user" : " kernel";
  if (flags & pte::kAccessed) s += " A";
  if (flags & pte::kDirty) s += " D";
  if (reserved) s += " RESERVED-BITS";
  return s;
}

std::string size_text(uint8_t bits) { return bits == 22 ? "4M" : bits == 21 ? "2M" : "4K"; }

}  // namespace

std::vector<std::string> view_gdt(Machine& m) {
  Engine& e = m.engine();
  auto g = e.gdtr();
  std::vector<std::string> out{"gdtr base " + hex(g.base, 8) + " limit " + hex(g.limit, 4)};
  for (uint32_t off = 8; off + 7 <= g.limit && off < 0x10000; off += 8) {
    uint8_t d[8];
    if (!e.read_virt(g.base + off, d, 8)) {
      out.push_back(hex(off, 4) + "  (not readable)");
      break;
    }
    Descriptor x = decode(d);
    if (!(x.access & 0x80) && x.base == 0 && x.limit == 0) continue;  // an empty slot
    std::string kind = (x.access & 0x10) ? ((x.access & 8) ? std::string("code") + ((x.access & 2) ? " r" : "") +
                                                                 ((x.flags & 4) ? " 32-bit" : " 16-bit")
                                                           : std::string("data") + ((x.access & 2) ? " w" : ""))
                                         : system_type(x.access & 0xf);
    char buf[160];
    std::snprintf(buf, sizeof buf, "%04x  base %08x limit %08x dpl %u %s%s", off, x.base, x.limit,
                  (x.access >> 5) & 3, kind.c_str(), (x.access & 0x80) ? "" : " not-present");
    out.push_back(buf);
  }
  return out;
}

std::vector<std::string> view_idt(Machine& m) {
  Engine& e = m.engine();
  auto t = e.idtr();
  std::vector<std::string> out{"idtr base " + hex(t.base, 8) + " limit " + hex(t.limit, 4)};
  unsigned absent = 0;
  for (uint32_t v = 0; v < 256 && v * 8 + 7 <= t.limit; ++v) {
    uint8_t d[8];
    if (!e.read_virt(t.base + v * 8, d, 8)) {
      out.push_back(hex(v, 2) + "  (not readable)");
      break;
    }
    if (!(d[5] & 0x80)) {
      ++absent;
      continue;
    }
    uint32_t off = d[0] | d[1] << 8 | d[6] << 16 | uint32_t(d[7]) << 24;
    uint16_t sel = uint16_t(d[2] | d[3] << 8);
    char buf[96];
    std::snprintf(buf, sizeof buf, "%02x  %-12s sel %04x dpl %u  ", v, system_type(d[5] & 0xf).c_str(), sel,
                  (d[5] >> 5) & 3);
    out.push_back(std::string(buf) + ((d[5] & 0xf) == 5 ? "(task gate)" : hex(off, 8) + sym_of(m, off)));
  }
  if (absent) out.push_back(std::to_string(absent) + " vector(s) not present");
  return out;
}

std::vector<std::string> view_tss(Machine& m) {
  Engine& e = m.engine();
  uint32_t tr = tr_selector(m);
  auto g = e.gdtr();
  uint8_t d[8];
  if ((tr & ~7u) == 0 || (tr & 4) || (tr & ~7u) + 7 > g.limit || !e.read_virt(g.base + (tr & ~7u), d, 8))
    return {"tr " + hex(tr, 4) + ": no TSS (null or outside the GDT)"};
  Descriptor x = decode(d);
  std::vector<std::string> out{"tr " + hex(tr, 4) + "  " + system_type(x.access & 0xf) + " base " + hex(x.base, 8) +
                               " limit " + hex(x.limit, 8)};
  static const struct {
    const char* name;
    unsigned off;
    bool word;
  } kFields[] = {{"link", 0, true}, {"esp0", 4, false}, {"ss0", 8, true},   {"esp1", 12, false}, {"ss1", 16, true},
                 {"esp2", 20, false}, {"ss2", 24, true}, {"cr3", 28, false}, {"eip", 32, false}, {"eflags", 36, false},
                 {"eax", 40, false}, {"ecx", 44, false}, {"edx", 48, false}, {"ebx", 52, false}, {"esp", 56, false},
                 {"ebp", 60, false}, {"esi", 64, false}, {"edi", 68, false}, {"es", 72, true},   {"cs", 76, true},
                 {"ss", 80, true},   {"ds", 84, true},   {"fs", 88, true},   {"gs", 92, true},   {"ldt", 96, true}};
  for (const auto& f : kFields) {
    auto v = rd32v(m, x.base + f.off);
    if (!v) {
      out.push_back(std::string(f.name) + ": not readable");
      break;
    }
    char buf[64];
    std::snprintf(buf, sizeof buf, "%-7s %s", f.name, (f.word ? hex(*v & 0xffff, 4) : hex(*v, 8)).c_str());
    out.push_back(buf);
  }
  if (auto v = rd32v(m, x.base + 100)) out.push_back("iomap   " + hex(*v >> 16, 4) + (*v & 1 ? " (T)" : ""));
  return out;
}

std::vector<std::string> view_translate(Machine& m, uint32_t va) {
  Engine& e = m.engine();
  PagingRegs r = e.paging();
  if (!(r.cr0 & 0x80000000u)) return {hex(va, 8) + " -> physical " + hex(va, 8) + " (paging off: identity)"};
  Translation t = translate(e.ram(), r, va);
  if (!t.ok) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "0x%x", t.error_code);
    return {hex(va, 8) + ": not mapped (a read would fault: #PF error code " + buf + ")"};
  }
  return {hex(va, 8) + sym_of(m, va) + " -> physical " + hex(t.pa, 8) + " (" + size_text(t.page_bits) + " page, " +
          flag_text(t.flags, false) + ")"};
}

std::vector<std::string> view_pagetables(Machine& m, std::optional<uint32_t> va) {
  Engine& e = m.engine();
  PagingRegs r = e.paging();
  const bool pae = r.cr4 & 0x20, pse = r.cr4 & 0x10;
  std::vector<std::string> out;
  if (!(r.cr0 & 0x80000000u)) return {"paging off (CR0.PG clear): linear = physical"};
  out.push_back(std::string(pae ? "PAE" : pse ? "2-level, PSE" : "2-level") + " paging, cr3 " + hex(r.cr3, 8));
  if (va) {
    // Level by level, as the CPU reads them (entries shown as they are in memory).
    auto entry = [&](const char* level, uint64_t at, unsigned idx, unsigned size) -> std::optional<uint64_t> {
      auto v = rdphys(m, at, size);
      char buf[128];
      if (!v) {
        std::snprintf(buf, sizeof buf, "%s[%u] at %s: outside RAM", level, idx, hex(at, 8).c_str());
        out.push_back(buf);
        return std::nullopt;
      }
      std::snprintf(buf, sizeof buf, "%s[%u] at %s = %s%s", level, idx, hex(at, 8).c_str(),
                    hex(*v, size * 2).c_str(), (*v & 1) ? "" : " (not present)");
      out.push_back(buf);
      return (*v & 1) ? v : std::nullopt;
    };
    const uint32_t a = *va;
    if (pae) {
      auto pdpte = entry("pdpte", (r.cr3 & ~0x1fu) + (a >> 30) * 8, a >> 30, 8);
      if (pdpte) {
        auto pde = entry("pde", (*pdpte & 0xFFFFFFFFF000ull) + ((a >> 21) & 511) * 8, (a >> 21) & 511, 8);
        if (pde && !(*pde & 0x80)) entry("pte", (*pde & 0xFFFFFFFFF000ull) + ((a >> 12) & 511) * 8, (a >> 12) & 511, 8);
      }
    } else {
      auto pde = entry("pde", (r.cr3 & ~0xfffu) + (a >> 22) * 4, a >> 22, 4);
      if (pde && !((*pde & 0x80) && pse)) entry("pte", (*pde & ~0xfffull) + ((a >> 12) & 1023) * 4, (a >> 12) & 1023, 4);
    }
    for (const std::string& l : view_translate(m, a)) out.push_back(l);
    return out;
  }
  // The whole map: runs of pages contiguous in both spaces with the same flags.
  struct Run {
    uint64_t lin = 0, pa = 0, len = 0;
    uint32_t flags = 0;
    uint8_t bits = 12;
    bool reserved = false;
  };
  std::optional<Run> run;
  size_t runs = 0;
  auto flush = [&] {
    if (!run) return;
    ++runs;
    if (out.size() < 4097) {
      char buf[160];
      std::snprintf(buf, sizeof buf, "%08llx-%08llx -> %09llx-%09llx  %s %s", (unsigned long long)run->lin,
                    (unsigned long long)(run->lin + run->len - 1), (unsigned long long)run->pa,
                    (unsigned long long)(run->pa + run->len - 1), size_text(run->bits).c_str(),
                    flag_text(run->flags, run->reserved).c_str());
      out.push_back(buf);
    }
  };
  const uint32_t keep = pte::kWritable | pte::kUser;  // A/D differ page by page: not a new run
  for_each_mapping(e.ram(), r, [&](const Mapping& mp) {
    uint64_t len = 1ull << mp.page_bits;
    if (run && run->lin + run->len == mp.linear && run->pa + run->len == mp.pa && (run->flags & keep) == (mp.flags & keep) &&
        run->bits == mp.page_bits && run->reserved == mp.reserved) {
      run->len += len;
      return;
    }
    flush();
    run = Run{mp.linear, mp.pa, len, mp.flags, mp.page_bits, mp.reserved};
  });
  flush();
  if (runs > 4096) out.push_back("... " + std::to_string(runs - 4096) + " more run(s)");
  out.push_back(std::to_string(runs) + " run(s) of mappings");
  return out;
}

// ---- info kexec ----

namespace {

// struct Kimage of guest/kernel/kexec/kimage.h on i386 (all fields 4 bytes; `preserve_context`
// a bool in a 4-byte slot). Offsets, since the host has no DWARF reader: pinned by the
// debug_output tests, which print every field.
namespace kimage {
constexpr unsigned kHead = 0, kStart = 16, kControl = 20, kSwap = 24, kPgd = 28, kNrSegments = 40, kSegment = 44,
                   kPreserve = 56, kFlags = 60, kSourcePages = 68, kIndirectionPages = 72;
}  // namespace kimage

}  // namespace

std::vector<std::string> view_kexec(Machine& m) {
  auto sym = m.symbols().find("g_kexec_image");
  if (!sym) return {"info kexec: the guest kernel has no symbol g_kexec_image"};
  auto ptr = rd32v(m, *sym);
  if (!ptr) return {"info kexec: g_kexec_image at " + hex(*sym, 8) + " is not mapped now (paging off or another kernel?)"};
  if (*ptr == 0) return {"no kexec image loaded (g_kexec_image is NULL)"};
  auto f = [&](unsigned off) { return rd32v(m, *ptr + off); };
  auto start = f(kimage::kStart), control = f(kimage::kControl), swap = f(kimage::kSwap), pgd = f(kimage::kPgd),
       nseg = f(kimage::kNrSegments), seg = f(kimage::kSegment), preserve = f(kimage::kPreserve),
       flags = f(kimage::kFlags), head = f(kimage::kHead);
  if (!start || !control || !swap || !nseg || !seg || !head || !preserve || !flags || !pgd)
    return {"info kexec: struct kimage at " + hex(*ptr, 8) + " is not readable"};
  std::vector<std::string> out;
  out.push_back("kimage at " + hex(*ptr, 8) + ": flags " + hex(*flags, 8) +
                ((*preserve & 0xff) ? " (preserve context: kexec jump)" : " (no preserve context)"));
  out.push_back("start           " + hex(*start, 8) + " (the entry; after a jump, the peer's re-entry point)");
  out.push_back("control page    " + hex(*control, 8));
  out.push_back("swap page       " + hex(*swap, 8));
  out.push_back("transition pgd  " + hex(*pgd, 8));
  if (auto ro = m.symbols().find("kexec_reentry_offset"))
    if (auto off = rd32v(m, *ro)) out.push_back("jump-back entry " + hex(*control + *off, 8) + " (control page + " + hex(*off, 4) + ": kexec_jump_back_entry)");
  out.push_back(std::to_string(*nseg) + " segment(s):");
  for (uint32_t i = 0; i < *nseg && i < 64; ++i) {
    auto buf = rd32v(m, *seg + i * 16), bufsz = rd32v(m, *seg + i * 16 + 4), mem = rd32v(m, *seg + i * 16 + 8),
         memsz = rd32v(m, *seg + i * 16 + 12);
    if (!buf || !bufsz || !mem || !memsz) {
      out.push_back("  (segment table not readable)");
      break;
    }
    char line[128];
    std::snprintf(line, sizeof line, "  [%u] mem %08x-%08x (%u bytes), %u bytes from the buffer", i, *mem,
                  *mem + *memsz - (*memsz ? 1 : 0), *memsz, *bufsz);
    out.push_back(line);
  }
  // The control page's data area (abi/kexec_control_page.h), physical.
  auto cp = [&](unsigned off) { return rdphys(m, uint64_t(*control) + off, 4); };
  auto esp = cp(CP_ESP), cr0 = cp(CP_CR0), cr3 = cp(CP_CR3), cr4 = cp(CP_CR4), vacp = cp(CP_VA_CONTROL_PAGE),
       papgd = cp(CP_PA_PGD), paswap = cp(CP_PA_SWAP_PAGE), backup = cp(CP_PA_BACKUP_PAGES_MAP);
  if (esp && cr0 && cr3 && cr4 && vacp && papgd && paswap && backup) {
    out.push_back("control page data area (written at each jump):");
    out.push_back("  esp " + hex(*esp, 8) + "  cr0 " + hex(*cr0, 8) + "  cr3 " + hex(*cr3, 8) + "  cr4 " + hex(*cr4, 8));
    out.push_back("  va_control_page " + hex(*vacp, 8) + "  pa_pgd " + hex(*papgd, 8) + "  pa_swap_page " +
                  hex(*paswap, 8) + "  pa_backup_pages_map " + hex(*backup, 8));
  }
  // The indirection list from head, as relocate_kernel's swap_pages walks it (physical),
  // runs of consecutive destination/source pages merged.
  out.push_back("indirection list (head " + hex(*head, 8) + "):");
  uint64_t entry_at = 0;
  bool in_page = false;
  uint32_t e = *head, dest = 0, sources = 0, indirections = 0;
  struct Run {
    uint32_t dest, src, pages;
  };
  std::optional<Run> run;
  size_t shown = 0;
  auto flush = [&] {
    if (run && shown++ < 32) {
      char line[96];
      std::snprintf(line, sizeof line, "  %08x-%08x <- %08x (%u page(s))", run->dest, run->dest + run->pages * 4096 - 1,
                    run->src, run->pages);
      out.push_back(line);
    }
    run.reset();
  };
  for (unsigned steps = 0; steps < (1u << 22); ++steps) {
    if (in_page) {
      auto v = rdphys(m, entry_at, 4);
      if (!v) {
        out.push_back("  (entry at " + hex(entry_at, 8) + " outside RAM)");
        break;
      }
      e = uint32_t(*v);
      entry_at += 4;
    }
    const uint32_t page = e & ~0xfffu;
    if (e & IND_DESTINATION) {
      dest = page;
    } else if (e & IND_INDIRECTION) {
      ++indirections;
      entry_at = page;
      in_page = true;
      continue;
    } else if (e & IND_DONE) {
      break;
    } else if (e & IND_SOURCE) {
      ++sources;
      if (run && run->dest + run->pages * 4096 == dest && run->src + run->pages * 4096 == page) {
        ++run->pages;
      } else {
        flush();
        run = Run{dest, page, 1};
      }
      dest += 4096;
    } else if (!in_page) {
      break;  // an empty head: nothing loaded
    }
    if (!in_page) break;
  }
  flush();
  if (shown > 32) out.push_back("  ... " + std::to_string(shown - 32) + " more run(s)");
  out.push_back("  " + std::to_string(sources) + " source page(s), " + std::to_string(indirections) +
                " indirection page(s)");
  return out;
}

}  // namespace kjump::scenario
