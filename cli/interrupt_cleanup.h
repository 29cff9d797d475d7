// Ctrl-C (SIGINT), SIGTERM and SIGHUP during `kjump run`: the run's temporary directory (its
// scratch disk images) is removed, then the process dies of the same signal, so the shell sees
// the usual 128+N status. The signals are taken by a thread of this object with sigwait, not
// by a handler: removing a directory tree is not async-signal-safe, and the run loop need not
// poll a flag. Host-only: the guest never sees any of it.
#pragma once

#include <pthread.h>
#include <signal.h>

#include <atomic>
#include <string>
#include <thread>

namespace kjump {

class InterruptCleanup {
 public:
  // Blocks the signals in the calling thread (and so in threads it creates later) until the
  // object is destroyed. `directory` may be empty (then nothing is removed).
  explicit InterruptCleanup(std::string directory);
  ~InterruptCleanup();
  InterruptCleanup(const InterruptCleanup&) = delete;
  InterruptCleanup& operator=(const InterruptCleanup&) = delete;

 private:
  void wait_for_signal();
  std::string directory_;
  sigset_t signals_{}, old_mask_{};
  std::atomic<bool> done_{false};
  std::thread waiter_;
};

}  // namespace kjump
