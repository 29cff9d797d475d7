// What the engine tells those outside it about a run, between blocks and outside emulation:
// the paging watch (the kexec audits) and the run observers (the run report,
// replay/run_recorder.h). The block hook only notes a paging switch (paging_event_) and stops;
// the switch is handled here once Unicorn has returned, so the callbacks may add hooks and
// read state. The observers that must see a block as it starts (CR3, physical code pages) are
// called from the block hook itself (emu/block_count.cpp), behind a null test.
#include "emu/engine.h"

namespace kjump {

void Engine::set_paging_watch(std::function<void(bool, uint32_t)> cb) {
  paging_cb_ = std::move(cb);
  hf_.check_after |= kEndsCr0Write;
  last_paging_ = reg(Reg::CR0) >> 31;
}

void Engine::set_run_observers(RunObservers o) {
  run_obs_ = std::move(o);
  last_cr3_ = reg(Reg::CR3);
}

void Engine::take_paging_switch() {
  if (!paging_event_) return;
  auto ev = *paging_event_;
  paging_event_.reset();
  vtlb_->follow(ev.first);  // a paging switch: fresh code marks (and blocks) for the stretch
  sync_vtlb();
  if (paging_cb_) paging_cb_(ev.first, ev.second);
  if (run_obs_.paging) run_obs_.paging(ev.first, ev.second);
}

}  // namespace kjump
