#include <doctest/doctest.h>

#include <string>

#include "dev_fakes.h"
#include "emu/state.h"
#include "machine/devices/uart.h"

using namespace kjump;
using namespace kjump::test;

namespace {
struct UartRig {
  FakeClock clock;
  EventQueue q;
  RecordingIrqSink sink{clock};
  std::string out;
  Uart16550 uart{clock, q, IrqLine(&sink, 4), [this](uint8_t b) { out.push_back(char(b)); }};

  uint8_t rd(int reg) { return uint8_t(uart.io_read(uint16_t(0x3F8 + reg), 1)); }
  void wr(int reg, uint8_t v) { uart.io_write(uint16_t(0x3F8 + reg), 1, v); }
  void input(const std::string& s) {
    uart.host_input(std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(s.data()), s.size()));
  }
  bool line() const { return sink.level[4]; }
};
}  // namespace

TEST_CASE("uart: QEMU reset values, divisor 12") {
  UartRig r;
  CHECK(r.rd(1) == 0x00);
  CHECK(r.rd(2) == 0x01);
  CHECK(r.rd(3) == 0x00);
  CHECK(r.rd(4) == 0x08);
  CHECK(r.rd(5) == 0x60);
  CHECK(r.rd(6) == 0xB0);
  CHECK(r.rd(7) == 0x00);
  CHECK(r.uart.char_transmit_time() == 1041660);  // 8N1 at 9600, QEMU's integer reset value
  r.wr(3, 0x80);
  CHECK(r.rd(0) == 0x0C);
  CHECK(r.rd(1) == 0x00);
  CHECK(r.uart.char_transmit_time() == 729166);  // an LCR write recomputes: 5 data bits now
  CHECK(r.uart.io_read(0x3F8 + 4, 2) == 0x6008);  // wide reads are split into bytes
}

TEST_CASE("uart: transmit is synchronous, THRE is never seen clear") {
  UartRig r;
  r.wr(0, 'h');
  CHECK(r.out == "h");
  CHECK(r.rd(5) == 0x60);
  r.wr(2, 0xC7);  // FIFO mode behaves the same
  r.wr(0, 'i');
  CHECK(r.out == "hi");
  CHECK(r.rd(5) == 0x60);
}

TEST_CASE("uart: THRI raises the IRQ at once, IIR read acknowledges, each byte re-raises") {
  UartRig r;
  r.wr(4, 0x03);  // OUT2 clear: QEMU does not gate the IRQ on it
  CHECK_FALSE(r.line());
  r.wr(1, 0x02);
  CHECK(r.line());
  CHECK(r.rd(2) == 0x02);  // THRE cause; this read acknowledges it
  CHECK_FALSE(r.line());
  CHECK(r.rd(2) == 0x01);
  r.wr(1, 0x00);
  r.wr(1, 0x02);  // toggling THRI re-arms the THRE interrupt
  REQUIRE(r.line());
  r.sink.events.clear();
  r.wr(0, 'x');
  // One interrupt per byte: the line drops at the THR write and rises as it empties.
  REQUIRE(r.sink.events.size() == 2);
  CHECK(r.sink.events[0].high == false);
  CHECK(r.sink.events[1].high == true);
  CHECK(r.rd(2) == 0x02);
}

TEST_CASE("uart: THRE interrupt in FIFO mode reads 0xC2, then 0xC1") {
  UartRig r;
  r.wr(2, 0x07);
  r.wr(1, 0x02);
  CHECK(r.line());
  CHECK(r.rd(2) == 0xC2);
  CHECK(r.rd(2) == 0xC1);
  CHECK_FALSE(r.line());
}

TEST_CASE("uart: receive without FIFO takes one byte at a time from the host queue") {
  UartRig r;
  r.wr(1, 0x01);
  r.input("ab");
  CHECK(r.uart.pending_input() == 1);  // flow control: only one byte while DR is set
  CHECK(r.rd(5) == 0x61);
  CHECK(r.rd(2) == 0x04);
  CHECK(r.line());
  CHECK(r.rd(0) == 'a');
  CHECK(r.uart.pending_input() == 0);  // the drain pulled the next byte in
  CHECK(r.rd(0) == 'b');
  CHECK(r.rd(5) == 0x60);
  CHECK_FALSE(r.line());
  CHECK(r.rd(2) == 0x01);
}

