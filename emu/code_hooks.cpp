// The engine's bounded code hooks: the precise deadline hook, which counts instruction by
// instruction through the one block a deadline falls inside (docs/unicorn-reference.md §b),
// and breakpoints. Both are made and removed through TranslatedCode (emu/translated_code.h),
// never with uc_hook_add/uc_hook_del here: it queues every change asked for while Unicorn
// runs, retranslates a removed hook's whole range and keeps each hook's user data alive for
// the engine's lifetime, so no translated block can call a removed hook (the "jump to 0" of
// a stale inline hook). serve_host_work does the queued changes after each uc_emu_start.
#include <algorithm>

#include "emu/engine.h"

namespace kjump {

// A stop asked for from inside emulation (these handlers, the block hook); the run resumes at
// resume_eip. Defined beside the handlers so that they keep it inline, as before the split.
void Engine::stop_from_hook(uint32_t resume_eip) {
  hf_.stopping = true;
  resume_eip_ = resume_eip;
  uc_emu_stop(uc_);
}

void Engine::precise_handler(void* self, uint32_t addr) { static_cast<Engine*>(self)->on_precise(addr); }

void Engine::on_precise(uint32_t addr) {
  if (hf_.stopping || !in_block_) return;
  uint64_t done = block_start_retired_ + precise_count_;
  if (done + idle_ >= stop_at_) {
    retired_ = done;
    precise_done_ = true;
    stop_from_hook(addr);
    return;
  }
  ++precise_count_;
}

void Engine::breakpoint_handler(void* self, uint32_t addr) { static_cast<Engine*>(self)->on_breakpoint(addr); }

void Engine::on_breakpoint(uint32_t addr) {
  if (hf_.stopping) return;
  if (std::find(breakpoints_.begin(), breakpoints_.end(), addr) == breakpoints_.end()) return;
  if (skip_breakpoint_once_ && *skip_breakpoint_once_ == addr) {
    skip_breakpoint_once_.reset();
    return;
  }
  retired_ = exact_retired_at(addr);
  pending_result_ = RunResult{StopReason::Breakpoint, ""};
  stop_from_hook(addr);
}

// A breakpoint is on a virtual address in every address space: adding one retranslates
// everything; removing one retranslates the blocks that contain it (emu/translated_code.h).
// Called from inside a callback, the change waits for the next block boundary.
void Engine::add_breakpoint(uint32_t addr) {
  if (bp_hooks_.count(addr)) return;
  bp_hooks_[addr] = code_->add_hook(addr, addr, &Engine::breakpoint_handler, this, TranslatedCode::OnAdd::All);
  breakpoints_.push_back(addr);
  if (code_->pending()) hf_.maint_stop = true;
}

void Engine::remove_breakpoint(uint32_t addr) {
  auto it = bp_hooks_.find(addr);
  if (it == bp_hooks_.end()) return;
  code_->remove_hook(it->second);
  bp_hooks_.erase(it);
  breakpoints_.erase(std::remove(breakpoints_.begin(), breakpoints_.end(), addr), breakpoints_.end());
  if (code_->pending()) hf_.maint_stop = true;
}

void Engine::serve_host_work() {
  // The precise hook stays until it has stopped at its deadline (the stop that armed it came
  // from the block hook, before the retranslated block ever ran) or another block needs it.
  if (hf_.precise_active && (precise_done_ || precise_request_)) {
    code_->remove_hook(precise_hook_);
    hf_.precise_active = false;
    precise_done_ = false;
  }
  if (precise_request_) {
    auto [pc, size] = *precise_request_;
    precise_request_.reset();
    precise_hook_ = code_->add_hook(pc, pc + size - 1, &Engine::precise_handler, this, TranslatedCode::OnAdd::Range);
    hf_.precise_active = true;
    precise_lo_ = pc;
    precise_hi_ = pc + size;
  }
  code_->apply();  // what callbacks queued: host writes, breakpoint changes
}

}  // namespace kjump
