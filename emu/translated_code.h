// Everything the engine does to Unicorn's translated blocks: bounded code hooks (breakpoints,
// the precise deadline hook) and code invalidation, done so that no block can go on calling a
// removed hook and no cache is flushed while translated code is running.
//
// Three Unicorn 2.1.4 facts make the obvious way unsafe (sources read at tag v2.1.4):
//  * A bounded UC_HOOK_CODE is compiled into every block translated while it exists. With
//    exactly one code hook registered the block calls the hook's function directly with its
//    user data ("inline hook", qemu/include/tcg/tcg-op.h gen_uc_tracecode), with no check
//    that the hook still exists.
//  * uc_hook_del invalidates only the blocks that *start* inside the hook's range
//    (include/uc_priv.h hooked_regions_check records a block by its pc), so a block that
//    merely contains a hooked instruction keeps its direct call after the hook is gone.
//  * uc_ctl_flush_tb resets the code buffer at once, also from inside a hook with translated
//    code on the stack; the CPU loop then patches a jump into the freed block (cpu-exec.c
//    tb_find → tb_add_jump on last_tb). This is the likely way translated code came to jump
//    to address 0, and a plausible cause of the tb_set_jmp_target crashes noted in
//    docs/unicorn-fast-paths.md §2 (fw_cfg DMA used to flush from inside the guest's OUT).
//
// So: every request made while Unicorn runs (set_emulating) is queued and done by apply(),
// which the engine calls after uc_emu_start returns; a removed hook's whole range is
// invalidated page by page, so every block containing a hooked address is retranslated;
// host writes into RAM invalidate only the written physical range, never the whole cache;
// and each hook's user data is a slot owned here for the engine's lifetime, so a call that
// still reaches a removed hook (from a block of another address space, which an invalidation
// through the current page tables cannot find) lands on a dead slot and does nothing.
#pragma once

#include <unicorn/unicorn.h>

#include <cstdint>
#include <memory>
#include <vector>

#include "emu/ram.h"

namespace kjump {

class TranslatedCode {
 public:
  using Handler = void (*)(void* ctx, uint32_t addr);
  // What adding a hook invalidates so that blocks translated before it call it:
  // Range = the blocks containing the hooked addresses under the current page tables (enough
  // for a hook that lives for one block); All = every block, in every address space
  // (breakpoints, which must hit whichever kernel runs at that address).
  enum class OnAdd { Range, All };
  using Id = uint32_t;

  TranslatedCode(uc_engine* uc, GuestRam& ram);
  ~TranslatedCode();
  TranslatedCode(const TranslatedCode&) = delete;
  TranslatedCode& operator=(const TranslatedCode&) = delete;

  // While on (inside uc_emu_start), every request below is queued for apply().
  void set_emulating(bool on) { emulating_ = on; }
  bool emulating() const { return emulating_; }

  // A code hook on the virtual addresses [first, last]. The handler may be called as soon
  // as this returns and never after remove() has returned, even from a stale block.
  Id add_hook(uint32_t first, uint32_t last, Handler handler, void* ctx, OnAdd on_add);
  void remove_hook(Id id);

  // Host writes changed guest RAM: retranslate the blocks on [pa, pa + n).
  void invalidate_phys(uint64_t pa, uint64_t n);
  // Retranslate the blocks containing virtual [va, va + n) under the current page tables.
  void invalidate_virt(uint32_t va, uint64_t n);
  // Drop every translated block (RAM replaced wholesale, CPU reset).
  void flush_all();

  bool pending() const { return !queue_.empty(); }
  // Does the queued work; never call it while emulating.
  void apply();

  // Host-side counts for tests and measurements; nothing on the guest path reads them.
  struct Stats {
    uint64_t full_flushes = 0;      // uc_ctl_flush_tb calls
    uint64_t ranges = 0;            // uc_ctl_remove_cache calls
    uint64_t hooks_added = 0, hooks_removed = 0;
    uint64_t stale_calls = 0;       // calls that reached a dead slot
  };
  const Stats& stats() const { return stats_; }

 private:
  struct Slot {
    TranslatedCode* owner = nullptr;
    bool live = false;
    bool registered = false;  // uc_hook_add done
    uint32_t first = 0, last = 0;
    Handler handler = nullptr;
    void* ctx = nullptr;
    uc_hook hook = 0;
  };
  enum class Kind { Add, Remove, Virt, Phys, Flush };
  struct Op {
    Kind kind;
    uint64_t a = 0, n = 0;  // range, or slot index for Add/Remove
    OnAdd on_add = OnAdd::Range;
  };
  static void trampoline(uc_engine*, uint64_t addr, uint32_t size, void* slot);
  void do_virt(uint32_t va, uint64_t n, std::vector<std::pair<uint64_t, uint64_t>>& phys);
  void do_phys(const std::vector<std::pair<uint64_t, uint64_t>>& ranges);
  void remove_cache(uint64_t begin, uint64_t end);
  void queue(Op op);

  uc_engine* uc_;
  GuestRam& ram_;
  uc_context* ctx_ = nullptr;  // the CPU around apply(): Unicorn's own invalidation may fault
  bool emulating_ = false;
  // Slots are never freed while the engine lives (stale blocks may hold their address);
  // removed ones are reused.
  std::vector<std::unique_ptr<Slot>> slots_;
  std::vector<Id> free_;
  std::vector<Op> queue_;
  Stats stats_;
};

}  // namespace kjump
