// Port I/O from the guest: Unicorn's IN and OUT instruction hooks, timed exactly. The k-th I/O
// callback since a block started is the block's k-th I/O instruction (EIP inside INSN hooks is
// not always synced to the instruction, even in Unicorn 2.1.4), found in the block's bytes by
// the I/O site cache (emu/io_sites.h), so a device sees now() at its own instruction. A stop
// or an interrupt the access asks for is taken at the next block boundary.
#include "emu/engine.h"

namespace kjump {

const std::vector<IoSite>* Engine::block_io_sites() {
  // Once per block that does I/O: the paging registers come from paging_cache_ and the
  // block's bytes are compared in place (copied only if the block spans two pages); the cache decodes them only
  // if they are not the bytes it decoded last time.
  if ((block_pc_ & 0xfff) + block_size_ <= 0x1000) {
    uint64_t pa;
    if (auto page = vtlb_->fetched_page(block_pc_ >> 12)) {
      pa = (uint64_t(*page) << 12) | (block_pc_ & 0xfff);  // the page the block was looked up through
    } else {
      if (!paging_cached_) {
        paging_cache_ = paging();
        paging_cached_ = true;
      }
      auto t = translate(ram_, paging_cache_, block_pc_);
      if (!t.ok) return nullptr;
      pa = t.pa;
    }
    if (!ram_.contains(pa, block_size_)) return nullptr;
    return &io_sites_.sites(pa, block_pc_, ram_.data() + pa, block_size_);
  }
  uint64_t pa = 0;
  if (read_code(block_pc_, block_size_, code_buf_, &pa) < block_size_) return nullptr;
  return &io_sites_.sites(pa, block_pc_, code_buf_.data(), block_size_);
}

void Engine::begin_io() {
  unsigned k = io_in_block_++;
  if (k == 0) block_io_ = in_block_ ? block_io_sites() : nullptr;
  unsigned index;
  if (block_io_ && k < block_io_->size())
    index = (*block_io_)[k].index;
  else  // not found (should not happen): trust EIP
    index = unsigned(exact_retired_at(reg(Reg::EIP)) - block_start_retired_);
  io_now_ = idle_ + block_start_retired_ + index;
  in_io_ = true;
}

void Engine::end_io() {
  in_io_ = false;
  // An interrupt this access made deliverable (or a stop a device asked for) is taken at the
  // end of the current block: the next block hook stops before that block runs, with a known
  // resume address. Calling uc_emu_stop here would be ambiguous: Unicorn 2.1.4 sometimes
  // finishes the block and sometimes leaves at once with a stale EIP (the block's start), and
  // resuming there repeats the I/O.
  if (!hf_.stopping && (stop_requested_ || interrupt_ready())) hf_.stop_at_next_block = true;
}

uint32_t Engine::hook_in(uc_engine*, uint32_t port, int size, void* self) {
  auto* e = static_cast<Engine*>(self);
  e->begin_io();
  uint32_t v = e->io_.read ? e->io_.read(uint16_t(port), unsigned(size)) : 0xffffffffu;
  e->end_io();
  return v;
}

void Engine::hook_out(uc_engine*, uint32_t port, int size, uint32_t value, void* self) {
  auto* e = static_cast<Engine*>(self);
  e->begin_io();
  if (e->io_.write) e->io_.write(uint16_t(port), unsigned(size), value);
  e->end_io();
}

}  // namespace kjump
