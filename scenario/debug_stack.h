// Call frames of the stopped guest, for `bt`, `finish`, `ni` and `reverse-finish`.
//
// Frame pointers first, as gdb without debug info and Linux's CONFIG_FRAME_POINTER unwinder
// do: EBP → [saved EBP, return address]. Kernels built with -fomit-frame-pointer (ours, at
// -O2) keep no such chain, so where EBP does not lead to a frame, the stack is scanned upwards
// for a return address, as Linux's stack dumper does without frame pointers, but each
// candidate must be right after a `call` in guest code, and a direct `call` must target the
// function the frame is in: a stale return address left in a local by an earlier call does
// not pass. Failing that, the first word after an indirect call (a function pointer), then
// one after a call of another function (a tail call, or stale); both are marked guessed and
// shown as Linux shows such frames (`?`): a stale word of the same kind may come first.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "machine/machine.h"

namespace kjump::scenario {

struct Frame {
  uint32_t pc = 0;         // frame 0: EIP; others: the return address
  uint32_t slot = 0;       // where that return address is stored (0 for frame 0)
  bool guessed = false;    // not after a direct call of its function: shown with `?`
  bool frame_pointer = false;  // found through the EBP chain
};

// The call instruction that ends right before `ret` (a return address), if there is one.
struct CallSite {
  uint32_t addr = 0;
  std::optional<uint32_t> target;  // a direct call's target
};
std::optional<CallSite> call_before(Machine& m, uint32_t ret);

// The return address of the function EIP is in (frame 1), if it can be found.
std::optional<Frame> caller_frame(Machine& m);
// Up to `max` frames, frame 0 first.
std::vector<Frame> backtrace(Machine& m, unsigned max);
std::vector<std::string> view_backtrace(Machine& m, unsigned max);

}  // namespace kjump::scenario
