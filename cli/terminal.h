// The host terminal for interactive `kjump boot`. Kept apart from emulator headers because
// <termios.h> defines macros (CR0, CR2 ...) that collide with register names.
#pragma once
#include <memory>
#include <string>

namespace kjump {

class RawTerminal {
 public:
  RawTerminal();  // no echo, no line buffering, CR passed through; restored on destruction
  ~RawTerminal();
  RawTerminal(const RawTerminal&) = delete;
  RawTerminal& operator=(const RawTerminal&) = delete;

 private:
  struct Saved;
  std::unique_ptr<Saved> saved_;
};

// Appends what stdin has, waiting at most `ms` milliseconds. Returns false at end of input.
bool read_stdin(std::string& out, int ms);
bool stdin_is_terminal();

}  // namespace kjump
