// Session::resume / step: the debugger's run control. The same slices as advance() (recorded
// inputs at their times, periodic and ladder checkpoints), stopping at breakpoints the user
// set, and checking the driver's interrupt flag between slices (Ctrl-C on a running `c`).
#include <algorithm>
#include <set>

#include "session/session.h"

namespace kjump {
namespace {

// Between two looks at the interrupt flag: long enough not to cost anything, short enough
// that Ctrl-C answers at once (a few ms of host time).
constexpr uint64_t kInterruptSlice = 2'000'000;

DebugStop fault_stop(Machine& m, const RunResult& r) {
  return {DebugStop::Kind::Fault, 0,
          std::string("guest stopped: ") + to_string(r.reason) + (r.detail.empty() ? "" : " (" + r.detail + ")") +
              "\n" + m.fault_report(),
          0, r.reason};
}

DebugStop idle_stop() {
  return {DebugStop::Kind::Fault, 0, "guest idle with nothing scheduled: nothing can wake it", 0, StopReason::Idle};
}

}  // namespace

void Session::sync_engine_breakpoints() {
  Engine& e = m_->engine();
  std::set<uint32_t> want = bps_.engine_addresses();
  std::vector<uint32_t> have = e.breakpoints();
  for (uint32_t a : have)
    if (!want.count(a)) e.remove_breakpoint(a);
  for (uint32_t a : want)
    if (std::find(have.begin(), have.end(), a) == have.end()) e.add_breakpoint(a);
}

void Session::sync_engine_watchpoints(bool active) {
  Engine& e = m_->engine();
  if (!active || bps_.watches().empty()) {
    e.set_watchpoints({}, nullptr);
    return;
  }
  bps_.refresh_watch_values(*m_);
  e.set_watchpoints(bps_.engine_watch_ranges(), [this](const WatchAccess& a) {
    std::string report;
    auto id = bps_.watch_hit(*m_, a, &report, watch_hits_ == nullptr);
    if (!id) return false;
    if (watch_hits_) {
      // A reverse scan: noted, and the run goes on as it went.
      watch_hits_->emplace_back(m_->engine().retired(), *id);
      return false;
    }
    const Watchpoint* w = bps_.find_watch(*id);
    // gdb matches the reported address against its watchpoints' ranges: never below the range.
    uint64_t at = w && w->physical ? a.pa : a.linear;
    if (w && at < w->addr) at = w->addr;
    last_watch_ = WatchStop{*id, std::move(report), at};
    return true;
  });
}

std::optional<unsigned> Session::breakpoint_at_eip(std::string* error) {
  Engine& e = m_->engine();
  uint32_t eip = e.reg(Reg::EIP);
  return bps_.hit(*m_, eip, e.virt_to_phys(eip), true, error);
}

DebugStop Session::resume(const Duration& d, bool use_breakpoints) {
  Machine& m = *m_;
  sync_engine_breakpoints();
  sync_engine_watchpoints(use_breakpoints);
  const bool by_time = d.unit == Duration::Unit::VirtualNs;
  const uint64_t start = by_time ? m.now() : m.engine().retired();
  const uint64_t target = d.amount > kNever - start ? kNever - 1 : start + d.amount;
  const uint64_t r_start = m.engine().retired(), t_start = m.now();
  for (;;) {
    if (!m.power().on) {
      std::string why = "the guest powered off";
      if (m.power().exit_status) why += " (isa-debug-exit status " + std::to_string(*m.power().exit_status) + ")";
      if (!m.power().guest_reset.empty()) why = "the guest reset the machine (" + m.power().guest_reset + "; the run ends, as QEMU's -no-reboot)";
      return {DebugStop::Kind::PoweredOff, 0, why};
    }
    uint64_t pos = by_time ? m.now() : m.engine().retired();
    if (pos >= target) return {DebugStop::Kind::Deadline, 0, ""};
    if (interrupt_ && interrupt_->exchange(false)) return {DebugStop::Kind::Interrupted, 0, ""};
    uint64_t limit = m.now() + std::min(target - pos, kInterruptSlice);
    RunResult r;
    try {
      run_slice(limit, r);
    } catch (const ReplayDiverged& e) {
      return {DebugStop::Kind::Fault, 0, e.what()};
    }
    if (periodic_divergence_) {
      std::string why = std::move(*periodic_divergence_);
      periodic_divergence_.reset();
      return {DebugStop::Kind::Fault, 0, why};
    }
    switch (r.reason) {
      case StopReason::TripleFault:
      case StopReason::EngineError:
      case StopReason::HaltedForever: return fault_stop(m, r);
      case StopReason::Idle:
        return idle_stop();
      case StopReason::Breakpoint:
        // Continuing from a breakpoint does not report it again before anything ran.
        if (use_breakpoints && (m.engine().retired() != r_start || m.now() != t_start))
          if (std::string err; auto id = breakpoint_at_eip(&err)) return {DebugStop::Kind::Breakpoint, *id, err};
        break;  // an alias of a physical breakpoint that maps elsewhere now: not a hit
      case StopReason::Watchpoint:
        if (use_breakpoints) return {DebugStop::Kind::Watchpoint, last_watch_.id, last_watch_.report, last_watch_.addr};
        break;
      case StopReason::Limit:
      case StopReason::Requested: break;
    }
  }
}

DebugStop Session::step(uint64_t n) {
  Machine& m = *m_;
  sync_engine_breakpoints();
  sync_engine_watchpoints(true);
  for (uint64_t i = 0; i < n; ++i) {
    if (!m.power().on) return {DebugStop::Kind::PoweredOff, 0, "the guest powered off"};
    uint64_t r0 = m.engine().retired(), t0 = m.now();
    RunResult r;
    for (;;) {
      uint64_t limit = kNever;
      try {
        limit = feed_limit(kNever);
      } catch (const ReplayDiverged& e) {
        return {DebugStop::Kind::Fault, 0, e.what()};
      }
      r = m.step(limit);
      // A stop at a breakpoint on the next instruction before anything retired is the engine's
      // own bookkeeping (the step had not begun): step again.
      if (r.reason == StopReason::Breakpoint && m.engine().retired() == r0 && m.now() == t0) continue;
      break;
    }
    uint64_t r1 = m.engine().retired(), t1 = m.now();
    if (r1 > r0) instructions_ += r1 - r0;
    if (t1 > t0) virtual_ns_ += t1 - t0;
    high_water_ = std::max(high_water_, r1);
    ladder_after_run();
    switch (r.reason) {
      case StopReason::TripleFault:
      case StopReason::EngineError:
      case StopReason::HaltedForever: return fault_stop(m, r);
      case StopReason::Idle:
        return idle_stop();
      case StopReason::Watchpoint: return {DebugStop::Kind::Watchpoint, last_watch_.id, last_watch_.report, last_watch_.addr};
      default: break;
    }
  }
  return {DebugStop::Kind::Stepped, 0, ""};
}

}  // namespace kjump
