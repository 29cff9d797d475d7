// The paging-off TLB (UC_TLB_VIRTUAL + fill hook) and the trampoline audit on it; see
// virtual_tlb.h for why, the sticky code-page policy and the poison stops.
#include "emu/virtual_tlb.h"

#include <algorithm>
#include <stdexcept>

namespace kjump {
namespace {

constexpr uint32_t kCr0Pg = 1u << 31;
// Poison physical memory: above 4 GiB, where an i386 guest without PAE never maps anything, one
// page per RAM page so that the UNMAPPED hook can tell the page back from the address alone.
constexpr uint64_t kPoisonBase = 1ull << 36;

}  // namespace

VirtualTlb::VirtualTlb(uc_engine* uc, uint64_t ram_size)
    : uc_(uc), pages_(uint32_t(ram_size >> 12)), code_(pages_), wfast_(pages_), judged_(pages_, -1) {
  uc_hook h;
  // The fill hook is consulted only under UC_TLB_VIRTUAL; the poison hook's bounds keep it off
  // every real page (a bounded UNMAPPED hook does not touch the fast paths, docs/unicorn-fast-paths.md §3).
  if (uc_hook_add(uc_, &h, UC_HOOK_TLB_FILL, reinterpret_cast<void*>(&VirtualTlb::hook_fill), this, 1, 0) !=
          UC_ERR_OK ||
      uc_hook_add(uc_, &h, UC_HOOK_MEM_READ_UNMAPPED | UC_HOOK_MEM_WRITE_UNMAPPED,
                  reinterpret_cast<void*>(&VirtualTlb::hook_poison), this, kPoisonBase,
                  kPoisonBase + (uint64_t(pages_) << 12) - 1) != UC_ERR_OK)
    throw std::runtime_error("virtual TLB: uc_hook_add failed");
}

void VirtualTlb::follow(bool paging) {
  if (paging != active_) return;  // already on the right TLB
  ++counters_.switches;
  active_ = !paging;
  uc_ctl_tlb_mode(uc_, active_ ? UC_TLB_VIRTUAL : UC_TLB_CPU);
  // uc_ctl_tlb_mode flushes nothing. Entries of the other TLB must go, and so must the blocks:
  // code marks restart empty, which is safe only when no translated code survives.
  uc_ctl_flush_tlb(uc_);
  uc_ctl_flush_tb(uc_);
  std::fill(code_.begin(), code_.end(), 0);
  std::fill(wfast_.begin(), wfast_.end(), 0);
  paging_on_ = false;
  poison_hit_ = false;
  code_page_ = ~0u;
  class_ = kNoClass;
  forbidden_granted_ = false;
}

void VirtualTlb::flush_tlb() {
  uc_ctl_flush_tlb(uc_);
  std::fill(wfast_.begin(), wfast_.end(), 0);
  forbidden_granted_ = false;
}

bool VirtualTlb::hook_fill(uc_engine*, uint64_t vaddr, uc_mem_type type, uc_tlb_entry* e, void* self) {
  return static_cast<VirtualTlb*>(self)->fill(uint32_t(vaddr >> 12), type, e);
}

bool VirtualTlb::fill(uint32_t page, uc_mem_type type, uc_tlb_entry* e) {
  ++counters_.fills;
  uint32_t cr0 = 0;
  uc_reg_read(uc_, UC_X86_REG_CR0, &cr0);
  if (cr0 & kCr0Pg) {
    // Paging came back on: only the next block's first fetch can get here (see the header).
    // Refusing it stops Unicorn before that block; the engine goes back to UC_TLB_CPU.
    paging_on_ = true;
    paging_on_fetch_ = type == UC_MEM_FETCH;
    return false;
  }
  const bool fetch = type == UC_MEM_FETCH, write = type == UC_MEM_WRITE;
  e->paddr = uint64_t(page) << 12;
  if (page >= pages_) {
    // Not RAM: Unicorn reports the access as unmapped, exactly as under UC_TLB_CPU.
    e->perms = UC_PROT_ALL;
    return true;
  }
  int asked_only = UC_PROT_ALL;
  if (auditing_ && audit_.forbidden[page]) {
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
  if (fetch && !code_[page]) {
    code_[page] = 1;
    if (wfast_[page]) {
      // A fast (W without X) entry may map this page, and it now holds code: no such entry
      // may survive. There is no per-page flush in the API.
      ++counters_.policy_flushes;
      uc_ctl_flush_tlb(uc_);
      std::fill(wfast_.begin(), wfast_.end(), 0);
    }
  }
  int perms = code_[page] ? UC_PROT_ALL : UC_PROT_READ | UC_PROT_WRITE;
  perms &= asked_only;
  if ((perms & UC_PROT_WRITE) && !(perms & UC_PROT_EXEC)) wfast_[page] = 1;
  e->perms = uc_prot(perms);
  return true;
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
  uint32_t eip = 0;
  uc_reg_read(uc, UC_X86_REG_EIP, &eip);
  t->pending_ = AuditedAccess{eip >> 12, uint32_t(addr - kPoisonBase), unsigned(size),
                              type == UC_MEM_WRITE_UNMAPPED, eip, 0, 0};
  t->poison_hit_ = true;
  return false;  // Unicorn stops at this instruction, the access not done
}

VirtualTlb::Stop VirtualTlb::take_stop(uc_err err) {
  if (paging_on_ && err == UC_ERR_EXCEPTION) {
    bool fetch = paging_on_fetch_;
    follow(true);
    return fetch ? Stop::PagingOn : Stop::PagingOnAtAccess;
  }
  if (poison_hit_ && (err == UC_ERR_READ_UNMAPPED || err == UC_ERR_WRITE_UNMAPPED)) return Stop::Access;
  paging_on_ = false;
  poison_hit_ = false;
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
  if (active_) flush_tlb();
}

}  // namespace kjump
