// Block counting: the icount cache and the decoders that count inside a block
// (emu/block_count.h), and the Engine members built on them.
#include "emu/block_count.h"

#include <algorithm>

#include "emu/engine.h"

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

uint8_t last_insn_kind(const Disassembler& d, const uint8_t* code, size_t readable, uint32_t pc, uint32_t size) {
  constexpr uint8_t kUnknown = kEndsCr0Write | kEndsInvlpg;
  size_t off = 0, last = 0;
  while (off < size) {
    size_t avail = std::min<size_t>({16, size_t(size - off) + 15, readable - std::min(readable, off)});
    unsigned len = avail ? d.length(code + off, avail, pc + uint32_t(off)) : 0;
    if (!len) return kUnknown;
    last = off;
    off += len;
  }
  size_t n = std::min<size_t>(16, off - last);
  if (last + n > readable) return kUnknown;
  const uint8_t* b = code + last;
  size_t i = 0;
  while (i < n && (b[i] == 0x66 || b[i] == 0x67 || b[i] == 0xf2 || b[i] == 0xf3 || b[i] == 0x2e || b[i] == 0x3e ||
                   b[i] == 0x26 || b[i] == 0x36 || b[i] == 0x64 || b[i] == 0x65))
    ++i;
  if (i + 2 >= n || b[i] != 0x0f) return 0;
  const unsigned reg = (b[i + 2] >> 3) & 7, mod = b[i + 2] >> 6;
  if (b[i + 1] == 0x22 && reg == 0) return kEndsCr0Write;             // mov r32, %cr0
  if (b[i + 1] == 0x01 && reg == 7 && mod != 3) return kEndsInvlpg;    // invlpg m
  return 0;
}

void IcountCache::generated(uint32_t pc, uint32_t size, uint16_t icount) {
  uint64_t k = key(pc, size);
  auto [it, inserted] = counts_.try_emplace(k, icount);
  if (!inserted && it->second != icount) it->second = 0;
  // A newly generated TB may replace one with the same (pc, size) but another icount:
  // never let the front cache answer for such a key.
  Slot& s = slot(pc, size);
  if (s.key == k && s.icount != icount) s = Slot{};
}

void IcountCache::clear() {
  counts_.clear();
  std::fill(slots_.begin(), slots_.end(), Slot{});
}

// ---------------------------------------------------------------------------------------
// Engine members

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

uint8_t Engine::block_end_kind(uint32_t pc, uint32_t size) const {
  // The last instruction of the TB: QEMU ends a TB after every write to a control register
  // and after every invlpg.
  size_t readable = read_code(pc, size_t(size) + 15, code_buf_);
  return last_insn_kind(disasm_, code_buf_.data(), readable, pc, size);
}

unsigned Engine::block_icount(uint32_t pc, uint32_t size) {
  auto key = IcountCache::key(pc, size);
  IcountCache::Slot& slot = icounts_.slot(pc, size);
  auto& counts = icounts_.counts();
  if (first_block_of_run_) {
    // The first TB of a uc_emu_start may have been generated without an edge-hook call, so
    // the cache cannot know whether it replaced a TB with the same (pc, size): ask Unicorn.
    first_block_of_run_ = false;
    tb_end_ = block_end_kind(pc, size);
    uc_tb tb{};
    if (uc_ctl_request_cache(uc_, pc, &tb) == UC_ERR_OK && tb.size == size && tb.icount) {
      auto [it, inserted] = counts.try_emplace(key, tb.icount);
      if (!inserted && it->second != tb.icount) it->second = 0;
      slot = it->second ? IcountCache::Slot{key, it->second, tb_end_} : IcountCache::Slot{};
      return tb.icount;
    }
    return count_insns(pc, pc + size);
  }
  if (slot.key == key) {
    tb_end_ = slot.ends;
    return slot.icount;
  }
  tb_end_ = block_end_kind(pc, size);
  auto it = counts.find(key);
  if (it != counts.end() && it->second) {
    slot = {key, it->second, tb_end_};
    return it->second;
  }
  uc_tb tb{};
  if (uc_ctl_request_cache(uc_, pc, &tb) == UC_ERR_OK && tb.size == size && tb.icount) {
    if (it == counts.end()) counts[key] = tb.icount;
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
