// In-memory snapshots: restoring and running on reproduces the uninterrupted run exactly
// (same state hash, same instruction count, same serial output), including the parts of
// the state that are easy to forget: the halted flag, idle time, device timers and host
// input still queued in the UART.
#include <doctest/doctest.h>

#include <chrono>

#include "emu/state.h"
#include "replay/snapshot.h"
#include "replay_test_support.h"
#include "session/session.h"

using namespace kjump;
using namespace kjump::replaytest;

namespace {

struct Outcome {
  uint64_t now, retired, hash;
  std::string serial;
};

Outcome outcome(Machine& m) { return {m.now(), m.engine().retired(), m.state_hash(), m.serial_output()}; }

std::string field(Machine& m, const std::string& name) {
  for (auto& f : inspect_state(m.state()))
    if (f.name == name) return f.value;
  return "<no field " + name + ">";
}

constexpr uint64_t kN1 = 1'250'000;  // between "mem" and "info\n": input queued, shell mid-command
constexpr uint64_t kN2 = 6'000'000;

}  // namespace

TEST_CASE("snapshot: restore and run on gives the uninterrupted run's hash, count and output") {
  Machine m(kernel_config());
  m.power_on();
  run_typing(m, kN1);
  REQUIRE(m.now() == kN1);
  SnapshotStore store;
  uint64_t hash_at_n1 = m.state_hash();
  Snapshot s = store.take(m);
  CHECK(s.time == kN1);
  CHECK(s.retired == m.engine().retired());

  // Run on (typing the rest), remember the end.
  {
    const auto& t = typing();
    for (auto& [at, text] : t)
      if (at > kN1) {
        m.run(at);
        m.send_input(text);
      }
    m.run(kN2);
  }
  Outcome first = outcome(m);
  REQUIRE(first.serial.find("two") != std::string::npos);

  // Back to N1: the state is exactly as captured, including the input log.
  SnapshotStore::restore(m, s);
  CHECK(m.now() == kN1);
  CHECK(m.state_hash() == hash_at_n1);
  CHECK(m.serial_output() == s.serial_output);
  CHECK(m.input_log().size() == s.input_log.size());
  {
    const auto& t = typing();
    for (auto& [at, text] : t)
      if (at > kN1) {
        m.run(at);
        m.send_input(text);
      }
    m.run(kN2);
  }
  Outcome second = outcome(m);
  CHECK(second.now == first.now);
  CHECK(second.retired == first.retired);
  CHECK(second.hash == first.hash);
  CHECK(second.serial == first.serial);

  // And a machine never interrupted by a snapshot agrees.
  Machine u(kernel_config());
  u.power_on();
  run_typing(u, kN2);
  Outcome straight = outcome(u);
  CHECK(straight.retired == first.retired);
  CHECK(straight.hash == first.hash);
  CHECK(straight.serial == first.serial);
}

