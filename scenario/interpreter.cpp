#include "scenario/interpreter.h"

#include "machine/kexec/audit.h"

#include <algorithm>
#include <chrono>
#include <cinttypes>
#include <cstring>

#include "replay/ram_image.h"
#include "scenario/assertions.h"
#include "scenario/checker.h"
#include "scenario/quantities.h"

namespace kjump::scenario {
namespace {

std::string hex64(uint64_t v) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "0x%016" PRIx64, v);
  return buf;
}

std::string hex32(uint64_t v) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "0x%08" PRIx64, v);
  return buf;
}

// Page ranges where `ram` differs from `image`, as "0xSTART-0xEND" strings.
std::vector<std::string> ram_differences(const GuestRam& ram, const RamImage& image) {
  std::vector<std::string> out;
  if (ram.size() != image.size()) {
    out.push_back("RAM size " + std::to_string(ram.size()) + " vs " + std::to_string(image.size()));
    return out;
  }
  size_t run_start = SIZE_MAX;
  auto close_run = [&](size_t end_page) {
    if (run_start == SIZE_MAX) return;
    out.push_back(hex32(run_start * kRamPageSize) + "-" + hex32(end_page * kRamPageSize - 1));
    run_start = SIZE_MAX;
  };
  for (size_t i = 0; i < image.page_count(); ++i) {
    const uint8_t* cur = ram.data() + i * kRamPageSize;
    const RamPage* p = image.page(i);
    bool same = p ? std::memcmp(p->data(), cur, kRamPageSize) == 0 : is_zero_page(cur);
    if (!same && run_start == SIZE_MAX) run_start = i;
    if (same) close_run(i);
  }
  close_run(image.page_count());
  return out;
}

std::string join(const std::vector<std::string>& v, const std::string& sep, size_t max_items = 12) {
  std::string out;
  for (size_t i = 0; i < v.size() && i < max_items; ++i) out += (i ? sep : "") + v[i];
  if (v.size() > max_items) out += sep + "... (" + std::to_string(v.size()) + " in all)";
  return out;
}

}  // namespace

Interpreter::Interpreter(const Script& script, RunOptions options)
    : script_(script), opt_(std::move(options)), setup_(script, opt_.scratch_dir) {}

Interpreter::~Interpreter() = default;

// ---------------------------------------------------------------------------------------
// the run

void Interpreter::prepare() {
  vars_ = opt_.variables;
  vars_.try_emplace("SCRIPT_DIR", script_.directory);
  if (!opt_.scratch_dir.empty()) vars_.try_emplace("TMP", opt_.scratch_dir);
  check_script(script_, vars_);

  if (!opt_.record_path.empty() || !opt_.replay_path.empty()) {
    // One input log belongs to one machine; a reconfiguration builds another.
    bool booted = false;
    for (auto& c : script_.commands) {
      if (std::holds_alternative<BootCmd>(c.body)) booted = true;
      else if (booted && MachineSetup::is_configuration(c.body))
        throw ScriptError(c.loc, "--record/--replay need one machine configuration: no reconfiguration after 'boot'");
    }
  }
  std::optional<std::vector<TraceRecord>> golden;
  if (!opt_.check_path.empty()) {
    try {
      golden = read_trace(opt_.check_path);
    } catch (const std::exception& e) {
      throw std::runtime_error(std::string("--check: ") + e.what());
    }
  }
  trace_ = std::make_unique<TraceSession>(!opt_.trace_path.empty(), std::move(golden));
  if (!opt_.replay_path.empty()) {
    try {
      feed_ = std::make_unique<ReplayFeed>(read_input_log(opt_.replay_path));
    } catch (const std::exception& e) {
      throw std::runtime_error(std::string("--replay: ") + e.what());
    }
  }
}

