// The engine's CPU model, driven by tests/guest/engine_probe.S.
#include <doctest/doctest.h>

#include <fstream>
#include <tuple>
#include <iterator>
#include <vector>

#include "emu/engine.h"
#include "timer_irq.h"

using namespace kjump;

namespace {

std::vector<uint8_t> probe_image() {
  std::ifstream f(KJUMP_BINARY_DIR "/tests/guest_images/engine_probe.bin", std::ios::binary);
  REQUIRE(f.good());
  return {std::istreambuf_iterator<char>(f), {}};
}

// Flat 32-bit protected mode, as a Multiboot loader leaves it, entered at `entry`.
void boot(Engine& e, uint32_t entry) {
  auto img = probe_image();
  e.ram().write_phys(0x1000, img.data(), img.size());
  const uint64_t gdt[3] = {0, 0x00cf9a000000ffffull, 0x00cf93000000ffffull};
  e.ram().write_phys(0x500, gdt, sizeof gdt);
  e.set_gdtr({0x500, sizeof gdt - 1});
  e.load_flat_segments(0x08, 0x10);
  e.set_reg(Reg::EIP, entry);
  e.set_reg(Reg::ESP, 0x7000);
}

uint32_t slot(Engine& e, unsigned n) { return e.ram().read32(0x8000 + 4 * n); }

}  // namespace

TEST_CASE("engine: retired instructions are counted exactly") {
  Engine e(16 << 20);
  boot(e, 0x1020);
  auto r = e.run(1'000'000);
  CHECK(r.reason == StopReason::HaltedForever);  // hlt with IF=0
  CHECK(e.retired() == 1 /*entry jmp*/ + 1 + 3 * 1000 + 1);
  CHECK(e.reg(Reg::EAX) == 1000 * 1001 / 2);
}

TEST_CASE("engine: run(N) stops at exactly N, and stepping gives the same states") {
  Engine a(16 << 20), b(16 << 20);
  boot(a, 0x1020);
  boot(b, 0x1020);
  for (uint64_t n : {1ull, 2ull, 5ull, 100ull, 1001ull, 2999ull}) {
    auto r = a.run(n);
    CHECK(r.reason == StopReason::Limit);
    CHECK(a.retired() == n);
    while (b.retired() < n) b.step();
    CHECK(b.retired() == n);
    CHECK(a.reg(Reg::EIP) == b.reg(Reg::EIP));
    CHECK(a.reg(Reg::ECX) == b.reg(Reg::ECX));
    CHECK(a.reg(Reg::EAX) == b.reg(Reg::EAX));
    CHECK(hash_state(a.cpu_state()) == hash_state(b.cpu_state()));
  }
}

TEST_CASE("engine: exceptions are delivered through the guest IDT with the right error codes") {
  Engine e(16 << 20);
  boot(e, 0x1000);
  std::vector<DeliveryEvent> seen;
  e.on_delivery = [&](const DeliveryEvent& ev) { seen.push_back(ev); };
  auto r = e.run(1'000'000);
  INFO("stop: ", std::string(to_string(r.reason)), " ", r.detail, " eip=", e.reg(Reg::EIP));
  CHECK(r.reason == StopReason::TripleFault);
  CHECK(slot(e, 0) == 2);      // int $0x80 from ring 0 and from ring 3
  CHECK(slot(e, 1) == 0x1b);   // the ring-3 caller's CS as the handler saw it
  CHECK(slot(e, 2) == 4);      // four page faults
  CHECK(slot(e, 16) == 2);     // write, not present, CPL 0
  CHECK(slot(e, 17) == 0);     // read, not present, CPL 0
  CHECK(slot(e, 18) == 6);     // user write, not present
  CHECK(slot(e, 19) == 7);     // user write to a supervisor page
  CHECK(slot(e, 4) == 0x203000);
  CHECK(slot(e, 5) == 1);      // #UD
  CHECK(slot(e, 6) == 1);      // #GP from hlt at CPL 3
  CHECK(slot(e, 7) == 0);
  CHECK(slot(e, 9) == 0x1b);
  CHECK(slot(e, 8) == 1);      // #PF + #NP while delivering it = #DF
  CHECK(slot(e, 10) == 0);
  // The ring-3 deliveries switched to the TSS stack.
  bool ring_switch = false;
  for (auto& ev : seen)
    if (ev.vector == 0x80 && ev.from_cpl == 3 && ev.to_cpl == 0) ring_switch = true;
  CHECK(ring_switch);
}

