// `kjump boot` on a terminal, or with --record / --save-scenario (cli/interactive_boot.h).
#include "cli/interactive_boot.h"

#include <editline/readline.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

#include "cli/exit_codes.h"
#include "cli/monitor_escape.h"
#include "cli/session_script.h"
#include "cli/terminal.h"
#include "cli/terminal_signals.h"
#include "debug/console.h"
#include "machine/kexec/audit.h"
#include "replay/input_log.h"
#include "report/report.h"

namespace kjump {
namespace {

// The guest runs in slices this long (virtual) and the terminal is polled between them; the
// same slice as the boot without a session (cli/boot_command.cpp).
constexpr uint64_t kSliceNs = 10'000'000ull;
// After stdin has ended, a guest silent this long (virtual) is reported as idle, as the piped
// `kjump boot` reports it.
constexpr uint64_t kQuietLimitNs = 10'000'000'000ull;

// What the saved scenario and the session share, so that the script replays the session:
// absolute paths, and the kernel's file name as the first command-line word (`kernel` in a
// script does that, so that traces do not depend on where the build is).
MachineConfig replayable(MachineConfig c) {
  namespace fs = std::filesystem;
  auto abs = [](const std::string& p) { return p.empty() ? p : fs::absolute(p).lexically_normal().string(); };
  c.kernel_path = abs(c.kernel_path);
  c.kernel_name = fs::path(c.kernel_path).filename().string();
  c.disk_path = abs(c.disk_path);
  for (FwFile& f : c.fw_files) f.host_path = abs(f.host_path);
  for (std::string& m : c.modules) {
    size_t space = m.find(' ');
    m = abs(m.substr(0, space)) + (space == std::string::npos ? "" : m.substr(space));
  }
  return c;
}

class BootMonitor {
 public:
  explicit BootMonitor(const InteractiveBootOptions& o)
      : opts_(o),
        config_(o.record.empty() && o.save_scenario.empty() ? o.config : replayable(o.config)),
        console_(debug::ConsoleOptions{}, [this](const std::string& l) { say(l); }, [this](uint8_t c) { guest(c); }) {}

  int run() {
    try {
      console_.boot(config_);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "kjump: %s\n", e.what());
      return exit_code::kBadInput;
    }
    console_.set_interrupt(signals_.interrupt_flag());
    if (!opts_.input.empty()) s().send(opts_.input);
    input_open_ = opts_.read_stdin;
    if (input_open_ && stdin_is_terminal()) {
      terminal_ = std::make_unique<RawTerminal>();
      std::fprintf(stderr, "kjump: Ctrl-A h lists the monitor keys\n");
    }
    // An error anywhere below ends the run like any other way out: terminal first, then the
    // files (the session so far is still worth keeping) and the report.
    try {
      for (;;)
        if (auto status = step()) return *status;
    } catch (const std::exception& e) {
      return finish(std::string("error: ") + e.what(), exit_code::kEngineError, true);
    }
  }

 private:
  Session& s() { return console_.session(); }
  Machine& m() { return console_.session().machine(); }

  // stdout is the guest's COM1 alone, as the piped boot's is (and a saved scenario's
  // `kjump run --serial` file): the console and the monitor speak on stderr.
  void say(const std::string& line) {
    if (line.rfind("==> ", 0) == 0) return;  // a typed line's echo
    std::fflush(stdout);
    if (!at_line_start_) std::fputc('\n', stderr);
    std::fputs(line.c_str(), stderr);
    std::fputc('\n', stderr);
    std::fflush(stderr);
    at_line_start_ = true;
  }
  void guest(uint8_t c) {
    std::fputc(c, stdout);
    at_line_start_ = c == '\n';
  }
  void note(const std::string& line) {
    std::fflush(stdout);
    std::fprintf(stderr, "%skjump: %s\n", at_line_start_ ? "" : "\n", line.c_str());
    at_line_start_ = true;
  }

