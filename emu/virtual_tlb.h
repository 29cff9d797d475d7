// The engine's TLB: Unicorn runs on UC_TLB_VIRTUAL and this fill hook hands it every entry,
// with paging off (identity) and on (the guest's tables, walked by emu/page_walk.h), plus the
// trampoline audit built on it.
//
// Why: on stock Unicorn 2.1.4 every guest store takes the slow path forever, because every TLB
// entry QEMU's i386 walk fills carries PAGE_EXEC and so keeps TLB_NOTDIRTY
// (docs/unicorn-fast-paths.md §2). Entries from this hook without UC_PROT_EXEC leave the slow
// path after their first store (route 3 there).
//
// Policy ("sticky code pages", route 3): a physical page becomes code at its first fetch fill;
// code pages are filled with X (Unicorn's exact self-modifying-code path), other pages without,
// and when a page becomes code while a W-without-X entry for it may exist, the fill flushes the
// TLB. Code marks are cleared only where the TLB and the translated blocks are both flushed
// (reset). Invariant: a page that holds translated code has no TLB entry writable without X.
// The permissions are never more than QEMU's walk gives (page_walk.h: R/W with WP, U/S, D).
//
// With paging on, three things the hook cannot see are handled around it:
//  * Privilege: the callback gets no mmu_idx, so a fill is judged at CS's RPL. The one access
//    this misjudges, a descriptor-table read by a segment load at CPL 3 (QEMU reads them as the
//    kernel), can only fail the user check, never pass wrongly: it lands in the fault path.
//  * Faults: the hook knows the page but not the exact address (CR2), nor a helper's partial
//    progress. So a refused fill only stops Unicorn at the access (precise EIP, nothing of it
//    done); the engine then re-runs that instruction on Unicorn's own walker (UC_TLB_CPU),
//    which raises the #PF exactly as before this TLB existed (CR2, error code, EIP), and the
//    hook takes over again at the next block. UC_TLB_CPU entries stay: they carry X, so they
//    keep the invariant; pages of blocks translated meanwhile are marked as code.
//  * Large pages: Unicorn's virtual TLB holds only 4 KiB entries and so loses QEMU's large-page
//    tracking: `invlpg` of one address of a 4 MiB page would leave the entries for its other
//    4 KiB pages. After a block that ends with `invlpg` (QEMU ends the block there), the whole
//    TLB is flushed if an entry from a large page was handed out since the last flush. CR3
//    and CR4 writes flush everything in QEMU anyway.
//
// Audit (route 5b, no memory hooks: any UC_HOOK_MEM_READ/WRITE forces every access of every
// block onto the slow path), while paging is off: the auditor names forbidden physical pages
// and which code pages are judged (the trampoline). The first fill of a forbidden page for a
// judged instruction maps the page onto "poison" physical memory above 4 GiB, where nothing is
// mapped; an UNMAPPED hook bounded to the poison range then sees the exact address and size,
// and returns false: Unicorn stops at that instruction with precise registers (the access did
// not happen). The engine adds EIP and the instruction count, the TLB is flushed, and the run
// goes on; from then on that (code page, page, read or write) is granted only the access type
// asked for, so a write after a read comes back to the hook. Entries granted to other code for
// forbidden pages are dropped (TLB flush) when execution moves between code classes.
//
// Nothing the guest sees depends on how many fills happen (QEMU resizes its TLB from host
// time): the walk's A/D updates are idempotent and exactly QEMU's, the policy's flushes only
// change speed, a fault is raised by Unicorn's own walker, and the audit's stops fall on the
// first access after a flush, a function of the instruction stream only.
#pragma once

#include <unicorn/unicorn.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <unordered_set>
#include <vector>

#include "emu/page_walk.h"

