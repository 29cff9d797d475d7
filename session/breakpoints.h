// The debugger's breakpoints, as the user numbered them: virtual (an address in whatever
// address space is current, as gdb's `break`) or physical (`break -p`: the instruction at a
// physical address, however it is reached — through the kernel's PAGE_OFFSET mapping, an
// identity mapping, or with paging off inside a kexec trampoline, in any kernel).
//
// The engine's breakpoints (emu/engine.h) are virtual addresses only, so a physical one is
// planted at the virtual addresses that can reach it (its identity address and its
// PAGE_OFFSET alias, the two ways i386 Linux-style kernels run code) and each stop there is
// checked against the current page tables: a stop whose EIP does not translate to the
// physical address is not a hit and the run goes on, unseen by the guest.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "emu/virtual_tlb.h"

namespace kjump {

class Machine;

// A breakpoint's condition (`break X if COND`, and the frame checks of `ni`/`finish`): asked
// at each stop there, between instructions; true means the stop is a hit. It only reads the
// machine. An evaluation error (memory not mapped) is a hit too, with `error` set, so the user
// sees why (gdb stops the same way).
using BreakCondition = std::function<bool(Machine&, std::string* error)>;

// Where kernels built like Linux map physical memory (CONFIG_PAGE_OFFSET=0xC0000000).
inline constexpr uint32_t kPageOffset = 0xC0000000u;

struct Breakpoint {
  unsigned id = 0;          // 1, 2, ... as `info breakpoints` shows them; 0: internal (`until`)
  uint32_t addr = 0;        // virtual, or physical when `physical`
  bool physical = false;
  bool temporary = false;   // `tbreak`: deleted at its first hit
  std::string spec;         // as the user wrote it (a symbol, an address)
  uint64_t hits = 0;
  std::string condition_text;  // `if COND` as written ("" = none)
  BreakCondition condition;    // null = always
};

// A watchpoint (`watch`, `rwatch`, `awatch`; GDB's Z2-Z4): a range of virtual or physical
// memory; the run stops right after an instruction that wrote (a `watch`: and changed it, as
// gdb's), read, or accessed it. Numbered with the breakpoints, as gdb numbers them.
enum class WatchKind { Write, Read, Access };
struct Watchpoint {
  unsigned id = 0;
  uint32_t addr = 0;
  uint32_t len = 4;
  bool physical = false;
  WatchKind kind = WatchKind::Write;
  std::string spec;
  uint64_t hits = 0;
  std::vector<uint8_t> value;  // the range when last looked at (Old value)
  bool readable = false;
};

class Breakpoints {
 public:
  // Returns the new breakpoint's number.
  unsigned add(uint32_t addr, bool physical, bool temporary, std::string spec, std::string condition_text = "",
               BreakCondition condition = nullptr);
  // `until`, `ni`, `finish`: never listed, answer 0 in hit().
  void add_internal(uint32_t addr, BreakCondition condition = nullptr);
  void clear_internal();
  bool remove(unsigned id);          // false: no such breakpoint or watchpoint
  void clear() {
    list_.clear();
    watches_.clear();
  }
  unsigned add_watch(uint32_t addr, uint32_t len, bool physical, WatchKind kind, std::string spec);
  const std::vector<Watchpoint>& watches() const { return watches_; }
  Watchpoint* find_watch(unsigned id);
  // The ranges the engine watches (emu/virtual_tlb.h).
  std::vector<WatchRange> engine_watch_ranges() const;
  // Reads every watchpoint's range now (after a restore, before a run: what Old value means).
  void refresh_watch_values(Machine& m);
  // The watchpoint an access the engine stopped after is a hit of, if any (lowest number), with
  // gdb's report lines in `report`; the values move on either way, the hit counts only if
  // `count`.
  std::optional<unsigned> watch_hit(Machine& m, const WatchAccess& a, std::string* report, bool count);
  const std::vector<Breakpoint>& list() const { return list_; }
  const Breakpoint* find(unsigned id) const;
  // The virtual addresses the engine must stop at.
  std::set<uint32_t> engine_addresses() const;
  // The breakpoint hit by a stop at virtual `eip` (physical `pa` if it translates) whose
  // condition holds, if any; counts the hit and deletes a temporary breakpoint. Internal ones
  // answer 0. `error` (optional) gets a condition's evaluation error.
  std::optional<unsigned> hit(Machine& m, uint32_t eip, std::optional<uint64_t> pa, bool count = true,
                              std::string* error = nullptr);

 private:
  struct Internal {
    uint32_t addr;
    BreakCondition condition;
  };
  std::vector<Breakpoint> list_;
  std::vector<Internal> internal_;
  std::vector<Watchpoint> watches_;
  unsigned next_id_ = 1;
};

}  // namespace kjump
