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
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace kjump {

// Where kernels built like Linux map physical memory (CONFIG_PAGE_OFFSET=0xC0000000).
inline constexpr uint32_t kPageOffset = 0xC0000000u;

struct Breakpoint {
  unsigned id = 0;          // 1, 2, ... as `info breakpoints` shows them; 0: internal (`until`)
  uint32_t addr = 0;        // virtual, or physical when `physical`
  bool physical = false;
  bool temporary = false;   // `tbreak`: deleted at its first hit
  std::string spec;         // as the user wrote it (a symbol, an address)
  uint64_t hits = 0;
};

class Breakpoints {
 public:
  // Returns the new breakpoint's number.
  unsigned add(uint32_t addr, bool physical, bool temporary, std::string spec);
  void add_internal(uint32_t addr);  // `until`: never listed
  void clear_internal();
  bool remove(unsigned id);          // false: no such breakpoint
  void clear() { list_.clear(); }
  const std::vector<Breakpoint>& list() const { return list_; }
  const Breakpoint* find(unsigned id) const;
  // The virtual addresses the engine must stop at.
  std::set<uint32_t> engine_addresses() const;
  // The breakpoint hit by a stop at virtual `eip` (physical `pa` if it translates), if any;
  // counts the hit and deletes a temporary breakpoint. Internal ones answer 0.
  std::optional<unsigned> hit(uint32_t eip, std::optional<uint64_t> pa, bool count = true);

 private:
  std::vector<Breakpoint> list_;
  std::vector<uint32_t> internal_;
  unsigned next_id_ = 1;
};

}  // namespace kjump
