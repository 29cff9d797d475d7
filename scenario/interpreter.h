// Runs a checked script over a Session: configuration, power, serial I/O with expectations,
// waits, checkpoints, snapshots and assertions, in order, stopping at the first failure.
// Reports every step on the progress stream and returns a RunSummary. The verbs themselves
// are in scenario/verbs.h; this is the loop, the run's files (trace, input log) and the
// summary.
//
// Determinism: everything the guest sees happens at instruction counts fixed by the script
// and the guest alone (session/session.h). The same script therefore gives the same trace on
// every run.
#pragma once

#include <cstdint>
#include <optional>
#include <ostream>
#include <string>

#include "scenario/commands.h"
#include "scenario/run_summary.h"
#include "session/session.h"

namespace kjump::scenario {

struct RunOptions {
  Variables variables;          // --set NAME=VALUE (BUILD, ...)
  std::string scratch_dir;      // scratch disk images; also ${TMP}. Empty: none
  std::string record_path;      // --record: write the input log here at the end
  std::string replay_path;      // --replay: feed this input log instead of `send`
  std::string trace_path;       // --trace: write the checkpoints here at the end
  std::string check_path;       // --check: compare checkpoints with this golden trace
  uint64_t perturb_input = 0;   // N > 0: deliver the N-th `send` one instruction late
  uint64_t checkpoint_every = 0; // N > 0: also a checkpoint "every-N" at each multiple of N instructions
  std::ostream* progress = nullptr;  // steps and guest output as they happen; null: quiet
  std::string report_path;        // --report: the run as an HTML page (report/report.h), at the end
  std::string trace_events_path;  // --trace-events: the run in the Trace Event format, at the end
  std::ostream* serial = nullptr;    // the guest's serial output alone, byte for byte (--serial)
};

class Interpreter : private SessionObserver {
 public:
  Interpreter(const Script& script, RunOptions options);
  ~Interpreter() override;
  Interpreter(const Interpreter&) = delete;
  Interpreter& operator=(const Interpreter&) = delete;

  // Checks and runs the script. Never throws for bad input: it becomes Outcome::Error.
  RunSummary run();
  // The run's event list, when one was recorded (--report, --trace-events, `report`).
  const std::optional<RunEvents>& run_events() const { return events_; }

 private:
  SessionOptions prepare();
  void run_script(Session& session);
  void write_outputs(const Session* session);
  void say(const std::string& line);
  // SessionObserver
  void guest_output(uint8_t c) override;
  void checkpoint_taken(const TraceRecord& r, const Divergence* d) override;

  const Script& script_;
  RunOptions opt_;
  RunSummary summary_;
  bool at_line_start_ = true;  // progress stream bookkeeping
  std::optional<RunEvents> events_;
};

}  // namespace kjump::scenario