TEST_CASE("uart: receive with FIFO fills up to the trigger level, IIR 0xC4") {
  UartRig r;
  r.wr(2, 0x07);  // FIFO on, trigger 1
  r.wr(1, 0x01);
  r.input("xyz");
  CHECK(r.uart.pending_input() == 2);
  CHECK(r.rd(2) == 0xC4);
  CHECK(r.rd(0) == 'x');
  CHECK(r.rd(0) == 'y');
  CHECK(r.rd(0) == 'z');
  CHECK(r.rd(5) == 0x60);

  UartRig t;
  t.wr(2, 0xC7);  // trigger 14
  t.wr(1, 0x01);
  std::string twenty = "abcdefghijklmnopqrst";
  t.input(twenty);
  CHECK(t.uart.pending_input() == 6);  // 14 in the FIFO, the rest waits in the host queue
  CHECK(t.rd(2) == 0xC4);
  CHECK(t.rd(0) == 'a');
  CHECK(t.uart.pending_input() == 5);  // one byte of room, one byte taken
  std::string got = "a";
  while (t.rd(5) & 0x01) got.push_back(char(t.rd(0)));
  CHECK(got == twenty);
  CHECK(t.uart.pending_input() == 0);
}

TEST_CASE("uart: changing the FIFO enable flushes both FIFOs, losing a byte in RBR") {
  UartRig r;
  r.input("AB");
  CHECK((r.rd(5) & 0x01) == 0x01);  // 'A' latched in RBR, 'B' held by flow control
  r.wr(2, 0x01);                    // enable the FIFO: flush
  CHECK(r.rd(0) == 'B');            // 'A' is lost; 'B' flowed into the empty FIFO
  CHECK(r.rd(5) == 0x60);
  r.wr(2, 0x01);  // writing the same enable again does not flush
  r.input("C");
  r.wr(2, 0x01);
  CHECK(r.rd(0) == 'C');
}

TEST_CASE("uart: bytes below the trigger level raise the character timeout after 4 char times") {
  UartRig r;
  r.wr(3, 0x80);  // 115200 baud 8N1
  r.wr(0, 0x01);
  r.wr(1, 0x00);
  r.wr(3, 0x03);
  CHECK(r.uart.char_transmit_time() == 86805);  // QEMU's float arithmetic, truncated
  r.wr(2, 0xC7);
  r.wr(1, 0x01);
  r.clock.t = 1000;
  r.input("hello world");  // 11 bytes, trigger 14
  CHECK(r.rd(2) == 0xC1);
  CHECK_FALSE(r.line());
  advance_to(r.clock, r.q, 1000 + 4 * 86805 - 1);
  CHECK_FALSE(r.line());
  advance_to(r.clock, r.q, 1000 + 4 * 86805);
  CHECK(r.line());
  CHECK(r.rd(2) == 0xCC);
  CHECK(r.rd(0) == 'h');  // reading clears the timeout and restarts it
  CHECK_FALSE(r.line());
  CHECK(r.q.next_deadline() == 1000 + 4 * 86805 + 4 * 86805);
}

TEST_CASE("uart: loopback receives what is transmitted and mirrors MCR into MSR") {
  UartRig r;
  r.wr(4, 0x1F);
  r.wr(0, 'Q');
  CHECK(r.out.empty());
  CHECK(r.rd(5) == 0x61);
  CHECK(r.rd(0) == 'Q');
  CHECK(r.rd(6) == 0xF0);
  r.wr(4, 0x13);  // DTR, RTS only
  CHECK(r.rd(6) == 0x30);
  r.wr(4, 0x03);
  CHECK(r.rd(6) == 0xB0);
}

TEST_CASE("uart: a second byte before the first is read is an overrun (LSR OE)") {
  UartRig r;
  r.wr(4, 0x10);
  r.wr(0, '1');
  r.wr(0, '2');
  CHECK(r.rd(5) == 0x63);
  CHECK(r.rd(5) == 0x61);  // reading LSR clears OE
  CHECK(r.rd(0) == '2');
}

TEST_CASE("uart: quiesce audit and snapshot of queued host input") {
  UartRig r;
  std::vector<std::string> f;
  r.uart.audit_quiesce(f);
  CHECK(f.empty());
  r.wr(1, 0x01);
  r.input("abc");
  r.uart.audit_quiesce(f);
  CHECK(f.size() == 2);  // IER and line high (queued host input is not the device's doing)
  auto blob = save_state(r.uart);
  CHECK(r.rd(0) == 'a');
  CHECK(r.rd(0) == 'b');
  load_state(r.uart, blob);
  CHECK(r.uart.pending_input() == 2);
  CHECK(r.rd(0) == 'a');
  CHECK(r.rd(0) == 'b');
  CHECK(r.rd(0) == 'c');
}
