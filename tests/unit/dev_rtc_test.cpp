#include <doctest/doctest.h>

#include <stdexcept>

#include "base/calendar.h"
#include "dev_fakes.h"
#include "emu/state.h"
#include "machine/devices/rtc.h"

using namespace kjump;
using namespace kjump::test;

namespace {
constexpr uint64_t kSec = 1000000000ull;

struct RtcRig {
  explicit RtcRig(uint64_t ram = 128ull << 20) : rtc(clock, q, IrqLine(&sink, 8), ram) {}
  FakeClock clock;
  EventQueue q;
  RecordingIrqSink sink{clock};
  CmosRtc rtc;

  uint8_t rd(uint8_t index) {
    rtc.io_write(0x70, 1, index);
    return uint8_t(rtc.io_read(0x71, 1));
  }
  void wr(uint8_t index, uint8_t v) {
    rtc.io_write(0x70, 1, index);
    rtc.io_write(0x71, 1, v);
  }
  void at(uint64_t t) { advance_to(clock, q, t); }
};
}  // namespace

TEST_CASE("rtc: 2020-01-01 00:00:00, a Wednesday, at t=0, with QEMU's register defaults") {
  RtcRig r;
  CHECK(r.rd(0x00) == 0x00);
  CHECK(r.rd(0x02) == 0x00);
  CHECK(r.rd(0x04) == 0x00);
  CHECK(r.rd(0x06) == 0x04);  // day of week, 1 = Sunday
  CHECK(r.rd(0x07) == 0x01);
  CHECK(r.rd(0x08) == 0x01);
  CHECK(r.rd(0x09) == 0x20);
  CHECK(r.rd(0x32) == 0x20);  // century
  CHECK(r.rd(0x37) == 0x20);  // IBM PS/2 century index redirects to 0x32
  CHECK(r.rd(0x0A) == 0x26);
  CHECK(r.rd(0x0B) == 0x02);
  CHECK(r.rd(0x0C) == 0x00);
  CHECK(r.rd(0x0D) == 0x80);
  CHECK(r.rtc.io_read(0x70, 1) == 0xFF);
  CHECK(r.rd(0x8A) == 0x26);  // the NMI bit of the index is ignored
}

TEST_CASE("rtc: time after 3601 s of virtual time is 01:00:01, in BCD, binary and 12-hour forms") {
  RtcRig r;
  r.at(3601 * kSec);
  CHECK(r.rd(0x00) == 0x01);
  CHECK(r.rd(0x02) == 0x00);
  CHECK(r.rd(0x04) == 0x01);
  CHECK(r.rd(0x07) == 0x01);
  r.at(13 * 3600 * kSec + 59 * 60 * kSec + 59 * kSec);  // 13:59:59
  CHECK(r.rd(0x04) == 0x13);
  r.wr(0x0B, 0x00);  // 12-hour BCD
  CHECK(r.rd(0x04) == 0x81);  // 1 PM
  r.wr(0x0B, 0x06);  // binary, 24-hour
  CHECK(r.rd(0x02) == 59);
  CHECK(r.rd(0x04) == 13);
  r.at(2 * 86400 * kSec);  // 2020-01-03, a Friday
  CHECK(r.rd(0x07) == 3);
  CHECK(r.rd(0x06) == 6);
}

TEST_CASE("rtc: UIP is set during the last 244 us of each second") {
  RtcRig r;
  r.at(5 * kSec - 244141);
  CHECK(r.rd(0x0A) == 0x26);
  r.at(5 * kSec - 244140);
  CHECK(r.rd(0x0A) == 0xA6);
  r.at(5 * kSec);
  CHECK(r.rd(0x0A) == 0x26);
  CHECK(r.rd(0x00) == 0x05);
  // Before the first update the pending update timer latches UIP until it fires.
  RtcRig s;
  s.at(kSec - 244140);
  CHECK(s.rd(0x0A) == 0xA6);
  CHECK(s.rtc.cmos(0x0A) == 0xA6);  // latched
  s.at(kSec - 1);
  CHECK(s.rd(0x0A) == 0xA6);
  s.at(kSec);
  CHECK(s.rd(0x0A) == 0x26);
}

TEST_CASE("rtc: update-ended interrupt; reading register C clears it and lowers IRQ8") {
  RtcRig r;
  r.wr(0x0B, 0x12);  // UIE
  r.at(kSec);
  auto e = r.sink.rising_edges(8);
  REQUIRE(e.size() == 1);
  CHECK(e[0] == kSec);
  CHECK(r.sink.level[8]);
  CHECK(r.rd(0x0C) == 0x90);  // IRQF | UF
  CHECK_FALSE(r.sink.level[8]);
  CHECK(r.rd(0x0C) == 0x00);
  r.at(2 * kSec);
  CHECK(r.sink.rising_edges(8).size() == 2);
  // Without reading C the line stays high, so an edge-triggered PIC sees no new edge.
  r.at(4 * kSec);
  CHECK(r.sink.rising_edges(8).size() == 2);
  // Writes to C and D are ignored.
  r.wr(0x0D, 0x00);
  CHECK(r.rd(0x0D) == 0x80);
}

TEST_CASE("rtc: periodic interrupt at the rate in register A") {
  RtcRig r;
  r.wr(0x0B, 0x42);  // PIE, rate 6 (1024 Hz) from the default A
  r.at(976563);      // 32 cycles of 32.768 kHz, +1 ns as QEMU arms it
  auto e = r.sink.rising_edges(8);
  REQUIRE(e.size() == 1);
  CHECK(e[0] == 976563);
  CHECK(r.rd(0x0C) == 0xC0);  // IRQF | PF
  r.at(1953126);
  CHECK(r.sink.rising_edges(8).size() == 2);
  std::vector<std::string> f;
  r.rtc.audit_quiesce(f);
  REQUIRE(f.size() == 1);
  CHECK(f[0] == "rtc: interrupts enabled in register B: PIE");
  r.wr(0x0B, 0x02);
  f.clear();
  r.rtc.audit_quiesce(f);
  CHECK(f.empty());
}

