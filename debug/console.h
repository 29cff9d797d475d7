// The debugger console's engine: one line at a time, parsed as a scenario command and run by
// the same verbs a script uses (scenario/verbs.h), on one Session that lives as long as the
// console. It reads nothing and prints nothing itself: the driver (cli/debug_command.cpp)
// gives it lines and gets back output through `say`, so a test can drive it from a pipe and
// the GDB stub's `monitor` from a packet.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <string>

#include "scenario/commands.h"
#include "scenario/machine_setup.h"
#include "scenario/run_summary.h"
#include "scenario/verbs.h"
#include "session/session.h"

namespace kjump::debug {

struct ConsoleOptions {
  Variables variables;          // --set; SCRIPT_DIR, TMP
  std::string scratch_dir;      // scratch disks (and ${TMP})
  std::string directory = ".";  // where a console line's relative paths start
  uint64_t history_interval = scenario::kDefaultHistoryInterval;
};

class Console : private SessionObserver {
 public:
  // `say`: a line of command output; `guest`: a byte of guest serial output.
  Console(ConsoleOptions opt, std::function<void(const std::string&)> say, std::function<void(uint8_t)> guest);
  ~Console() override;

  // Runs a whole script (checked first), stopping at its first failure; false on a script
  // error or a failure (reported through `say`). The console goes on from where it ended.
  bool run_script(const std::string& path);
  // A machine built from a configuration and powered on, for `kjump debug KERNEL...`.
  void boot(const MachineConfig& config);
  // One console line. Returns false for `quit` (or `exit`).
  bool execute_line(const std::string& line);
  Session& session() { return *session_; }
  // While set, command output goes here instead (the GDB stub's `monitor`).
  void redirect(std::function<void(const std::string&)> to) { redirect_ = std::move(to); }
  void set_interrupt(std::atomic<bool>* flag) { session_->set_interrupt(flag); }

 private:
  void guest_output(uint8_t c) override { guest_(c); }
  void emit(const std::string& line) { redirect_ ? redirect_(line) : say_(line); }
  std::function<void(const std::string&)> redirect_;
  scenario::Flow run(const scenario::Command& c);

  ConsoleOptions opt_;
  std::function<void(const std::string&)> say_;
  std::function<void(uint8_t)> guest_;
  std::unique_ptr<Session> session_;
  scenario::Script script_;  // the lines typed so far (each verb gets the script it came from)
  std::unique_ptr<scenario::MachineSetup> setup_;
  scenario::RunSummary summary_;
  std::unique_ptr<scenario::Verbs> verbs_;
  unsigned line_no_ = 0;
};

}  // namespace kjump::debug
