// Reverse execution on the session: the ladder's checkpoints are taken between slices of any
// run (advance, resume, step), and seek() goes back by restoring one and running forward to
// the exact instruction count, QEMU's replay_seek (docs/debugger-reference.md §a) with rr's
// automatic ladder. The inputs the run had after that checkpoint are put back at their
// recorded times by an input feed over the present's input log, so the re-run is the run
// that happened; a live input afterwards starts a new future (Session::check_live).
#include <algorithm>

#include "session/session.h"

namespace kjump {

void Session::ladder_after_run() {
  if (!history_enabled() || !m_ || !m_->power().on) return;
  if (m_->engine().retired() < history_.next_due() && history_.size() > 0) return;
  history_.take(*m_, cursor_);
}

void Session::restore_checkpoint(const History::Checkpoint& c) {
  if (!feed_) {
    // The inputs after the checkpoint: the present's log holds them, the restored machine's
    // log only up to it, and the feed puts in what lies between (replay/input_feed.h).
    feed_.emplace(m_->input_log());
    history_feed_ = true;
  }
  SnapshotStore::restore(*m_, c.snap);
  reversed_ = true;  // a live input from here on starts a new future (check_live)
  // The expect cursor stays where the driver consumed to: the re-run regenerates the same
  // output, and what was consumed once must not match a later `expect` again. (A new
  // future after a live input may print less; the cursor then waits for it to catch up.)
}

DebugStop Session::replay_to(uint64_t target, bool record_hits, std::vector<uint64_t>* hits) {
  Machine& m = *m_;
  sync_engine_breakpoints();
  // A reverse scan watches too, noting hits without stopping (sync_engine_watchpoints).
  std::vector<std::pair<uint64_t, unsigned>> watch_hits;
  struct Record {
    Session& s;
    Record(Session& s, std::vector<std::pair<uint64_t, unsigned>>* w) : s(s) { s.watch_hits_ = w; }
    ~Record() { s.watch_hits_ = nullptr; }
  } record(*this, record_hits ? &watch_hits : nullptr);
  sync_engine_watchpoints(record_hits);
  struct Quiet {
    bool& q;
    bool was;
    explicit Quiet(bool& q) : q(q), was(q) { q = true; }
    ~Quiet() { q = was; }
  } quiet(quiet_);
  while (m.engine().retired() < target) {
    if (!m.power().on) return {DebugStop::Kind::PoweredOff, 0, "the guest powered off"};
    RunResult r;
    try {
      run_slice(m.now() + (target - m.engine().retired()), r);
    } catch (const ReplayDiverged& e) {
      return {DebugStop::Kind::Fault, 0, e.what()};
    }
    switch (r.reason) {
      case StopReason::TripleFault:
      case StopReason::EngineError:
      case StopReason::HaltedForever:
      case StopReason::Idle:
        return {DebugStop::Kind::Fault, 0, std::string("guest stopped: ") + to_string(r.reason), 0, r.reason};
      case StopReason::Breakpoint:
        if (record_hits) {
          uint32_t eip = m.engine().reg(Reg::EIP);
          if (bps_.hit(m, eip, m.engine().virt_to_phys(eip), false)) hits->push_back(m.engine().retired());
        }
        break;
      default: break;
    }
  }
  if (record_hits) {
    for (auto& [at, id] : watch_hits) {
      hits->push_back(at);
      watch_hit_at_[at] = id;
    }
    std::sort(hits->begin(), hits->end());
  }
  return {DebugStop::Kind::Stepped, 0, ""};
}

DebugStop Session::seek(uint64_t target) {
  Machine& m = *m_;
  uint64_t now = m.engine().retired();
  if (target >= now) {
    Duration d{Duration::Unit::Instructions, target - now, std::to_string(target - now)};
    // Up to the furthest point reached the output was already shown (Session::on_guest_output).
    DebugStop s = resume(d, false);
    return s.kind == DebugStop::Kind::Deadline ? DebugStop{DebugStop::Kind::Stepped, 0, ""} : s;
  }
  if (!history_enabled()) return {DebugStop::Kind::Fault, 0, "reverse execution is off (no checkpoint ladder)"};
  const History::Checkpoint* c = history_.at_or_before(target);
  if (!c) {
    const History::Checkpoint* first = history_.oldest();
    if (!first) return {DebugStop::Kind::HistoryStart, 0, "no reverse-execution history"};
    restore_checkpoint(*first);
    return {DebugStop::Kind::HistoryStart, 0,
            "No more reverse-execution history: at instruction " + std::to_string(first->retired)};
  }
  restore_checkpoint(*c);
  // Near the landing point a denser checkpoint, so the next reverse-stepi restores close by
  // (rr's short spacing after reverse execution).
  constexpr uint64_t kNear = 4096;
  if (target - c->retired > 2 * kNear) {
    DebugStop s = replay_to(target - kNear, false, nullptr);
    if (s.kind != DebugStop::Kind::Stepped) return s;
    history_.take(m, cursor_);
  }
  return replay_to(target, false, nullptr);
}

DebugStop Session::reverse_step(uint64_t n) {
  uint64_t now = m_->engine().retired();
  if (n > now) n = now;
  if (n == 0) return {DebugStop::Kind::HistoryStart, 0, "No more reverse-execution history: at instruction 0"};
  return seek(now - n);
}

DebugStop Session::reverse_continue() {
  if (!history_enabled()) return {DebugStop::Kind::Fault, 0, "reverse execution is off (no checkpoint ladder)"};
  uint64_t end = m_->engine().retired();
  for (;;) {
    const History::Checkpoint* c = history_.before(end);
    if (!c) {
      if (const History::Checkpoint* first = history_.oldest()) restore_checkpoint(*first);
      return {DebugStop::Kind::HistoryStart, 0, "No more reverse-execution history"};
    }
    uint64_t from = c->retired;
    restore_checkpoint(*c);
    std::vector<uint64_t> hits;
    watch_hit_at_.clear();
    DebugStop s = replay_to(end, true, &hits);
    if (s.kind != DebugStop::Kind::Stepped) return s;
    // A breakpoint where the run started (hit at `end` itself) is not reported (rr, gdb).
    while (!hits.empty() && hits.back() >= end) hits.pop_back();
    if (!hits.empty()) {
      uint64_t at = hits.back();
      s = seek(at);
      if (s.kind != DebugStop::Kind::Stepped) return s;
      if (auto w = watch_hit_at_.find(at); w != watch_hit_at_.end()) {
        // Right after the access (as forward): the value it left.
        unsigned id = w->second;
        watch_hit_at_.clear();
        const Watchpoint* wp = bps_.find_watch(id);
        std::string report = wp ? "Watchpoint " + std::to_string(id) + ": " + wp->spec + " (accessed here)" : "";
        return {DebugStop::Kind::Watchpoint, id, report, wp ? wp->addr : 0};
      }
      uint32_t eip = m_->engine().reg(Reg::EIP);
      std::string err;
      auto id = bps_.hit(*m_, eip, m_->engine().virt_to_phys(eip), true, &err);
      return {DebugStop::Kind::Breakpoint, id.value_or(0), err};
    }
    if (interrupt_ && interrupt_->exchange(false)) return {DebugStop::Kind::Interrupted, 0, ""};
    end = from;
    if (!history_.before(end)) {
      // Nothing before the oldest checkpoint: stop there, as gdb's "No more reverse-execution
      // history" (rr's replaylog:begin).
      restore_checkpoint(*history_.oldest());
      return {DebugStop::Kind::HistoryStart, 0, "No more reverse-execution history"};
    }
  }
}

}  // namespace kjump