RunSummary Interpreter::run() {
  auto wall_start = std::chrono::steady_clock::now();
  summary_ = RunSummary{};
  summary_.script = script_.path;
  try {
    prepare();
    Flow flow = Flow::Next;
    for (const Command& c : script_.commands) {
      flow = execute(c);
      if (flow != Flow::Next) break;
    }
    if (flow != Flow::Stop && m_) {
      flow = run_checkpoint("end");
      if (flow != Flow::Stop) {
        if (auto d = trace_->finish()) {
          summary_.divergence = d;
          summary_.outcome = Outcome::Failed;
          summary_.failure = "the run's checkpoints differ from the golden trace: " + d->summary;
        }
      }
    }
  } catch (const ScriptError& e) {
    summary_.outcome = Outcome::Error;
    summary_.failure = e.what();
  } catch (const std::exception& e) {
    summary_.outcome = Outcome::Error;
    summary_.failure = std::string("kjump run: ") + e.what();
  }
  // What the run produced is written even when it failed: it is what one debugs with.
  try {
    if (trace_ && !opt_.trace_path.empty()) write_trace(opt_.trace_path, trace_->records());
    if (m_ && !opt_.record_path.empty()) write_input_log(opt_.record_path, m_->input_log());
  } catch (const std::exception& e) {
    summary_.outcome = Outcome::Error;
    summary_.failure = std::string("kjump run: writing output: ") + e.what();
  }
  if (trace_) summary_.checkpoints = trace_->records().size();
  if (m_) {
    summary_.final_time = m_->now();
    const KexecAudit& audit = m_->kexec_audit();
    for (const AuditFinding& f : audit.findings())
      summary_.audit_findings.push_back(f.kind + " at instruction " + std::to_string(f.retired) + ": " + f.text);
    summary_.kexec_jumps = audit.jumps();
    summary_.audited_phases = audit.audited_phases();
  }
  summary_.wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();
  return summary_;
}

Interpreter::Flow Interpreter::execute(const Command& c) {
  const CommandBody& b = c.body;
  say("==> " + format_line(c.loc) + "  " + c.source);
  try {
    if (MachineSetup::is_configuration(b)) {
      setup_.apply(c, vars_);
      return Flow::Next;
    }
    if (std::holds_alternative<BootCmd>(b)) return run_boot(c);
    if (auto* p = std::get_if<PowerCmd>(&b)) return run_power(c, *p);
    if (auto* s = std::get_if<SendCmd>(&b)) return run_send(c, *s);
    if (auto* e = std::get_if<ExpectCmd>(&b)) return run_expect(c, *e);
    if (auto* w = std::get_if<WaitCmd>(&b)) return run_wait(c, *w);
    if (auto* k = std::get_if<CheckpointCmd>(&b)) {
      std::string name = expand(k->name, vars_);
      if (name.empty() || name.find_first_of(" \t\r\n") != std::string::npos)
        throw ScriptError(k->name.loc, "checkpoint name '" + name + "' must be one word");
      return run_checkpoint(name);
    }
    if (auto* s = std::get_if<SnapshotCmd>(&b)) return run_snapshot(c, *s);
    if (auto* a = std::get_if<AssertRegCmd>(&b)) {
      auto r = check_register(*m_, *a, vars_);
      return record_check(c, r.pass, r.message);
    }
    if (auto* a = std::get_if<AssertMemCmd>(&b)) {
      auto r = check_memory(*m_, *a, vars_);
      return record_check(c, r.pass, r.message);
    }
    if (auto* a = std::get_if<AssertDeviceCmd>(&b)) {
      auto r = check_device(*m_, *a, vars_);
      return record_check(c, r.pass, r.message);
    }
    if (auto* a = std::get_if<AssertSerialCmd>(&b)) {
      auto r = check_serial(m_->serial_output(), *a, vars_);
      return record_check(c, r.pass, r.message);
    }
    if (auto* a = std::get_if<AssertVarCmd>(&b)) {
      auto r = check_variable(*a, vars_);
      return record_check(c, r.pass, r.message);
    }
    if (auto* a = std::get_if<AssertStateCmd>(&b)) return run_assert_state(c, *a);
    if (auto* a = std::get_if<AssertAuditCmd>(&b)) {
      auto r = check_audit(*m_, *a, vars_);
      return record_check(c, r.pass, r.message);
    }
    if (auto* e = std::get_if<EchoCmd>(&b)) {
      std::string line;
      for (auto& w : e->words) line += (line.empty() ? "" : " ") + expand(w, vars_);
      say(line);
      return Flow::Next;
    }
    if (auto* s = std::get_if<SetCmd>(&b)) {
      vars_[s->name] = expand(s->value, vars_);
      return Flow::Next;
    }
    if (std::holds_alternative<ExitCmd>(b)) return Flow::Exit;
  } catch (const ScriptError&) {
    throw;
  } catch (const std::exception& e) {
    // Bad input found while running (a snapshot file, a machine the configuration cannot
    // build): still one line naming the command.
    throw ScriptError(c.loc, e.what());
  }
  throw ScriptError(c.loc, "internal error: command not handled");
}

