#include <doctest/doctest.h>

#include "dev_fakes.h"
#include "emu/state.h"
#include "machine/devices/pit.h"

using namespace kjump;
using namespace kjump::test;

namespace {
struct PitRig {
  FakeClock clock;
  EventQueue q;
  RecordingIrqSink sink{clock};
  Pit8254 pit{clock, q, IrqLine(&sink, 0)};

  void load(uint8_t control, uint16_t count) {
    pit.io_write(0x43, 1, control);
    pit.io_write(0x40, 1, count & 0xFF);
    pit.io_write(0x40, 1, count >> 8);
  }
  uint16_t latch_ch0() {
    pit.io_write(0x43, 1, 0x00);
    uint16_t lo = uint16_t(pit.io_read(0x40, 1));
    return uint16_t(lo | pit.io_read(0x40, 1) << 8);
  }
  std::vector<uint64_t> edges() const { return sink.rising_edges(0); }
};

// floor(ticks * 1e9 / 1193182), computed here independently of the device.
uint64_t ns_of_ticks(uint64_t ticks) { return uint64_t((unsigned __int128)ticks * 1000000000u / 1193182u); }
}  // namespace

TEST_CASE("pit: tick conversion is floor(ns * 1193182 / 1e9)") {
  CHECK(Pit8254::ns_to_ticks(0) == 0);
  CHECK(Pit8254::ns_to_ticks(838) == 0);
  CHECK(Pit8254::ns_to_ticks(839) == 1);  // one tick is 838.095 ns
  CHECK(Pit8254::ns_to_ticks(1000000000) == 1193182);
  CHECK(Pit8254::ns_to_ticks(3600ull * 1000000000ull) == 3600ull * 1193182ull);
}

TEST_CASE("pit: mode 2 at 11932 raises IRQ0 at k*11932+1 ticks after the load") {
  PitRig r;
  r.clock.t = 5000;
  r.load(0x34, 11932);  // channel 0, lo/hi, mode 2
  r.sink.events.clear();
  advance_to(r.clock, r.q, 5000 + 31000000);
  auto e = r.edges();
  REQUIRE(e.size() == 3);
  // QEMU arms its timer at load + floor((k*N+1) * 1e9 / f): these exact instants.
  CHECK(e[0] == 5000 + 10000988);
  CHECK(e[1] == 5000 + 20001139);
  CHECK(e[2] == 5000 + 30001290);
  for (int k = 1; k <= 3; ++k) CHECK(e[size_t(k - 1)] == 5000 + ns_of_ticks(uint64_t(k) * 11932 + 1));
  // The first IRQ comes one full period after the load, never at once; between edges the
  // line drops for about one tick before each reload.
  REQUIRE(r.sink.events.size() >= 5);
  CHECK(r.sink.events[1].high == false);
  CHECK(r.sink.events[1].time == 5000 + ns_of_ticks(2 * 11932));
}

TEST_CASE("pit: latched count right after the first mode-2 edge is count - 1") {
  PitRig r;
  r.load(0x34, 11932);
  advance_to(r.clock, r.q, 10000988);
  REQUIRE(r.edges().size() == 1);
  CHECK(r.latch_ch0() == 11932);  // at the edge instant the reload tick is still current
  r.clock.t += 1;
  CHECK(r.latch_ch0() == 11931);  // the handler's first instruction sees count - 1
  r.clock.t += 60;                // a few dozen instructions later: still 11931
  CHECK(r.latch_ch0() == 11931);
}

TEST_CASE("pit: latch command holds the value; a second latch before reading is ignored") {
  PitRig r;
  r.load(0x34, 1000);
  r.clock.t = Pit8254::ticks_to_ns(10) + 1;  // 10 ticks in
  r.pit.io_write(0x43, 1, 0x00);
  r.clock.t = Pit8254::ticks_to_ns(500) + 1;
  r.pit.io_write(0x43, 1, 0x00);  // ignored: the first latch is unread
  uint16_t v = uint16_t(r.pit.io_read(0x40, 1) | r.pit.io_read(0x40, 1) << 8);
  CHECK(v == 990);
  CHECK(r.latch_ch0() == 500);
}

TEST_CASE("pit: mode 0 gives exactly one edge, at the count, and the counter reads 0 there") {
  PitRig r;
  r.clock.t = 100;
  r.load(0x30, 1000);  // mode 0
  CHECK(r.sink.level[0] == false);
  advance_to(r.clock, r.q, 100 + 50000000);
  auto e = r.edges();
  REQUIRE(e.size() == 1);
  uint64_t at = e[0];
  CHECK(Pit8254::ns_to_ticks(at - 100) == 1000);
  CHECK(Pit8254::ns_to_ticks(at - 1 - 100) == 999);  // first instant with d == count
  r.clock.t = at;
  CHECK(r.latch_ch0() == 0);
  r.clock.t = at + 100 * 839;
  CHECK(r.latch_ch0() == 65436);  // keeps wrapping after terminal count
  CHECK(r.q.next_deadline() == kNever);
}

