// Determinism of the whole machine: two boots with the same input reach the same instruction
// counts and the same full-state hashes (CPU, RAM, devices) at the same points — also when one
// of them is single-stepped or stopped at breakpoints along the way.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "machine/machine.h"

using namespace kjump;

namespace {

MachineConfig guest_config() {
  MachineConfig c;
  c.kernel_path = KJUMP_BINARY_DIR "/guest/kernel/kernel.elf";
  c.append = "determinism";
  return c;
}

const std::string kInput = "echo one\nmeminfo\nps\ndate\necho two\n";

// The checkpoints: every 97 000 virtual ns up to 3.5 M, then every ~2.9 M up to 60 M (a prime stride, so checkpoints fall
// in the middle of blocks, interrupt handlers and idle periods alike).
std::vector<uint64_t> checkpoints() {
  std::vector<uint64_t> v;
  for (uint64_t t = 97'000; t < 3'500'000; t += 97'000) v.push_back(t);
  // Then sparser, across several 100 Hz timer ticks while the guest idles in hlt.
  for (uint64_t t = 3'500'000; t < 60'000'000; t += 2'900'017) v.push_back(t);
  return v;
}

struct Sample {
  uint64_t time, retired, hash;
  bool operator==(const Sample&) const = default;
};
doctest::String toString(const Sample& s) {
  return (std::to_string(s.time) + "/" + std::to_string(s.retired) + "/" + std::to_string(s.hash)).c_str();
}

std::vector<Sample> free_run() {
  Machine m(guest_config());
  m.power_on();
  m.send_input(kInput);
  std::vector<Sample> out;
  for (uint64_t t : checkpoints()) {
    m.run(t);
    out.push_back({m.now(), m.engine().retired(), m.state_hash()});
  }
  return out;
}

}  // namespace

TEST_CASE("determinism: two free runs give identical counts and state hashes") {
  auto a = free_run();
  auto b = free_run();
  REQUIRE(a.size() == b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    CAPTURE(i);
    CHECK(a[i] == b[i]);
  }
}

TEST_CASE("determinism: single-stepping and breakpoints do not change what the guest sees") {
  auto reference = free_run();
  Machine m(guest_config());
  m.power_on();
  m.send_input(kInput);
  // Breakpoints at the kernel's timer and serial interrupt paths and at its main loop, if the
  // symbols are there; plus stretches of single steps.
  unsigned placed = 0;
  for (const char* fn : {"pit_irq", "uart_irq", "schedule"})
    if (auto a = m.symbols().find(fn)) {
      m.engine().add_breakpoint(*a);
      ++placed;
    }
  REQUIRE(placed == 3);
  size_t bp_hits = 0, steps = 0;
  auto cps = checkpoints();
  for (size_t i = 0; i < cps.size(); ++i) {
    uint64_t t = cps[i];
    // Step one instruction at a time through the first 3 000 ns after every third checkpoint.
    if (i % 3 == 0) {
      uint64_t until = std::min(t, m.now() + 3'000);
      while (m.now() < until) {
        m.step(until);
        ++steps;
      }
    }
    while (m.now() < t) {
      auto r = m.run(t);
      if (r.reason == StopReason::Breakpoint) ++bp_hits;
      else break;
    }
    CAPTURE(i);
    CHECK(Sample{m.now(), m.engine().retired(), m.state_hash()} == reference[i]);
  }
  CHECK(steps > 1000);
  CHECK(bp_hits > 10);
  MESSAGE("breakpoint hits: ", bp_hits, ", single steps: ", steps);
}
