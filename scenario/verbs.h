// The scenario language's verbs: each command as a function of a Session and the command,
// its arguments resolved once when it starts. The script loop (scenario/interpreter.h) calls
// them for a whole script; the debugger console and the GDB stub's monitor commands call the
// same functions one line at a time, so what a verb does is covered by golden traces however
// it is driven.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string>

#include "scenario/commands.h"
#include "scenario/machine_setup.h"
#include "scenario/run_summary.h"
#include "session/session.h"

namespace kjump::scenario {

// Default `expect` timeout: 200M guest instructions, or 60 s of virtual time if that comes
// first (an idle guest retires a few hundred instructions per timer tick: 200M of them would
// be an hour of virtual time and seconds of host time before a failure is reported).
inline constexpr uint64_t kDefaultExpectTimeout = 200'000'000;
inline constexpr uint64_t kDefaultExpectTimeCap = 60'000'000'000;

// The reverse-execution ladder's spacing near the present (session/history.h): a
// reverse-stepi re-runs at most this many instructions from a checkpoint.
inline constexpr uint64_t kDefaultHistoryInterval = 8'000'000;
// ... and the RAM pages its checkpoints may hold at most (session/history.h).
inline constexpr uint64_t kDefaultHistoryByteCap = 2ull << 30;

// What a verb tells its driver: go on, the script said `exit`, or stop (a failure).
enum class Flow { Next, Exit, Stop };

// What a driver lends the verbs besides the session: the script (relative paths start at
// its directory; device fields it asserts are validated when a machine is built), the
// configuration being accumulated, and where results and progress lines go.
struct VerbContext {
  const Script& script;
  MachineSetup& setup;
  RunSummary& summary;
  std::function<void(const std::string&)> say;  // one progress line
  uint64_t perturb_input = 0;                   // N > 0: deliver the N-th `send` one instruction late
};

class Verbs {
 public:
  explicit Verbs(VerbContext ctx) : ctx_(std::move(ctx)) {}

  // Runs one command. Bad input (a value, a file, a machine that cannot be built) throws
  // ScriptError naming the command; a failed expectation records a failed check and
  // returns Flow::Stop.
  Flow execute(Session& s, const Command& c);
  // A checkpoint outside any command (the run's "end").
  Flow checkpoint(Session& s, const std::string& name);
  // The debugger's commands (scenario/debug_commands.h, scenario/debug_verbs.cpp).
  static bool is_debug_command(const CommandBody& b);

 private:
  Flow execute_one(Session& s, const Command& c);
  Flow boot(Session& s, const Command& c);
  Flow report(Session& s, const ResolvedArgs& args, const ReportCmd& r);  // scenario/report_verb.cpp
  Flow power(Session& s, const Command& c, const PowerCmd& p);
  Flow send(Session& s, const Command& c, const ResolvedArgs& args, const SendCmd& cmd);
  Flow expect(Session& s, const Command& c, const ResolvedArgs& args, const ExpectCmd& e);
  Flow wait(Session& s, const Command& c, const ResolvedArgs& args, const WaitCmd& w);
  Flow snapshot(Session& s, const ResolvedArgs& args, const SnapshotCmd& cmd);
  Flow assert_state(Session& s, const Command& c, const ResolvedArgs& args, const AssertStateCmd& a);
  Flow assert_config(const Command& c, const AssertStateCmd& a, const std::string& name,
                     std::span<const uint8_t> snapshot_state, std::span<const uint8_t> now_state, Stateful& declaration);
  Flow record_check(const Command& c, bool passed, const std::string& message);
  Flow fail(const Command& c, const std::string& message);
  void build_machine(Session& s, const Command& c);
  Flow debug_verb(Session& s, const Command& c, const ResolvedArgs& args);
  Flow info(Session& s, const Command& c, const ResolvedArgs& args, const InfoCmd& x);
  Flow stopped(Session& s, const Command& c, const DebugStop& stop);
  // scenario/debug_run_verbs.cpp: run control that needs frames, watchpoints, conditions.
  Flow next(Session& s, const Command& c, uint64_t n);
  Flow finish(Session& s, const Command& c);
  Flow reverse_finish(Session& s, const Command& c);
  Flow watch(Session& s, const ResolvedArgs& args, const WatchCmd& w);
  BreakCondition break_condition(Session& s, const ResolvedArgs& args, const BreakCmd& b, std::string* text);
  void say_lines(const std::vector<std::string>& lines);

  VerbContext ctx_;
  uint64_t sends_ = 0;
};

}  // namespace kjump::scenario