Interpreter::Flow Interpreter::record_check(const Command& c, bool passed, const std::string& message) {
  summary_.checks.push_back({c.loc, c.source, passed, message});
  if (!passed) return fail(c, message);
  return Flow::Next;
}

Interpreter::Flow Interpreter::fail(const Command& c, const std::string& message) {
  summary_.outcome = Outcome::Failed;
  summary_.failure = format_line(c.loc) + ": " + message;
  say("!!! FAIL " + summary_.failure);
  return Flow::Stop;
}

void Interpreter::say(const std::string& line) {
  if (!opt_.progress) return;
  if (!at_line_start_) *opt_.progress << "\n";
  *opt_.progress << line << "\n";
  opt_.progress->flush();
  at_line_start_ = true;
}

// ---------------------------------------------------------------------------------------
// machine and power

void Interpreter::build_machine(const Command& c) {
  try {
    m_ = std::make_unique<Machine>(setup_.config());
  } catch (const std::exception& e) {
    throw ScriptError(c.loc, std::string("cannot build the machine: ") + e.what());
  }
  setup_.built();
  m_->on_serial = [this](uint8_t ch) { on_serial_byte(ch); };
  validate_devices();
}

void Interpreter::validate_devices() {
  for (const Command& c : script_.commands)
    if (auto* a = std::get_if<AssertDeviceCmd>(&c.body)) validate_device_field(*m_, *a);
}

Interpreter::Flow Interpreter::run_boot(const Command& c) {
  build_machine(c);
  if (feed_) {
    std::string why = feed_->matches_next(*m_, "power-on", "");
    if (!why.empty()) return fail(c, why);
  }
  m_->power_on();
  cursor_ = 0;
  return run_checkpoint("boot");
}

Interpreter::Flow Interpreter::run_power(const Command& c, const PowerCmd& p) {
  if (feed_) {
    std::string why = feed_->matches_next(*m_, p.on ? "power-on" : "power-off", "");
    if (!why.empty()) return fail(c, why);
  }
  if (!p.on) {
    m_->power_off();
    return run_checkpoint("power-off");
  }
  if (setup_.changed()) build_machine(c);  // the old machine committed its disk at power off
  m_->power_on();
  cursor_ = m_->serial_output().size();
  return run_checkpoint("power-on");
}

// ---------------------------------------------------------------------------------------
// running

void Interpreter::run_machine(uint64_t limit, RunResult& r) {
  if (feed_) {
    // Recorded inputs due now go in as the recording host put them in: after everything the
    // script did at this instant, before the guest runs on.
    feed_->apply_due(*m_, [this](const InputEvent& e) {
      if (e.kind == "power-on") cursor_ = m_->serial_output().size();
    });
    uint64_t next = feed_->next_time(*m_);
    if (next > m_->now()) limit = std::min(limit, next);
  }
  // Periodic checkpoints stop the machine at exact multiples of N retired instructions: while
  // the guest runs, virtual time and instructions advance together, so a time limit N
  // instructions ahead lands on it (a halt in between only means another slice).
  uint64_t every = opt_.checkpoint_every, next_auto = 0;
  if (every) {
    next_auto = (m_->engine().retired() / every + 1) * every;
    limit = std::min(limit, m_->now() + (next_auto - m_->engine().retired()));
  }
  uint64_t r0 = m_->engine().retired(), t0 = m_->now();
  r = m_->run(limit);
  uint64_t r1 = m_->engine().retired(), t1 = m_->now();
  if (every && r1 == next_auto && run_checkpoint("every-" + std::to_string(every)) == Flow::Stop)
    auto_checkpoint_stop_ = true;
  if (r1 > r0) summary_.instructions += r1 - r0;
  if (t1 > t0) summary_.virtual_ns += t1 - t0;
}

