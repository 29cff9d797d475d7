// The engine's core: construction (RAM, the unassigned region, the permanent hooks), the
// clock, and the run loop with the stops it takes from Unicorn (host-only stops, the virtual
// TLB's audit and fault stops, #UD, hlt). The rest of the engine, by job:
//   emu/block_count.cpp   the block hook and per-block instruction counting
//   emu/code_hooks.cpp    bounded code hooks: the precise deadline hook and breakpoints
//   emu/port_io.cpp       IN/OUT hooks, timed at their own instruction
//   emu/watchpoints.cpp   data watchpoints: the stop, the redo and the cut block
//   emu/run_observers.cpp the paging watch and the run observers, between blocks
//   emu/deliver.cpp       exceptions and interrupts through the guest IDT
//   emu/cpu_model.cpp     the pinned CPU model, CPUID, RDTSC; emu/cpu_state.cpp registers and state
// Hooks and code invalidation go through emu/translated_code.h, port I/O sites through
// emu/io_sites.h.
#include "emu/engine.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <stdexcept>

#include "emu/interrupt_controller.h"

namespace kjump {
namespace {

constexpr uint32_t kIF = 1u << 9;

// Physical addresses with nothing behind them (above RAM, below 4 GiB). On a PC, and in QEMU's
// unassigned memory region, a read there returns all-ones and a write is dropped, so a guest
// may probe the memory map (Linux's and our guest's probes do). They are an MMIO region of
// these two callbacks rather than unmapped memory with an UNMAPPED hook: an unbounded UNMAPPED
// hook would put every store on the slow path (docs/unicorn-fast-paths.md §3), and a bounded
// MMIO region costs nothing off it. The region has no execute permission, so an instruction
// fetch from it stops the engine (UC_ERR_FETCH_PROT) and ends with a report, as it should: a
// jump into nowhere is a guest bug, not a probe. (The audit's poison range lies above 4 GiB and
// stays unmapped.)
constexpr uint64_t k4GiB = 1ull << 32;
uint64_t unassigned_read(uc_engine*, uint64_t, unsigned size, void*) {
  return size >= 8 ? ~0ull : (1ull << (8 * size)) - 1;
}
void unassigned_write(uc_engine*, uint64_t, unsigned, uint64_t, void*) {}

}  // namespace

const char* to_string(StopReason r) {
  switch (r) {
    case StopReason::Limit: return "limit";
    case StopReason::Requested: return "requested";
    case StopReason::Idle: return "idle";
    case StopReason::HaltedForever: return "halted-forever";
    case StopReason::TripleFault: return "triple-fault";
    case StopReason::Breakpoint: return "breakpoint";
    case StopReason::Watchpoint: return "watchpoint";
    case StopReason::EngineError: return "engine-error";
  }
  return "?";
}

Engine::Engine(uint64_t ram_size) : ram_(ram_size), layout_(context_layout()) {
  if (uc_open(UC_ARCH_X86, UC_MODE_32, &uc_) != UC_ERR_OK) throw std::runtime_error("uc_open failed");
  // Pin the CPU model first thing: Unicorn 2.1.3 changed its default to Haswell, which has
  // RDRAND (host randomness). qemu32 is i686-class and is also QEMU's own default for
  // qemu-system-i386, so CPUID matches the reference machine.
  uc_ctl_set_cpu_model(uc_, UC_CPU_X86_QEMU32);
  if (uc_mem_map_ptr(uc_, 0, ram_size, UC_PROT_ALL, ram_.data()) != UC_ERR_OK)
    throw std::runtime_error("uc_mem_map_ptr failed");
  if (ram_size < k4GiB &&
      uc_mmio_map(uc_, ram_size, k4GiB - ram_size, &unassigned_read, nullptr, &unassigned_write, nullptr) != UC_ERR_OK)
    throw std::runtime_error("uc_mmio_map of unassigned memory failed");
  uc_context_alloc(uc_, &ctx_);
  if (uc_context_size(uc_) != layout_.blob_size) throw std::runtime_error("Unicorn context size changed");
  code_ = std::make_unique<TranslatedCode>(uc_, ram_);

  uc_hook h;
  uc_hook_add(uc_, &h, UC_HOOK_BLOCK, reinterpret_cast<void*>(&Engine::hook_block), this, 1, 0);
  uc_hook_add(uc_, &h, UC_HOOK_INTR, reinterpret_cast<void*>(&Engine::hook_intr), this, 1, 0);
  uc_hook_add(uc_, &h, UC_HOOK_INSN_INVALID, reinterpret_cast<void*>(&Engine::hook_invalid), this, 1, 0);
  uc_hook_add(uc_, &h, UC_HOOK_INSN, reinterpret_cast<void*>(&Engine::hook_in), this, 1, 0, UC_X86_INS_IN);
  uc_hook_add(uc_, &h, UC_HOOK_INSN, reinterpret_cast<void*>(&Engine::hook_out), this, 1, 0, UC_X86_INS_OUT);
  uc_hook_add(uc_, &h, UC_HOOK_INSN, reinterpret_cast<void*>(&Engine::hook_cpuid), this, 1, 0, UC_X86_INS_CPUID);
  uc_hook_add(uc_, &h, UC_HOOK_INSN, reinterpret_cast<void*>(&Engine::hook_rdtsc), this, 1, 0, UC_X86_INS_RDTSC);
  uc_hook_add(uc_, &h, UC_HOOK_EDGE_GENERATED, reinterpret_cast<void*>(&Engine::hook_edge), this, 1, 0);
  vtlb_ = std::make_unique<VirtualTlb>(uc_, ram_);
  sync_vtlb();

  ram_.set_write_observer([this](uint64_t pa, size_t n) { on_host_write(pa, n); });
  cpu_state_.e = this;
  clock_state_.e = this;
  build_cpuid_table();
}

Engine::~Engine() {
  code_.reset();
  if (ctx_) uc_context_free(ctx_);
  if (uc_) uc_close(uc_);
}

void Engine::map_mmio(uint64_t base, uint64_t size, std::function<uint64_t(uint64_t, unsigned)> read,
                      std::function<void(uint64_t, unsigned, uint64_t)> write) {
  auto cb = std::make_unique<std::pair<std::function<uint64_t(uint64_t, unsigned)>,
                                       std::function<void(uint64_t, unsigned, uint64_t)>>>(std::move(read),
                                                                                           std::move(write));
  auto rd = +[](uc_engine*, uint64_t off, unsigned size, void* u) -> uint64_t {
    return static_cast<decltype(cb.get())>(u)->first(off, size);
  };
  auto wr = +[](uc_engine*, uint64_t off, unsigned size, uint64_t v, void* u) {
    static_cast<decltype(cb.get())>(u)->second(off, size, v);
  };
  if (uc_mmio_map(uc_, base, size, rd, cb.get(), wr, cb.get()) != UC_ERR_OK)
    throw std::runtime_error("uc_mmio_map failed");
  mmio_.push_back(std::move(cb));
}

void Engine::invalidate_code() { code_->flush_all(); }

void Engine::on_host_write(uint64_t pa, size_t n) {
  code_->invalidate_phys(pa, n);
  // Written from inside a callback (fw_cfg DMA in an OUT): queued until the next block.
  if (code_->pending()) hf_.maint_stop = true;
}

// ---------------------------------------------------------------------------------------
// time

uint64_t Engine::retired() const { return retired_; }

uint64_t Engine::now() const { return in_io_ ? io_now_ : retired_ + idle_; }

// ---------------------------------------------------------------------------------------
// stops

void Engine::request_stop(std::string why) {
  stop_requested_ = true;
  stop_why_ = std::move(why);
  if (in_io_ && !hf_.stopping) hf_.stop_at_next_block = true;
}

bool Engine::take_tlb_stop(uc_err err, bool next_block) {
  VirtualTlb::Stop stop = vtlb_->take_stop(err);
  if (stop == VirtualTlb::Stop::Watch) {
    start_watch_redo(next_block);  // emu/watchpoints.cpp
    return true;
  }
  if (stop != VirtualTlb::Stop::Access) return false;
  // At an access: it did not happen and its instruction did not retire, the same correction
  // as for a fault. Then on from that instruction, which now gets its page.
  uint32_t at = reg(Reg::EIP);
  retired_ = exact_retired_at(at);
  vtlb_->record_access(at, retired_, retired_ + idle_);
  bp_resume_ = std::make_pair(at, retired_);  // a breakpoint there already had its stop
  in_block_ = false;
  return true;
}

bool Engine::take_tlb_fault(uc_err err) {
  if (err != UC_ERR_EXCEPTION) return false;
  VirtualTlb::Stop stop = vtlb_->take_stop(err);
  if (stop != VirtualTlb::Stop::Fault && stop != VirtualTlb::Stop::FaultAtFetch) return false;
  uint32_t at = reg(Reg::EIP);
  if (stop == VirtualTlb::Stop::Fault) {
    // The access's instruction did not retire; Unicorn's walker redoes it from its start. It
    // had passed a breakpoint on it already, and the block it was in goes on.
    retired_ = exact_retired_at(at);
    if (std::find(breakpoints_.begin(), breakpoints_.end(), at) != breakpoints_.end()) skip_breakpoint_once_ = at;
    hf_.continuing_block = true;
  }
  // FaultAtFetch: the next block's lookup failed, so that block did not start; the count stands.
  in_block_ = false;
  sync_vtlb();
  return true;
}

// ---------------------------------------------------------------------------------------
// running

uc_err Engine::emulate(uint32_t eip) {
  for (;;) {
    vtlb_->clear_stop();
    paging_cached_ = false;  // the host may have changed them since the last uc_emu_start
    code_->set_emulating(true);
    uc_err err = uc_emu_start(uc_, eip, 0, 0, 0);
    code_->set_emulating(false);
    if (take_tlb_fault(err)) {
      // A page fault to come, raised by Unicorn's walker when the access runs again: go on at
      // once, as if Unicorn had raised it itself (no events, no interrupt check in between).
      uint32_t at = reg(Reg::EIP);
      if (hf_.stopping) {
        resume_eip_ = at;  // a stop asked for before the access: take it there
        hf_.continuing_block = false;
        err = UC_ERR_OK;
      } else {
        serve_host_work();
        eip = at;
        hf_.first_block_of_run = true;
        continue;
      }
    }
    if (resume_eip_) uc_reg_write(uc_, UC_X86_REG_EIP, &*resume_eip_);
    serve_host_work();
    bool quiet = quiet_stop_ && err == UC_ERR_OK && resume_eip_ && !stop_requested_ && !pending_result_;
    quiet_stop_ = false;
    if (!quiet) {
      skip_breakpoint_once_.reset();
      return err;
    }
    // A stop only the host needed: go on from the block it stopped before, with the same
    // stop_at_ and without running events or looking for interrupts, exactly as the
    // uninterrupted uc_emu_start would have.
    eip = *resume_eip_;
    hf_.stopping = false;
    resume_eip_.reset();
    hf_.first_block_of_run = true;
  }
}

RunResult Engine::run(uint64_t limit) {
  for (;;) {
    if (finish_watch_redo()) return {StopReason::Watchpoint, ""};
    end_cut_block_at_exact_stop(limit);
    const MidBlock mid = mid_;
    if (mid == MidBlock::No) {
    events_.run_due(now());
    if (stop_requested_) {
      stop_requested_ = false;
      return {StopReason::Requested, stop_why_};
    }
    if (pending_result_) {
      auto r = *pending_result_;
      pending_result_.reset();
      return r;
    }
    if (now() >= limit) return {StopReason::Limit, ""};
    if (halted_) {
      if (interrupt_ready()) {
        halted_ = false;
        uint8_t v = ic_->acknowledge();
        if (!deliver(v, true, false, false, 0, reg(Reg::EIP))) return {StopReason::TripleFault, "triple fault"};
        continue;
      }
      if (!(reg(Reg::EFLAGS) & kIF)) return {StopReason::HaltedForever, "hlt with interrupts disabled"};
      uint64_t next = std::min(events_.next_deadline(), limit);
      if (next == kNever) return {StopReason::Idle, "halted, nothing scheduled"};
      if (next > now()) idle_ += next - now();
      continue;
    }
    if (interrupt_ready()) {
      uint8_t v = ic_->acknowledge();
      if (!deliver(v, true, false, false, 0, reg(Reg::EIP))) return {StopReason::TripleFault, "triple fault"};
      continue;
    }
    }  // mid == MidBlock::No
    stop_at_ = std::min(events_.next_deadline(), limit);
    if (mid == MidBlock::Redo) stop_at_ = std::min(stop_at_, now() + (redo_target_ - retired_));
    retired_limit_ = stop_at_ >= idle_ ? stop_at_ - idle_ : 0;

    hf_.stopping = false;
    resume_eip_.reset();
    in_block_ = false;
    // The block a watch stop cut goes on: a stop asked for at "the next block" waits for the
    // block after it, as in the uninterrupted run.
    hf_.continuing_block = mid != MidBlock::No;
    if (mid != MidBlock::No) hf_.stop_at_next_block = deferred_next_block_;
    uint32_t eip = reg(Reg::EIP);
    if (bp_resume_ && bp_resume_->first == eip && bp_resume_->second == retired_) skip_breakpoint_once_ = eip;
    bp_resume_.reset();
    hf_.first_block_of_run = true;
    uc_err err = emulate(eip);
    const bool next_block = hf_.stop_at_next_block;
    hf_.stop_at_next_block = false;  // the block ended in hlt or the run stopped otherwise
    if (mid == MidBlock::Redo) deferred_next_block_ = deferred_next_block_ || next_block;
    if (mid == MidBlock::Rest) mid_ = MidBlock::No;  // the cut block's rest ran: between blocks again
    if (err != UC_ERR_OK && take_tlb_stop(err, next_block)) continue;
    if (err == UC_ERR_INSN_INVALID) {
      // Unicorn 2.1.4 treats an INSN_INVALID hook returning true as "handled" and would
      // re-execute the instruction forever, so #UD surfaces here instead: the invalid
      // instruction did not retire, and is delivered like any fault.
      uint32_t bad = reg(Reg::EIP);
      retired_ = exact_retired_at(bad);
      in_block_ = false;
      uc_context_save(uc_, ctx_);
      reset_old_exception();
      uc_context_restore(uc_, ctx_);
      if (!deliver(6, false, false, false, 0, bad)) return {StopReason::TripleFault, "triple fault"};
      continue;
    }
    in_block_ = false;
    if (err != UC_ERR_OK) {
      char buf[200];
      uint32_t at = reg(Reg::EIP);
      if (err == UC_ERR_FETCH_PROT || err == UC_ERR_FETCH_UNMAPPED)
        std::snprintf(buf, sizeof buf,
                      "instruction fetch from physical memory with nothing behind it (no RAM) at eip=0x%08x", at);
      else
        std::snprintf(buf, sizeof buf, "Unicorn stopped: %s at eip=0x%08x", uc_strerror(err), at);
      return {StopReason::EngineError, buf};
    }
    if (!hf_.stopping) {
      // Unicorn returns on its own only after `hlt` (EIP is then past it; issue #1082).
      uint8_t prev = 0;
      uint32_t e2 = reg(Reg::EIP);
      if (read_virt(e2 - 1, &prev, 1) && prev == 0xf4) {
        halted_ = true;
      } else {
        char buf[120];
        std::snprintf(buf, sizeof buf, "emulation ended unexpectedly at eip=0x%08x", e2);
        return {StopReason::EngineError, buf};
      }
    }
    if (pending_result_ && pending_result_->reason == StopReason::Breakpoint)
      bp_resume_ = std::make_pair(reg(Reg::EIP), retired_);
    take_paging_switch();
  }
}

RunResult Engine::step(uint64_t limit) {
  if (halted_) {
    if (interrupt_ready()) return run(now() + 1);
    uint64_t next = std::min(events_.next_deadline(), limit);
    if (next == kNever)
      return {(reg(Reg::EFLAGS) & kIF) ? StopReason::Idle : StopReason::HaltedForever, "halted"};
    return run(next);
  }
  uint32_t eip = reg(Reg::EIP);
  if (std::find(breakpoints_.begin(), breakpoints_.end(), eip) != breakpoints_.end())
    bp_resume_ = std::make_pair(eip, retired_);
  return run(now() + 1);
}

}  // namespace kjump
