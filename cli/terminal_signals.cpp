#include "cli/terminal_signals.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <stdexcept>

namespace kjump {
namespace {

constexpr int kSignals[5] = {SIGINT, SIGTERM, SIGHUP, SIGTSTP, SIGCONT};
// See the header: the one thing a handler can reach.
volatile sig_atomic_t g_signal_pipe = -1;
std::atomic<bool> g_console_interrupt{false};
static_assert(std::atomic<bool>::is_always_lock_free, "a signal handler may only touch lock-free atomics");

extern "C" void on_terminal_signal(int sig) {
  int saved = errno;  // the interrupted code may be about to read errno
  unsigned char b = static_cast<unsigned char>(sig);
  if (g_signal_pipe >= 0) (void)!write(g_signal_pipe, &b, 1);
  errno = saved;
}

extern "C" void on_console_interrupt(int) { g_console_interrupt.store(true); }

}  // namespace

TerminalSignals::TerminalSignals() {
  if (g_signal_pipe >= 0) throw std::logic_error("TerminalSignals: one at a time");
  if (pipe(pipe_) != 0) throw std::runtime_error("cannot create the signal pipe");
  for (int fd : pipe_) {
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);  // a full pipe drops, never blocks a handler
    fcntl(fd, F_SETFD, FD_CLOEXEC);
  }
  g_signal_pipe = pipe_[1];
  for (int i = 0; i < 5; ++i) sigaction(kSignals[i], nullptr, &old_[i]);
  install();
}

void TerminalSignals::install() {
  struct sigaction sa{};
  sa.sa_handler = on_terminal_signal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESTART;
  for (int s : kSignals) sigaction(s, &sa, nullptr);
  installed_ = true;
}

void TerminalSignals::suspend() {
  for (int i = 0; i < 5; ++i) sigaction(kSignals[i], &old_[i], nullptr);
  struct sigaction sa{};
  sa.sa_handler = on_console_interrupt;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESTART;
  sigaction(SIGINT, &sa, nullptr);
  installed_ = false;
}

std::atomic<bool>* TerminalSignals::interrupt_flag() { return &g_console_interrupt; }

void TerminalSignals::resume() {
  if (!installed_) install();
}

TerminalSignals::~TerminalSignals() {
  for (int i = 0; i < 5; ++i) sigaction(kSignals[i], &old_[i], nullptr);
  g_signal_pipe = -1;
  close(pipe_[0]);
  close(pipe_[1]);
}

std::vector<int> TerminalSignals::take() {
  std::vector<int> got;
  unsigned char buf[64];
  ssize_t n;
  while ((n = read(pipe_[0], buf, sizeof buf)) > 0)
    for (ssize_t i = 0; i < n; ++i) got.push_back(buf[i]);
  return got;
}

void TerminalSignals::stop_self() {
  // The default action of SIGTSTP, once: stop. SIGCONT then runs our handler (raw modes again
  // through the pipe) and raise returns.
  struct sigaction dfl{}, ours{};
  dfl.sa_handler = SIG_DFL;
  sigemptyset(&dfl.sa_mask);
  sigaction(SIGTSTP, &dfl, &ours);
  raise(SIGTSTP);
  sigaction(SIGTSTP, &ours, nullptr);
}

}  // namespace kjump
