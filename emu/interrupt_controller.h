// What the CPU asks at an instruction boundary with IF=1: the INTR pin and the INTA cycle.
// Implemented by the machine's interrupt controller (the 8259 pair).
#pragma once

#include <cstdint>

namespace kjump {

class InterruptController {
 public:
  virtual ~InterruptController() = default;
  virtual bool intr_pending() const = 0;  // INTR asserted
  virtual uint8_t acknowledge() = 0;      // INTA: returns the vector, updates ISR/IRR
};

}  // namespace kjump
