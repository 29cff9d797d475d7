// Session::advance: running the machine until what the caller waits for is seen, a deadline
// passes, or the guest stops by itself. Stops come only from the guest (its output, its
// timers) and the caller's numbers, never from the host.
#include <algorithm>

#include "session/session.h"

namespace kjump {

uint64_t Session::feed_limit(uint64_t limit) {
  if (!feed_) return limit;
  Machine& m = *m_;
  // Recorded inputs due now go in as the recording host put them in: after everything the
  // driver did at this instant, before the guest runs on.
  feed_->apply_due(m, [this](const InputEvent& e) {
    if (e.kind == InputKind::PowerOn) {
      cursor_ = output().size();
      if (rec_) rec_->power_on();
    }
    if (e.kind == InputKind::PowerOff && rec_) rec_->power_off("power off by the host (replayed)");
  });
  uint64_t next = feed_->next_time(m);
  if (next > m.now()) limit = std::min(limit, next);
  return limit;
}

void Session::run_slice(uint64_t limit, RunResult& r) {
  Machine& m = *m_;
  limit = feed_limit(limit);
  // Periodic checkpoints stop the machine at exact multiples of N retired instructions: while
  // the guest runs, virtual time and instructions advance together, so a time limit N
  // instructions ahead lands on it (a halt in between only means another slice). Not while
  // re-running history: those checkpoints were already taken.
  uint64_t every = quiet_ ? 0 : opt_.checkpoint_every, next_auto = 0;
  if (every) {
    next_auto = (m.engine().retired() / every + 1) * every;
    limit = std::min(limit, m.now() + (next_auto - m.engine().retired()));
  }
  // The reverse-execution ladder stops the machine the same way (only when it is kept).
  if (history_enabled()) {
    uint64_t due = history_.next_due();
    if (due > m.engine().retired()) limit = std::min(limit, m.now() + (due - m.engine().retired()));
  }
  uint64_t r0 = m.engine().retired(), t0 = m.now();
  r = m.run(limit);
  uint64_t r1 = m.engine().retired(), t1 = m.now();
  if (every && r1 == next_auto) {
    std::string name = "every-" + std::to_string(every);
    if (auto d = checkpoint(name))
      periodic_divergence_ = "diverged from the golden trace at checkpoint '" + d->checkpoint + "': " + d->summary;
  }
  if (r1 > r0) instructions_ += r1 - r0;
  if (t1 > t0) virtual_ns_ += t1 - t0;
  high_water_ = std::max(high_water_, r1);
  if (rec_ && !quiet_) rec_->after_run();
  ladder_after_run();
}

AdvanceEnd Session::advance(const Duration& d, const std::function<Seen(bool)>& seen, uint64_t time_cap) {
  Machine& m = *m_;
  sync_engine_watchpoints(false);
  const bool by_time = d.unit == Duration::Unit::VirtualNs;
  const uint64_t start = by_time ? m.now() : m.engine().retired();
  const uint64_t target = d.amount > kNever - start ? kNever - 1 : start + d.amount;
  const uint64_t time_limit = time_cap > kNever - m.now() ? kNever - 1 : m.now() + time_cap;
  std::optional<uint64_t> quiet_at;  // when a tentative match will be taken
  tentative_armed_ = false;
  auto finished = [&](bool accept) {
    if (!seen) return false;
    Seen s = seen(accept);
    if (s == Seen::Tentative && !quiet_at) {
      quiet_at = m.now() + kQuietTime;
      tentative_armed_ = true;
    }
    return s == Seen::Done;
  };
  // The output hook asks `seen` only while this wait is in progress.
  struct Watch {
    Session& s;
    Watch(Session& s, const std::function<Seen(bool)>* w) : s(s) { s.waiting_ = w; }
    ~Watch() { s.waiting_ = nullptr; }
  } watch(*this, seen ? &seen : nullptr);

  for (;;) {
    if (finished(quiet_at && m.now() >= *quiet_at)) return {AdvanceEnd::End::Done, ""};
    if (!m.power().on) {
      if (finished(true)) return {AdvanceEnd::End::Done, ""};
      std::string why = "the guest powered off";
      if (m.power().exit_status) why += " (isa-debug-exit status " + std::to_string(*m.power().exit_status) + ")";
      if (!m.power().guest_reset.empty()) why = "the guest reset the machine (" + m.power().guest_reset + "; the run ends, as QEMU's -no-reboot)";
      return {AdvanceEnd::End::PoweredOff, why};
    }
    uint64_t pos = by_time ? m.now() : m.engine().retired();
    if (pos >= target || m.now() >= time_limit) {
      if (finished(true)) return {AdvanceEnd::End::Done, ""};
      return {AdvanceEnd::End::Deadline, ""};
    }
    uint64_t limit = by_time ? target : m.now() + (target - pos);
    limit = std::min(limit, time_limit);
    if (quiet_at) limit = std::min(limit, std::max(*quiet_at, m.now()));
    RunResult r;
    try {
      run_slice(limit, r);
    } catch (const ReplayDiverged& e) {
      return {AdvanceEnd::End::Fault, e.what()};
    }
    if (periodic_divergence_) {
      std::string why = std::move(*periodic_divergence_);
      periodic_divergence_.reset();
      return {AdvanceEnd::End::Fault, why};
    }
    switch (r.reason) {
      case StopReason::TripleFault:
      case StopReason::EngineError:
      case StopReason::HaltedForever: {
        AdvanceEnd f{AdvanceEnd::End::Fault, std::string("guest stopped: ") + to_string(r.reason) +
                                                 (r.detail.empty() ? "" : " (" + r.detail + ")") + "\n" + m.fault_report()};
        if (rec_) rec_->fault(f.detail);
        return f;
      }
      case StopReason::Idle:
        if (rec_) rec_->fault("guest idle with nothing scheduled: nothing can wake it");
        return {AdvanceEnd::End::Fault, "guest idle with nothing scheduled: nothing can wake it"};
      case StopReason::Limit:
      case StopReason::Requested:
      case StopReason::Breakpoint:
      case StopReason::Watchpoint:
        break;
    }
  }
}

}  // namespace kjump
