#include "scenario/interpreter.h"

#include <chrono>

#include "base/hex.h"
#include "machine/kexec/audit.h"
#include "replay/input_log.h"
#include "report/report.h"
#include "scenario/checker.h"
#include "scenario/machine_setup.h"
#include "scenario/verbs.h"

namespace kjump::scenario {

Interpreter::Interpreter(const Script& script, RunOptions options) : script_(script), opt_(std::move(options)) {}

Interpreter::~Interpreter() = default;

// Checks the script and the run's input files; returns how the session must be set up.
SessionOptions Interpreter::prepare() {
  Variables vars = opt_.variables;
  vars.try_emplace("SCRIPT_DIR", script_.directory);
  if (!opt_.scratch_dir.empty()) vars.try_emplace("TMP", opt_.scratch_dir);
  opt_.variables = vars;
  check_script(script_, vars);

  if (!opt_.record_path.empty() || !opt_.replay_path.empty()) {
    // One input log belongs to one machine; a reconfiguration builds another.
    bool booted = false;
    for (auto& c : script_.commands) {
      if (std::holds_alternative<BootCmd>(c.body)) booted = true;
      else if (booted && MachineSetup::is_configuration(c.body))
        throw ScriptError(c.loc, "--record/--replay need one machine configuration: no reconfiguration after 'boot'");
    }
  }
  SessionOptions so;
  // Reverse execution needs the checkpoint ladder from the start; only scripts that go back
  // pay for it.
  for (auto& c : script_.commands)
    if (std::holds_alternative<ReverseStepCmd>(c.body) || std::holds_alternative<ReverseContinueCmd>(c.body) ||
        std::holds_alternative<ReverseFinishCmd>(c.body) || std::holds_alternative<GotoCmd>(c.body))
      so.history_interval = kDefaultHistoryInterval, so.history_byte_cap = kDefaultHistoryByteCap;
  so.capture_trace = !opt_.trace_path.empty();
  // The run's event list, for --report, --trace-events or a `report` in the script.
  so.record_events = !opt_.report_path.empty() || !opt_.trace_events_path.empty();
  for (auto& c : script_.commands)
    if (std::holds_alternative<ReportCmd>(c.body)) so.record_events = true;
  so.events_title = script_.path;
  so.checkpoint_every = opt_.checkpoint_every;
  if (!opt_.check_path.empty()) {
    try {
      so.golden = read_trace(opt_.check_path);
    } catch (const std::exception& e) {
      throw std::runtime_error(std::string("--check: ") + e.what());
    }
  }
  if (!opt_.replay_path.empty()) {
    try {
      so.replay = read_input_log(opt_.replay_path);
    } catch (const std::exception& e) {
      throw std::runtime_error(std::string("--replay: ") + e.what());
    }
  }
  return so;
}

void Interpreter::run_script(Session& session) {
  MachineSetup setup(script_, opt_.scratch_dir);
  Verbs verbs(VerbContext{script_, setup, summary_, [this](const std::string& l) { say(l); }, opt_.perturb_input});
  Flow flow = Flow::Next;
  for (const Command& c : script_.commands) {
    flow = verbs.execute(session, c);
    if (flow != Flow::Next) break;
  }
  if (flow == Flow::Stop || !session.has_machine()) return;
  if (verbs.checkpoint(session, "end") == Flow::Stop) return;
  if (auto d = session.finish_trace()) {
    summary_.divergence = d;
    summary_.outcome = Outcome::Failed;
    summary_.failure = "the run's checkpoints differ from the golden trace: " + d->summary;
  }
}

RunSummary Interpreter::run() {
  auto wall_start = std::chrono::steady_clock::now();
  summary_ = RunSummary{};
  summary_.script = script_.path;
  std::unique_ptr<Session> session;
  try {
    SessionOptions so = prepare();
    session = std::make_unique<Session>(std::move(so), static_cast<SessionObserver*>(this));
    session->variables() = opt_.variables;
    run_script(*session);
  } catch (const ScriptError& e) {
    summary_.outcome = Outcome::Error;
    summary_.failure = e.what();
  } catch (const std::exception& e) {
    summary_.outcome = Outcome::Error;
    summary_.failure = std::string("kjump run: ") + e.what();
  }
  write_outputs(session.get());
  if (session) {
    summary_.checkpoints = session->trace().size();
    summary_.instructions = session->instructions_run();
    summary_.virtual_ns = session->virtual_ns_run();
  }
  if (session && session->has_machine()) {
    const Machine& m = session->machine();
    summary_.final_time = m.now();
    const KexecAudit& audit = m.kexec_audit();
    for (const AuditFinding& f : audit.findings())
      summary_.audit_findings.push_back(f.kind + " at instruction " + std::to_string(f.retired) + ": " + f.text);
    summary_.kexec_jumps = audit.jumps();
    summary_.audited_phases = audit.audited_phases();
  }
  summary_.wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();
  return summary_;
}

// What the run produced is written even when it failed: it is what one debugs with.
void Interpreter::write_outputs(const Session* session) {
  try {
    if (session && !opt_.trace_path.empty()) write_trace(opt_.trace_path, session->trace());
    if (session && session->has_machine() && !opt_.record_path.empty())
      write_input_log(opt_.record_path, session->recorded_inputs());
    if (session && session->run_recorder()) {
      events_ = session->run_recorder()->events();
      if (!opt_.report_path.empty()) write_html_report(opt_.report_path, *events_);
      if (!opt_.trace_events_path.empty()) write_trace_events(opt_.trace_events_path, *events_);
    }
  } catch (const std::exception& e) {
    summary_.outcome = Outcome::Error;
    summary_.failure = std::string("kjump run: writing output: ") + e.what();
  }
}

void Interpreter::say(const std::string& line) {
  if (!opt_.progress) return;
  if (!at_line_start_) *opt_.progress << "\n";
  *opt_.progress << line << "\n";
  opt_.progress->flush();
  at_line_start_ = true;
}

void Interpreter::guest_output(uint8_t ch) {
  if (opt_.serial) opt_.serial->put(char(ch));
  if (!opt_.progress) return;
  opt_.progress->put(char(ch));
  at_line_start_ = ch == '\n';
}

void Interpreter::checkpoint_taken(const TraceRecord& r, const Divergence* d) {
  say("    checkpoint " + r.name + " at instruction " + std::to_string(r.retired) + ": " + hex64(r.hash));
  if (!d) return;
  summary_.divergence = *d;
  summary_.outcome = Outcome::Failed;
  summary_.failure = "diverged from the golden trace at checkpoint '" + d->checkpoint + "': " + d->summary;
  say("!!! " + format_divergence(*d));
}

}  // namespace kjump::scenario
