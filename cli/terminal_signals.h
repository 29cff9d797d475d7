// The signals interactive `kjump boot` must survive with the terminal intact: SIGINT, SIGTERM,
// SIGHUP (end the run: terminal restored, report printed, 128+N), SIGTSTP (terminal restored,
// then the process stops as it would have) and SIGCONT (raw modes again). The handler only
// writes the signal's number to a self-pipe (write(2) is async-signal-safe); the run loop
// polls the pipe between slices of guest time and with stdin, and does the real work outside
// the handler.
//
// Global state: the pipe's write end is one process-wide int, and the console's Ctrl-C flag
// one process-wide lock-free atomic, because a signal handler can reach nothing else (no
// argument, no object). Only one TerminalSignals may exist at a time (the constructor
// checks); everything else is in the object.
#pragma once

#include <signal.h>

#include <atomic>
#include <vector>

namespace kjump {

class TerminalSignals {
 public:
  TerminalSignals();   // installs the handlers (SA_RESTART), remembering the old ones
  ~TerminalSignals();  // puts the old handlers back, closes the pipe
  TerminalSignals(const TerminalSignals&) = delete;
  TerminalSignals& operator=(const TerminalSignals&) = delete;

  int wake_fd() const { return pipe_[0]; }
  // The signals that arrived since the last call, in order (drains the pipe without blocking).
  std::vector<int> take();
  // SIGTSTP taken: stop the process now, as the default action would (the caller restored the
  // terminal); returns once continued.
  void stop_self();
  // While the debugger console runs the terminal is in its own modes (nothing to restore):
  // SIGTERM, SIGHUP, SIGTSTP and SIGCONT get their old dispositions (libedit handles Ctrl-Z
  // at its prompt), and Ctrl-C only sets interrupt_flag(), which stops a running `c`
  // (Session::set_interrupt). resume() puts the handlers back.
  void suspend();
  void resume();
  std::atomic<bool>* interrupt_flag();

 private:
  void install();
  int pipe_[2] = {-1, -1};
  struct sigaction old_[5]{};
  bool installed_ = false;
};

}  // namespace kjump