Interpreter::Advance Interpreter::advance(const Duration& d, const std::function<Seen(bool)>& seen,
                                          uint64_t time_cap) {
  Machine& m = *m_;
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
  for (;;) {
    if (finished(quiet_at && m.now() >= *quiet_at)) return {Advance::End::Done, ""};
    if (!m.power().on) {
      if (finished(true)) return {Advance::End::Done, ""};
      std::string why = "the guest powered off";
      if (m.power().exit_status) why += " (isa-debug-exit status " + std::to_string(*m.power().exit_status) + ")";
      return {Advance::End::PoweredOff, why};
    }
    uint64_t pos = by_time ? m.now() : m.engine().retired();
    if (pos >= target || m.now() >= time_limit) {
      if (finished(true)) return {Advance::End::Done, ""};
      return {Advance::End::Deadline, ""};
    }
    uint64_t limit = by_time ? target : m.now() + (target - pos);
    limit = std::min(limit, time_limit);
    if (quiet_at) limit = std::min(limit, std::max(*quiet_at, m.now()));
    RunResult r;
    try {
      run_machine(limit, r);
    } catch (const ReplayDiverged& e) {
      return {Advance::End::Fault, e.what()};
    }
    if (auto_checkpoint_stop_) return {Advance::End::Fault, summary_.failure};
    switch (r.reason) {
      case StopReason::TripleFault:
      case StopReason::EngineError:
      case StopReason::HaltedForever:
        return {Advance::End::Fault, std::string("guest stopped: ") + to_string(r.reason) +
                                         (r.detail.empty() ? "" : " (" + r.detail + ")") + "\n" + m.fault_report()};
      case StopReason::Idle:
        return {Advance::End::Fault, "guest idle with nothing scheduled: nothing can wake it"};
      case StopReason::Limit:
      case StopReason::Requested:
      case StopReason::Breakpoint:
        break;
    }
  }
}

void Interpreter::on_serial_byte(uint8_t ch) {
  if (opt_.progress) {
    opt_.progress->put(char(ch));
    at_line_start_ = ch == '\n';
  }
  if (!watching_) return;
  // Stop when the expect can finish, or when a tentative match first appears (advance()
  // then runs on only until its quiet time is up).
  const std::string& out = m_->serial_output();
  auto match = watching_->find(out, cursor_);
  if (match && (watching_->settled(*match, out.size()) || !tentative_armed_)) m_->engine().request_stop("expect matched");
}

Duration Interpreter::duration_of(const Text& t) const {
  try {
    return parse_duration(expand(t, vars_));
  } catch (const std::invalid_argument& e) {
    throw ScriptError(t.loc, e.what());
  }
}

Interpreter::Flow Interpreter::run_send(const Command& c, const SendCmd& s) {
  std::string text = expand(s.text, vars_);
  ++sends_;
  if (feed_) {
    // Replaying: the script's input must be the recorded one, at the recorded instruction.
    std::string why = feed_->matches_next(*m_, "serial", text);
    if (!why.empty()) return fail(c, why);
  } else if (sends_ == opt_.perturb_input) {
    RunResult r;
    run_machine(m_->now() + 1, r);
    say("    (--perturb-input " + std::to_string(sends_) + ": delivered one instruction late, t=" +
        std::to_string(m_->now()) + ")");
  }
  m_->send_input(text);
  return Flow::Next;
}

Interpreter::Flow Interpreter::run_expect(const Command& c, const ExpectCmd& e) {
  SerialPattern pattern = e.regex ? SerialPattern::regex(*e.regex) : SerialPattern::literal(expand(*e.text, vars_));
  Duration timeout = e.timeout ? duration_of(*e.timeout)
                               : Duration{Duration::Unit::Instructions, kDefaultExpectTimeout, "200M"};
  uint64_t time_cap = e.timeout ? kNever : kDefaultExpectTimeCap;
  std::optional<SerialMatch> found;
  auto seen = [&](bool accept_tentative) {
    const std::string& out = m_->serial_output();
    auto mt = pattern.find(out, cursor_);
    if (!mt) return Seen::Nothing;
    if (!accept_tentative && !pattern.settled(*mt, out.size())) return Seen::Tentative;
    found = mt;
    return Seen::Done;
  };
  watching_ = &pattern;
  Advance a;
  try {
    a = advance(timeout, seen, time_cap);
  } catch (...) {
    watching_ = nullptr;
    throw;
  }
  watching_ = nullptr;
  if (found) {
    cursor_ = found->end;
    for (size_t i = 0; i < e.captures.size(); ++i) vars_[e.captures[i]] = found->groups[i];
    std::string msg = "matched \"" + escape_for_message(m_->serial_output().substr(found->begin, found->end - found->begin)) +
                      "\" at t=" + std::to_string(m_->now());
    return record_check(c, true, msg);
  }
  std::string unseen = m_->serial_output().substr(std::min(cursor_, m_->serial_output().size()));
  std::string msg = pattern.describe() + " not seen: ";
  switch (a.end) {
    case Advance::End::Deadline:
      msg += e.timeout ? "timeout after " + timeout.spelling +
                             (timeout.unit == Duration::Unit::Instructions ? " instructions" : " of virtual time")
                       : std::string("default timeout (200M instructions or 60 s of virtual time)");
      break;
    default: msg += a.detail; break;
  }
  msg += "; output since the last match: \"" + escape_for_message(unseen) + "\"";
  return record_check(c, false, msg);
}