namespace kjump {

// What the trampoline audit asks for during one paging-off stretch.
struct AccessAuditSpec {
  std::vector<uint8_t> forbidden;                  // per physical page: nonzero = judged accesses are reported
  std::function<bool(uint32_t page)> judged;       // does code in this physical page get judged? asked once per page
};

// A debugger watchpoint's range, as the engine watches it: [lo, hi) linear or physical.
struct WatchRange {
  uint64_t lo = 0, hi = 0;
  bool physical = false;
  bool read = false, write = false;
  bool operator==(const WatchRange&) const = default;
};

// An access the watch stopped before (its instruction had not run).
struct WatchAccess {
  uint32_t linear = 0;
  uint64_t pa = 0;
  unsigned size = 0;
  bool write = false;
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
  VirtualTlb(uc_engine* uc, GuestRam& ram);
  VirtualTlb(const VirtualTlb&) = delete;
  VirtualTlb& operator=(const VirtualTlb&) = delete;

  // Host side, outside emulation. reset(): flush the TLB and the translated blocks, forget the
  // code marks, back on this hook (a new or restored CPU, RAM replaced). follow(paging): the
  // same when CR0.PG changed since the last call (paging switches: kexec), which also keeps
  // the TB flush there that the kexec flows need (docs/unicorn-fast-paths.md, side finding).
  void reset();
  void follow(bool paging);
  // This hook is filling (false only while Unicorn's walker redoes a faulting access).
  bool active() const { return !cpu_walk_; }
  // on_block has work at every block: a walk on Unicorn's walker; or, when audit_page_mask()
  // is all ones, at a block outside page code_page() (an audit's code class). Both change only
  // through the calls above and below, never from inside the fill.
  bool watches_blocks() const { return cpu_walk_; }
  uint32_t audit_page_mask() const { return auditing_ ? ~0u : 0u; }
  uint32_t code_page() const { return code_page_; }
  // Host-side TLB flush (the host changed CR0/CR3/CR4): also drops this hook's bookkeeping.
  void flush_tlb();

  // At every block that runs (the engine's block hook, after its stop checks).
  void on_block(uint32_t pc, uint32_t size) {
    if (cpu_walk_) cpu_walk_block(pc, size);
    if (auditing_ && (pc >> 12) != code_page_) enter_code_page(pc >> 12);
  }
  // Unicorn made a block (edge hook): while on Unicorn's walker, its pages become code.
  void on_generated(uint32_t pc, uint32_t size) {
    if (cpu_walk_) mark_code(pc, size);
  }
  // The previous block ended with `invlpg`.
  void after_invlpg();

  // The physical page of the latest fetch fill for linear page `vpage`, if remembered: the
  // page the running block's code was looked up through (a block is entered by a lookup
  // through its page's code entry, or chained from a block in the same page). Port I/O uses
  // it to find the block's bytes without a walk. Forgotten when Unicorn's walker fills.
  std::optional<uint32_t> fetched_page(uint32_t vpage) const {
    uint64_t f = fetched_[vpage & (kFetched - 1)];
    if (uint32_t(f >> 32) != vpage || !(f & kFetchedValid)) return std::nullopt;
    return uint32_t(f & ~kFetchedValid);
  }

  // After uc_emu_start returned `err`: was it this TLB's stop?
  enum class Stop {
    None,          // not ours
    Fault,         // a data access's walk failed: its instruction did not retire; redo it (now on
                   // Unicorn's walker) from EIP
    FaultAtFetch,  // the next block's fetch failed: that block did not start; redo from EIP
    Access,        // a judged access to a forbidden page: call record_access with its EIP and count
    Watch,         // an access to a watched page: pending_watch() has it; nothing of it done
  };
  Stop take_stop(uc_err err);
  void record_access(uint32_t eip, uint64_t retired, uint64_t time);
  // Before each uc_emu_start: a refused fill of an earlier run (a probe) is not this run's.
  void clear_stop() { fault_ = false; }

  // Watchpoints (debugger): data accesses to pages holding a watched range, linear or physical,
  // stop before the access exactly as the audit's do (a poison entry: see the header), each
  // poison page standing for one (linear page, physical page) pair so that the hook can tell
  // both back. An empty list costs nothing: no page is poisoned. While `grant` is set (the
  // engine re-running the stopped instruction) fills are the normal ones.
  void set_watch(std::vector<WatchRange> ranges);
  bool watching() const { return !watch_.empty(); }
  void set_watch_grant(bool grant);
  const WatchAccess& pending_watch() const { return watch_pending_; }
  const std::vector<WatchRange>& watch_ranges() const { return watch_; }

