// For engine tests: an interrupt controller with one line that a timer raises and the INTA
// cycle lowers, always vector 0x20.
#pragma once

#include <cstdint>

#include "emu/engine.h"
#include "emu/interrupt_controller.h"

namespace kjump::test {

struct TimerIrq : InterruptController {
  Timer timer;
  bool line = false;
  unsigned acks = 0;
  explicit TimerIrq(EventQueue& q) : timer(q, "test.irq", [this] { line = true; }) {}
  bool intr_pending() const override { return line; }
  uint8_t acknowledge() override {
    line = false;
    ++acks;
    return 0x20;
  }
};

}  // namespace kjump::test
