#include "machine/kexec/audit.h"

#include <algorithm>
#include <map>

#include "abi/kexec_control_page.h"
#include "base/hex.h"
#include "emu/engine.h"
#include "machine/device.h"

namespace kjump {
namespace {

constexpr uint32_t kPageOffset = 0xC0000000u;  // Linux's default 3G/1G split

// "0x00123000-0x00125fff" for a run of pages.
std::string page_range(uint32_t first, uint32_t last) {
  return hex32(uint64_t(first) << 12) + "-" + hex32((uint64_t(last) << 12) | 0xfff);
}

}  // namespace

KexecAudit::KexecAudit(Engine& engine, std::vector<Device*> devices)
    : engine_(engine), devices_(std::move(devices)) {
  engine_.set_paging_watch([this](bool paging, uint32_t eip) { on_paging(paging, eip); });
}

void KexecAudit::add(const std::string& kind, const std::string& text) {
  findings_.push_back({engine_.now(), engine_.retired(), kind, text});
}

bool KexecAudit::looks_like_control_page(uint32_t page) const {
  const GuestRam& ram = engine_.ram();
  uint64_t pa = uint64_t(page) << 12;
  if (!ram.contains(pa, KEXEC_CONTROL_PAGE_SIZE)) return false;
  // The data area of abi/kexec_control_page.h, as relocate_kernel left it.
  uint32_t va = ram.read32(pa + CP_VA_CONTROL_PAGE);
  uint32_t swap = ram.read32(pa + CP_PA_SWAP_PAGE);
  uint32_t head = ram.read32(pa + CP_PA_BACKUP_PAGES_MAP);  // the indirection list's head entry
  if (swap == 0 || (swap & 0xfff) || !ram.contains(swap, 0x1000)) return false;
  if (!(head & (IND_INDIRECTION | IND_DONE))) return false;
  // The page's own kernel virtual address must lead back to it through the kernel's own page
  // tables, the CR0/CR3/CR4 relocate_kernel saved beside it: any PAGE_OFFSET, PAE or not.
  // Those tables may be swapped out while the peer runs (a kernel inside the peer's window),
  // so the classic direct map (PAGE_OFFSET 0xC0000000) is taken as well.
  if (va == uint32_t(pa) + kPageOffset) return true;
  const PagingRegs saved{ram.read32(pa + CP_CR0), ram.read32(pa + CP_CR3), ram.read32(pa + CP_CR4)};
  if (!(saved.cr0 & 0x80000000u) || (va & 0xfff)) return false;
  Translation t = translate(ram, saved, va, Access::Read, false);
  return t.ok && (t.pa >> 12) == page;
}

bool KexecAudit::read_image(uint32_t control_page, ImagePages& out) const {
  if (!looks_like_control_page(control_page)) return false;
  const GuestRam& ram = engine_.ram();
  uint64_t pa = uint64_t(control_page) << 12;
  out.control = control_page;
  out.swap = ram.read32(pa + CP_PA_SWAP_PAGE) >> 12;
  // The swap walk of relocate_kernel, done on the host: the same list serves both directions.
  uint32_t entry = ram.read32(pa + CP_PA_BACKUP_PAGES_MAP);
  uint64_t ptr = 0;  // where the next entry is read, once inside an indirection page
  uint32_t dest = 0;
  for (unsigned guard = 0; guard < (1u << 22); ++guard) {
    if (entry & IND_DESTINATION) {
      dest = entry & ~0xfffu;
    } else if (entry & IND_INDIRECTION) {
      ptr = entry & ~0xfffu;
      if (!ram.contains(ptr, 0x1000)) return false;
      out.indirection.insert(uint32_t(ptr >> 12));
      entry = ram.read32(ptr);
      ptr += 4;
      continue;
    } else if (entry & IND_DONE) {
      return true;
    } else if (entry & IND_SOURCE) {
      out.source.insert(entry >> 12);
      out.destination.insert(dest >> 12);
      dest += 0x1000;
    }
    if (!ptr || !ram.contains(ptr, 4)) return false;
    entry = ram.read32(ptr);
    ptr += 4;
  }
  return false;
}

void KexecAudit::quiesce_audit(uint32_t control_page) {
  std::vector<std::string> notes;
  for (Device* d : devices_) {
    notes.clear();
    d->audit_quiesce(notes);
    // Devices name themselves in their notes ("uart: interrupts enabled (IER=0x01)").
    for (auto& n : notes) add("quiesce", n + ", at the jump from control page " + hex32(uint64_t(control_page) << 12));
  }
}

void KexecAudit::on_paging(bool paging, uint32_t eip) {
  Engine& e = engine_;
  if (!paging) {
    uint32_t page = eip >> 12;
    if (looks_like_control_page(page)) {
      ++jumps_;
      last_jump_ = mark(page);
      quiesce_audit(page);
      known_control_pages_.insert(page);
    }
    // Forbid everything outside the pages the known images may touch.
    std::set<uint32_t> allowed;
    for (uint32_t cp : known_control_pages_) {
      ImagePages img;
      if (!read_image(cp, img)) continue;
      allowed.insert(img.control);
      allowed.insert(img.swap);
      allowed.insert(img.indirection.begin(), img.indirection.end());
      allowed.insert(img.source.begin(), img.source.end());
      allowed.insert(img.destination.begin(), img.destination.end());
    }
    AccessAuditSpec spec;
    spec.forbidden.assign(size_t(e.ram().size() >> 12), 1);
    for (uint32_t p : allowed)
      if (p < spec.forbidden.size()) spec.forbidden[p] = 0;
    // Only code in a control page is the trampoline; purgatory, a physical-mode routine or the
    // next kernel's first instructions are not judged.
    spec.judged = [this](uint32_t page) { return looks_like_control_page(page); };
    e.clear_audited_accesses();
    e.set_access_audit(std::move(spec));
    in_phase_ = true;
    return;
  }
  if (in_phase_ && looks_like_control_page(eip >> 12)) {
    last_return_ = mark(eip >> 12);
    check_paging_mode(eip);
  }
  if (in_phase_) {
    e.set_access_audit(std::nullopt);
    analyse_phase();
    in_phase_ = false;
  }
}

void KexecAudit::analyse_phase() {
  // The first access of each kind (code page, page, read/write) to a forbidden page, in
  // execution order, each with its address, size, EIP and instruction count.
  const std::vector<AuditedAccess>& acc = engine_.audited_accesses();
  std::set<uint32_t> ran;  // code pages that touched forbidden pages
  for (const AuditedAccess& a : acc) ran.insert(a.code_page);
  // Every control page that ran code in this phase contributes its image's pages.
  std::set<uint32_t> allowed;
  std::vector<uint32_t> control_pages;  // ascending: deterministic report order
  std::set<uint32_t> candidates(known_control_pages_);
  candidates.insert(ran.begin(), ran.end());
  for (uint32_t code_page : candidates) {
    ImagePages img;
    if (!read_image(code_page, img)) continue;
    if (ran.count(code_page)) control_pages.push_back(code_page);
    allowed.insert(img.control);
    allowed.insert(img.swap);
    allowed.insert(img.indirection.begin(), img.indirection.end());
    allowed.insert(img.source.begin(), img.source.end());
    allowed.insert(img.destination.begin(), img.destination.end());
  }
  if (!known_control_pages_.empty()) ++phases_;  // a stretch in which a trampoline may have run
  for (uint32_t cp : control_pages) {
    for (bool write : {false, true}) {
      std::map<uint32_t, const AuditedAccess*> first;  // offending page -> its first access
      for (const AuditedAccess& a : acc)
        if (a.code_page == cp && a.write == write && !allowed.count(a.addr >> 12)) first.emplace(a.addr >> 12, &a);
      // Runs of offending pages, reported as ranges, each at the earliest access in it.
      for (auto it = first.begin(); it != first.end();) {
        uint32_t lo = it->first, hi = lo;
        const AuditedAccess* earliest = it->second;
        for (++it; it != first.end() && it->first == hi + 1; ++it) {
          hi = it->first;
          earliest = std::min(earliest, it->second);  // same vector: lower address = earlier
        }
        findings_.push_back({earliest->time, earliest->retired, "trampoline",
                             std::string("code in control page ") + hex32(uint64_t(cp) << 12) +
                                 (write ? " wrote " : " read ") + page_range(lo, hi) +
                                 ", outside its control, swap, indirection, source and destination pages; first " +
                                 std::to_string(earliest->size) + " byte(s) at " + hex32(earliest->addr) +
                                 " by the instruction at " + hex32(earliest->eip) + describe_insn(earliest->eip)});
      }
    }
  }
}

std::string KexecAudit::describe_insn(uint32_t pa) const {
  // The trampoline runs with paging off: its EIP is the physical address of its code.
  uint8_t bytes[16];
  if (!engine_.ram().read_phys(pa, bytes, sizeof bytes)) return "";
  auto insn = engine_.disassembler().decode(bytes, sizeof bytes, pa);
  if (!insn) return "";
  return " (control page offset " + hex(pa & 0xfff) + ": " + insn->mnemonic + (insn->operands.empty() ? "" : " ") +
         insn->operands + ")";
}

void KexecAudit::check_paging_mode(uint32_t eip) {
  // relocate_kernel switches paging back on with CR3 = the transition tables it built in the
  // kernel's own format. The format is the kernel's: PAE when the CR4 it saved at 0x80C has
  // PAE. Switching on with another CR4.PAE walks those tables in the wrong format.
  const GuestRam& ram = engine_.ram();
  const uint64_t pa = uint64_t(eip >> 12) << 12;
  const uint32_t saved_cr4 = ram.read32(pa + CP_CR4), cr4 = engine_.reg(Reg::CR4);
  const bool saved_pae = saved_cr4 & (1u << 5), pae = cr4 & (1u << 5);
  if (saved_pae == pae) return;
  add("trampoline", "code in control page " + hex32(pa) + " set CR0.PG (paging back on, the instruction before " +
                        hex32(eip) + ") with CR3 " + hex32(engine_.reg(Reg::CR3)) + " holding page tables in " +
                        (saved_pae ? "PAE" : "2-level") + " format (the kernel's saved CR4 " + hex32(saved_cr4) +
                        ") while CR4.PAE is " + (pae ? "1" : "0") + " (CR4 " + hex32(cr4) +
                        "): the CPU walks them as " + (pae ? "PAE" : "2-level") + " tables; CR4 must be restored first");
}

void KexecAudit::analyse_open_phase() {
  // The run ended (a fault) with paging still off: what the trampoline did so far is all
  // there will be.
  if (!in_phase_) return;
  // Paging may have come on in the very block that faulted: with the transition tables walked
  // in the wrong format the fetch after `mov cr0` faults, and the paging watch, which runs
  // between blocks, never saw paging on. CR0 says so, and the first fault's EIP (a physical
  // address still, in the identity-mapped control page) is where paging came on.
  const Engine::FaultChain& chain = engine_.last_fault_chain();
  if ((engine_.reg(Reg::CR0) & 0x80000000u) && !chain.links.empty()) {
    on_paging(true, chain.links.front().eip);
    return;
  }
  engine_.set_access_audit(std::nullopt);
  analyse_phase();
  in_phase_ = false;
  add("trampoline", "the run ended with paging still off, in the stretch that began at the jump from control page " +
                        (last_jump_ ? hex32(uint64_t(last_jump_->control_page) << 12) : std::string("?")) +
                        " (its accesses so far are analysed above)");
}

KexecAudit::Mark KexecAudit::mark(uint32_t control_page) const {
  const auto g = engine_.gdtr(), i = engine_.idtr();
  return {engine_.retired(), control_page, g.base, g.limit, i.base, i.limit, uint16_t(engine_.reg(Reg::CS))};
}

std::vector<std::string> KexecAudit::explain_fault() const {
  std::vector<std::string> out;
  const Engine::FaultChain& chain = engine_.last_fault_chain();
  if (!last_jump_ || chain.links.empty() || chain.retired < last_jump_->retired) return out;
  const auto g = engine_.gdtr();
  // An error code (#TS, #NP, #SS, #GP) naming an IDT gate (bit 1) the live IDT cannot hold.
  const auto idt = engine_.idtr();
  for (const auto& l : chain.links) {
    if (!(l.has_error && l.vector >= 10 && l.vector <= 13 && (l.error & 2))) continue;
    const uint32_t vec = (l.error >> 3) & 0xff;
    if (vec * 8 + 7 <= idt.limit) continue;
    out.push_back("vector " + hex(vec) + "'s gate is beyond the live IDT (IDTR base " + hex32(idt.base) + ", limit " +
                  hex(idt.limit) + "): no exception can be delivered");
    const Mark& j = *last_jump_;
    if (idt.base == j.idt_base && idt.limit == j.idt_limit) {
      out.push_back("the IDT was invalidated before the kexec jump: IDTR already held base " + hex32(j.idt_base) +
                    ", limit " + hex(j.idt_limit) + " at the jump from control page " +
                    hex32(uint64_t(j.control_page) << 12) + " at instruction " + std::to_string(j.retired));
      if (last_return_ && last_return_->retired > j.retired && last_return_->idt_base == idt.base &&
          last_return_->idt_limit == idt.limit)
        out.push_back("and it was not reloaded yet on the way back: IDTR is unchanged since the return into control page " +
                      hex32(uint64_t(last_return_->control_page) << 12) + " (paging back on at instruction " +
                      std::to_string(last_return_->retired) + "), " +
                      std::to_string(chain.retired - last_return_->retired) + " instructions before the fault");
    }
    break;
  }
  // A selector error code (#TS, #NP, #SS, #GP with a GDT selector, not an IDT gate) the live
  // GDT cannot hold.
  const Engine::ChainLink* bad = nullptr;
  for (const auto& l : chain.links) {
    const uint32_t sel = l.error & 0xfffc;
    if (l.has_error && l.vector >= 10 && l.vector <= 13 && sel && !(l.error & 6) && (sel | 7) > g.limit) {
      bad = &l;
      break;
    }
  }
  if (!bad) return out;
  const uint32_t sel = bad->error & 0xfffc;
  out.push_back("selector " + hex(sel) + " is beyond the live GDT (GDTR base " + hex32(g.base) + ", limit " + hex(g.limit) +
                "): every segment load and every exception delivery faults");
  const Mark& j = *last_jump_;
  if (g.base == j.gdt_base && g.limit == j.gdt_limit) {
    std::string line = "the GDT was invalidated before the kexec jump: GDTR already held base " + hex32(j.gdt_base) +
                       ", limit " + hex(j.gdt_limit) + " at the jump from control page " +
                       hex32(uint64_t(j.control_page) << 12) + " at instruction " + std::to_string(j.retired);
    if ((uint32_t(j.cs) | 7) > j.gdt_limit) line += " (too small for the CS " + hex(j.cs) + " it jumped with)";
    out.push_back(line);
    if (last_return_ && last_return_->retired > j.retired && last_return_->gdt_base == g.base &&
        last_return_->gdt_limit == g.limit)
      out.push_back("and it was never reloaded on the way back: GDTR is unchanged since the return into control page " +
                    hex32(uint64_t(last_return_->control_page) << 12) + " (paging back on at instruction " +
                    std::to_string(last_return_->retired) + "), " + std::to_string(chain.retired - last_return_->retired) +
                    " instructions before the fault");
  }
  return out;
}

std::vector<std::string> KexecAudit::summary() const {
  std::vector<std::string> out;
  if (findings_.empty()) {
    out.push_back("no findings (" + std::to_string(jumps_) + " kexec jumps, " + std::to_string(phases_) +
                  " trampoline runs audited)");
    return out;
  }
  for (auto& f : findings_)
    out.push_back(f.kind + " at instruction " + std::to_string(f.retired) + ": " + f.text);
  return out;
}

}  // namespace kjump
