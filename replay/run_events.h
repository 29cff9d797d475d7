// The run's event list: what happened in a run, in the order it happened, as plain data —
// which kernel had the CPU and when, the kexec jumps between kernels with their entry and
// jump-back entry, paging switched off, CR3 switches, the trampoline's page swaps, each
// device's programmed state as its registers show it, power, checkpoints with their state
// hashes, snapshots, `send`/`expect` steps, kexec audit findings and faults. The recorder
// (replay/run_recorder.h) fills it from what the machine observes, with no help from the
// guest; the report writers (report/) only read it.
//
// Two clocks. Each event carries the machine's own counters (retired instructions and
// virtual ns, what the guest and the golden traces see; they start again at every power-on
// and go back at a restore) and the run's axis: the guest instructions and virtual time the
// whole run has executed so far, which only grows (a power cycle or a restore continues it),
// so a timeline over several boots and restores has one axis.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace kjump {

struct RunStamp {
  uint64_t insns = 0;    // the run's axis: guest instructions executed by the whole run
  uint64_t ns = 0;       // the run's axis: virtual ns
  uint64_t retired = 0;  // the machine's instruction count
  uint64_t time = 0;     // the machine's virtual time
};

// A row of the timeline.
struct RunLane {
  enum class Kind { Kernel, Helper, Routine, Cpu, Device, Session };
  Kind kind = Kind::Kernel;
  std::string name;  // "A", "jump-back helper", "routine 0x03000000", "cpu", "pic", "session"
};

using FieldValues = std::vector<std::pair<std::string, std::string>>;  // name, value

struct RunEvent {
  enum class Kind {
    // spans (end > at, or equal for an empty one)
    KernelRun,    // a kernel (or routine) has the CPU with paging on; or, for a routine, at all
    Boot,         // a kernel's first instructions, paging off: from its entry to paging on
    PageSwap,     // a trampoline exchanging (or copying) the image's pages, paging off
    ReEntry,      // a kernel's re-entry code swapping its pages back, paging off
    PagingOff,    // CR0.PG clear (on the cpu lane)
    DeviceState,  // a device's programmed state, from one change to the next
    Step,         // a scenario step (`send`, `expect`, `wait`) from its start to its end
    // markers
    Entry,       // a kernel is entered: booted by the loader, entered by a jump, resumed
    Jump,        // a kexec jump: from `lane` (paging off in its control page) to `to_lane`
    Cr3Switch,   // CR3 written with another value
    PowerOn,
    PowerOff,
    Checkpoint,  // with its state hash
    Snapshot,    // saved, restored, written, read
    Finding,     // a kexec audit finding
    Fault,       // the run ended in a guest or engine fault
  };
  Kind kind = Kind::Entry;
  RunStamp at, end;   // end == at for markers; a Jump's end is the peer's first instruction
  int lane = -1;      // index into RunEvents::lanes
  int to_lane = -1;   // Jump: the peer's lane (-1 while unknown)
  std::string name;   // short label ("running", "trampoline: swap 768 pages", "checkpoint a-1")
  std::string detail; // the full text (hover)
  size_t serial_at = 0;  // offset into RunEvents::serial when the event happened
  bool quiet = false;    // DeviceState: the device is suspended (masked, interrupts off, stopped)
  uint64_t hash = 0;     // Checkpoint: Machine::state_hash()
  uint32_t entry = 0;      // Jump: the peer's first instruction (physical); Entry: its address
  uint32_t jump_back = 0;  // Jump: the word at the peer's [ESP] (where it can come back to; 0: none)
  uint32_t control_page = 0;  // Jump, PageSwap, ReEntry: the control page's physical address
  unsigned pages = 0;         // PageSwap, ReEntry: pages the image swaps or copies
  // DeviceState: the device's programmed fields before and after the change. Jump: every
  // device's programmed fields before the jumping kernel's suspend began (just before the
  // first device went quiet with none active again until the jump), and after that kernel
  // resumed (when every device its suspend made quiet is active again; empty while the
  // kernel has not come back).
  FieldValues before, after;
};

struct RunEvents {
  std::vector<RunLane> lanes;
  std::vector<RunEvent> events;  // in the order recorded (spans at their end, markers at once)
  std::string serial;            // the guest's serial output as the run produced it
  RunStamp end;                  // when the list was taken
  std::string title;             // the script or kernel

  int lane(RunLane::Kind kind, const std::string& name);  // finds or adds
  size_t count(RunEvent::Kind k) const;
};

const char* to_string(RunEvent::Kind k);
const char* to_string(RunLane::Kind k);

}  // namespace kjump
