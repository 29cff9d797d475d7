// Runs a checked script against a machine: configuration, power, serial I/O with
// expectations, waits, checkpoints, snapshots and assertions, in order, stopping at the
// first failure. Reports every step on the progress stream and returns a RunSummary.
//
// Determinism: everything the guest sees happens at instruction counts fixed by the script
// and the guest alone. The machine stops only at deadlines the script sets, and when the
// guest's output completes an `expect` match (never on host timing); `send` delivers at the
// instruction where the previous command stopped. The same script therefore gives the same
// trace on every run.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <ostream>
#include <string>

#include "replay/input_log.h"
#include "replay/snapshot.h"
#include "scenario/commands.h"
#include "scenario/machine_setup.h"
#include "scenario/quantities.h"
#include "scenario/replay_feed.h"
#include "scenario/run_summary.h"
#include "scenario/serial_pattern.h"
#include "scenario/trace_session.h"

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
};

// Default `expect` timeout: 200M guest instructions, or 60 s of virtual time if that comes
// first (an idle guest retires a few hundred instructions per timer tick: 200M of them would
// be an hour of virtual time and seconds of host time before a failure is reported).
inline constexpr uint64_t kDefaultExpectTimeout = 200'000'000;
inline constexpr uint64_t kDefaultExpectTimeCap = 60'000'000'000;
// How long (virtual ns) the guest's output must stay as it is before a regex match that ends
// at the very end of the output (`\d+` seeing "12", more digits may follow) is taken.
inline constexpr uint64_t kQuietTime = 1'000'000;

class Interpreter {
 public:
  Interpreter(const Script& script, RunOptions options);
  ~Interpreter();
  Interpreter(const Interpreter&) = delete;
  Interpreter& operator=(const Interpreter&) = delete;

  // Checks and runs the script. Never throws for bad input: it becomes Outcome::Error.
  RunSummary run();

 private:
  enum class Flow { Next, Exit, Stop };
  struct NamedSnapshot {
    Snapshot snap;
    size_t cursor = 0;  // the expect cursor when taken
  };
  struct Advance {
    enum class End { Done, Deadline, PoweredOff, Fault } end;
    std::string detail;
  };
  // What a waiting command sees in the output so far.
  enum class Seen { Nothing, Tentative, Done };

  void prepare();
  Flow execute(const Command& c);
  Flow run_boot(const Command& c);
  Flow run_power(const Command& c, const PowerCmd& p);
  Flow run_send(const Command& c, const SendCmd& s);
  Flow run_expect(const Command& c, const ExpectCmd& e);
  Flow run_wait(const Command& c, const WaitCmd& w);
  Flow run_checkpoint(const std::string& name);
  Flow run_snapshot(const Command& c, const SnapshotCmd& s);
  Flow run_assert_state(const Command& c, const AssertStateCmd& a);
  Flow record_check(const Command& c, bool passed, const std::string& message);
  Flow fail(const Command& c, const std::string& message);

  void build_machine(const Command& c);
  void validate_devices();
  Duration duration_of(const Text& t) const;
  // Runs the machine until `seen(accept_tentative)` says Done, the deadline passes, the guest
  // powers off or faults. A Tentative result is accepted once kQuietTime has passed since it
  // first appeared (or at the deadline). Stops come only from the guest (its output, its
  // timers) and the script's numbers, never from the host.
  // `time_cap`: an extra bound in virtual ns from now (the default expect timeout's).
  Advance advance(const Duration& limit, const std::function<Seen(bool accept_tentative)>& seen,
                  uint64_t time_cap = kNever);
  void run_machine(uint64_t limit, RunResult& r);
  void on_serial_byte(uint8_t c);
  void say(const std::string& line);
  std::string snapshot_path(const Text& t) const;

  const Script& script_;
  RunOptions opt_;
  Variables vars_;
  MachineSetup setup_;
  std::unique_ptr<Machine> m_;
  std::unique_ptr<TraceSession> trace_;
  std::unique_ptr<ReplayFeed> feed_;  // --replay
  SnapshotStore store_;
  std::map<std::string, NamedSnapshot> snapshots_;
  RunSummary summary_;

  size_t cursor_ = 0;                                   // expect scanning starts here
  const SerialPattern* watching_ = nullptr;             // the expect waiting for output
  bool tentative_armed_ = false;                        // advance() already counts quiet time
  bool auto_checkpoint_stop_ = false;                   // a periodic checkpoint diverged
  bool at_line_start_ = true;                           // progress stream bookkeeping
  uint64_t sends_ = 0;
};

}  // namespace kjump::scenario
