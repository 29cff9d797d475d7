// One owner of a running machine and its history: the Machine, the snapshot store and its
// named snapshots, the cursor into the guest's serial output that `expect` consumes, the
// input feed when replaying, and the checkpoint trace. Everything a driver does to a machine
// — the scenario interpreter, the debugger console, the GDB stub — goes through a Session,
// so a snapshot restore puts the whole history back in one place.
//
// Determinism: a Session stops the machine only at instruction counts its caller chose and
// when the guest's own output completes what the caller waits for (never on host timing);
// live input is delivered at the instruction where the previous run stopped. The same calls
// therefore give the same machine states on every run.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/quantity.h"
#include "machine/machine.h"
#include "session/breakpoints.h"
#include "session/history.h"
#include "replay/input_feed.h"
#include "replay/run_recorder.h"
#include "replay/snapshot.h"
#include "replay/trace_recorder.h"

namespace kjump {

// Named values the user captured or set (a scenario's variables, the debugger's
// convenience values).
using Variables = std::map<std::string, std::string>;

// How long (virtual ns) the guest's output must stay as it is before a tentative match
// (one that ends at the very end of the output: `\d+` seeing "12", more digits may follow)
// is taken.
inline constexpr uint64_t kQuietTime = 1'000'000;

struct SessionOptions {
  std::optional<InputLog> replay;                  // feed these inputs instead of live ones
  bool capture_trace = false;                      // keep every checkpoint record
  std::optional<std::vector<TraceRecord>> golden;  // compare checkpoints with these as they are taken
  uint64_t checkpoint_every = 0;                   // N > 0: also a checkpoint "every-N" at each multiple of N instructions
  // N > 0: keep the automatic checkpoint ladder for reverse execution (session/history.h),
  // a checkpoint at least every N retired instructions near the present.
  uint64_t history_interval = 0;
  // Record the run's event list (replay/run_recorder.h) for a report; `events_title` names
  // the run in it. Off: the machine's run observers stay null and cost nothing.
  bool record_events = false;
  std::string events_title;
  uint64_t history_byte_cap = 0;  // the ladder's RAM pages at most (0: no cap)
};

// What a driver is told while the session runs.
class SessionObserver {
 public:
  virtual ~SessionObserver() = default;
  virtual void guest_output(uint8_t) {}
  // After every checkpoint (when the trace is active): its record, and the divergence from
  // the golden trace if this checkpoint is the first that differs.
  virtual void checkpoint_taken(const TraceRecord&, const Divergence*) {}
};

// What a waiting caller sees in the output so far (see Session::advance).
enum class Seen { Nothing, Tentative, Done };

// Why a debugger run (Session::resume / step) stopped.
struct DebugStop {
  enum class Kind { Stepped, Breakpoint, Deadline, PoweredOff, Fault, Interrupted, HistoryStart, Watchpoint } kind =
      Kind::Stepped;
  unsigned breakpoint = 0;  // Kind::Breakpoint/Watchpoint: its number (0: an internal one, `until`)
  std::string detail;       // Watchpoint: gdb's report lines
  uint64_t data_addr = 0;   // Watchpoint: the address the access touched (the watched one's kind)
  // Fault: why the guest stopped, when it did (none: the session refused to go on, e.g. a
  // replay that diverged). Callers choose exit statuses by it, never by the text.
  std::optional<StopReason> guest_stop;
};

struct AdvanceEnd {
  enum class End { Done, Deadline, PoweredOff, Fault } end = End::Done;
  std::string detail;  // PoweredOff: how; Fault: the fault report
};

class Session {
 public:
  explicit Session(SessionOptions options = {}, SessionObserver* observer = nullptr);
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  // ---- the machine ----
  // Builds a new machine from `config` (powered off); the previous one, if any, must be off.
  // Throws BootError / std::runtime_error naming the culprit.
  void build(const MachineConfig& config);
  bool has_machine() const { return m_ != nullptr; }
  Machine& machine() { return *m_; }
  const Machine& machine() const { return *m_; }
  bool replaying() const { return feed_.has_value(); }
  // The whole run's inputs for --record: every branch a restore left behind, then the
  // machine's present log (replay/input_log.h).
  InputLog recorded_inputs() const;

