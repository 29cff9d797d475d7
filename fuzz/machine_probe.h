// What the replay targets do with state they could not refuse: put it into a machine and
// use it the way a guest would. A restored field that indexes a host buffer (an IDE transfer
// window, a CMOS index, a FIFO level, a fw_cfg offset) only hurts when a device uses it, so
// the probe reads and writes every device port, with the data ports many times over, and
// then lets the CPU run a few thousand instructions of whatever RAM holds. Under ASan a
// field the declaration let through and a device then trusted is a crash here.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "machine/machine.h"

namespace kjump::fuzz {

// A machine kept for the process and put back to its first state before each input, so inputs
// do not depend on each other. Restored state must come from a machine of the same
// configuration (fw_cfg refuses other items, the IDE another set of drives), so the probes are
// the machines of the seeds' runs (fuzz/make-seeds.sh): the spinning test kernel in 2 MiB,
// without and with a 1 MiB disk. `probe_machines()` builds them once.
class ProbeMachine {
 public:
  explicit ProbeMachine(MachineConfig config);
  Machine& machine() { return *m_; }
  // Back to the state it was built with (its RAM is not touched: the caller's restore is).
  void reset();
  // The device ports, then (if the restored power state is on) a short run.
  void probe();

 private:
  std::unique_ptr<Machine> m_;
  std::vector<uint8_t> pristine_;
};

std::vector<std::unique_ptr<ProbeMachine>>& probe_machines();

}  // namespace kjump::fuzz
