// Data watchpoints (the debugger's watch/rwatch/awatch), on the virtual TLB's poison pages
// (emu/virtual_tlb.h): an access to a page holding a watched range stops Unicorn before it
// happens. The engine then runs that one instruction again with its page granted (Redo), asks
// the callback whether the access is a stop, and otherwise lets the rest of the cut block run
// as one (Rest), so that the run, watched or not, takes the same steps between blocks: no
// events, no stops asked for and no interrupts where the unwatched run had none. run() calls
// these at its boundaries.
#include "emu/engine.h"

namespace kjump {

void Engine::set_watchpoints(std::vector<WatchRange> ranges, std::function<bool(const WatchAccess&)> is_hit) {
  vtlb_->set_watch(std::move(ranges));
  watch_is_hit_ = std::move(is_hit);
}

bool Engine::watch_overlaps(const WatchAccess& a) const {
  for (const WatchRange& w : vtlb_->watch_ranges()) {
    const uint64_t lo = w.physical ? a.pa : a.linear, hi = lo + a.size;
    if (lo < w.hi && w.lo < hi && (a.write ? w.write : w.read)) return true;
  }
  return false;
}

void Engine::start_watch_redo(bool next_block) {
  // Before a watched page's access, nothing of it done: run that instruction again with its
  // page granted (run(): Redo), then decide.
  uint32_t at = reg(Reg::EIP);
  retired_ = exact_retired_at(at);
  in_block_ = false;
  watch_access_ = vtlb_->pending_watch();
  bp_resume_ = std::make_pair(at, retired_);  // a breakpoint there already had its stop
  deferred_next_block_ = (mid_ != MidBlock::No && deferred_next_block_) || next_block;
  mid_ = MidBlock::Redo;
  redo_target_ = retired_ + 1;
  vtlb_->set_watch_grant(true);
  sync_vtlb();
}

bool Engine::finish_watch_redo() {
  if (mid_ != MidBlock::Redo || (retired_ < redo_target_ && !halted_)) return false;
  // The watched instruction ran: the watched pages go back to stopping, and the callback
  // says whether this access is a stop.
  vtlb_->set_watch_grant(false);
  sync_vtlb();
  mid_ = halted_ ? MidBlock::No : MidBlock::Rest;
  if (watch_overlaps(watch_access_) && watch_is_hit_ && watch_is_hit_(watch_access_)) {
    mid_ = MidBlock::No;
    return true;
  }
  return false;
}

void Engine::end_cut_block_at_exact_stop(uint64_t limit) {
  // Inside a block the watch cut: the run without the watch would not be between blocks
  // here, so nothing that happens between blocks happens (events, stops asked for,
  // interrupts), unless this boundary is an exact stop of its own (an event due, the limit),
  // where that run stops too and does all of it.
  if (mid_ != MidBlock::No && (events_.next_deadline() <= now() || now() >= limit)) {
    if (mid_ == MidBlock::Redo) {
      vtlb_->set_watch_grant(false);
      sync_vtlb();
    }
    mid_ = MidBlock::No;
    hf_.stop_at_next_block = false;
  }
}

}  // namespace kjump
