// Interrupt wiring: devices drive IRQ lines; the interrupt controller turns line levels
// into vectors for the CPU.
#pragma once

#include <cstdint>

#include "emu/interrupt_controller.h"  // InterruptController

namespace kjump {

// Something with numbered interrupt inputs (the 8259 pair: lines 0..15).
class IrqSink {
 public:
  virtual ~IrqSink() = default;
  virtual void set_irq_level(unsigned line, bool high) = 0;
};

// One wire from a device to an IrqSink input. Copyable; a default one is unconnected.
class IrqLine {
 public:
  IrqLine() = default;
  IrqLine(IrqSink* sink, unsigned line) : sink_(sink), line_(line) {}
  void set(bool high) const {
    if (sink_) sink_->set_irq_level(line_, high);
  }
  void raise() const { set(true); }
  void lower() const { set(false); }
  // Edge-triggered inputs need a rising edge: low, then high.
  void pulse() const { lower(); raise(); }
  unsigned line() const { return line_; }

 private:
  IrqSink* sink_ = nullptr;
  unsigned line_ = 0;
};


}  // namespace kjump
