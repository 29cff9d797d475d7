// Exact retired-instruction counting by translated block (docs/unicorn-reference.md §b).
//
// The block hook adds each block's instruction count before the block runs; the count is
// Unicorn's own (the TB's icount, reported by UC_HOOK_EDGE_GENERATED when a TB is made, or
// asked for with uc_ctl_request_cache) and cached here by (pc, size). When a block is cut
// short (a fault, a breakpoint, a deadline inside it, an I/O access that must know "now"),
// the instructions from the block's start to the stop are counted by decoding its bytes with
// Capstone, as QEMU's own icount would have retired them. The Engine members that use this
// (the block hook hook_block/on_block, block_icount, hook_edge, count_insns, exact_retired_at,
// block_end_kind) are defined in block_count.cpp.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <unordered_map>
#include <vector>

#include "emu/disasm.h"

namespace kjump {

// Instructions that start in [from, to), decoded from `code`: the guest bytes at `from`, of
// which `readable` could be read (an instruction may reach up to 15 bytes past `to`). Stops
// at the first instruction that does not decode: the faulting instruction itself.
unsigned count_insns_in(const Disassembler& d, const uint8_t* code, size_t readable, uint32_t from, uint32_t to);

// What the last instruction of the block [pc, pc + size) (bytes as above) is, as far as the
// engine must act after the block: `mov to CR0` (look at CR0: the paging watch), `invlpg`
// (emu/virtual_tlb.h), or anything that may change CR0, CR3 or CR4 (mov to CR0/3/4, and a far
// jmp/call or iret, which may switch tasks): the engine's copy of the paging registers is
// stale; `sti`, `popf` or `iret`, which may set IF: an interrupt that became pending while IF
// was 0 is taken at the next instruction boundary the CPU allows (QEMU ends the TB after each
// of them for that reason; after `sti` the next TB is the one instruction of its shadow).
// All bits when it cannot be told.
inline constexpr uint8_t kEndsCr0Write = 1, kEndsInvlpg = 2, kEndsPagingChange = 4, kEndsIfSet = 8;
// Also, when `last` is given and the block decodes: where its last instruction starts (offset
// from pc) and whether it is a plain `mov` to memory (what smc_cut_in asks of a last one).
struct LastInsn {
  uint32_t offset = 0;
  bool plain_store = false;
  bool known = false;
};
uint8_t last_insn_kind(const Disassembler& d, const uint8_t* code, size_t readable, uint32_t pc, uint32_t size,
                       LastInsn* last = nullptr);

// The instruction b[0, len) is a plain mov to memory (88/89/c6/c7 with a memory operand,
// a2/a3), after operand-size and segment prefixes only: it never ends a block.
bool is_plain_store(const uint8_t* b, size_t len);

// The block [block_pc, + block_size) ran from its start, and the next block starts at pc
// inside it with `size` bytes: if that is Unicorn re-running a store into the running block
// (QEMU's precise self-modifying code: the store alone in a one-instruction block), how many
// instructions of the block before ran (those before the store). Bytes as above, from block_pc.
std::optional<unsigned> smc_cut_in(const Disassembler& d, const uint8_t* code, size_t readable, uint32_t block_pc,
                                   uint32_t block_size, uint32_t pc, uint32_t size);

// Per-TB instruction counts: key (pc << 16 | size) → icount, or 0 = ambiguous (two address
// spaces, e.g. kernel A and kernel B at 0xC0100000, can hold different code at the same pc
// with the same byte size: such keys are answered by Unicorn each time). A small
// direct-mapped cache in front of the map keeps the per-block cost to a compare: one 64-bit
// word per slot (32 KiB in all, so that it stays in the host's caches while the guest streams
// through memory), the key in bits 16-63, the TB's last_insn_kind in bits 12-15, bit 11 set
// when the TB is a `rep movs`/`stos` alone (emu/rep_string.h) and its icount (at most 512,
// TCG's limit) in bits 0-10.
class IcountCache {
 public:
  using Slot = uint64_t;
  static constexpr Slot kEmpty = ~0ull;  // matches no key: no TB has size 0xffff at 0xffffffff
  static uint64_t key(uint32_t pc, uint32_t size) { return (uint64_t(pc) << 16) | (size & 0xffff); }
  static constexpr Slot kRepAlone = 1u << 11;
  static Slot pack(uint64_t key, unsigned icount, uint8_t ends, bool rep_alone = false) {
    return (key << 16) | (uint64_t(ends & 15) << 12) | (rep_alone ? kRepAlone : 0) | (icount & 0x7ff);
  }
  static bool matches(Slot s, uint64_t key) { return (s >> 16) == key; }
  static unsigned icount_of(Slot s) { return unsigned(s & 0x7ff); }
  static bool rep_alone(Slot s) { return s & kRepAlone; }
  static uint8_t ends_of(Slot s) { return uint8_t((s >> 12) & 15); }
  Slot& slot(uint32_t pc, uint32_t size) { return slots_[(pc ^ (pc >> 12) ^ size) & (kSlots - 1)]; }
  // Behind the front cache, every key seen: its icount (0 = ambiguous) and, once the block
  // was decoded after its TB was made, what its last instruction is and whether it is a lone
  // `rep movs`/`stos` — so that a block the small front cache lost is not decoded again (a
  // real kernel runs far more blocks than it holds: decoding them was half of a Linux boot).
  struct Known {
    uint16_t icount = 0;
    uint8_t ends = 0;
    bool described = false;  // ends, rep_alone and last are the current TB's
    bool rep_alone = false;
    LastInsn last;           // its last instruction (for smc_cut without decoding)
  };
  std::unordered_map<uint64_t, Known>& counts() { return counts_; }
  const std::unordered_map<uint64_t, Known>& counts() const { return counts_; }
  // The block's icount if the cache knows it for sure (front cache or map), else 0.
  unsigned known_icount(uint32_t pc, uint32_t size) {
    const uint64_t k = key(pc, size);
    if (const Slot s = slot(pc, size); matches(s, k)) return icount_of(s);
    auto it = counts_.find(k);
    return it == counts_.end() ? 0 : it->second.icount;
  }
  // The slot of the block counted last, or kEmpty: when the same block comes again straight
  // after (a loop of one block, a `rep` iteration) hook_block takes its count from here. Any
  // new TB may be that block anew with another count, so generated() and clear() drop it.
  Slot last() const { return last_; }
  void set_last(Slot s) { last_ = s; }
  // Unicorn made a TB with this count (edge hook).
  void generated(uint32_t pc, uint32_t size, uint16_t icount);
  void clear();

 private:
  Slot last_ = kEmpty;
  static constexpr size_t kSlots = 4096;
  std::unordered_map<uint64_t, Known> counts_;
  std::vector<Slot> slots_ = std::vector<Slot>(kSlots, kEmpty);
};

}  // namespace kjump
