#include "machine/machine.h"

#include <cinttypes>
#include <cstring>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <stdexcept>

#include "base/hex.h"
#include "base/host_file.h"
#include "machine/boot/boot_error.h"
#include "machine/kexec/audit.h"
#include "machine/boot/bzimage.h"
#include "machine/boot/elf32.h"
#include "machine/boot/file_bytes.h"
#include "machine/devices/debug_exit.h"
#include "machine/devices/disk_image.h"
#include "machine/devices/fw_cfg.h"
#include "machine/devices/ide.h"
#include "machine/devices/kbc8042.h"
#include "machine/devices/pic.h"
#include "machine/devices/pit.h"
#include "machine/devices/port92.h"
#include "machine/devices/rtc.h"
#include "machine/devices/uart.h"

namespace kjump {
namespace {

std::vector<uint8_t> read_fw_file(const std::string& path, const std::string& what) {
  try {
    return read_host_file(path, what, kMaxGuestFileBytes);
  } catch (const HostFileError& e) {
    throw BootError(e.what());
  }
}

// IRQ numbers on the PC's ISA bus.
constexpr unsigned kIrqPit = 0, kIrqCom1 = 4, kIrqRtc = 8, kIrqIde0 = 14;

}  // namespace

Machine::Machine(MachineConfig config) : config_(std::move(config)) {
  if (config_.kernel_path.empty()) throw BootError("no kernel given");
  // Checked before the RAM is allocated, so `--mem 100G` is one line, not std::bad_alloc:
  // an i386 PC without PAE has RAM below 4 GiB, and QEMU's pc puts its PCI hole above 3.5 GiB.
  if (config_.ram_size > kMaxRamBytes)
    throw BootError("memory size " + std::to_string(config_.ram_size >> 20) + " MiB is more than the " +
                    std::to_string(kMaxRamBytes >> 20) + " MiB an i386 PC without PAE has");
  engine_ = std::make_unique<Engine>(config_.ram_size);
  // Validate the kernel now (not at power-on) so bad input is refused before anything runs.
  {
    GuestRam scratch(config_.ram_size);
    // Kept: the loader is deterministic, so this is what power_on() will produce, and a
    // machine restored from a snapshot without ever powering on still knows its boot info.
    load_kernel(scratch);
  }
  std::string symbols = config_.symbols_path;
  if (!symbols.empty()) {
    // Asked for by name: a file that is not an ELF with symbols is bad input.
    symbols_ = SymbolTable::from_elf(Elf32Image::load(symbols));
    if (symbols_.empty()) throw BootError(symbols + ": no symbol table (.symtab)");
  } else {
    symbols = config_.kernel_path;
    if (linux_) symbols = (std::filesystem::path(config_.kernel_path).parent_path() / "vmlinux").string();
    try {
      symbols_ = SymbolTable::from_elf(Elf32Image::load(symbols));
    } catch (const std::exception&) {
      // Symbols are a convenience; a stripped kernel still boots.
    }
  }
  finish_construction();
}

Machine::Machine(MachineConfig config, NoKernel) : config_(std::move(config)) {
  engine_ = std::make_unique<Engine>(config_.ram_size);
  finish_construction();
}

std::unique_ptr<Machine> Machine::declaration_only(uint64_t ram_size) {
  MachineConfig c;
  c.ram_size = ram_size;
  return std::unique_ptr<Machine>(new Machine(std::move(c), NoKernel{}));
}

void Machine::finish_construction() {
  wire_devices();
  state_.m = this;
  audit_ = std::make_unique<KexecAudit>(*engine_, devices());
  engine_->on_delivery = [this](const DeliveryEvent& ev) {
    if (recent_.size() == 16) recent_.erase(recent_.begin());
    recent_.push_back(ev);
  };
}

Machine::~Machine() = default;

void Machine::wire_devices() {
  Engine& e = *engine_;
  pic_ = std::make_unique<Pic8259Pair>();
  pic_->map(bus_);
  e.set_interrupt_controller(pic_.get());
  pit_ = std::make_unique<Pit8254>(e, e.events(), IrqLine(pic_.get(), kIrqPit));
  pit_->map(bus_);
  uart_ = std::make_unique<Uart16550>(e, e.events(), IrqLine(pic_.get(), kIrqCom1), [this](uint8_t c) {
    serial_.push_back(char(c));
    if (on_serial) on_serial(c);
  });
  uart_->map(bus_);
  rtc_ = std::make_unique<CmosRtc>(e, e.events(), IrqLine(pic_.get(), kIrqRtc), config_.ram_size);
  rtc_->map(bus_);
  fw_cfg_ = std::make_unique<FwCfg>(e.ram(), config_.ram_size);
  for (auto& f : config_.fw_files) {
    try {
      if (f.host_path.empty())
        fw_cfg_->add_string(f.name, f.text);
      else
        fw_cfg_->add_file(f.name, read_fw_file(f.host_path, "--fw " + f.name + " file"));
    } catch (const BootError&) {
      throw;
    } catch (const std::exception& ex) {
      throw BootError("--fw " + f.name + ": " + ex.what());
    }
  }
  fw_cfg_->map(bus_);
  debug_exit_ = std::make_unique<DebugExit>([this](int status) {
    power_.exit_status = status;
    power_.on = false;
    engine_->request_stop("isa-debug-exit");
  });
  debug_exit_->map(bus_);
  if (!config_.disk_path.empty()) {
    try {
      disk_ = std::make_unique<Disk>(config_.disk_path);
    } catch (const std::exception& ex) {
      throw BootError(std::string("--disk: ") + ex.what());
    }
  }
  ide_ = std::make_unique<IdeController>(disk_.get(), IrqLine(pic_.get(), kIrqIde0));
  ide_->map(bus_);
  for (const std::string& fault : config_.inject) {
    if (fault == "ide-stuck-busy")
      ide_->inject_stuck_flush(e, e.events(), 1'000'000'000);
    else
      throw BootError("--inject '" + fault + "': unknown fault (known: ide-stuck-busy)");
  }
  port92_ = std::make_unique<Port92>(std::function<void(bool)>{}, [this] { guest_reset("port 0x92 bit 0"); });
  port92_->map(bus_);
  kbc_ = std::make_unique<Kbc8042>([this](uint8_t cmd) { guest_reset("8042 command " + hex(cmd)); });
  kbc_->map(bus_);
  dma_pages_ = std::make_unique<DmaPages>();
  dma_pages_->map(bus_);
  e.set_port_io({[this](uint16_t port, unsigned size) { return bus_.io_read(port, size); },
                 [this](uint16_t port, unsigned size, uint32_t v) {
                   bus_.io_write(port, size, v);
                   if (on_port_write) on_port_write(port);
                 }});
}

std::vector<Device*> Machine::devices() const {
  return {pic_.get(),        pit_.get(), uart_.get(),         rtc_.get(), fw_cfg_.get(), debug_exit_.get(),
          ide_.get(),        port92_.get(), kbc_.get(), dma_pages_.get()};
}

Device* Machine::device(const std::string& name) const {
  for (Device* d : devices())
    if (d->name() == name) return d;
  return nullptr;
}

void Machine::power_on() {
  if (config_.kernel_path.empty()) throw BootError("no kernel given (a declaration-only machine never powers on)");
  log_input(InputKind::PowerOn, "");
  engine_->ram().clear();
  engine_->reset_cpu();
  for (Device* d : devices()) d->reset();
  load_kernel(engine_->ram());
  // No invalidate_code(): every loader write went through GuestRam, which invalidates the
  // written range itself.
  apply_entry_state();
  power_ = PowerState{true, std::nullopt};
  recent_.clear();
}

void Machine::load_kernel(PhysMemory& mem) {
  std::vector<uint8_t> head = read_file_bytes(config_.kernel_path, "kernel");
  if (!looks_like_bzimage(head)) {
    boot_ = MultibootLoader::load(mem, config_.ram_size,
                                  MultibootConfig{config_.kernel_path, config_.append, config_.modules, config_.kernel_name});
    return;
  }
  // A bzImage: the initrd is one file (QEMU 7.2 -initrd for Linux), without Multiboot's
  // module arguments.
  LinuxBootConfig lc{config_.kernel_path, config_.append, ""};
  if (config_.modules.size() > 1)
    throw BootError("--initrd: a Linux kernel takes one initrd file, not " + std::to_string(config_.modules.size()));
  if (!config_.modules.empty()) {
    lc.initrd_path = config_.modules.front();
    if (lc.initrd_path.find(' ') != std::string::npos)
      throw BootError("--initrd '" + lc.initrd_path + "': a Linux initrd is one file, without arguments");
  }
  linux_ = LinuxLoader::load(mem, config_.ram_size, lc);
}

void Machine::apply_entry_state() {
  const MultibootEntryState& s = linux_ ? linux_->cpu : boot_.cpu;
  Engine& e = *engine_;
  e.set_reg(Reg::CR0, s.cr0);
  e.set_reg(Reg::CR3, s.cr3);
  e.set_reg(Reg::CR4, s.cr4);
  e.set_gdtr({s.gdtr_base, s.gdtr_limit});
  e.set_idtr({s.idtr_base, s.idtr_limit});
  e.load_flat_segments(s.cs.selector, s.ds.selector);
  e.set_reg(Reg::EAX, s.eax);
  e.set_reg(Reg::EBX, s.ebx);
  e.set_reg(Reg::ECX, s.ecx);
  e.set_reg(Reg::EDX, s.edx);
  e.set_reg(Reg::ESI, s.esi);
  e.set_reg(Reg::EDI, s.edi);
  e.set_reg(Reg::EBP, s.ebp);
  e.set_reg(Reg::ESP, s.esp);
  e.set_reg(Reg::EFLAGS, s.eflags);
  e.set_reg(Reg::EIP, s.eip);
}

void Machine::power_off() {
  log_input(InputKind::PowerOff, "");
  if (disk_) disk_->power_off();
  power_.on = false;
}

RunResult Machine::run(uint64_t until_vt) {
  if (!power_.on) return {StopReason::Requested, "machine is powered off"};
  return ended_by_fault(engine_->run(until_vt));
}

RunResult Machine::step(uint64_t limit) {
  if (!power_.on) return {StopReason::Requested, "machine is powered off"};
  return ended_by_fault(engine_->step(limit));
}

RunResult Machine::ended_by_fault(RunResult r) {
  // A triple fault in the middle of a kexec jump (paging still off) leaves the trampoline
  // audit's stretch open: it is analysed now, as paging coming back on would have.
  if (r.reason == StopReason::TripleFault) audit_->analyse_open_phase();
  return r;
}

void Machine::send_input(std::string_view bytes) {
  if (bytes.empty()) return;
  uart_->host_input(std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()));
  log_input(InputKind::Serial, std::string(bytes));
}

void Machine::guest_reset(std::string why) {
  power_.guest_reset = std::move(why);
  power_.on = false;
  engine_->request_stop("guest reset (" + power_.guest_reset + ")");
}

void Machine::log_input(InputKind kind, std::string bytes) {
  input_log_.push_back({now(), kind, std::move(bytes)});
}

void Machine::restore_history(std::string serial_output, std::vector<InputEvent> input_log) {
  serial_ = std::move(serial_output);
  input_log_ = std::move(input_log);
}

size_t Machine::pending_input() const { return uart_->pending_input(); }

std::string Machine::symbolize(uint32_t addr) const { return symbols_.lookup(addr).value_or(""); }

uint64_t Machine::ram_hash() const {
  const auto& ram = engine_->ram();
  return hash_bytes(ram.data(), ram.size());
}

uint64_t Machine::state_hash() {
  uint64_t parts[2] = {hash_state(state_), ram_hash()};
  return hash_bytes(parts, sizeof parts);
}

void Machine::StateView::declare_state(StateDecl& d) {
  d.include("", m->engine_->clock_state());
  d.include("", m->engine_->cpu_state());
  for (Device* dev : m->devices()) d.include(dev->name() + ".", *dev);
  power_on = m->power_.on;
  exit_status = m->power_.exit_status.value_or(-1);
  d.field("machine.power_on", power_on);
  d.field("machine.exit_status", exit_status).range(-1, INT32_MAX);
}

void Machine::StateView::post_load() {
  for (Device* dev : m->devices()) dev->post_load();
  m->engine_->cpu_state().post_load();
  m->power_.on = power_on;
  m->power_.exit_status = exit_status >= 0 ? std::optional<int>(exit_status) : std::nullopt;
  m->recent_.clear();
}

namespace {

std::string vector_name(unsigned v) {
  static const char* const names[] = {"#DE", "#DB", "NMI", "#BP", "#OF", "#BR", "#UD", "#NM", "#DF", "vector 9",
                                      "#TS", "#NP", "#SS", "#GP", "#PF", "vector 15", "#MF", "#AC", "#MC", "#XM"};
  return v < std::size(names) ? names[v] : "vector " + hex(v);
}

}  // namespace

std::string Machine::exception_chain_report() {
  const Engine::FaultChain& chain = engine_->last_fault_chain();
  // Only a chain that ended in a triple fault, or had a nested fault on the way, says more
  // than the delivery list below.
  if (chain.links.size() < 2 && !chain.triple) return "";
  std::string out = "  exception chain, at instruction " + std::to_string(chain.retired) + ":\n";
  for (size_t i = 0; i < chain.links.size(); ++i) {
    const Engine::ChainLink& l = chain.links[i];
    std::string line = "    " + vector_name(l.vector) + (l.has_error ? "(" + hex(l.error) + ")" : "");
    if (i == 0) {
      // "at c1234567 <restore_processor_state+0x1f>: 8e d0   mov ss, eax"
      if (auto insn = engine_->decode_at(l.eip))
        line += " at " + engine_->disassembler().format(*insn, [this](uint32_t a) { return symbolize(a); });
      else
        line += " at " + hex32(l.eip) + (symbolize(l.eip).empty() ? "" : " <" + symbolize(l.eip) + ">");
    } else if (l.vector == 8 && l.why == "the two make a double fault") {
      line += ": the two make a double fault";
    } else {
      line += " while delivering " + vector_name(chain.links[i - 1].vector) + ": " + l.why;
    }
    out += line + "\n";
  }
  if (chain.triple) out += "    -> triple fault: a fault while delivering #DF (the CPU would reset)\n";
  for (const std::string& why : audit_->explain_fault()) out += "  kexec audit: " + why + "\n";
  return out;
}

std::string Machine::fault_report() {
  Engine& e = *engine_;
  std::string out;
  char line[256];
  std::snprintf(line, sizeof line, "  at instruction %" PRIu64 " (virtual time %" PRIu64 " ns)\n", e.retired(), e.now());
  out += line;
  std::snprintf(line, sizeof line,
                "  eax=%08x ebx=%08x ecx=%08x edx=%08x esi=%08x edi=%08x ebp=%08x esp=%08x\n",
                e.reg(Reg::EAX), e.reg(Reg::EBX), e.reg(Reg::ECX), e.reg(Reg::EDX), e.reg(Reg::ESI),
                e.reg(Reg::EDI), e.reg(Reg::EBP), e.reg(Reg::ESP));
  out += line;
  std::snprintf(line, sizeof line,
                "  eip=%08x eflags=%08x cs=%04x ss=%04x ds=%04x cr0=%08x cr2=%08x cr3=%08x cr4=%08x\n",
                e.reg(Reg::EIP), e.reg(Reg::EFLAGS), e.reg(Reg::CS), e.reg(Reg::SS), e.reg(Reg::DS),
                e.reg(Reg::CR0), e.reg(Reg::CR2), e.reg(Reg::CR3), e.reg(Reg::CR4));
  out += line;
  auto g = e.gdtr(), i = e.idtr();
  std::snprintf(line, sizeof line, "  gdtr=%08x/%x idtr=%08x/%x\n", g.base, g.limit, i.base, i.limit);
  out += line;
  if (auto insn = e.decode_at(e.reg(Reg::EIP)))
    out += "  code: " + e.disassembler().format(*insn, [this](uint32_t a) { return symbolize(a); }) + "\n";
  out += exception_chain_report();
  for (auto& ev : recent_) {
    std::snprintf(line, sizeof line, "  delivered vector 0x%02x%s at t=%" PRIu64 " eip=%08x err=%x cr2=%08x cpl %u->%u\n",
                  ev.vector, ev.external ? " (irq)" : ev.software ? " (int)" : "", ev.time, ev.eip, ev.error_code,
                  ev.cr2, ev.from_cpl, ev.to_cpl);
    out += line;
  }
  return out;
}

}  // namespace kjump