TEST_CASE("engine: a timer interrupt is taken at exactly its deadline") {
  for (uint64_t deadline : {10'000ull, 10'001ull, 123'457ull}) {
    Engine e(16 << 20);
    test::TimerIrq pic(e.events());
    e.set_interrupt_controller(&pic);
    boot(e, 0x1010);
    pic.timer.arm(deadline);
    e.run(deadline + 50'000);
    CHECK(pic.acks == 1);
    CHECK(slot(e, 26) == 1);
    CHECK(slot(e, 24) == deadline);  // rdtsc, first instruction of the handler
  }
}

TEST_CASE("engine: breakpoints stop before the instruction and do not disturb the count") {
  Engine a(16 << 20), b(16 << 20);
  boot(a, 0x1020);
  boot(b, 0x1020);
  // The entry is `jmp counted_loop` (e9 rel32); the loop body follows `mov $1000, %ecx`.
  int32_t rel = 0;
  a.ram().read_phys(0x1021, &rel, 4);
  uint32_t loop_top = 0x1025 + rel + 5;
  a.add_breakpoint(loop_top);
  unsigned hits = 0;
  for (;;) {
    auto r = a.run(1'000'000);
    if (r.reason != StopReason::Breakpoint) break;
    CHECK(a.reg(Reg::EIP) == loop_top);
    ++hits;
    if (hits == 500) a.remove_breakpoint(loop_top);
  }
  CHECK(hits == 500);
  b.run(1'000'000);
  CHECK(a.retired() == b.retired());
  CHECK(hash_state(a.cpu_state()) == hash_state(b.cpu_state()));
}

TEST_CASE("engine: a stop asked for from an I/O hook never repeats the I/O and keeps the count exact") {
  // mov $5,%ecx; 1: mov $0x3f8,%edx; mov %cl,%al; out %al,(%dx); inc %ebx; dec %ecx; jnz 1b; hlt
  const uint8_t code[] = {0xb9, 0x05, 0x00, 0x00, 0x00, 0xba, 0xf8, 0x03, 0x00, 0x00, 0x88, 0xc8,
                          0xee, 0x43, 0x49, 0x75, 0xf4, 0xf4};
  auto run = [&](bool stop_each_write, std::vector<uint8_t>& writes) {
    Engine e(16 << 20);
    boot(e, 0x1000);
    e.ram().write_phys(0x1000, code, sizeof code);
    e.set_port_io({[](uint16_t, unsigned) { return 0xffu; },
                   [&](uint16_t, unsigned, uint32_t v) {
                     writes.push_back(uint8_t(v));
                     if (stop_each_write) e.request_stop("test");
                   }});
    for (int guard = 0; guard < 100 && !e.halted(); ++guard) e.run(1'000'000);
    return std::make_tuple(e.retired(), e.reg(Reg::EBX), e.reg(Reg::EIP));
  };
  std::vector<uint8_t> free_writes, stopped_writes;
  auto free_run = run(false, free_writes);
  auto stopped_run = run(true, stopped_writes);
  CHECK(free_writes == std::vector<uint8_t>{5, 4, 3, 2, 1});
  CHECK(stopped_writes == free_writes);
  CHECK(std::get<0>(stopped_run) == std::get<0>(free_run));
  CHECK(std::get<0>(free_run) == 1 + 5 * 6 + 1);
  CHECK(std::get<1>(stopped_run) == 5);
  CHECK(std::get<2>(stopped_run) == std::get<2>(free_run));
}
