// The machine's own view of kexec jump, with no help from the guest: two audits that name
// precisely what a kernel got wrong instead of leaving a silent triple fault.
//
// * Quiesce audit: at the instant a kexec trampoline switches paging off (the jump), every
//   device that is not quiet is flagged (an unmasked or pending IRQ, UART interrupts
//   enabled, the disk busy, the PIT still ticking ...), from the devices' own state.
// * Trampoline audit: while paging is off, code running in a kexec control page (the
//   trampoline) may touch only the control, swap, indirection, source and destination pages
//   of the images involved; anything else is flagged, per run of pages, with the first
//   offending access exactly (address, size, EIP, instruction count). Other code running with
//   paging off (purgatory, a physical-mode routine, the next kernel's early boot) is not the
//   trampoline and is not judged. To stay cheap there are no memory hooks: the engine's
//   paging-off TLB (emu/virtual_tlb.h) stops at the first judged access of each kind to a
//   page outside every known image, and the swap itself runs on the fast paths.
//
// A control page is recognised by its data area (Linux 2.6.27's layout at offset 0x800:
// ESP, CR0, CR3, CR4, VA of the control page, PA of the page directory, PA of the swap page,
// head of the indirection list; abi/kexec_control_page.h), whose VA must lead back to the page
// itself through the kernel's own page tables (the CR0/CR3/CR4 saved beside it: any
// PAGE_OFFSET, PAE or not), or be the page's address + 0xC0000000 (Linux's default split,
// which still holds when those tables are swapped out while the peer runs). When paging comes
// back on in a control page, the paging mode is checked against the kernel's saved CR4 (a PAE
// kernel's return path sets CR0.PG while CR4.PAE is still 0).
//
// The audit sees the machine only through the engine (RAM, clock, paging watch, access audit)
// and the list of devices it is given: it knows nothing of the Machine that owns it.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace kjump {

class Device;
class Engine;

struct AuditFinding {
  uint64_t time;     // virtual ns
  uint64_t retired;  // instruction count
  std::string kind;  // "quiesce" or "trampoline"
  std::string text;
};

class KexecAudit {
 public:
  // Installs the engine's paging watch. `devices` are asked for quiesce notes at every jump;
  // they and the engine must outlive the audit.
  KexecAudit(Engine& engine, std::vector<Device*> devices);
  const std::vector<AuditFinding>& findings() const { return findings_; }
  unsigned jumps() const { return jumps_; }                    // trampoline entries seen
  unsigned audited_phases() const { return phases_; }          // paging-off stretches in which a trampoline ran
  // One line per finding, or "no findings" (with the counts) when clean.
  std::vector<std::string> summary() const;

  // The pages a control page's image may touch (exposed for tests and the debugger).
  struct ImagePages {
    uint32_t control = 0, swap = 0;
    std::set<uint32_t> indirection, source, destination;  // page numbers
  };
  bool read_image(uint32_t control_page, ImagePages& out) const;

  // Lines that explain, from what the audit saw at the kexec jumps, the exception chain the
  // engine last met (Engine::last_fault_chain): a selector the live GDT cannot hold because
  // the GDT is still the empty one the kernel loaded before its jump and nothing reloaded it
  // after the return. Empty when the audit has nothing to add (no jump, or another cause).
  std::vector<std::string> explain_fault() const;
  // The run ended (by a fault) with paging off after a jump: analyse that stretch now, as
  // paging coming back on would have. Idempotent.
  void analyse_open_phase();

 private:
  void on_paging(bool paging, uint32_t eip);
  void quiesce_audit(uint32_t control_page);
  void analyse_phase();
  void check_paging_mode(uint32_t eip);
  std::string describe_insn(uint32_t pa) const;
  bool looks_like_control_page(uint32_t page) const;
  void add(const std::string& kind, const std::string& text);

  Engine& engine_;
  std::vector<Device*> devices_;
  std::vector<AuditFinding> findings_;
  unsigned jumps_ = 0, phases_ = 0;
  bool in_phase_ = false;
  std::set<uint32_t> known_control_pages_;  // every control page seen in this machine's life
  // The CPU's descriptor tables at the last jump (paging switched off in a control page) and
  // at the last return (paging switched back on in one).
  struct Mark {
    uint64_t retired = 0;
    uint32_t control_page = 0;
    uint32_t gdt_base = 0, gdt_limit = 0, idt_base = 0, idt_limit = 0;
    uint16_t cs = 0;
  };
  Mark mark(uint32_t control_page) const;
  std::optional<Mark> last_jump_, last_return_;
};

}  // namespace kjump