  // Auditing is on from set_audit(spec) to set_audit(nullopt), while paging is off.
  void set_audit(std::optional<AccessAuditSpec> spec);
  const std::vector<AuditedAccess>& audited() const { return audited_; }
  void clear_audited() { audited_.clear(); }

  // May the host itself do a guest's plain data accesses to the physical pages first..last (a
  // `rep movs`/`stos` with paging off, emu/rep_string.h)? Only RAM; when writing, no page that
  // may hold translated code; and no page the audit watches, whose first judged access must be
  // seen by a fill here.
  bool host_may_access(uint32_t first, uint32_t last, bool write) const;

  // Host-side counters for tests and measurements: never let the guest path depend on them.
  struct Counters {
    uint64_t fills = 0, policy_flushes = 0, class_flushes = 0, audit_stops = 0, resets = 0;
    uint64_t faults = 0;          // refused fills handed to Unicorn's walker
    uint64_t large_fills = 0;     // entries handed out from 2/4 MiB pages
    uint64_t invlpg_flushes = 0;  // whole-TLB flushes after an invlpg
  };
  const Counters& counters() const { return counters_; }

 private:
  static bool hook_fill(uc_engine*, uint64_t vaddr, uc_mem_type type, uc_tlb_entry* e, void* self);
  static bool hook_poison(uc_engine*, uc_mem_type type, uint64_t addr, int size, int64_t value, void* self);
  static bool hook_watch(uc_engine*, uc_mem_type type, uint64_t addr, int size, int64_t value, void* self);
  // The kinds (prot::kRead/kWrite) watched on linear page `vpage` mapped to physical `ppage`.
  uint8_t watched_kinds(uint32_t vpage, uint64_t ppage) const;
  bool fill(uint32_t vpage, uc_mem_type type, uc_tlb_entry* e);
  enum class Grant { Full, AskedOnly, Poison };
  Grant audit_grant(uint32_t page, bool write);
  bool judged(uint32_t code_page);
  void enter_code_page(uint32_t page);
  void mark_code(uint32_t pc, uint32_t size);
  void cpu_walk_block(uint32_t pc, uint32_t size);
  void end_cpu_walk();
  static uint64_t report_key(uint32_t code_page, uint32_t page, bool write) {
    return (uint64_t(code_page) << 33) | (uint64_t(page) << 1) | (write ? 1 : 0);
  }

  static constexpr size_t kFetched = 1024;
  static constexpr uint64_t kFetchedValid = 1ull << 31;  // physical page numbers fit in 31 bits (RAM < 8 TiB)
  std::vector<uint64_t> fetched_ = std::vector<uint64_t>(kFetched, 0);  // vpage << 32 | valid | ppage

  uc_engine* uc_;
  GuestRam& ram_;
  uint32_t pages_;               // RAM pages
  std::vector<uint8_t> code_;    // per page: may hold translated code (sticky)
  std::vector<uint8_t> wfast_;   // per page: a W-without-X entry was handed out since the last flush
  bool large_ = false;           // an entry from a large page was handed out since the last flush
  bool last_paging_ = false;     // CR0.PG at the last follow()

  bool fault_ = false;           // the fill refused an access (the walk faulted)
  bool fault_fetch_ = false;     // ... and it was a fetch
  bool cpu_walk_ = false;        // UC_TLB_CPU: Unicorn's walker redoes the faulting access
  unsigned cpu_walk_blocks_ = 0; // blocks run since; the hook takes over at the next one

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
  std::vector<WatchRange> watch_;
  bool watch_grant_ = false;
  bool watch_hit_ = false;
  WatchAccess watch_pending_;
  std::vector<std::pair<uint32_t, uint64_t>> watch_slots_;  // poison slot -> (linear page, physical page)
  std::vector<AuditedAccess> audited_;
  Counters counters_;
};

}  // namespace kjump
