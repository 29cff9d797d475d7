// The host terminal for interactive `kjump boot`. Kept apart from emulator headers because
// <termios.h> defines macros (CR0, CR2 ...) that collide with register names.
#pragma once
#include <memory>
#include <string>

namespace kjump {

class RawTerminal {
 public:
  // No echo, no line buffering, CR passed through; restored on destruction. Signals keys
  // (Ctrl-C, Ctrl-Z) stay with the host: cli/terminal_signals.h restores the terminal first.
  RawTerminal();
  ~RawTerminal();
  RawTerminal(const RawTerminal&) = delete;
  RawTerminal& operator=(const RawTerminal&) = delete;
  // Back to the modes found at construction (for the console, a stop, the end) / raw again
  // (after the console, on SIGCONT: the shell may have reset the modes meanwhile).
  void restore();
  void enter_raw();
  bool active() const;

 private:
  struct Saved;
  std::unique_ptr<Saved> saved_;
};

// Appends what stdin has, waiting at most `ms` milliseconds, or less if `wake_fd` becomes
// readable first (a signal's self-pipe; `woken` says so). Returns false at end of input.
bool read_stdin_or(std::string& out, int ms, int wake_fd, bool& woken);
// One line from stdin without buffering ahead (the guest's input shares the descriptor):
// false at end of input.
bool read_stdin_line(std::string& line);
bool stdin_is_terminal();

}  // namespace kjump
