// Records a run's event list (replay/run_events.h) from what the machine observes, with no
// help from the guest. Only made when a report is asked for: without one, nothing of this
// runs (the engine's and machine's observers stay null).
//
// Which kernel has the CPU, from the machine's view of kexec jump (machine/kexec/audit.h):
// * A power-on boots a new kernel (A, then C after a power cycle, ...): its lane starts at
//   the Multiboot entry.
// * Paging switched off with EIP in a kexec control page is a jump by the kernel that has the
//   CPU, which owns that page from then on. Its trampoline swaps the image's pages (the
//   indirection list read from the page); an image with no pages is a jump-back helper.
// * The first instruction outside that control page, still with paging off, is the peer's
//   entry; the word at its [ESP] is its jump-back entry (kexec jump's protocol: the
//   trampoline's re-entry point; 0 for a normal kexec). An entry into a control page some
//   kernel jumped from is that kernel's re-entry: it resumes (even across a power cycle:
//   hibernation's kernel C jumping into A's restored image). Code that comes back into the
//   jumping kernel's control page with paging still off was a physical-mode routine. Code
//   that turns paging on elsewhere is a new kernel (B): its lane starts at the entry.
// The physical-mode code stream comes from the engine (Engine::RunObservers::phys_code): a
// block in another physical page while paging is off, on the audit's own slow path.
//
// Devices: after every guest port write, each device's programmed configuration (the fields
// its declaration marks as such, emu/state.h) is compared with the last; a change starts a
// new state span, with a summary of what a suspend changes (PIC masked, UART interrupts off,
// PIT stopped, IDE nIEN, RTC interrupts off) and the fields before and after.
//
// Determinism: the recorder only reads guest state, on host-side hooks that exist whether or
// not it runs; it never changes what the guest sees (the report tests compare the golden
// traces with and without it).
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "machine/machine.h"
#include "replay/device_watch.h"
#include "replay/run_events.h"

namespace kjump {

class RunRecorder {
 public:
  explicit RunRecorder(std::string title);
  ~RunRecorder();
  RunRecorder(const RunRecorder&) = delete;
  RunRecorder& operator=(const RunRecorder&) = delete;

  // A machine to watch (a new one replaces the previous, which must no longer run): installs
  // the observers. The axis continues from where the previous machine left it.
  // The machine must outlive the attachment: the destructor detaches (clears the engine's
  // observers and the port hook), so a recorder is destroyed before its machine.
  void attach(Machine& m);
  void detach();
  // While *flag is true nothing is recorded (a session re-running history it already showed).
  void set_mute_flag(const bool* flag) { muted_ = flag; }

  // ---- what the machine's owner tells it ----
  void power_on();                              // after Machine::power_on
  void power_off(const std::string& how);       // after the host powered off
  void serial(uint8_t c);                       // every guest output byte, as shown
  void after_run();                             // after each Machine::run/step slice
  // The machine's counters were set by the host (a restore, a seek): the axis goes on from
  // the furthest point reached. `what` becomes a marker ("restore snapshot a").
  void discontinuity(const std::string& what);
  void checkpoint(const std::string& name, uint64_t hash);
  void snapshot(const std::string& what);       // "save a", "write a to F", ...
  void step_begin(const std::string& verb, const std::string& text);
  void step_end(const std::string& outcome);    // "" when it passed
  void fault(const std::string& text);
  // Which kernel has the CPU belongs to the machine state: kept with a named snapshot and put
  // back when it is restored.
  void save_tracking(const std::string& snapshot);
  void restore_tracking(const std::string& snapshot);

  // The list so far, with spans still open closed at the present.
  RunEvents events() const;
  bool attached() const { return m_ != nullptr; }

 private:
  enum class Phys { None, Boot, Trampoline, Entered, ReEntry, Other };
  struct Tracking {
    int current = -1;  // lane that has the CPU
    Phys phys = Phys::None;
    int jump = -1;                // index of the Jump in progress
    uint32_t page = 0;            // Trampoline/ReEntry: its control page number
    RunStamp entered;             // Entered: the entry's stamp
    uint32_t entry = 0;           // Entered: the entry address
    std::map<uint32_t, int> owner;  // control page number -> the lane of the kernel that jumped from it
    unsigned kernels = 0;         // kernel lanes named so far
  };
  struct TrackedDevice {
    explicit TrackedDevice(Device& d) : watch(d) {}
    DeviceWatch watch;
    int lane = -1;                 // made at the device's first change
    std::optional<RunEvent> span;  // its state since the last change (shown once it has a lane)
  };
  struct PendingAfter {  // a jump whose kernel resumes its devices: Jump::after when they are back
    int jump = -1;
    std::set<size_t> waiting;  // devices quiet at the jump, not yet active again
    bool resumed = false;      // the kernel has the CPU again
  };

  RunStamp stamp();
  void on_paging(bool paging, uint32_t eip);
  void on_phys_code(uint32_t pc, uint64_t retired, uint64_t time);
  void on_cr3(uint32_t cr3, uint64_t retired, uint64_t time);
  void sample_devices(int only = -1);  // all devices, or the one at this index
  void on_port_write(uint16_t port);
  RunEvent device_span(TrackedDevice& d, FieldValues before);
  void restart_device_spans();  // power-on, restore: each device's state from now
  void poll_findings();
  RunStamp stamp_at(uint64_t retired, uint64_t time);

  int kernel_lane();  // a new kernel's lane: A, B, C, ...
  void open_owner(RunEvent::Kind kind, int lane, const std::string& name, const std::string& detail);
  void close_owner();
  void marker(RunEvent::Kind kind, int lane, const std::string& name, const std::string& detail);
  void open_paging_off();
  void close_paging_off();
  FieldValues device_fields(bool before_suspend) const;
  void resume_tracking(int lane);
  uint32_t peer_stack_word() const;

  Machine* m_ = nullptr;
  RunEvents ev_;
  Tracking tr_;
  std::map<std::string, Tracking> saved_;
  std::vector<std::unique_ptr<TrackedDevice>> devices_;
  std::vector<int16_t> port_device_;  // port -> index in devices_ (-1 none, -2 not looked up yet)
  std::map<int, PendingAfter> pending_after_;  // kernel lane -> its last jump
  // The suspend in progress: opened when a device its kernel had made active goes quiet, with
  // every device's fields just before; closed when any device becomes active again. A jump
  // while it is open takes these as `before` (the first quiet device's moment, before the
  // sysdev steps that mask the PIC line by line).
  struct Suspend {
    bool open = false;
    FieldValues fields;
  } suspend_;

  std::optional<RunEvent> owner_span_;   // the span of whoever has the CPU
  std::optional<RunEvent> paging_span_;  // CR0.PG clear
  std::optional<RunEvent> step_span_;
  int cpu_lane_ = -1, session_lane_ = -1;
  int64_t off_insns_ = 0, off_ns_ = 0;  // axis = machine counter + offset
  RunStamp last_;                       // the furthest stamp so far
  size_t findings_seen_ = 0;
  bool powered_ = false;
  const bool* muted_ = nullptr;
  bool muted() const { return muted_ && *muted_; }
};

}  // namespace kjump