  // ---- live input and power (checked against the recorded inputs when replaying: a
  // mismatch throws ReplayDiverged) ----
  void power_on();   // the expect cursor moves to the end of the output so far
  void power_off();
  void send(const std::string& bytes);

  // ---- serial output and the expect cursor ----
  const std::string& output() const { return m_->serial_output(); }
  size_t cursor() const { return cursor_; }
  void consume_to(size_t end) { cursor_ = end; }

  // ---- running ----
  // Runs the machine until `seen(accept_tentative)` says Done, `limit` passes (instructions
  // or virtual time from now), `time_cap` virtual ns pass, or the guest powers off or
  // faults. While running, `seen(false)` is asked after each guest output byte; the machine
  // stops when it says Done, or when a Tentative result first appears, which is then
  // accepted once kQuietTime has passed (or at the deadline). `seen` may be null (a wait).
  AdvanceEnd advance(const Duration& limit, const std::function<Seen(bool accept_tentative)>& seen,
                     uint64_t time_cap = kNever);
  // Guest instructions and virtual time that passed while this session ran (all machines,
  // all restores).
  uint64_t instructions_run() const { return instructions_; }
  uint64_t virtual_ns_run() const { return virtual_ns_; }

  // ---- debugger run control (session/run_control.cpp) ----
  // Breakpoints are the session's, not the engine's: the engine only gets the virtual
  // addresses where they may be hit (a physical one at its identity and PAGE_OFFSET aliases)
  // and the session decides whether a stop there is one of them.
  Breakpoints& breakpoints() { return bps_; }
  const Breakpoints& breakpoints() const { return bps_; }
  // Runs until a breakpoint (when `use_breakpoints`), `limit` passes, the guest powers off
  // or faults, or *interrupt becomes true (checked between slices; it is cleared).
  DebugStop resume(const Duration& limit, bool use_breakpoints = true);
  // Exactly `n` instructions (a halted CPU advances to its next event instead), or fewer if
  // the guest stops first. Breakpoints are not checked.
  DebugStop step(uint64_t n);
  // A flag a driver sets from a signal handler (Ctrl-C) to stop a running `c`. The session
  // only reads it, between slices of guest time chosen by the session, so where it lands
  // changes where the host stops looking, never what the guest does.
  void set_interrupt(std::atomic<bool>* flag) { interrupt_ = flag; }

  // ---- reverse execution (session/history.cpp) ----
  bool history_enabled() const { return opt_.history_interval > 0; }
  const History& history() const { return history_; }
  // Puts the machine at exactly `retired` instructions: forward by running, backward by
  // restoring the nearest ladder checkpoint at or before it and running forward, with the
  // recorded inputs put back at their times. Kind::HistoryStart if `retired` is before the
  // oldest checkpoint (the machine is then at that checkpoint).
  DebugStop seek(uint64_t retired);
  // Back `n` instructions (seek(now - n)).
  DebugStop reverse_step(uint64_t n);
  // Back to the last breakpoint hit before now, scanning one ladder interval at a time.
  DebugStop reverse_continue();
  // The driver changed guest state by hand (a register or memory written from gdb): what the
  // ladder holds after now, and a reverse jump's recorded future, no longer happen.
  void new_future();

  // ---- checkpoints ----
  // Records a checkpoint (when the trace is active) and compares it with the golden trace;
  // returns the divergence if this is the first checkpoint that differs.
  std::optional<Divergence> checkpoint(const std::string& name);
  // At the end: the run must have exactly the golden trace's checkpoints.
  std::optional<Divergence> finish_trace() const { return trace_.finish(); }
  const std::vector<TraceRecord>& trace() const { return trace_.records(); }

