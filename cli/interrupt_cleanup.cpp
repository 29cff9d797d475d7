#include "cli/interrupt_cleanup.h"

#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <system_error>

namespace kjump {

InterruptCleanup::InterruptCleanup(std::string directory) : directory_(std::move(directory)) {
  sigemptyset(&signals_);
  sigaddset(&signals_, SIGINT);
  sigaddset(&signals_, SIGTERM);
  sigaddset(&signals_, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &signals_, &old_mask_);
  waiter_ = std::thread([this] { wait_for_signal(); });
}

InterruptCleanup::~InterruptCleanup() {
  // Wake the waiter with a signal only it waits for; it sees done_ and returns.
  done_ = true;
  pthread_kill(waiter_.native_handle(), SIGHUP);
  waiter_.join();
  // A signal that came in meanwhile stays pending and is delivered by this unblock: the
  // process then dies of it as it would have without this object.
  pthread_sigmask(SIG_SETMASK, &old_mask_, nullptr);
}

void InterruptCleanup::wait_for_signal() {
  int sig = 0;
  if (sigwait(&signals_, &sig) != 0 || done_) return;
  std::error_code ec;
  if (!directory_.empty()) std::filesystem::remove_all(directory_, ec);
  std::fprintf(stderr, "\nkjump run: interrupted by %s%s\n", strsignal(sig),
               directory_.empty() ? "" : (ec ? ": could not remove " + directory_ : ": removed " + directory_).c_str());
  std::fflush(stdout);
  // Die of the signal itself (128+N for the shell), without running the interrupted run's
  // destructors on another thread's objects.
  signal(sig, SIG_DFL);
  sigset_t one;
  sigemptyset(&one);
  sigaddset(&one, sig);
  pthread_sigmask(SIG_UNBLOCK, &one, nullptr);
  raise(sig);
  _exit(128 + sig);
}

}  // namespace kjump
