// Test doubles shared by the device unit tests: a clock the test sets by hand, an IRQ sink
// that records every line transition with its instant, guest RAM for DMA, and a helper
// that advances time the way the engine does (stopping exactly at each timer deadline).
#pragma once

#include <cstdint>
#include <cstring>
#include <vector>

#include "emu/event_queue.h"
#include "emu/phys_memory.h"
#include "machine/irq.h"

namespace kjump::test {

struct FakeClock : Clock {
  uint64_t t = 0;
  uint64_t now() const override { return t; }
};

struct RecordingIrqSink : IrqSink {
  struct Event {
    uint64_t time;
    unsigned line;
    bool high;
  };
  explicit RecordingIrqSink(const FakeClock& c) : clock(c) {}
  void set_irq_level(unsigned line, bool high) override {
    if (level[line] != high) events.push_back({clock.t, line, high});
    level[line] = high;
  }
  std::vector<uint64_t> rising_edges(unsigned line) const {
    std::vector<uint64_t> out;
    for (auto& e : events)
      if (e.line == line && e.high) out.push_back(e.time);
    return out;
  }
  const FakeClock& clock;
  bool level[16] = {};
  std::vector<Event> events;
};

// Runs every timer due up to `until`, with the clock set to each deadline in turn.
inline void advance_to(FakeClock& clock, EventQueue& q, uint64_t until) {
  while (q.next_deadline() <= until) {
    clock.t = q.next_deadline();
    q.run_due(clock.t);
  }
  clock.t = until;
}

// `size` bytes of RAM at physical address 0; anything else is not RAM.
struct FakeRam : PhysMemory {
  explicit FakeRam(size_t size) : bytes(size, 0) {}
  bool read_phys(uint64_t pa, void* dst, size_t n) const override {
    if (pa > bytes.size() || n > bytes.size() - pa) return false;
    std::memcpy(dst, bytes.data() + pa, n);
    return true;
  }
  bool write_phys(uint64_t pa, const void* src, size_t n) override {
    if (pa > bytes.size() || n > bytes.size() - pa) return false;
    std::memcpy(bytes.data() + pa, src, n);
    return true;
  }
  std::vector<uint8_t> bytes;
};

}  // namespace kjump::test