  // ---- named snapshots (in memory; files through write/read) ----
  struct NamedSnapshot {
    Snapshot snap;
    size_t cursor = 0;  // the expect cursor when taken
  };
  void save_snapshot(const std::string& name);
  // Puts the machine, its output, its input log and the expect cursor back as they were.
  // Throws std::out_of_range for an unknown name, StateError for a snapshot of another
  // configuration.
  void restore_snapshot(const std::string& name);
  void write_snapshot(const std::string& name, const std::string& path) const;
  void read_snapshot(const std::string& name, const std::string& path);
  const NamedSnapshot* find_snapshot(const std::string& name) const;
  const std::map<std::string, NamedSnapshot>& snapshots() const { return snapshots_; }

  // ---- the run's event list (null unless SessionOptions::record_events) ----
  RunRecorder* run_recorder() { return rec_.get(); }
  const RunRecorder* run_recorder() const { return rec_.get(); }

  // ---- values ----
  Variables& variables() { return vars_; }
  const Variables& variables() const { return vars_; }

 private:
  void run_slice(uint64_t limit, RunResult& r);
  void on_guest_output(uint8_t c);
  void check_live(InputKind kind, const std::string& bytes);
  uint64_t feed_limit(uint64_t limit);  // the next recorded input, applied if due now
  void sync_engine_breakpoints();
  // Watchpoints go to the engine only for runs that stop at them (resume, step, a reverse
  // scan); `expect`, `wait` and replays run without them, so that they are left exactly as
  // the free run leaves them.
  void sync_engine_watchpoints(bool active);
  struct WatchStop {
    unsigned id = 0;
    std::string report;
    uint64_t addr = 0;
  };
  WatchStop last_watch_;
  std::vector<std::pair<uint64_t, unsigned>>* watch_hits_ = nullptr;  // a reverse scan records here
  std::map<uint64_t, unsigned> watch_hit_at_;  // the scan's watch hits: retired count -> watchpoint
  std::optional<unsigned> breakpoint_at_eip(std::string* error);  // the breakpoint the engine stopped at
  void ladder_after_run();                      // an automatic checkpoint, when one is due
  void restore_checkpoint(const History::Checkpoint& c);
  // Runs forward to exactly `retired`, quietly (history already seen), ignoring breakpoints.
  DebugStop replay_to(uint64_t retired, bool record_hits, std::vector<uint64_t>* hits);

  SessionOptions opt_;
  SessionObserver* observer_;
  std::unique_ptr<Machine> m_;
  std::optional<InputFeed> feed_;
  TraceRecorder trace_;
  SnapshotStore store_;
  std::map<std::string, NamedSnapshot> snapshots_;
  Variables vars_;
  size_t cursor_ = 0;
  uint64_t instructions_ = 0, virtual_ns_ = 0;

  Breakpoints bps_;
  std::atomic<bool>* interrupt_ = nullptr;
  History history_;
  bool history_feed_ = false;  // feed_ holds the inputs of a future left by a reverse jump
  bool reversed_ = false;      // a reverse jump since the last live input (replay: a branch may start)
  std::vector<std::vector<InputEvent>> abandoned_;  // inputs of branches left by restores
  bool quiet_ = false;         // re-running history: its output was already shown
  uint64_t high_water_ = 0;    // the furthest retired count reached (output up to it was shown)

  // The wait in progress (advance()): asked after each guest output byte.
  const std::function<Seen(bool)>* waiting_ = nullptr;
  bool tentative_armed_ = false;  // advance() already counts quiet time
  std::optional<std::string> periodic_divergence_;  // a periodic checkpoint diverged: stop

  std::unique_ptr<RunRecorder> rec_;  // the run's event list, when asked for
};

}  // namespace kjump
