#include "cli/terminal.h"

#include <poll.h>
#include <termios.h>
#include <unistd.h>

namespace kjump {

struct RawTerminal::Saved {
  termios attrs{};
  bool active = false;
};

RawTerminal::RawTerminal() : saved_(std::make_unique<Saved>()) {
  if (tcgetattr(0, &saved_->attrs) != 0) return;
  termios raw = saved_->attrs;
  raw.c_lflag &= ~(ICANON | ECHO);
  raw.c_iflag &= ~(ICRNL);
  raw.c_cc[VMIN] = 1;
  raw.c_cc[VTIME] = 0;
  saved_->active = tcsetattr(0, TCSANOW, &raw) == 0;
}

RawTerminal::~RawTerminal() {
  if (saved_->active) tcsetattr(0, TCSANOW, &saved_->attrs);
}

bool read_stdin(std::string& out, int ms) {
  pollfd p{0, POLLIN, 0};
  if (poll(&p, 1, ms) <= 0) return true;
  char buf[256];
  ssize_t n = read(0, buf, sizeof buf);
  if (n <= 0) return false;
  out.append(buf, size_t(n));
  return true;
}

bool stdin_is_terminal() { return isatty(0); }

}  // namespace kjump
