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
// do not depend on each other. Putting it back is a whole load_state (its post_load hashes the
// disk file and flushes Unicorn's caches), so it is done only when something may have changed
// the machine since: most inputs are refused by check_state, which leaves a machine exactly as
// it was (emu/state.h: it checks, writes, then puts the previous values back).
// Restored state must come from a machine of the same configuration (fw_cfg refuses other
// items, the IDE another set of drives), so the probes are the machines of the seeds' runs
// (fuzz/make-seeds.sh): the spinning test kernel in 2 MiB, without and with a 1 MiB disk.
// `probe_machines()` builds them once.
class ProbeMachine {
 public:
  explicit ProbeMachine(MachineConfig config);
  // The machine, for whatever may change it (a load, a restore, a run): the next reset() puts
  // it back.
  Machine& machine() {
    changed_ = true;
    return *m_;
  }
  // Its state, only for check_state, save_state and the readers that take a declaration and
  // saved state (replay/state_compare.h): none of them changes the machine, so this does not
  // count as a change.
  Stateful& state_to_check() { return m_->state(); }
  uint64_t ram_size() { return m_->engine().ram().size(); }
  // Back to the state it was built with, if anything may have changed it (its RAM is not
  // touched: the caller's restore is).
  void reset();
  // The device ports, then (if the restored power state is on) a short run.
  void probe();

 private:
  std::unique_ptr<Machine> m_;
  std::vector<uint8_t> pristine_;
  bool changed_ = false;  // machine() was handed out since the last reset
};

std::vector<std::unique_ptr<ProbeMachine>>& probe_machines();
// Puts back every probe machine that was changed, at the end of the input that changed it: so
// the state an input left is never seen by the next one, and what its load allocated is freed
// within it (an input whose mallocs and frees do not match is run again by libFuzzer, with a
// leak check).
void reset_probe_machines();

}  // namespace kjump::fuzz
