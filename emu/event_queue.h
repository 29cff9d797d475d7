// Deterministic event queue for device timers.
//
// Time is the retired-instruction count (1 instruction = 1 virtual ns, like QEMU's
// -icount shift=0). Timers belong to devices and are registered in construction order;
// that order (never a pointer value) breaks ties between timers due at the same instant.
// A timer's state (armed, deadline) is part of its device's declared state, so snapshots
// restore the queue exactly.
#pragma once

#include <cstdint>
#include <functional>
#include <limits>
#include <string>
#include <vector>

namespace kjump {

inline constexpr uint64_t kNever = std::numeric_limits<uint64_t>::max();

// The current virtual time, exact at the instruction being executed (also inside I/O).
class Clock {
 public:
  virtual ~Clock() = default;
  virtual uint64_t now() const = 0;
};

class EventQueue;

class Timer {
 public:
  Timer(EventQueue& q, std::string name, std::function<void()> callback);
  ~Timer();
  Timer(const Timer&) = delete;
  Timer& operator=(const Timer&) = delete;

  void arm(uint64_t deadline);  // replaces any earlier deadline
  void cancel();
  bool armed() const { return armed_; }
  uint64_t deadline() const { return deadline_; }
  const std::string& name() const { return name_; }

  // Used by state restore only.
  void restore(bool armed, uint64_t deadline);

 private:
  friend class EventQueue;
  EventQueue& queue_;
  std::string name_;
  std::function<void()> callback_;
  bool armed_ = false;
  uint64_t deadline_ = 0;
};

class EventQueue {
 public:
  // Earliest armed deadline, or kNever.
  uint64_t next_deadline() const;
  // Fire, in (deadline, registration) order, every timer due at or before `now`.
  // Callbacks may re-arm timers; a timer re-armed into the past fires in the same call.
  // Returns the number of callbacks run.
  unsigned run_due(uint64_t now);
  const std::vector<Timer*>& timers() const { return timers_; }

 private:
  friend class Timer;
  void add(Timer* t) { timers_.push_back(t); }
  void remove(Timer* t);
  std::vector<Timer*> timers_;  // registration order
};

}  // namespace kjump
