#include "cli/terminal.h"

#include <poll.h>
#include <termios.h>
#include <unistd.h>

namespace kjump {

struct RawTerminal::Saved {
  termios attrs{};
  bool have = false;    // attrs were read (stdin is a terminal)
  bool raw = false;     // raw modes are in effect now
};

RawTerminal::RawTerminal() : saved_(std::make_unique<Saved>()) {
  saved_->have = tcgetattr(0, &saved_->attrs) == 0;
  enter_raw();
}

RawTerminal::~RawTerminal() { restore(); }

void RawTerminal::enter_raw() {
  if (!saved_->have) return;
  termios raw = saved_->attrs;
  raw.c_lflag &= ~(ICANON | ECHO);
  raw.c_iflag &= ~(ICRNL);
  raw.c_cc[VMIN] = 1;
  raw.c_cc[VTIME] = 0;
  saved_->raw = tcsetattr(0, TCSANOW, &raw) == 0;
}

void RawTerminal::restore() {
  if (saved_->have) tcsetattr(0, TCSANOW, &saved_->attrs);
  saved_->raw = false;
}

bool RawTerminal::active() const { return saved_->raw; }

bool read_stdin_or(std::string& out, int ms, int wake_fd, bool& woken) {
  pollfd p[2] = {{0, POLLIN, 0}, {wake_fd, POLLIN, 0}};
  int n_fds = wake_fd >= 0 ? 2 : 1;
  woken = false;
  if (poll(p, nfds_t(n_fds), ms) <= 0) return true;
  if (n_fds == 2 && (p[1].revents & POLLIN)) woken = true;
  if (!(p[0].revents & (POLLIN | POLLHUP | POLLERR))) return true;
  char buf[256];
  ssize_t n = read(0, buf, sizeof buf);
  if (n <= 0) return false;
  out.append(buf, size_t(n));
  return true;
}

bool read_stdin_line(std::string& line) {
  line.clear();
  char c;
  for (;;) {
    ssize_t n = read(0, &c, 1);
    if (n <= 0) return !line.empty();
    if (c == '\n') return true;
    line += c;
  }
}

bool stdin_is_terminal() { return isatty(0); }

}  // namespace kjump
