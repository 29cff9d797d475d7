#include "emu/event_queue.h"

#include <algorithm>

namespace kjump {

Timer::Timer(EventQueue& q, std::string name, std::function<void()> callback)
    : queue_(q), name_(std::move(name)), callback_(std::move(callback)) {
  queue_.add(this);
}

Timer::~Timer() { queue_.remove(this); }

void Timer::arm(uint64_t deadline) {
  armed_ = true;
  deadline_ = deadline;
}

void Timer::cancel() { armed_ = false; }

void Timer::restore(bool armed, uint64_t deadline) {
  armed_ = armed;
  deadline_ = deadline;
}

void EventQueue::remove(Timer* t) { timers_.erase(std::remove(timers_.begin(), timers_.end(), t), timers_.end()); }

// A linear scan: a PC has a handful of timers, and scanning in registration order makes
// the tie-break deterministic without any extra bookkeeping.
uint64_t EventQueue::next_deadline() const {
  uint64_t best = kNever;
  for (const Timer* t : timers_)
    if (t->armed_ && t->deadline_ < best) best = t->deadline_;
  return best;
}

unsigned EventQueue::run_due(uint64_t now) {
  unsigned fired = 0;
  for (;;) {
    Timer* due = nullptr;
    for (Timer* t : timers_)
      if (t->armed_ && t->deadline_ <= now && (!due || t->deadline_ < due->deadline_)) due = t;
    if (!due) return fired;
    due->armed_ = false;
    due->callback_();
    ++fired;
  }
}

}  // namespace kjump