Interpreter::Flow Interpreter::run_wait(const Command& c, const WaitCmd& w) {
  Advance a = advance(duration_of(w.duration), nullptr);
  if (a.end == Advance::End::PoweredOff) {
    say("    (" + a.detail + ": nothing left to wait for)");  // e.g. after sending "poweroff"
    return Flow::Next;
  }
  if (a.end == Advance::End::Fault) {
    summary_.checks.push_back({c.loc, c.source, false, a.detail});
    return fail(c, a.detail);
  }
  return Flow::Next;
}

// ---------------------------------------------------------------------------------------
// state

Interpreter::Flow Interpreter::run_checkpoint(const std::string& name) {
  auto d = trace_->checkpoint(*m_, name);
  if (trace_->active()) {
    const TraceRecord& r = trace_->records().back();
    say("    checkpoint " + name + " at instruction " + std::to_string(r.retired) + ": " + hex64(r.hash));
  }
  if (!d) return Flow::Next;
  summary_.divergence = d;
  summary_.outcome = Outcome::Failed;
  summary_.failure = "diverged from the golden trace at checkpoint '" + d->checkpoint + "': " + d->summary;
  say("!!! " + format_divergence(*d));
  return Flow::Stop;
}

std::string Interpreter::snapshot_path(const Text& t) const {
  std::string p = expand(t, vars_);
  if (p.empty()) throw ScriptError(t.loc, "empty snapshot file path");
  return resolve_script_path(script_, p);
}

Interpreter::Flow Interpreter::run_snapshot(const Command& c, const SnapshotCmd& s) {
  std::string name = expand(s.name, vars_);
  if (s.op == SnapshotCmd::Op::Save) {
    snapshots_[name] = NamedSnapshot{store_.take(*m_), cursor_};
    return Flow::Next;
  }
  if (s.op == SnapshotCmd::Op::Read) {
    std::string path = snapshot_path(*s.path);
    Snapshot snap = read_snapshot_file(path, *m_);
    size_t cursor = snap.serial_output.size();
    snapshots_[name] = NamedSnapshot{std::move(snap), cursor};
    return Flow::Next;
  }
  auto it = snapshots_.find(name);
  if (it == snapshots_.end()) throw ScriptError(s.name.loc, "no snapshot named '" + name + "'");
  if (s.op == SnapshotCmd::Op::Write) {
    write_snapshot_file(snapshot_path(*s.path), *m_, it->second.snap);
    return Flow::Next;
  }
  SnapshotStore::restore(*m_, it->second.snap);
  cursor_ = std::min(it->second.cursor, m_->serial_output().size());
  return Flow::Next;
}

Interpreter::Flow Interpreter::run_assert_state(const Command& c, const AssertStateCmd& a) {
  std::string name = expand(a.snapshot, vars_);
  auto it = snapshots_.find(name);
  if (it == snapshots_.end()) throw ScriptError(a.snapshot.loc, "no snapshot named '" + name + "'");
  const Snapshot& snap = it->second.snap;
  std::vector<uint8_t> now_state = save_state(m_->state());
  std::vector<std::string> fields = diff_state(m_->state(), snap.state, now_state);
  std::vector<std::string> ram = ram_differences(m_->engine().ram(), snap.ram);
  bool equal = fields.empty() && ram.empty();
  std::string msg;
  if (equal) {
    msg = "machine state equals snapshot '" + name + "'";
  } else {
    msg = "machine state differs from snapshot '" + name + "'";
    if (!fields.empty()) msg += "; fields: " + join(fields, ", ");
    if (!ram.empty()) msg += "; RAM: " + join(ram, ", ");
  }
  return record_check(c, equal == a.equal, msg);
}

}  // namespace kjump::scenario
