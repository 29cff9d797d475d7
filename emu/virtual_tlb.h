// The engine's TLB while the guest runs with paging off (CR0.PG=0: the kexec trampoline, a
// physical-mode routine, a kernel's first instructions), and the trampoline audit built on it.
//
// Why: on stock Unicorn 2.1.4 every guest store takes the slow path forever, because every TLB
// entry QEMU's i386 walk fills carries PAGE_EXEC and so keeps TLB_NOTDIRTY
// (docs/unicorn-fast-paths.md §2). With UC_TLB_VIRTUAL the entries come from our fill hook
// instead, and an entry without UC_PROT_EXEC leaves the slow path after its first store (route 3
// there). With paging off the fill is the identity, so route 3's caveats (mmu_idx, 4 MiB pages,
// WP/PSE) do not arise; with paging on the engine stays on Unicorn's own TLB.
//
// Policy ("sticky code pages", route 3): a physical page becomes code at its first fetch fill;
// code pages are filled R|W|X (Unicorn's exact self-modifying-code path), other pages R|W, and
// when a page becomes code while a W-without-X entry for it may exist, the fill flushes the
// TLB. Code marks are cleared only where the TLB and the translated blocks are both flushed
// (enter/leave). Invariant: a page that holds translated code has no TLB entry writable
// without X.
//
// Paging coming back on is noticed by the fill itself: `mov to CR0` ends its block and flushes
// the TLB, so the next block's first fetch fills with CR0.PG=1; the hook refuses it, Unicorn
// stops before that block (EIP = its address, nothing of it ran), and the engine switches back.
// The TB flush at both switches stays: without it the kexec flows hit a Unicorn TB-chaining
// segfault (docs/unicorn-fast-paths.md, side finding).
//
// Audit (route 5b, no memory hooks: any UC_HOOK_MEM_READ/WRITE forces every access of every
// block onto the slow path): the auditor names forbidden physical pages and which code pages
// are judged (the trampoline). The first fill of a forbidden page for a judged instruction
// maps the page onto "poison" physical memory above 4 GiB, where nothing is mapped; an
// UNMAPPED hook bounded to the poison range then sees the exact address and size, and
// returns false: Unicorn stops at that instruction with precise registers (the access did not
// happen). The engine adds EIP and the instruction count, the TLB is flushed, and the run goes
// on; from then on that (code page, page, read or write) is granted only the access type
// asked for, so a write after a read comes back to the hook. Entries granted to other code
// for forbidden pages are dropped (TLB flush) when execution moves between code classes.
//
// Nothing the guest sees depends on how many fills happen (QEMU resizes its TLB from host
// time): with paging off fills have no guest-visible side effect, and the audit's stops fall
// on the first access after a flush, a function of the instruction stream only.
#pragma once

#include <unicorn/unicorn.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <unordered_set>
#include <vector>

namespace kjump {

// What the trampoline audit asks for during one paging-off stretch.
struct AccessAuditSpec {
  std::vector<uint8_t> forbidden;                  // per physical page: nonzero = judged accesses are reported
  std::function<bool(uint32_t page)> judged;       // does code in this physical page get judged? asked once per page
};

// The first judged access of one kind (code page, page, read or write) to a forbidden page.
struct AuditedAccess {
  uint32_t code_page = 0;  // physical page number of the instruction
  uint32_t addr = 0;       // physical address of the access (the linear one: paging is off)
  unsigned size = 0;       // bytes
  bool write = false;
  uint32_t eip = 0;
  uint64_t retired = 0;    // instructions retired before it (it had not executed when seen)
  uint64_t time = 0;       // virtual ns at that point
};

class VirtualTlb {
 public:
  VirtualTlb(uc_engine* uc, uint64_t ram_size);
  VirtualTlb(const VirtualTlb&) = delete;
  VirtualTlb& operator=(const VirtualTlb&) = delete;

  // Host side, outside emulation: UC_TLB_VIRTUAL while paging is off, UC_TLB_CPU while on.
  // A switch flushes the TLB and the translated blocks.
  void follow(bool paging);
  bool active() const { return active_; }

  // At every block start (the engine's block hook): the code class of the TLB's entries.
  void on_block(uint32_t pc) {
    if (auditing_ && active_ && (pc >> 12) != code_page_) enter_code_page(pc >> 12);
  }

  // After uc_emu_start returned `err`: was it this TLB's stop?
  enum class Stop {
    None,             // not ours
    PagingOn,         // the next block's fetch saw CR0.PG=1: that block did not start. Back on UC_TLB_CPU
    PagingOnAtAccess, // the same seen by a data access (not expected): its instruction did not retire
    Access,           // a judged access to a forbidden page: call record_access with its EIP and count
  };
  Stop take_stop(uc_err err);
  void record_access(uint32_t eip, uint64_t retired, uint64_t time);

  // Auditing is on from set_audit(spec) to set_audit(nullopt), while paging is off.
  void set_audit(std::optional<AccessAuditSpec> spec);
  const std::vector<AuditedAccess>& audited() const { return audited_; }
  void clear_audited() { audited_.clear(); }

  // Host-side counters for tests and measurements: never let the guest path depend on them.
  struct Counters {
    uint64_t fills = 0, policy_flushes = 0, class_flushes = 0, audit_stops = 0, switches = 0;
  };
  const Counters& counters() const { return counters_; }

 private:
  static bool hook_fill(uc_engine*, uint64_t vaddr, uc_mem_type type, uc_tlb_entry* e, void* self);
  static bool hook_poison(uc_engine*, uc_mem_type type, uint64_t addr, int size, int64_t value, void* self);
  bool fill(uint32_t page, uc_mem_type type, uc_tlb_entry* e);
  enum class Grant { Full, AskedOnly, Poison };
  Grant audit_grant(uint32_t page, bool write);
  bool judged(uint32_t code_page);
  void enter_code_page(uint32_t page);
  void flush_tlb();
  static uint64_t report_key(uint32_t code_page, uint32_t page, bool write) {
    return (uint64_t(code_page) << 33) | (uint64_t(page) << 1) | (write ? 1 : 0);
  }

  uc_engine* uc_;
  uint32_t pages_;               // RAM pages
  bool active_ = false;          // UC_TLB_VIRTUAL is in force
  std::vector<uint8_t> code_;    // per page: may hold translated code (sticky)
  std::vector<uint8_t> wfast_;   // per page: a W-without-X entry was handed out since the last flush

  bool paging_on_ = false;       // the fill refused an access because paging is on
  bool paging_on_fetch_ = false; // ... and it was a fetch
  bool poison_hit_ = false;      // the poison hook stopped an access (pending_ holds it)
  AuditedAccess pending_;

  bool auditing_ = false;
  AccessAuditSpec audit_;
  std::vector<int8_t> judged_;   // per page: -1 not asked yet, else the auditor's answer
  static constexpr uint32_t kNoClass = ~0u, kOtherCode = ~1u;
  uint32_t code_page_ = ~0u;     // page of the last block start
  uint32_t class_ = kNoClass;    // judged code page, or kOtherCode, of the TLB's current entries
  bool forbidden_granted_ = false;  // some forbidden page is mapped for real since the last flush
  std::unordered_set<uint64_t> reported_;  // report_key of accesses already recorded
  std::vector<AuditedAccess> audited_;
  Counters counters_;
};

}  // namespace kjump