  // One slice of guest time, then the terminal. A value: the run is over with that status.
  std::optional<int> step() {
    std::vector<int> sigs = signals_.take();
    for (size_t i = 0; i < sigs.size(); ++i) {
      // A stop the shell already continued (fg came before this loop saw Ctrl-Z): stopping
      // now would never be continued.
      if (sigs[i] == SIGTSTP && std::find(sigs.begin() + i, sigs.end(), SIGCONT) != sigs.end()) continue;
      if (auto status = on_signal(sigs[i])) return status;
    }
    uint64_t slice = kSliceNs;
    if (opts_.max_insns) {
      uint64_t done = m().engine().retired();
      if (done >= opts_.max_insns)
        return finish("instruction budget exhausted (--max-insns " + std::to_string(opts_.max_insns) + ")",
                      exit_code::kBudgetExhausted, true);
      slice = std::min(slice, opts_.max_insns - done);  // time bounds instructions: never past it
    }
    DebugStop st = s().resume(Duration{Duration::Unit::VirtualNs, slice, "slice"}, true);
    bool idle = false;
    switch (st.kind) {
      case DebugStop::Kind::PoweredOff: return powered_off();
      case DebugStop::Kind::Fault:
        if (st.guest_stop == StopReason::Idle) {
          idle = true;  // waiting for input with nothing scheduled: only the user can wake it
          break;
        }
        return finish(st.detail, fault_status(st.guest_stop), false);
      case DebugStop::Kind::Breakpoint:
      case DebugStop::Kind::Watchpoint:
        open_console(st.kind == DebugStop::Kind::Breakpoint
                         ? "breakpoint " + std::to_string(st.breakpoint) + " at t=" + std::to_string(m().engine().retired())
                         : "watchpoint " + std::to_string(st.breakpoint) + "\n" + st.detail);
        if (quit_) return finish("quit in the console", exit_code::kOk, true);
        return std::nullopt;
      default: break;
    }
    std::fflush(stdout);
    if (m().serial_output().size() != last_output_size_) {
      last_output_size_ = m().serial_output().size();
      last_output_time_ = m().now();
    }
    if (!input_open_) {
      if (idle) return finish("guest idle with nothing scheduled and no input left", exit_code::kGuestHung, true);
      if (m().now() - last_output_time_ >= kQuietLimitNs)
        return finish("guest idle: no output for 10 s of virtual time after the input ran out", exit_code::kGuestHung, true);
      return std::nullopt;
    }
    std::string typed;
    bool woken = false;
    bool halted = idle || m().engine().halted();
    if (!read_stdin_or(typed, idle ? 100 : halted ? 10 : 0, signals_.wake_fd(), woken)) input_open_ = false;
    return on_typed(typed);
  }

  std::optional<int> on_typed(std::string typed) {
    size_t used = 0;
    for (const MonitorEvent& e : escape_.feed_until_action(typed, used)) {
      switch (e.kind) {
        case MonitorEvent::Kind::Guest: s().send(e.bytes); break;
        case MonitorEvent::Kind::Help: note(std::string("monitor keys:\n") + monitor_escape_help()); break;
        case MonitorEvent::Kind::Unknown: note("Ctrl-A " + e.bytes + ": no such monitor key (Ctrl-A h lists them)"); break;
        case MonitorEvent::Kind::Quit: return finish("quit (Ctrl-A x)", exit_code::kOk, true);
        case MonitorEvent::Kind::Console:
          console_input_ = typed.substr(used);  // typed ahead: the console's first lines
          open_console("");
          if (quit_) return finish("quit in the console", exit_code::kOk, true);
          // What the console left unread goes on to the guest (through the escape again).
          return on_typed(std::exchange(console_input_, ""));
      }
    }
    return std::nullopt;
  }

  // A console line: first from what was typed ahead of the console, then from stdin.
  bool console_line(std::string& line) {
    size_t nl = console_input_.find_first_of("\r\n");
    if (nl != std::string::npos) {
      line = console_input_.substr(0, nl);
      console_input_.erase(0, nl + 1);
      if (terminal_) std::fprintf(stderr, "(kjump) %s\n", line.c_str());
      return true;
    }
    if (terminal_) {
      rl_outstream = stderr;  // the prompt too (see say)
      char* l = readline("(kjump) ");
      if (!l) return false;
      line = console_input_ + l;
      console_input_.clear();
      std::free(l);
      if (line.find_first_not_of(" \t") != std::string::npos) add_history(line.c_str());
      return true;
    }
    std::string rest;
    bool got = read_stdin_line(rest);
    if (!got) input_open_ = false;
    line = console_input_ + rest;
    console_input_.clear();
    return got || !line.empty();
  }

  std::optional<int> on_signal(int sig) {
    if (sig == SIGCONT) {
      if (terminal_) terminal_->enter_raw();  // the shell may have reset the modes while stopped
      return std::nullopt;
    }
    if (sig == SIGTSTP) {
      std::fflush(stdout);
      if (terminal_) terminal_->restore();
      // The same check once more, as late as can be (a SIGCONT after it and before the stop
      // would still be lost: a window of a few instructions).
      std::vector<int> late = signals_.take();
      if (std::find(late.begin(), late.end(), SIGCONT) == late.end()) signals_.stop_self();
      if (terminal_) terminal_->enter_raw();
      return std::nullopt;
    }
    return finish(std::string("interrupted by ") + strsignal(sig), 128 + sig, true);
  }

