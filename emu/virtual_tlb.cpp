// The engine's TLB (UC_TLB_VIRTUAL + fill hook), its hand-over to Unicorn's walker for faults,
// and the trampoline audit on it; see virtual_tlb.h for why, the sticky code-page policy and
// the poison stops.
#include "emu/virtual_tlb.h"

#include <algorithm>
#include <stdexcept>

namespace kjump {
namespace {

constexpr uint32_t kCr0Pg = 1u << 31;
// Poison physical memory: above 4 GiB, where an i386 guest without PAE never maps anything, one
// page per RAM page so that the UNMAPPED hook can tell the page back from the address alone.
constexpr uint64_t kPoisonBase = 1ull << 36;
// The watchpoints' poison pages: slots handed out per (linear, physical) page pair until the
// next flush, above the audit's.
constexpr uint64_t kWatchBase = 1ull << 37;
constexpr size_t kWatchSlots = 4096;

}  // namespace

VirtualTlb::VirtualTlb(uc_engine* uc, GuestRam& ram)
    : uc_(uc), ram_(ram), pages_(uint32_t(ram.size() >> 12)), code_(pages_), wfast_(pages_), judged_(pages_, -1) {
  uc_hook h;
  // The poison hook's bounds keep it off every real page (a bounded UNMAPPED hook does not
  // touch the fast paths, docs/unicorn-fast-paths.md §3).
  if (uc_hook_add(uc_, &h, UC_HOOK_TLB_FILL, reinterpret_cast<void*>(&VirtualTlb::hook_fill), this, 1, 0) !=
          UC_ERR_OK ||
      uc_hook_add(uc_, &h, UC_HOOK_MEM_READ_UNMAPPED | UC_HOOK_MEM_WRITE_UNMAPPED,
                  reinterpret_cast<void*>(&VirtualTlb::hook_poison), this, kPoisonBase,
                  kPoisonBase + (uint64_t(pages_) << 12) - 1) != UC_ERR_OK ||
      uc_hook_add(uc_, &h, UC_HOOK_MEM_READ_UNMAPPED | UC_HOOK_MEM_WRITE_UNMAPPED,
                  reinterpret_cast<void*>(&VirtualTlb::hook_watch), this, kWatchBase,
                  kWatchBase + (uint64_t(kWatchSlots) << 12) - 1) != UC_ERR_OK)
    throw std::runtime_error("virtual TLB: uc_hook_add failed");
  uc_ctl_tlb_mode(uc_, UC_TLB_VIRTUAL);
  reset();
}

void VirtualTlb::reset() {
  ++counters_.resets;
  if (cpu_walk_) {
    cpu_walk_ = false;
    uc_ctl_tlb_mode(uc_, UC_TLB_VIRTUAL);
  }
  // Code marks restart empty, which is safe only when no translated code and no entry survives.
  uc_ctl_flush_tlb(uc_);
  uc_ctl_flush_tb(uc_);
  std::fill(code_.begin(), code_.end(), 0);
  std::fill(wfast_.begin(), wfast_.end(), 0);
  std::fill(fetched_.begin(), fetched_.end(), 0);
  large_ = false;
  fault_ = false;
  poison_hit_ = false;
  code_page_ = ~0u;
  class_ = kNoClass;
  forbidden_granted_ = false;
  watch_hit_ = false;
  watch_slots_.clear();
  uint32_t cr0 = 0;
  uc_reg_read(uc_, UC_X86_REG_CR0, &cr0);
  last_paging_ = cr0 & kCr0Pg;
}

void VirtualTlb::follow(bool paging) {
  if (paging != last_paging_) reset();
}

void VirtualTlb::flush_tlb() {
  uc_ctl_flush_tlb(uc_);
  watch_slots_.clear();
  std::fill(wfast_.begin(), wfast_.end(), 0);
  large_ = false;
  forbidden_granted_ = false;
}

bool VirtualTlb::hook_fill(uc_engine*, uint64_t vaddr, uc_mem_type type, uc_tlb_entry* e, void* self) {
  return static_cast<VirtualTlb*>(self)->fill(uint32_t(vaddr >> 12), type, e);
}

namespace {

int uc_perms(uint8_t p) {
  return ((p & prot::kRead) ? UC_PROT_READ : 0) | ((p & prot::kWrite) ? UC_PROT_WRITE : 0) |
         ((p & prot::kExec) ? UC_PROT_EXEC : 0);
}

}  // namespace

bool VirtualTlb::fill(uint32_t vpage, uc_mem_type type, uc_tlb_entry* e) {
  ++counters_.fills;
  // One call for the four (CS for the privilege: the callback has no mmu_idx, see the header).
  static constexpr int kRegs[4] = {UC_X86_REG_CR0, UC_X86_REG_CR3, UC_X86_REG_CR4, UC_X86_REG_CS};
  PagingRegs r;
  uint32_t cs = 0;
  void* vals[4] = {&r.cr0, &r.cr3, &r.cr4, &cs};
  uc_reg_read_batch(uc_, const_cast<int*>(kRegs), vals, 4);
  const bool fetch = type == UC_MEM_FETCH, write = type == UC_MEM_WRITE;
  const bool paging = r.cr0 & kCr0Pg;
  Translation t = walk(ram_, r, vpage << 12, fetch ? Access::Fetch : write ? Access::Write : Access::Read,
                       (cs & 3) == 3);
  if (!t.ok) {
    // Unicorn stops at the access with nothing of it done; Unicorn's own walker redoes it and
    // raises the #PF with the exact CR2 (take_stop).
    fault_ = true;
    fault_fetch_ = fetch;
    return false;
  }
  if (t.page_bits > 12) {
    large_ = true;
    ++counters_.large_fills;
  }
  const uint64_t ppage = t.pa >> 12;
  e->paddr = ppage << 12;
  if (fetch) fetched_[vpage & (kFetched - 1)] = (uint64_t(vpage) << 32) | kFetchedValid | (ppage & (kFetchedValid - 1));
  if (ppage >= pages_) {
    // Not RAM: Unicorn reports the access as unmapped or MMIO, exactly as on its own walker.
    e->perms = uc_prot(uc_perms(t.prot));
    return true;
  }
  const uint32_t page = uint32_t(ppage);
  int asked_only = UC_PROT_ALL;
  if (!paging && auditing_ && audit_.forbidden[page]) {
    Grant g = fetch ? Grant::Full : audit_grant(page, write);
    if (g == Grant::Poison) {
      e->paddr = kPoisonBase + (uint64_t(page) << 12);
      e->perms = uc_prot(UC_PROT_READ | UC_PROT_WRITE);  // data only: a fetch must fill again
      return true;
    }
    forbidden_granted_ = true;
    // A read must not open the page for writing (X stays: a read entry of a code page may be
    // the one its fetches use), so that a later write comes back here.
    if (g == Grant::AskedOnly && !write) asked_only = UC_PROT_READ | UC_PROT_EXEC;
  }
  if (!watch_.empty() && !watch_grant_) {
    if (uint8_t kinds = watched_kinds(vpage, ppage)) {
      const bool watched = (write && (kinds & prot::kWrite)) || (!write && !fetch && (kinds & prot::kRead));
      if (watched && (t.prot & (write ? prot::kWrite : prot::kRead))) {
        // Only the watched kind of access goes to the poison page; the other kind misses this
        // entry and fills again (a real one), so it never stops.
        if (watch_slots_.size() >= kWatchSlots) flush_tlb();
        e->paddr = kWatchBase + (uint64_t(watch_slots_.size()) << 12);
        watch_slots_.emplace_back(vpage, ppage);
        e->perms = uc_prot(write ? UC_PROT_WRITE : UC_PROT_READ);
        return true;
      }
      // A real entry for the page: without the watched kinds, so that they fill again here.
      if (kinds & prot::kWrite) asked_only &= ~UC_PROT_WRITE;
      if (kinds & prot::kRead) asked_only &= ~UC_PROT_READ;
    }
  }
  if (fetch && !code_[page]) {
    code_[page] = 1;
    if (wfast_[page]) {
      // A fast (W without X) entry may map this page, and it now holds code: no such entry
      // may survive. There is no per-page flush in the API.
      ++counters_.policy_flushes;
      flush_tlb();
    }
  }
  int perms = uc_perms(t.prot) & (code_[page] ? UC_PROT_ALL : UC_PROT_READ | UC_PROT_WRITE) & asked_only;
  if ((perms & UC_PROT_WRITE) && !(perms & UC_PROT_EXEC)) wfast_[page] = 1;
  e->perms = uc_prot(perms);
  return true;
}

void VirtualTlb::after_invlpg() {
  // QEMU would flush its whole TLB for an address inside a tracked large page; this TLB only
  // knows that some entry came from one.
  if (!large_ || cpu_walk_) return;
  ++counters_.invlpg_flushes;
  flush_tlb();
}

bool VirtualTlb::host_may_access(uint32_t first, uint32_t last, bool write) const {
  if (last >= pages_ || first > last || cpu_walk_) return false;
  for (uint32_t p = first; p <= last; ++p)
    if ((write && code_[p]) || (auditing_ && audit_.forbidden[p])) return false;
  return true;
}

void VirtualTlb::mark_code(uint32_t pc, uint32_t size) {
  // Blocks Unicorn translates on its own walker were never fetch-filled here: their pages
  // become code now. Invariant kept: there are no W-without-X entries while on that walker.
  PagingRegs r;
  uint32_t cs = 0;
  static constexpr int kRegs[4] = {UC_X86_REG_CR0, UC_X86_REG_CR3, UC_X86_REG_CR4, UC_X86_REG_CS};
  void* vals[4] = {&r.cr0, &r.cr3, &r.cr4, &cs};
  uc_reg_read_batch(uc_, const_cast<int*>(kRegs), vals, 4);
  uint32_t last = pc + (size ? size - 1 : 0);
  for (uint32_t a : {pc, last}) {
    Translation t = translate(ram_, r, a, Access::Fetch, (cs & 3) == 3);
    if (t.ok && (t.pa >> 12) < pages_) code_[t.pa >> 12] = 1;
  }
}

void VirtualTlb::cpu_walk_block(uint32_t pc, uint32_t size) {
  mark_code(pc, size);
  // The first block after a data fault is the one that redoes the access; after a fetch fault
  // the access was the lookup of the block before this one.
  if (cpu_walk_blocks_++ > 0) end_cpu_walk();
}

void VirtualTlb::end_cpu_walk() {
  // A pointer swap in Unicorn (uc_set_tlb), safe inside a hook. The entries Unicorn's walker
  // made stay: they all carry X, and QEMU tracks their large pages itself.
  cpu_walk_ = false;
  uc_ctl_tlb_mode(uc_, UC_TLB_VIRTUAL);
}

bool VirtualTlb::judged(uint32_t code_page) {
  if (code_page >= pages_) return false;
  int8_t& j = judged_[code_page];
  if (j < 0) j = audit_.judged && audit_.judged(code_page) ? 1 : 0;
  return j;
}

VirtualTlb::Grant VirtualTlb::audit_grant(uint32_t page, bool write) {
  // EIP is the accessing instruction's: Unicorn restores the state before calling the hook.
  uint32_t eip = 0;
  uc_reg_read(uc_, UC_X86_REG_EIP, &eip);
  uint32_t cp = eip >> 12;
  if (!judged(cp)) return Grant::Full;
  if (reported_.count(report_key(cp, page, write))) return Grant::AskedOnly;
  return Grant::Poison;
}

void VirtualTlb::enter_code_page(uint32_t page) {
  code_page_ = page;
  uint32_t cls = judged(page) ? page : kOtherCode;
  if (cls == class_) return;
  // Entries granted for forbidden pages belong to the code class that asked: another class
  // must fill them again (judged code then stops at its first access).
  if (forbidden_granted_) {
    ++counters_.class_flushes;
    flush_tlb();
  }
  class_ = cls;
}

bool VirtualTlb::hook_poison(uc_engine* uc, uc_mem_type type, uint64_t addr, int size, int64_t, void* self) {
  auto* t = static_cast<VirtualTlb*>(self);
  if (!t->auditing_) return false;  // a guest's own access up there: unmapped, as it would be anyway
  uint32_t eip = 0;
  uc_reg_read(uc, UC_X86_REG_EIP, &eip);
  t->pending_ = AuditedAccess{eip >> 12, uint32_t(addr - kPoisonBase), unsigned(size),
                              type == UC_MEM_WRITE_UNMAPPED, eip, 0, 0};
  t->poison_hit_ = true;
  return false;  // Unicorn stops at this instruction, the access not done
}

uint8_t VirtualTlb::watched_kinds(uint32_t vpage, uint64_t ppage) const {
  uint8_t k = 0;
  for (const WatchRange& w : watch_) {
    const uint64_t page = w.physical ? ppage : vpage;
    const uint64_t lo = page << 12, hi = lo + 0x1000;
    if (w.lo < hi && lo < w.hi) k |= (w.read ? prot::kRead : 0) | (w.write ? prot::kWrite : 0);
  }
  return k;
}

bool VirtualTlb::hook_watch(uc_engine*, uc_mem_type type, uint64_t addr, int size, int64_t, void* self) {
  auto* t = static_cast<VirtualTlb*>(self);
  const uint64_t slot = (addr - kWatchBase) >> 12, off = addr & 0xfff;
  if (slot >= t->watch_slots_.size()) return false;  // not handed out: unmapped, as it is
  auto [vpage, ppage] = t->watch_slots_[slot];
  t->watch_pending_ = WatchAccess{(vpage << 12) | uint32_t(off), (ppage << 12) | off, unsigned(size),
                                  type == UC_MEM_WRITE_UNMAPPED};
  t->watch_hit_ = true;
  return false;  // Unicorn stops at this instruction, the access not done
}

void VirtualTlb::set_watch(std::vector<WatchRange> ranges) {
  if (ranges == watch_) return;
  watch_ = std::move(ranges);
  flush_tlb();  // no entry may predate the new view of the pages
}

void VirtualTlb::set_watch_grant(bool grant) {
  if (grant == watch_grant_) return;
  watch_grant_ = grant;
  flush_tlb();  // granting: the poison entries go; back: the real ones of watched pages go
}

VirtualTlb::Stop VirtualTlb::take_stop(uc_err err) {
  if (fault_ && err == UC_ERR_EXCEPTION) {
    fault_ = false;
    ++counters_.faults;
    // Unicorn's walker redoes the access: a W-without-X entry must not survive into it, since
    // its fetch fills are not seen here (a page could become code behind a fast entry).
    flush_tlb();
    std::fill(fetched_.begin(), fetched_.end(), 0);  // Unicorn's walker fills unseen from here
    uc_ctl_tlb_mode(uc_, UC_TLB_CPU);
    cpu_walk_ = true;
    cpu_walk_blocks_ = fault_fetch_ ? 1 : 0;
    return fault_fetch_ ? Stop::FaultAtFetch : Stop::Fault;
  }
  if (watch_hit_ && (err == UC_ERR_READ_UNMAPPED || err == UC_ERR_WRITE_UNMAPPED)) {
    watch_hit_ = false;
    return Stop::Watch;
  }
  if (poison_hit_ && (err == UC_ERR_READ_UNMAPPED || err == UC_ERR_WRITE_UNMAPPED)) return Stop::Access;
  fault_ = false;
  poison_hit_ = false;
  watch_hit_ = false;
  return Stop::None;
}

void VirtualTlb::record_access(uint32_t eip, uint64_t retired, uint64_t time) {
  poison_hit_ = false;
  ++counters_.audit_stops;
  AuditedAccess a = pending_;
  a.eip = eip;
  a.code_page = eip >> 12;
  a.retired = retired;
  a.time = time;
  reported_.insert(report_key(a.code_page, a.addr >> 12, a.write));
  audited_.push_back(a);
  flush_tlb();  // the poison entry must go: the access is granted when the instruction runs again
}

void VirtualTlb::set_audit(std::optional<AccessAuditSpec> spec) {
  auditing_ = spec.has_value();
  audit_ = spec ? std::move(*spec) : AccessAuditSpec{};
  if (auditing_) audit_.forbidden.resize(pages_);
  std::fill(judged_.begin(), judged_.end(), int8_t(-1));
  reported_.clear();
  code_page_ = ~0u;
  class_ = kNoClass;
  // No entry may predate the audit's view of the pages.
  flush_tlb();
}

}  // namespace kjump
