// Block counting: the icount cache and the decoders that count inside a block
// (emu/block_count.h), and the Engine members built on them, the block hook first.
#include "emu/block_count.h"

#include <algorithm>
#include <optional>
#include <cstddef>
#include <cstring>

#include "emu/engine.h"
#include "emu/rep_string.h"

namespace kjump {

unsigned count_insns_in(const Disassembler& d, const uint8_t* code, size_t readable, uint32_t from, uint32_t to) {
  unsigned n = 0;
  size_t off = 0;
  while (from + off < to) {
    size_t avail = std::min<size_t>({16, size_t(to - from - off) + 15, readable - std::min(readable, off)});
    unsigned len = avail ? d.length(code + off, avail, from + uint32_t(off)) : 0;
    if (!len) break;  // undecodable: the faulting instruction itself
    off += len;
    ++n;
  }
  return n;
}

bool is_plain_store(const uint8_t* b, size_t len) {
  size_t i = 0;
  while (i < len && (b[i] == 0x66 || b[i] == 0x2e || b[i] == 0x3e || b[i] == 0x26 || b[i] == 0x36 || b[i] == 0x64 ||
                     b[i] == 0x65))
    ++i;
  if (i >= len) return false;
  if (b[i] == 0xa2 || b[i] == 0xa3) return true;
  return (b[i] == 0x88 || b[i] == 0x89 || b[i] == 0xc6 || b[i] == 0xc7) && i + 1 < len && (b[i + 1] >> 6) != 3;
}

uint8_t last_insn_kind(const Disassembler& d, const uint8_t* code, size_t readable, uint32_t pc, uint32_t size,
                       LastInsn* last_out) {
  constexpr uint8_t kUnknown = kEndsCr0Write | kEndsInvlpg | kEndsPagingChange | kEndsIfSet;
  size_t off = 0, last = 0;
  while (off < size) {
    size_t avail = std::min<size_t>({16, size_t(size - off) + 15, readable - std::min(readable, off)});
    unsigned len = avail ? d.length(code + off, avail, pc + uint32_t(off)) : 0;
    if (!len) return kUnknown;
    last = off;
    off += len;
  }
  if (last_out && off == size && off <= readable)
    *last_out = LastInsn{uint32_t(last), is_plain_store(code + last, off - last), true};
  size_t n = std::min<size_t>(16, off - last);
  if (last + n > readable) return kUnknown;
  const uint8_t* b = code + last;
  size_t i = 0;
  while (i < n && (b[i] == 0x66 || b[i] == 0x67 || b[i] == 0xf2 || b[i] == 0xf3 || b[i] == 0x2e || b[i] == 0x3e ||
                   b[i] == 0x26 || b[i] == 0x36 || b[i] == 0x64 || b[i] == 0x65))
    ++i;
  if (i >= n) return kUnknown;
  if (b[i] == 0xcf) return kEndsPagingChange | kEndsIfSet;                  // iret
  if (b[i] == 0xfb || b[i] == 0x9d) return kEndsIfSet;                      // sti, popf
  if (b[i] == 0xea || b[i] == 0x9a) return kEndsPagingChange;               // ljmp, lcall
  if (b[i] == 0xff && i + 1 < n) {
    const unsigned reg = (b[i + 1] >> 3) & 7, mod = b[i + 1] >> 6;
    if ((reg == 3 || reg == 5) && mod != 3) return kEndsPagingChange;  // lcall/ljmp m16:32
  }
  if (i + 2 >= n || b[i] != 0x0f) return 0;
  const unsigned reg = (b[i + 2] >> 3) & 7, mod = b[i + 2] >> 6;
  if (b[i + 1] == 0x22 && reg == 0) return kEndsCr0Write | kEndsPagingChange;  // mov r32, %cr0
  if (b[i + 1] == 0x22 && (reg == 3 || reg == 4)) return kEndsPagingChange;   // mov r32, %cr3/%cr4
  if (b[i + 1] == 0x01 && reg == 7 && mod != 3) return kEndsInvlpg;           // invlpg m
  return 0;
}

void IcountCache::generated(uint32_t pc, uint32_t size, uint16_t icount) {
  uint64_t k = key(pc, size);
  auto [it, inserted] = counts_.try_emplace(k, Known{icount});
  if (!inserted && it->second.icount != icount) it->second.icount = 0;
  // A newly generated TB may replace one with the same (pc, size) but other bytes: its last
  // instruction is decoded anew, and the front cache answers for it only after that.
  it->second.described = false;
  Slot& s = slot(pc, size);
  if (matches(s, k)) s = kEmpty;
  last_ = kEmpty;
}

void IcountCache::clear() {
  last_ = kEmpty;
  counts_.clear();
  std::fill(slots_.begin(), slots_.end(), kEmpty);
}

// ---------------------------------------------------------------------------------------
// Engine members: the block hook, then the counting it and the stops use

void Engine::BlockHookFlags::set_only_check_after(uint8_t v) {
  // (bytes in memory order: the host is little-endian x86)
  const uint64_t w = uint64_t(v) << (8 * offsetof(BlockHookFlags, check_after));
  std::memcpy(this, &w, sizeof w);
}

[[gnu::always_inline]] inline bool Engine::count_block(uint32_t pc, uint32_t size, IcountCache::Slot s, bool again) {
  const uint64_t r = retired_, n = IcountCache::icount_of(s);
  if (r + n > retired_limit_) return false;  // the deadline is inside it: on_block
  if (!again) {
    block_pc_ = pc;
    block_size_ = size;
    in_block_ = true;
    icounts_.set_last(s);
  }
  block_start_retired_ = r;
  retired_ = r + n;
  precise_count_ = 0;
  io_in_block_ = 0;
  hf_.set_only_check_after(IcountCache::ends_of(s));
  return true;
}

void Engine::hook_block(uc_engine*, uint64_t addr, uint32_t size, void* self) {
  auto* e = static_cast<Engine*>(self);
  const uint32_t pc = uint32_t(addr);
  // The common case, exactly what on_block does when nothing is pending: count the block and
  // go on. Anything else (a flag in hf_, a TB not in the front cache, a deadline inside it)
  // takes on_block. Every call from here is a tail call, so this path saves no registers.
  if (__builtin_expect(!e->hf_.any() && !(((pc >> 12) ^ e->vtlb_page_) & e->vtlb_page_mask_), 1)) {
    const uint64_t key = IcountCache::key(pc, size);
    // The same block again, straight after itself (nothing generated in between): its count
    // is the one just used, and it cannot start inside itself. Else the front cache.
    IcountCache::Slot s = e->icounts_.last();
    const bool again = IcountCache::matches(s, key) && e->in_block_;
    if (again || !e->starts_inside_block(pc, size)) {
      if (!again) s = e->icounts_.slot(pc, size);
      if (IcountCache::matches(s, key)) {
        // A `rep movs`/`stos` alone: the host may do its iterations (emu/rep_string.h).
        if (IcountCache::rep_alone(s) && !(again && e->rep_declined_)) return e->on_rep_block(pc, size, s, again);
        if (e->count_block(pc, size, s, again)) return;
      }
    }
  }
  e->on_block(pc, size);
}

// Out of line (hook_block's common path makes no calls that return to it): rep_on_host moves
// retired_ on by the block runs it saves, then the block is counted as any other.
[[gnu::noinline]] void Engine::on_rep_block(uint32_t pc, uint32_t size, IcountCache::Slot s, bool again) {
  rep_on_host(pc, size);
  if (!count_block(pc, size, s, again)) on_block(pc, size);
}

// Kept out of line: hook_block then needs no callee-saved registers on its common path.
[[gnu::noinline]] void Engine::on_block(uint32_t pc, uint32_t size) {
  if (hf_.check_after & kEndsInvlpg) {
    // Before this block's accesses: the entries the invlpg should have dropped go now.
    hf_.check_after &= uint8_t(~kEndsInvlpg);
    vtlb_->after_invlpg();
  }
  if (hf_.stopping) return;
  if (hf_.check_after & kEndsPagingChange) {
    hf_.check_after &= uint8_t(~kEndsPagingChange);
    paging_cached_ = false;
    if (run_obs_.cr3) {
      uint32_t cr3 = reg(Reg::CR3);
      if (cr3 != last_cr3_) {
        last_cr3_ = cr3;
        run_obs_.cr3(cr3, retired_, retired_ + idle_);
      }
    }
  }
  if (starts_inside_block(pc, size)) {
    // The block before may have been cut short at pc by a store into itself: then only the
    // instructions before pc ran of it, and the rest is counted by the blocks from pc. That
    // block is one instruction (smc_cut_in): one known to hold more (a loop's head inside the
    // block before, all the time in a real kernel) needs no decoding to be told apart.
    const unsigned known = icounts_.known_icount(pc, size);
    if (known == 0 || known == 1)
      if (auto k = smc_cut(pc, size)) retired_ = block_start_retired_ + *k;
  }
  // The block before may have set IF (sti, popf, iret): an interrupt that became pending while
  // IF was 0 found no taker then (an I/O access asks for a stop only if it is deliverable), so
  // it is looked for here. In sti's shadow this block is its one instruction (QEMU translates
  // it alone): the bit stays, to look again after it (also when this block stops first).
  if (hf_.check_after & kEndsIfSet) {
    if (interrupt_ready()) hf_.stop_at_next_block = true;
    if (!interrupt_in_shadow()) hf_.check_after &= uint8_t(~kEndsIfSet);
  }
  if ((hf_.stop_at_next_block || hf_.maint_stop) && !hf_.continuing_block) {
    quiet_stop_ = !hf_.stop_at_next_block;
    hf_.stop_at_next_block = false;
    hf_.maint_stop = false;
    stop_from_hook(pc);
    return;
  }
  // CR0 changes only by `mov to CR0`, which ends its TB: look at CR0 only at the block after
  // such a TB (or after the host touched the CPU), not at every block.
  if (hf_.check_after & kEndsCr0Write) {
    hf_.check_after &= uint8_t(~kEndsCr0Write);
    bool pg = reg(Reg::CR0) >> 31;
    if (pg != last_paging_) {
      // Report between blocks, outside emulation: the callback may add hooks and read state.
      last_paging_ = pg;
      paging_event_ = std::make_pair(pg, pc);
      stop_from_hook(pc);
      return;
    }
  }
  unsigned n = block_icount(pc, size);
  uint64_t t = retired_ + idle_;
  bool instrumented = hf_.precise_active && pc >= precise_lo_ && pc < precise_hi_;
  if (!instrumented && t + n > stop_at_) {
    // The stop point is inside this block: once stopped, retranslate it with a code hook
    // that counts instruction by instruction (serve_host_work), and come back to it.
    if (t < stop_at_) precise_request_ = std::make_pair(pc, size);
    stop_from_hook(pc);
    return;
  }
  if (hf_.vtlb_watch || vtlb_page_mask_) {
    if (run_obs_.phys_code && vtlb_page_mask_ && (pc >> 12) != vtlb_->code_page())
      run_obs_.phys_code(pc, retired_, retired_ + idle_);
    vtlb_->on_block(pc, size);
    sync_vtlb();  // a walk on Unicorn's walker may have ended, the audit's code page changed
  }
  block_pc_ = pc;
  block_size_ = size;
  block_start_retired_ = retired_;
  retired_ += n;
  in_block_ = true;
  rep_declined_ = false;
  // Only a count the front cache holds may serve this block's next run straight after (an
  // ambiguous key, answered by Unicorn each time, never does).
  const IcountCache::Slot& slot = icounts_.slot(pc, size);
  icounts_.set_last(IcountCache::matches(slot, IcountCache::key(pc, size)) ? slot : IcountCache::kEmpty);
  hf_.continuing_block = false;
  precise_count_ = 0;
  io_in_block_ = 0;
  hf_.check_after = uint8_t(tb_end_ | (hf_.check_after & kEndsIfSet));
}

std::optional<unsigned> smc_cut_in(const Disassembler& d, const uint8_t* code, size_t readable, uint32_t block_pc,
                                   uint32_t block_size, uint32_t pc, uint32_t size) {
  // Unicorn runs the store alone in a block of one instruction (cflags count 1) at pc. A
  // natural block that starts at an instruction of the block before, other than its last,
  // is longer than that one instruction: an instruction that ends blocks by itself (a branch,
  // `rep`, ...) would have ended the block before there. So a one-instruction block at an
  // instruction of the block before, other than its last, is the store's. At its last
  // instruction both are possible (`rep stos` runs as such blocks, a loop may jump to its
  // own last instruction), so only a plain `mov` to memory is taken: it never ends a block.
  size_t off = 0;
  unsigned k = 0;
  const uint32_t want = pc - block_pc;
  while (off < want) {
    size_t avail = std::min<size_t>(16, readable - std::min(readable, off));
    unsigned len = avail ? d.length(code + off, avail, block_pc + uint32_t(off)) : 0;
    if (!len) return std::nullopt;
    off += len;
    ++k;
  }
  if (off != want) return std::nullopt;  // pc is not an instruction boundary of the block (as it is now)
  size_t avail = std::min<size_t>(16, readable - std::min(readable, off));
  unsigned len = avail ? d.length(code + off, avail, pc) : 0;
  if (!len || len != size) return std::nullopt;  // a longer block: a natural one
  if (want + len < block_size) return k;
  // The last instruction of the block before: only a plain mov to memory.
  if (is_plain_store(code + off, len)) return k;
  return std::nullopt;
}

std::optional<unsigned> Engine::smc_cut(uint32_t pc, uint32_t size) const {
  // The common one-instruction block inside the block before is its last instruction run
  // again alone: a `rep` string's further iterations. The block before was described when it
  // was counted (IcountCache::Known::last), so that case needs no decoding.
  auto prev = icounts_.counts().find(IcountCache::key(block_pc_, block_size_));
  if (prev != icounts_.counts().end() && prev->second.described && prev->second.icount && prev->second.last.known &&
      pc == block_pc_ + prev->second.last.offset && size == block_size_ - prev->second.last.offset)
    return prev->second.last.plain_store ? std::optional<unsigned>(prev->second.icount - 1u) : std::nullopt;
  size_t readable = read_code(block_pc_, size_t(block_size_) + 15, code_buf_);
  return smc_cut_in(disasm_, code_buf_.data(), readable, block_pc_, block_size_, pc, size);
}

unsigned Engine::count_insns(uint32_t from, uint32_t to) const {
  // The bytes are read once (with the up to 15 bytes an instruction may reach past `to`),
  // as far as they are readable, and the paging registers once.
  if (from >= to) return 0;
  size_t readable = read_code(from, size_t(to - from) + 15, code_buf_);
  return count_insns_in(disasm_, code_buf_.data(), readable, from, to);
}

uint64_t Engine::exact_retired_at(uint32_t eip) const {
  if (!in_block_ || eip < block_pc_ || eip >= block_pc_ + block_size_) return retired_;
  return block_start_retired_ + count_insns(block_pc_, eip);
}

bool Engine::lone_rep_string(uint32_t pc, uint32_t size) const {
  size_t readable = read_code(pc, size, code_buf_);
  auto r = decode_rep_string(code_buf_.data(), readable);
  return r && r->length == size;
}

uint8_t Engine::block_end_kind(uint32_t pc, uint32_t size, LastInsn* last) const {
  // The last instruction of the TB: QEMU ends a TB after every write to a control register
  // and after every invlpg.
  size_t readable = read_code(pc, size_t(size) + 15, code_buf_);
  return last_insn_kind(disasm_, code_buf_.data(), readable, pc, size, last);
}

unsigned Engine::block_icount(uint32_t pc, uint32_t size) {
  auto key = IcountCache::key(pc, size);
  IcountCache::Slot& slot = icounts_.slot(pc, size);
  auto& counts = icounts_.counts();
  // The block as decoded now: its last instruction's kind (tb_end_) and, for a one-instruction
  // block, whether it is a lone rep string; kept with the key and in the front cache.
  LastInsn last;
  auto describe = [&](IcountCache::Known& k) {
    k.last = last;
    k.ends = tb_end_;
    k.rep_alone = k.icount == 1 && lone_rep_string(pc, size);
    k.described = true;
    slot = IcountCache::pack(key, k.icount, k.ends, k.rep_alone);
  };
  if (hf_.first_block_of_run) {
    // The first TB of a uc_emu_start may have been generated without an edge-hook call, so
    // the cache cannot know whether it replaced a TB with the same (pc, size): ask Unicorn.
    hf_.first_block_of_run = false;
    tb_end_ = block_end_kind(pc, size, &last);
    uc_tb tb{};
    if (uc_ctl_request_cache(uc_, pc, &tb) == UC_ERR_OK && tb.size == size && tb.icount) {
      auto [it, inserted] = counts.try_emplace(key, IcountCache::Known{tb.icount});
      if (!inserted && it->second.icount != tb.icount) it->second.icount = 0;
      if (it->second.icount)
        describe(it->second);
      else
        slot = IcountCache::kEmpty;
      return tb.icount;
    }
    return count_insns(pc, pc + size);
  }
  if (IcountCache::matches(slot, key)) {
    tb_end_ = IcountCache::ends_of(slot);
    return IcountCache::icount_of(slot);
  }
  auto it = counts.find(key);
  if (it != counts.end() && it->second.icount) {
    IcountCache::Known& k = it->second;
    if (k.described) {
      tb_end_ = k.ends;
      slot = IcountCache::pack(key, k.icount, k.ends, k.rep_alone);
    } else {
      tb_end_ = block_end_kind(pc, size, &last);
      describe(k);
    }
    return k.icount;
  }
  tb_end_ = block_end_kind(pc, size);
  uc_tb tb{};
  if (uc_ctl_request_cache(uc_, pc, &tb) == UC_ERR_OK && tb.size == size && tb.icount) {
    if (it == counts.end()) counts[key] = IcountCache::Known{tb.icount};
    return tb.icount;
  }
  // Unusual TB (e.g. a one-instruction TB after self-modifying code): decode it.
  return count_insns(pc, pc + size);
}

void Engine::hook_edge(uc_engine*, uc_tb* cur, uc_tb*, void* self) {
  auto* e = static_cast<Engine*>(self);
  e->icounts_.generated(uint32_t(cur->pc), cur->size, cur->icount);
  e->vtlb_->on_generated(uint32_t(cur->pc), cur->size);
}

}  // namespace kjump
