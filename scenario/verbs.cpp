#include "scenario/verbs.h"

#include <algorithm>
#include <cstdint>

#include "base/join.h"
#include "emu/state.h"
#include "replay/ram_image.h"
#include "replay/state_compare.h"
#include "scenario/assertions.h"
#include "scenario/checker.h"
#include "scenario/serial_pattern.h"

namespace kjump::scenario {
namespace {

Duration duration_of(const Text& t, const ResolvedArgs& args) {
  try {
    return parse_duration(args(t));
  } catch (const std::invalid_argument& e) {
    throw ScriptError(t.loc, e.what());
  }
}

std::string snapshot_path(const Script& script, const Text& t, const ResolvedArgs& args) {
  const std::string& p = args(t);
  if (p.empty()) throw ScriptError(t.loc, "empty snapshot file path");
  return resolve_script_path(script, t, p);
}

}  // namespace

Flow Verbs::execute(Session& s, const Command& c) {
  // The run's event list keeps `send`, `expect` and `wait` as steps (replay/run_events.h).
  const CommandBody& b = c.body;
  const char* step = std::holds_alternative<SendCmd>(b)     ? "send"
                     : std::holds_alternative<ExpectCmd>(b) ? "expect"
                     : std::holds_alternative<WaitCmd>(b)   ? "wait"
                                                            : nullptr;
  RunRecorder* rec = s.run_recorder();
  if (!rec || !step || !s.has_machine()) return execute_one(s, c);
  rec->step_begin(step, c.source);
  try {
    Flow f = execute_one(s, c);
    rec->step_end(f == Flow::Stop ? "failed" : "");
    return f;
  } catch (...) {
    rec->step_end("error");
    throw;
  }
}

Flow Verbs::execute_one(Session& s, const Command& c) {
  const CommandBody& b = c.body;
  ctx_.say("==> " + format_line(c.loc) + "  " + c.source);
  try {
    // Every argument is expanded here, once, with the variables as they are now.
    const ResolvedArgs args(b, s.variables());
    auto verdict = [&](const AssertOutcome& r) { return record_check(c, r.pass, r.message); };
    if (MachineSetup::is_configuration(b)) {
      ctx_.setup.apply(c, args);
      return Flow::Next;
    }
    if (std::holds_alternative<BootCmd>(b)) return boot(s, c);
    if (auto* p = std::get_if<PowerCmd>(&b)) return power(s, c, *p);
    if (auto* x = std::get_if<SendCmd>(&b)) return send(s, c, args, *x);
    if (auto* e = std::get_if<ExpectCmd>(&b)) return expect(s, c, args, *e);
    if (auto* w = std::get_if<WaitCmd>(&b)) return wait(s, c, args, *w);
    if (auto* k = std::get_if<CheckpointCmd>(&b)) {
      const std::string& name = args(k->name);
      if (name.empty() || name.find_first_of(" \t\r\n") != std::string::npos)
        throw ScriptError(k->name.loc, "checkpoint name '" + name + "' must be one word");
      return checkpoint(s, name);
    }
    if (auto* x = std::get_if<SnapshotCmd>(&b)) return snapshot(s, args, *x);
    if (auto* a = std::get_if<AssertRegCmd>(&b)) return verdict(check_register(s.machine(), *a, args));
    if (auto* a = std::get_if<AssertMemCmd>(&b)) return verdict(check_memory(s.machine(), *a, args));
    if (auto* a = std::get_if<AssertDeviceCmd>(&b)) return verdict(check_device(s.machine(), *a, args));
    if (auto* a = std::get_if<AssertSerialCmd>(&b)) return verdict(check_serial(s.output(), *a, args));
    if (auto* a = std::get_if<AssertVarCmd>(&b)) return verdict(check_variable(*a, s.variables(), args));
    if (auto* a = std::get_if<AssertStateCmd>(&b)) return assert_state(s, c, args, *a);
    if (auto* a = std::get_if<AssertAuditCmd>(&b)) return verdict(check_audit(s.machine(), *a, args));
    if (auto* e = std::get_if<EchoCmd>(&b)) {
      std::string line;
      for (auto& w : e->words) line += (line.empty() ? "" : " ") + args(w);
      ctx_.say(line);
      return Flow::Next;
    }
    if (auto* x = std::get_if<SetCmd>(&b)) {
      s.variables()[x->name] = args(x->value);
      return Flow::Next;
    }
    if (std::holds_alternative<ExitCmd>(b)) return Flow::Exit;
    if (auto* r = std::get_if<ReportCmd>(&b)) return report(s, args, *r);
    if (is_debug_command(b)) return debug_verb(s, c, args);
  } catch (const ScriptError&) {
    throw;
  } catch (const ReplayDiverged& e) {
    // The script's own input is not the recorded one: the run left the recorded history.
    return fail(c, e.what());
  } catch (const std::exception& e) {
    // Bad input found while running (a snapshot file, a machine the configuration cannot
    // build): still one line naming the command.
    throw ScriptError(c.loc, e.what());
  }
  throw ScriptError(c.loc, "internal error: command not handled");
}

Flow Verbs::record_check(const Command& c, bool passed, const std::string& message) {
  ctx_.summary.checks.push_back({c.loc, c.source, passed, message});
  if (!passed) return fail(c, message);
  return Flow::Next;
}

Flow Verbs::fail(const Command& c, const std::string& message) {
  ctx_.summary.outcome = Outcome::Failed;
  ctx_.summary.failure = format_line(c.loc) + ": " + message;
  ctx_.say("!!! FAIL " + ctx_.summary.failure);
  return Flow::Stop;
}

// ---- machine and power ----

void Verbs::build_machine(Session& s, const Command& c) {
  try {
    s.build(ctx_.setup.config());
  } catch (const std::exception& e) {
    throw ScriptError(c.loc, std::string("cannot build the machine: ") + e.what());
  }
  ctx_.setup.built();
  // A typo in a device field is a bad-input error before the machine runs, not a late failure.
  for (const Command& cmd : ctx_.script.commands)
    if (auto* a = std::get_if<AssertDeviceCmd>(&cmd.body)) validate_device_field(s.machine(), *a);
}

Flow Verbs::boot(Session& s, const Command& c) {
  build_machine(s, c);
  s.power_on();
  return checkpoint(s, "boot");
}

Flow Verbs::power(Session& s, const Command& c, const PowerCmd& p) {
  if (!p.on) {
    s.power_off();
    return checkpoint(s, "power-off");
  }
  // A changed configuration means a new machine (the old one committed its disk at power
  // off). Never while replaying: one input log belongs to one machine (checked before the run).
  if (ctx_.setup.changed()) build_machine(s, c);
  s.power_on();
  return checkpoint(s, "power-on");
}

Flow Verbs::checkpoint(Session& s, const std::string& name) {
  // The session's observer reports the checkpoint and any divergence.
  return s.checkpoint(name) ? Flow::Stop : Flow::Next;
}

// ---- serial and time ----

Flow Verbs::send(Session& s, const Command& c, const ResolvedArgs& args, const SendCmd& cmd) {
  const std::string& text = args(cmd.text);
  ++sends_;
  if (!s.replaying() && sends_ == ctx_.perturb_input) {
    s.advance(Duration{Duration::Unit::VirtualNs, 1, "1ns"}, nullptr);
    ctx_.say("    (--perturb-input " + std::to_string(sends_) + ": delivered one instruction late, t=" +
             std::to_string(s.machine().now()) + ")");
  }
  s.send(text);
  return Flow::Next;
}

Flow Verbs::expect(Session& s, const Command& c, const ResolvedArgs& args, const ExpectCmd& e) {
  SerialSearch search(e.regex ? SerialPattern::regex(*e.regex) : SerialPattern::literal(*args(e.text)));
  const SerialPattern& pattern = search.pattern();
  Duration timeout = e.timeout ? duration_of(*e.timeout, args)
                               : Duration{Duration::Unit::Instructions, kDefaultExpectTimeout, "200M"};
  uint64_t time_cap = e.timeout ? kNever : kDefaultExpectTimeCap;
  std::optional<SerialMatch> found;
  auto seen = [&](bool accept_tentative) {
    const std::string& out = s.output();
    auto mt = search.find(out, s.cursor());
    if (!mt) return Seen::Nothing;
    if (!accept_tentative && !pattern.settled(*mt, out.size())) return Seen::Tentative;
    found = mt;
    return Seen::Done;
  };
  AdvanceEnd a = s.advance(timeout, seen, time_cap);
  if (a.end == AdvanceEnd::End::Done && found) {
    s.consume_to(found->end);
    for (size_t i = 0; i < e.captures.size(); ++i) s.variables()[e.captures[i]] = found->groups[i];
    std::string msg = "matched \"" + escape_for_message(s.output().substr(found->begin, found->end - found->begin)) +
                      "\" at t=" + std::to_string(s.machine().now());
    return record_check(c, true, msg);
  }
  std::string unseen = s.output().substr(std::min(s.cursor(), s.output().size()));
  std::string msg = pattern.describe() + " not seen: ";
  switch (a.end) {
    case AdvanceEnd::End::Deadline:
      msg += e.timeout ? "timeout after " + timeout.spelling +
                             (timeout.unit == Duration::Unit::Instructions ? " instructions" : " of virtual time")
                       : std::string("default timeout (200M instructions or 60 s of virtual time)");
      break;
    default: msg += a.detail; break;
  }
  msg += "; output since the last match: \"" + escape_for_message(unseen) + "\"";
  return record_check(c, false, msg);
}

Flow Verbs::wait(Session& s, const Command& c, const ResolvedArgs& args, const WaitCmd& w) {
  AdvanceEnd a = s.advance(duration_of(w.duration, args), nullptr);
  if (a.end == AdvanceEnd::End::PoweredOff) {
    ctx_.say("    (" + a.detail + ": nothing left to wait for)");  // e.g. after sending "poweroff"
    return Flow::Next;
  }
  if (a.end == AdvanceEnd::End::Fault) {
    ctx_.summary.checks.push_back({c.loc, c.source, false, a.detail});
    return fail(c, a.detail);
  }
  return Flow::Next;
}

// ---- state ----

Flow Verbs::snapshot(Session& s, const ResolvedArgs& args, const SnapshotCmd& cmd) {
  if (cmd.op == SnapshotCmd::Op::List) {
    if (s.snapshots().empty()) ctx_.say("    no snapshots");
    for (const auto& [n, snap] : s.snapshots())
      ctx_.say("    " + n + "  t=" + std::to_string(snap.snap.retired) + "  virtual time " +
               std::to_string(snap.snap.time) + " ns");
    return Flow::Next;
  }
  const std::string& name = args(cmd.name);
  switch (cmd.op) {
    case SnapshotCmd::Op::List: break;
    case SnapshotCmd::Op::Save: s.save_snapshot(name); break;
    case SnapshotCmd::Op::Read: s.read_snapshot(name, snapshot_path(ctx_.script, *cmd.path, args)); break;
    case SnapshotCmd::Op::Write:
    case SnapshotCmd::Op::Restore:
      if (!s.find_snapshot(name)) throw ScriptError(cmd.name.loc, "no snapshot named '" + name + "'");
      if (cmd.op == SnapshotCmd::Op::Write) s.write_snapshot(name, snapshot_path(ctx_.script, *cmd.path, args));
      else s.restore_snapshot(name);
      break;
  }
  return Flow::Next;
}

Flow Verbs::assert_state(Session& s, const Command& c, const ResolvedArgs& args, const AssertStateCmd& a) {
  const std::string& name = args(a.snapshot);
  const Session::NamedSnapshot* named = s.find_snapshot(name);
  if (!named) throw ScriptError(a.snapshot.loc, "no snapshot named '" + name + "'");
  Machine& m = s.machine();
  std::vector<uint8_t> now_state = save_state(m.state());
  if (a.config) {
    // A snapshot read from a file of an older kjump may hold other layouts, whose fields the
    // marks of this kjump's declarations do not describe.
    if (auto why = layout_mismatch(named->snap.state, m.state()))
      throw ScriptError(a.snapshot.loc, "snapshot '" + name + "': " + *why + ": its configuration cannot be compared");
    return assert_config(c, a, name, named->snap.state, now_state, m.state());
  }
  std::vector<std::string> fields = diff_state(m.state(), named->snap.state, now_state);
  const GuestRam& ram = m.engine().ram();
  std::vector<std::string> pages = ram_differences(ram.data(), ram.size(), named->snap.ram);
  bool equal = fields.empty() && pages.empty();
  std::string msg;
  if (equal) {
    msg = "machine state equals snapshot '" + name + "'";
  } else {
    msg = "machine state differs from snapshot '" + name + "'";
    if (!fields.empty()) msg += "; fields: " + join(fields, ", ");
    if (!pages.empty()) msg += "; RAM: " + join(pages, ", ");
  }
  return record_check(c, equal == a.equal, msg);
}

// Only the devices' programmed configuration; a mismatch names every differing field with
// both values, as `assert device` would show them.
Flow Verbs::assert_config(const Command& c, const AssertStateCmd& a, const std::string& name,
                          std::span<const uint8_t> snapshot_state, std::span<const uint8_t> now_state,
                          Stateful& declaration) {
  std::vector<FieldDifference> diffs = configuration_differences(declaration, snapshot_state, now_state);
  std::string msg;
  if (diffs.empty()) {
    msg = "device configuration equals snapshot '" + name + "' (" +
          std::to_string(configuration_of(declaration, now_state).size()) + " fields)";
  } else {
    std::vector<std::string> items;
    for (const FieldDifference& d : diffs) items.push_back(d.name + ": now " + d.b + ", snapshot " + d.a);
    // Every one: the point is to see all that a resume failed to restore.
    msg = "device configuration differs from snapshot '" + name + "': " + join(items, "; ", SIZE_MAX);
  }
  return record_check(c, diffs.empty() == a.equal, msg);
}

}  // namespace kjump::scenario