TEST_CASE("pit: mode 3 load gives an immediate edge if OUT was low, none from mode 2") {
  PitRig r;
  r.load(0x30, 50000);  // mode 0: line low until terminal count
  r.clock.t = 1234567;
  r.sink.events.clear();
  r.load(0x36, 11932);  // mode 3 while the line is low
  auto e = r.edges();
  REQUIRE(e.size() == 1);
  CHECK(e[0] == 1234567);
  // Then a rising edge every full period (k * count ticks after the load).
  advance_to(r.clock, r.q, 1234567 + 15000000);  // less than two periods
  e = r.edges();
  REQUIRE(e.size() == 2);
  CHECK(Pit8254::ns_to_ticks(e[1] - 1234567) == 11932);
  CHECK(Pit8254::ns_to_ticks(e[1] - 1 - 1234567) == 11931);

  PitRig m;
  m.load(0x34, 11932);
  advance_to(m.clock, m.q, 10000988 + 10);  // past the first mode-2 edge: line high
  REQUIRE(m.sink.level[0]);
  m.sink.events.clear();
  m.load(0x36, 11932);
  CHECK(m.edges().empty());
}

TEST_CASE("pit: mode 3 counter steps down by two and every count load restarts the period") {
  PitRig r;
  r.load(0x36, 1000);
  r.clock.t = Pit8254::ticks_to_ns(100) + 1;
  CHECK(r.latch_ch0() == 800);
  r.load(0x36, 1000);  // reload mid-period: counting restarts now
  uint64_t reload = r.clock.t;
  r.clock.t = reload + Pit8254::ticks_to_ns(10) + 1;
  CHECK(r.latch_ch0() == 980);
  r.pit.io_write(0x43, 1, 0x34);  // a control word alone changes nothing ...
  CHECK(r.pit.count(0) == 1000);
  CHECK(r.latch_ch0() == 1000 - 10);  // ... except the formula used from now on (mode 2)
}

TEST_CASE("pit: read-back status and count") {
  PitRig r;
  // Reset: every channel mode 3 with count 65536, never programmed (access 0).
  r.pit.io_write(0x43, 1, 0xE4);  // status only, channel 1
  CHECK(r.pit.io_read(0x41, 1) == 0x86);
  r.pit.io_write(0x43, 1, 0xE8);  // channel 2
  CHECK(r.pit.io_read(0x42, 1) == 0x86);
  r.load(0x34, 11932);
  r.pit.io_write(0x43, 1, 0xE2);
  CHECK(r.pit.io_read(0x40, 1) == 0x34);  // OUT reads 0 in mode 2 (QEMU formula)
  r.clock.t = Pit8254::ticks_to_ns(32) + 1;
  r.pit.io_write(0x43, 1, 0xC2);  // count and status
  CHECK(r.pit.io_read(0x40, 1) == 0x34);  // status comes first
  uint16_t v = uint16_t(r.pit.io_read(0x40, 1) | r.pit.io_read(0x40, 1) << 8);
  CHECK(v == 11932 - 32);
  CHECK(r.pit.io_read(0x43, 1) == 0);
}

TEST_CASE("pit: port 0x61 toggles bit 4 on every read and gates channel 2") {
  PitRig r;
  uint32_t a = r.pit.io_read(0x61, 1), b = r.pit.io_read(0x61, 1);
  CHECK((a ^ b) == 0x10);
  CHECK((a & 0x01) == 0);  // channel-2 gate starts low
  r.pit.io_write(0x61, 1, 0x03);
  CHECK((r.pit.io_read(0x61, 1) & 0x03) == 0x03);
  // Channel 2 mode 0 count 100: OUT (bit 5) rises after 100 ticks.
  r.pit.io_write(0x43, 1, 0xB0);
  r.pit.io_write(0x42, 1, 100);
  r.pit.io_write(0x42, 1, 0);
  CHECK((r.pit.io_read(0x61, 1) & 0x20) == 0);
  r.clock.t += Pit8254::ticks_to_ns(100) + 1;
  CHECK((r.pit.io_read(0x61, 1) & 0x20) == 0x20);
  CHECK(r.sink.events.empty());  // channel 2 never touches IRQ0
}

TEST_CASE("pit: reset arms channel 0 like QEMU; quiesce audit; state round-trip") {
  PitRig r;
  CHECK(r.pit.mode(0) == 3);
  CHECK(r.pit.count(0) == 65536);
  CHECK(r.q.next_deadline() == ns_of_ticks(32768));  // half of the 65536 period
  std::vector<std::string> f;
  r.pit.audit_quiesce(f);
  CHECK(f.size() == 1);
  r.load(0x34, 11932);
  auto blob = save_state(r.pit);
  advance_to(r.clock, r.q, 15000000);
  CHECK(r.edges().size() == 1);
  load_state(r.pit, blob);
  CHECK(r.q.next_deadline() == ns_of_ticks(11933));
  r.load(0x30, 10);
  f.clear();
  r.pit.audit_quiesce(f);
  CHECK(f.empty());
}