TEST_CASE("snapshot: halted flag, idle time, timers and queued UART input round-trip") {
  Machine m(kernel_config());
  m.power_on();
  m.run(600'000);  // at the prompt, idling between timer ticks
  // Find a moment where the CPU sits in hlt.
  while (!m.engine().halted()) {
    REQUIRE(m.now() < 3'000'000);
    m.step();
  }
  uint64_t idle_before = m.engine().idle_time();
  // Queue more input than the 16-byte FIFO takes: the rest waits in the UART's input queue.
  m.send_input("echo a-line-longer-than-the-fifo-to-keep-input-queued\n");
  REQUIRE(m.pending_input() > 0);
  REQUIRE(m.engine().halted());

  SnapshotStore store;
  Snapshot s = store.take(m);
  auto fields_at_snapshot = inspect_state(m.state());
  uint64_t pending = m.pending_input();
  std::string pit_timer = field(m, "pit.irq_timer");
  CHECK(pit_timer.rfind("armed @", 0) == 0);
  CHECK(field(m, "cpu.halted") == "true");

  m.run(m.now() + 2'000'000);
  Outcome first = outcome(m);
  CHECK(m.engine().idle_time() > idle_before);
  CHECK(m.pending_input() != pending);

  SnapshotStore::restore(m, s);
  CHECK(m.engine().halted());
  CHECK(m.engine().idle_time() == idle_before);
  CHECK(m.pending_input() == pending);
  CHECK(field(m, "pit.irq_timer") == pit_timer);
  auto fields_after = inspect_state(m.state());
  REQUIRE(fields_after.size() == fields_at_snapshot.size());
  for (size_t i = 0; i < fields_after.size(); ++i) {
    CAPTURE(fields_after[i].name);
    CHECK(fields_after[i].value == fields_at_snapshot[i].value);
  }
  m.run(s.time + 2'000'000);
  Outcome second = outcome(m);
  CHECK(second.retired == first.retired);
  CHECK(second.hash == first.hash);
  CHECK(second.serial == first.serial);
}

TEST_CASE("snapshot: power state round-trips (restore after the guest powered off)") {
  Machine m(kernel_config());
  m.power_on();
  m.run(500'000);
  SnapshotStore store;
  Snapshot on = store.take(m);
  m.send_input("poweroff\n");
  m.run(20'000'000);
  REQUIRE(m.power().exit_status.has_value());
  CHECK_FALSE(m.power().on);
  Snapshot off = store.take(m);

  SnapshotStore::restore(m, on);
  CHECK(m.power().on);
  CHECK_FALSE(m.power().exit_status.has_value());
  SnapshotStore::restore(m, off);
  CHECK_FALSE(m.power().on);
  CHECK(m.power().exit_status == 0x21);
  CHECK(m.run(m.now() + 1000).detail == "machine is powered off");
}

TEST_CASE("snapshot: incremental snapshots copy only the pages that changed") {
  Machine m(kernel_config());
  m.power_on();
  m.run(1'000'000);
  SnapshotStore store;
  Snapshot a = store.take(m);
  const uint64_t pages = m.config().ram_size / kRamPageSize;
  // The first snapshot stores every page that is not zero: the kernel image, page tables,
  // stacks. Zero pages cost nothing.
  CHECK(a.ram_pages_copied == a.ram.stored_pages());
  CHECK(a.ram_pages_copied > 10);
  CHECK(a.ram_pages_copied < pages / 4);

  m.send_input("echo x\n");
  m.run(2'000'000);
  uint64_t ram_hash_b = m.ram_hash();
  auto t0 = std::chrono::steady_clock::now();
  Snapshot b = store.take(m);
  auto took = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  MESSAGE("second snapshot: ", b.ram_pages_copied, " of ", pages, " pages copied, ", b.ram.stored_pages(),
          " stored, in ", took, " ms");
  CHECK(b.ram_pages_copied > 0);                 // stacks, tick counters, the shell's buffer changed
  CHECK(b.ram_pages_copied < pages * 5 / 100);   // ... but little else
  CHECK(b.ram.pages_shared_with(a.ram) + b.ram_pages_copied == b.ram.stored_pages());

  // Sharing does not corrupt either image.
  m.run(3'000'000);
  SnapshotStore::restore(m, b);
  CHECK(m.ram_hash() == ram_hash_b);
  SnapshotStore::restore(m, a);
  Machine fresh(kernel_config());
  fresh.power_on();
  fresh.run(1'000'000);
  CHECK(m.ram_hash() == fresh.ram_hash());
  CHECK(m.state_hash() == fresh.state_hash());
}

TEST_CASE("session: named snapshots put back the machine, its output and the expect cursor") {
  Session s;
  s.build(kernel_config());
  s.power_on();
  s.advance(Duration{Duration::Unit::VirtualNs, 400'000, "400us"}, nullptr);
  s.consume_to(s.output().size());
  s.save_snapshot("boot");
  uint64_t h = s.machine().state_hash();
  size_t cursor = s.cursor(), output = s.output().size();
  s.machine().send_input("help\n");
  s.advance(Duration{Duration::Unit::VirtualNs, 5'000'000, "5ms"}, nullptr);
  s.consume_to(s.output().size());
  REQUIRE(s.output().size() > output);
  CHECK(s.find_snapshot("boot") != nullptr);
  CHECK(s.find_snapshot("nope") == nullptr);
  CHECK_THROWS_AS(s.restore_snapshot("nope"), std::out_of_range);
  s.restore_snapshot("boot");
  CHECK(s.machine().state_hash() == h);
  CHECK(s.output().size() == output);
  CHECK(s.cursor() == cursor);
  CHECK(s.machine().input_log().size() == 1);  // the power-on only
}
