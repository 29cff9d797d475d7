// An interrupt that becomes pending while IF=0 is taken as soon as the guest sets IF again
// (popf, iret: after that instruction; sti: after the one instruction of its shadow), not at
// the next device event. A real Linux kernel depends on it: the 8250 driver enables the
// transmit interrupt under spin_lock_irqsave, and its output waited for the next timer tick.
#include <doctest/doctest.h>

#include <vector>

#include "emu/engine.h"
#include "engine_flat_boot.h"
#include "timer_irq.h"

using namespace kjump;

namespace {

constexpr uint32_t kHandler = 0x1800;

// cli; a 100-iteration loop (the timer fires in it); then `enable` (code that sets IF); then a
// 1000-iteration loop and hlt. The handler stores rdtsc (the instruction count: kjump's TSC)
// and its return EIP at 0x8000 and 0x8004, and halts with IF=0.
struct Result {
  uint64_t taken_at;
  uint32_t return_eip;
  unsigned acks;
};

Result run_with(const std::vector<uint8_t>& enable, uint64_t irq_at) {
  std::vector<uint8_t> code = {0xfa,                          // cli
                               0xb9, 100, 0, 0, 0,            // mov $100, %ecx
                               0x49, 0x75, 0xfd};             // 1: dec %ecx; jnz 1b
  code.insert(code.end(), enable.begin(), enable.end());
  const uint32_t after_enable = 0x1000 + uint32_t(code.size());
  const std::vector<uint8_t> tail = {0xb9, 0xe8, 0x03, 0, 0,  // mov $1000, %ecx
                                     0x49, 0x75, 0xfd,        // 1: dec %ecx; jnz 1b
                                     0xf4};                   // hlt
  code.insert(code.end(), tail.begin(), tail.end());

  Engine e(16 << 20);
  test::TimerIrq pic(e.events());
  e.set_interrupt_controller(&pic);
  test::boot_flat(e, code);
  const uint8_t handler[] = {0x0f, 0x31,                      // rdtsc
                             0xa3, 0x00, 0x80, 0, 0,          // mov %eax, 0x8000
                             0x8b, 0x04, 0x24,                // mov (%esp), %eax
                             0xa3, 0x04, 0x80, 0, 0,          // mov %eax, 0x8004
                             0xfa, 0xf4};                     // cli; hlt
  e.ram().write_phys(kHandler, handler, sizeof handler);
  const uint64_t gate = (uint64_t(kHandler >> 16) << 48) | (0x8e00ull << 32) | (0x08ull << 16) | (kHandler & 0xffff);
  e.ram().write_phys(0x600 + 0x20 * 8, &gate, sizeof gate);
  e.set_idtr({0x600, 0x20 * 8 + 7});
  pic.timer.arm(irq_at);
  auto r = e.run(1'000'000);
  INFO("stop: ", std::string(to_string(r.reason)), " ", r.detail);
  CHECK(r.reason == StopReason::HaltedForever);
  CHECK(e.ram().read32(0x8004) == after_enable);
  return {e.ram().read32(0x8000), e.ram().read32(0x8004), pic.acks};
}

constexpr uint64_t kBeforeEnable = 1 + 1 + 2 * 100;  // cli, mov, the loop

}  // namespace

TEST_CASE("engine: an interrupt raised under cli is taken right after popf sets IF") {
  // pushf; pop %eax; or $0x200, %eax; push %eax; popf
  const std::vector<uint8_t> popf = {0x9c, 0x58, 0x0d, 0x00, 0x02, 0, 0, 0x50, 0x9d};
  for (uint64_t at : {10ull, 50ull, 201ull}) {
    auto r = run_with(popf, at);
    CHECK(r.acks == 1);
    CHECK(r.taken_at == kBeforeEnable + 5);
  }
}

TEST_CASE("engine: after sti the interrupt waits for the one instruction of its shadow") {
  const std::vector<uint8_t> sti_nop = {0xfb, 0x90};  // sti; nop
  auto r = run_with(sti_nop, 50);
  CHECK(r.acks == 1);
  CHECK(r.taken_at == kBeforeEnable + 2);  // sti and the nop in its shadow retired
}

TEST_CASE("engine: iret to IF=1 takes the pending interrupt before the next instruction") {
  // push $0x202 (EFLAGS with IF); push $0x08; push $next; iret; next:
  const uint32_t next = 0x1000 + 9 + 16;
  const std::vector<uint8_t> iret = {0x68, 0x02, 0x02, 0, 0,  0x6a, 0x08,  0x68, uint8_t(next), uint8_t(next >> 8),
                                     0,    0,    0xcf,  0x90, 0x90, 0x90};
  auto r = run_with(iret, 50);
  CHECK(r.acks == 1);
  CHECK(r.taken_at == kBeforeEnable + 4);
}