  // The console on the running machine until `c` / `continue` (or Ctrl-D); `quit` ends the run.
  void open_console(const std::string& why) {
    std::fflush(stdout);
    if (terminal_) terminal_->restore();
    signals_.suspend();
    if (!why.empty()) say(why);
    say("kjump: the console (" + std::string(terminal_ ? "c, continue or Ctrl-D" : "c or continue") +
        " goes back to the guest; quit ends the run)");
    for (;;) {
      std::string line;
      bool got = console_line(line);
      if (!got) break;
      size_t b = line.find_first_not_of(" \t"), e = line.find_last_not_of(" \t\r");
      std::string word = b == std::string::npos ? "" : line.substr(b, e - b + 1);
      if (word == "c" || word == "continue") break;
      signals_.interrupt_flag()->store(false);
      at_line_start_ = true;
      if (!console_.execute_line(line)) {
        quit_ = true;
        break;
      }
    }
    signals_.interrupt_flag()->store(false);
    signals_.take();  // what came while the console had the terminal was the console's
    signals_.resume();
    if (quit_) return;
    if (terminal_) terminal_->enter_raw();  // before saying so: what is typed next is the guest's
    note("back to the guest (Ctrl-A h lists the keys)");
  }

  // As `kjump boot` without the monitor (cli/boot_command.cpp) ends on the same stops.
  static int fault_status(std::optional<StopReason> why) {
    if (why == StopReason::TripleFault) return exit_code::kTripleFault;
    if (why == StopReason::EngineError) return exit_code::kEngineError;
    return exit_code::kGuestHung;  // halted forever, idle, or the session refused to go on
  }

  std::optional<int> powered_off() {
    if (!m().power().guest_reset.empty()) {
      std::string why = "the guest reset the machine (" + m().power().guest_reset + "); the run ends, as QEMU's -no-reboot";
      return finish(why, exit_code::kOk, false);
    }
    return finish("", m().power().exit_status.value_or(0), false);
  }

  // The end, whatever the way: the terminal first, then the files, then the report.
  int finish(const std::string& headline, int status, bool fault_report) {
    std::fflush(stdout);
    if (terminal_) terminal_->restore();
    if (!write_outputs()) status = exit_code::kBadInput;
    const KexecAudit& a = m().kexec_audit();
    if (a.jumps() > 0 || !a.findings().empty())
      for (const std::string& line : a.summary()) std::fprintf(stderr, "kjump: kexec audit: %s\n", line.c_str());
    if (!headline.empty()) std::fprintf(stderr, "\nkjump: %s\n", headline.c_str());
    if (fault_report) std::fprintf(stderr, "%s", m().fault_report().c_str());
    return status;
  }

  bool write_outputs() {
    try {
      if (!opts_.record.empty()) write_input_log(opts_.record, s().recorded_inputs());
      if (!opts_.save_scenario.empty()) write_scenario();
      if (RunRecorder* rec = s().run_recorder()) {
        if (!opts_.report_html.empty()) write_html_report(opts_.report_html, rec->events());
        if (!opts_.trace_events.empty()) write_trace_events(opts_.trace_events, rec->events());
      }
    } catch (const std::exception& e) {
      std::fprintf(stderr, "kjump: %s\n", e.what());
      return false;
    }
    return true;
  }

  void write_scenario() {
    SessionEnd end;
    end.time = m().now();
    end.powered_off = !m().power().on;
    end.eip = uint32_t(m().engine().reg(Reg::EIP));
    const std::string& out = m().serial_output();
    end.output_tail = out.substr(out.size() - std::min<size_t>(out.size(), 48));
    std::vector<std::string> comment{
        "Written by `kjump boot --save-scenario`: the session replayed exactly (`kjump run " +
            std::filesystem::path(opts_.save_scenario).filename().string() + "`).",
        "Each input is sent at the virtual instant it reached the machine; the waits are virtual nanoseconds."};
    if (s().recorded_inputs().branches.size() > 1)
      comment.push_back("The console went back in time: this is the session's last timeline (--record keeps every branch).");
    std::ofstream f(opts_.save_scenario, std::ios::binary | std::ios::trunc);
    f << session_script(config_, m().input_log(), end, comment);
    if (!f) throw std::runtime_error("--save-scenario '" + opts_.save_scenario + "': cannot write the file");
  }

  const InteractiveBootOptions& opts_;
  MachineConfig config_;
  TerminalSignals signals_;
  debug::Console console_;
  std::unique_ptr<RawTerminal> terminal_;
  MonitorEscapeDecoder escape_;
  std::string console_input_;  // typed after Ctrl-A c in the same read, not yet read by the console
  bool at_line_start_ = true, input_open_ = true, quit_ = false;
  size_t last_output_size_ = 0;
  uint64_t last_output_time_ = 0;
};

}  // namespace

int interactive_boot(const InteractiveBootOptions& opts) {
  BootMonitor monitor(opts);
  return monitor.run();
}

}  // namespace kjump
