// The PC: engine + bus + devices + boot loader + power. Devices talk to the engine only
// through IRQ lines, the event queue and RAM; the outside world (CLI, scenarios, debugger)
// talks to the machine only through this class.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "emu/engine.h"
#include "machine/boot/linux_loader.h"
#include "machine/boot/multiboot.h"
#include "machine/boot/symbols.h"
#include "machine/bus.h"
#include "machine/host_input.h"

namespace kjump {

class Pic8259Pair;
class Pit8254;
class Uart16550;
class CmosRtc;
class FwCfg;
class DebugExit;
class IdeController;
class Port92;
class Kbc8042;
class DmaPages;
class Disk;
class KexecAudit;

struct FwFile {
  std::string name;       // fw_cfg name, e.g. "opt/kernel-b"
  std::string host_path;  // file whose bytes are served; empty when `text` is used
  std::string text;       // string=... form
};

// Guest RAM a machine may have: below QEMU pc's PCI hole (3.5 GiB), i386 without PAE.
inline constexpr uint64_t kMaxRamBytes = uint64_t(3584) << 20;

struct MachineConfig {
  uint64_t ram_size = 128ull << 20;  // at most kMaxRamBytes
  std::string kernel_path;
  // The first word of the guest's command line. Empty: kernel_path, as QEMU does. Scenarios
  // set it so that state traces do not depend on where the build directory is.
  std::string kernel_name;
  std::string append;
  std::vector<std::string> modules;  // Multiboot modules, "file args"; for a bzImage: one initrd file
  // Symbols for reports and the debugger (an ELF with .symtab, e.g. a Linux vmlinux). Empty:
  // the kernel's own (a Multiboot ELF), or for a bzImage the `vmlinux` next to it if there is one.
  std::string symbols_path;
  std::string disk_path;             // raw IDE image; empty for none
  std::vector<FwFile> fw_files;
  // Fault injection (`--inject`): "ide-stuck-busy" keeps the disk busy for 1 s of virtual
  // time on its next FLUSH CACHE, so the guest's IDE suspend refuses.
  std::vector<std::string> inject;
};

struct PowerState {
  bool on = false;
  std::optional<int> exit_status;  // from isa-debug-exit: (value << 1) | 1
  // Set when the guest reset the machine (8042 command 0xFE, port 0x92 bit 0): the run ends
  // there, as QEMU's -no-reboot ends it. Names what reset it. Host-side history, not declared
  // state (the next power_on clears it).
  std::string guest_reset;
};

class Machine {
 public:
  // Validates the configuration (files exist, kernel is a Multiboot ELF that fits); throws
  // BootError / std::runtime_error with one line naming the culprit.
  explicit Machine(MachineConfig config);
  // A machine that is only its declared state: the engine and every device, wired as usual,
  // with no kernel, disk or fw_cfg files, never powered on. For reading state saved by a
  // machine that is not at hand (kjump snapshot diff): which fields exist, their types, which
  // are hashed and which are programmed configuration — from the one declaration.
  static std::unique_ptr<Machine> declaration_only(uint64_t ram_size = 1ull << 20);
  ~Machine();
  Machine(const Machine&) = delete;
  Machine& operator=(const Machine&) = delete;

  const MachineConfig& config() const { return config_; }

  // ---- power ----
  // Host power actions; both are logged as input events.
  // Resets CPU and devices, clears RAM, loads the kernel: the state at the Multiboot entry.
  void power_on();
  // Orderly power-off: commits the disk (never torn) and stops.
  void power_off();
  const PowerState& power() const { return power_; }

  // ---- running ----
  RunResult run(uint64_t until_vt);
  RunResult step(uint64_t limit = kNever);
  uint64_t now() const { return engine_->now(); }

  // ---- host I/O ----
  // Queues host bytes for COM1 (flow-controlled by the UART as QEMU's chardev does) and logs
  // them with the current virtual time.
  void send_input(std::string_view bytes);
  size_t pending_input() const;
  const std::string& serial_output() const { return serial_; }
  void clear_serial_output() { serial_.clear(); }
  std::function<void(uint8_t)> on_serial;  // live echo of guest output
  // After every guest port write has reached its device (the run's event list samples the
  // devices' programmed state there, replay/run_recorder.h); null unless a report was asked for.
  std::function<void(uint16_t port)> on_port_write;