TEST_CASE("rtc: alarm interrupt when the time matches the alarm registers") {
  RtcRig r;
  r.wr(0x01, 0x05);
  r.wr(0x03, 0x00);
  r.wr(0x05, 0x00);
  r.wr(0x0B, 0x22);  // AIE
  r.at(6 * kSec);
  auto e = r.sink.rising_edges(8);
  REQUIRE(e.size() == 1);
  CHECK(e[0] == 5 * kSec);
  CHECK(r.rd(0x0C) == 0xB0);  // IRQF | AF | UF
}

TEST_CASE("rtc: the guest sets the time under SET and the clock restarts from it") {
  RtcRig r;
  r.at(10 * kSec + 300000000);
  r.wr(0x0B, 0x82);  // SET
  r.wr(0x04, 0x13);
  r.wr(0x02, 0x45);
  r.wr(0x00, 0x00);
  r.at(20 * kSec + 600000000);  // frozen while SET
  CHECK(r.rd(0x04) == 0x13);
  CHECK(r.rd(0x00) == 0x00);
  // Leaving SET restarts from the written bytes, keeping the sub-second phase of the
  // clock that kept running underneath (0.6 s here).
  r.wr(0x0B, 0x02);
  r.at(20 * kSec + 999999999);
  CHECK(r.rd(0x00) == 0x00);
  r.at(21 * kSec);
  CHECK(r.rd(0x00) == 0x01);
  CHECK(r.rd(0x02) == 0x45);
  // Writing a time field while running re-bases at once.
  r.wr(0x00, 0x30);
  r.at(21 * kSec + 399999999);
  CHECK(r.rd(0x00) == 0x30);
  r.at(21 * kSec + 400000000);
  CHECK(r.rd(0x00) == 0x31);
}

TEST_CASE("rtc: CMOS memory-size bytes follow QEMU's pc_cmos_init") {
  RtcRig r;  // 128 MiB
  CHECK(r.rd(0x10) == 0x50);
  CHECK(r.rd(0x14) == 0x07);
  CHECK(r.rd(0x15) == 0x80);
  CHECK(r.rd(0x16) == 0x02);  // 640 KiB
  CHECK(r.rd(0x17) == 0xFF);
  CHECK(r.rd(0x18) == 0xFF);
  CHECK(r.rd(0x30) == 0xFF);
  CHECK(r.rd(0x31) == 0xFF);
  CHECK(r.rd(0x34) == 0x00);
  CHECK(r.rd(0x35) == 0x07);  // 112 MiB above 16 MiB in 64 KiB units
  CHECK(r.rd(0x5B) == 0);
  CHECK(r.rd(0x5C) == 0);
  CHECK(r.rd(0x5D) == 0);
  CHECK(r.rd(0x5F) == 0);
  RtcRig small(64ull << 20);
  CHECK(small.rd(0x17) == 0x00);
  CHECK(small.rd(0x18) == 0xFC);  // 63 MiB in KiB
  CHECK(small.rd(0x34) == 0x00);
  CHECK(small.rd(0x35) == 0x03);
  small.wr(0x40, 0x5A);  // plain CMOS RAM
  CHECK(small.rd(0x40) == 0x5A);
}

TEST_CASE("rtc: date helpers are pure integer code") {
  CHECK(CmosRtc::kDefaultEpoch.to_unix_seconds() == 1577836800);
  CivilTime t = CivilTime::parse("2024-02-29T23:59:58");
  CHECK(t.to_unix_seconds() == 1709251198);
  CHECK(CivilTime::parse("2000-03-01").to_unix_seconds() == 951868800);
  CHECK_THROWS_AS(CivilTime::parse("2023-02-29"), std::invalid_argument);
  CHECK_THROWS_AS(CivilTime::parse("2020-01-01 00:00:00"), std::invalid_argument);
  CHECK_THROWS_AS(CivilTime::parse("yesterday"), std::invalid_argument);
  auto c = CivilTime::from_unix_seconds(0);
  CHECK(c.year == 1970);
  CHECK(c.weekday() == 4);  // Thursday
  c = CivilTime::from_unix_seconds(951782400);
  CHECK(c.month == 2);
  CHECK(c.day == 29);
  CHECK(c.weekday() == 2);  // 2000-02-29 was a Tuesday
  c = CivilTime::from_unix_seconds(-1);
  CHECK(c.year == 1969);
  CHECK(c.hour == 23);
}

TEST_CASE("rtc: a custom epoch and state round-trip") {
  FakeClock clock;
  EventQueue q;
  RecordingIrqSink sink{clock};
  CmosRtc rtc(clock, q, IrqLine(&sink, 8), 128ull << 20, CivilTime::parse("1999-12-31T23:59:59"));
  auto rd = [&](uint8_t i) {
    rtc.io_write(0x70, 1, i);
    return rtc.io_read(0x71, 1);
  };
  CHECK(rd(0x32) == 0x19);
  CHECK(rd(0x09) == 0x99);
  auto blob = save_state(rtc);
  advance_to(clock, q, kSec);
  CHECK(rd(0x32) == 0x20);
  CHECK(rd(0x09) == 0x00);
  CHECK(rd(0x06) == 0x07);  // 2000-01-01 was a Saturday
  clock.t = 0;
  load_state(rtc, blob);
  CHECK(q.next_deadline() == kSec);
}