  // ---- input log (record; replay/input_feed.h replays it from the host side) ----
  // Every external input so far (serial bytes, host power actions), in order, stamped with
  // the virtual time at which it took effect. Feeding it back at those times to a fresh
  // machine reproduces this run exactly.
  const std::vector<InputEvent>& input_log() const { return input_log_; }
  // Snapshot restore: puts back what lives outside the declared state — the serial output
  // and the input log as they were when the snapshot was taken.
  void restore_history(std::string serial_output, std::vector<InputEvent> input_log);

  // ---- introspection ----
  Engine& engine() { return *engine_; }
  Bus& bus() { return bus_; }
  const SymbolTable& symbols() const { return symbols_; }
  std::string symbolize(uint32_t addr) const;
  const MultibootBoot& boot_info() const { return boot_; }
  // Set when the kernel is a bzImage booted by the Linux 32-bit boot protocol.
  const std::optional<LinuxBoot>& linux_boot() const { return linux_; }
  std::vector<Device*> devices() const;
  Device* device(const std::string& name) const;

  // The whole machine's declared state (CPU, clock, devices) — RAM is kept apart because
  // of its size; state_hash() covers both.
  Stateful& state() { return state_; }
  uint64_t ram_hash() const;
  uint64_t state_hash();

  // The quiesce and trampoline audits of kexec jumps (machine/kexec/audit.h).
  const KexecAudit& kexec_audit() const { return *audit_; }

  // Last deliveries (exceptions and interrupts), newest last, for fault reports.
  const std::vector<DeliveryEvent>& recent_deliveries() const { return recent_; }
  // A multi-line report: registers, time, code at EIP, recent deliveries.
  std::string fault_report();
  // The exception chain of the last delivery (when it nested), each link named, the first with
  // its instruction and symbol, and what the kexec audit makes of it. Part of fault_report().
  std::string exception_chain_report();

 private:
  struct StateView : Stateful {
    Machine* m = nullptr;
    // Power state as plain fields (captured in declare_state, written back in post_load).
    bool power_on = false;
    int32_t exit_status = -1;  // -1: none
    void declare_state(StateDecl& d) override;
    void post_load() override;
  };
  struct NoKernel {};
  Machine(MachineConfig config, NoKernel);
  void wire_devices();
  void finish_construction();
  void apply_entry_state();
  // Loads the kernel (Multiboot or bzImage) into `mem`; fills boot_ or linux_.
  void load_kernel(PhysMemory& mem);
  void log_input(InputKind kind, std::string bytes);
  void guest_reset(std::string why);
  RunResult ended_by_fault(RunResult r);

  MachineConfig config_;
  std::unique_ptr<Engine> engine_;
  Bus bus_;
  std::unique_ptr<Pic8259Pair> pic_;
  std::unique_ptr<Pit8254> pit_;
  std::unique_ptr<Uart16550> uart_;
  std::unique_ptr<CmosRtc> rtc_;
  std::unique_ptr<FwCfg> fw_cfg_;
  std::unique_ptr<DebugExit> debug_exit_;
  std::unique_ptr<Disk> disk_;
  std::unique_ptr<IdeController> ide_;
  std::unique_ptr<Port92> port92_;
  std::unique_ptr<Kbc8042> kbc_;
  std::unique_ptr<DmaPages> dma_pages_;
  SymbolTable symbols_;
  MultibootBoot boot_;
  std::optional<LinuxBoot> linux_;
  PowerState power_;
  std::string serial_;
  std::vector<DeliveryEvent> recent_;
  StateView state_;
  std::unique_ptr<KexecAudit> audit_;
  // Host-side history, deliberately not declared state: a replayed run must hash like the
  // recorded one.
  std::vector<InputEvent> input_log_;
};

}  // namespace kjump
