// Exceptions and interrupts, delivered by the host as an i386 delivers them. Unicorn reports
// a guest exception to UC_HOOK_INTR and never runs QEMU's do_interrupt: nothing is pushed and
// the IDT is not read (docs/unicorn-reference.md §c). try_deliver() does what QEMU's
// do_interrupt_protected does for 32-bit interrupt and trap gates: the gate, the handler's
// code segment, the ring-0 stack from the TSS on a privilege change, the frame with its error
// code; a fault met on the way is returned, and deliver() applies the double-fault rules
// (contributory + contributory, or #PF + #PF/contributory, is #DF; a fault while delivering
// #DF is a triple fault). #UD is not reported here: uc_emu_start returns it to run().
#include <cstring>

#include "base/bytes.h"
#include "emu/engine.h"
#include "emu/interrupt_controller.h"

namespace kjump {
namespace {

constexpr uint32_t kIF = 1u << 9, kTF = 1u << 8, kNT = 1u << 14, kRF = 1u << 16, kVM = 1u << 17;

bool is_contributory(unsigned v) { return v == 0 || (v >= 10 && v <= 13); }

uint32_t u32_at(const uint8_t* p) { return uint32_t(load_le(p, 4)); }

}  // namespace

bool Engine::hook_invalid(uc_engine*, void*) {
  return false;  // uc_emu_start returns UC_ERR_INSN_INVALID; run() delivers #UD
}

void Engine::hook_intr(uc_engine*, uint32_t intno, void* self) { static_cast<Engine*>(self)->on_intr(intno); }

void Engine::on_intr(uint32_t intno) {
  uc_context_save(uc_, ctx_);
  const auto* blob = reinterpret_cast<const uint8_t*>(ctx_);
  uint32_t error = u32_at(blob + layout_.error_code);
  bool software = u32_at(blob + layout_.exception_is_int) != 0;
  reset_old_exception();
  uc_context_restore(uc_, ctx_);

  uint32_t eip = reg(Reg::EIP);  // faults: the faulting instruction; int n: the next one
  if (!software) retired_ = exact_retired_at(eip);  // the faulting instruction did not retire
  in_block_ = false;
  bool has_error = !software && (intno == 8 || (intno >= 10 && intno <= 14) || intno == 17);
  if (!deliver(intno, false, software, has_error, error, eip)) {
    pending_result_ = RunResult{StopReason::TripleFault, "triple fault"};
    hf_.stopping = true;
    uc_emu_stop(uc_);
  }
}

bool Engine::interrupt_ready() const {
  if (!ic_ || !ic_->intr_pending()) return false;
  if (!(reg(Reg::EFLAGS) & kIF)) return false;
  return !(hflags() & kHflagInhibitIrq);
}

bool Engine::interrupt_in_shadow() const {
  return ic_ && ic_->intr_pending() && (hflags() & kHflagInhibitIrq);
}

std::optional<Engine::Fault> Engine::read_linear(uint32_t va, void* dst, size_t n, bool user) {
  auto* out = static_cast<uint8_t*>(dst);
  PagingRegs pr = paging();
  while (n) {
    auto t = walk(ram_, pr, va, Access::Read, user);
    if (!t.ok) return Fault{14, true, t.error_code, va, true, "a descriptor table read page-faulted"};
    size_t chunk = std::min<size_t>(n, 0x1000 - (va & 0xfff));
    if (!ram_.read_phys(t.pa, out, chunk)) return Fault{13, true, 0, 0, false, "a descriptor table is not in RAM"};
    out += chunk;
    va += uint32_t(chunk);
    n -= chunk;
  }
  return std::nullopt;
}

std::optional<Engine::Fault> Engine::write_linear(uint32_t va, const void* src, size_t n, bool user) {
  auto* in = static_cast<const uint8_t*>(src);
  PagingRegs pr = paging();
  while (n) {
    auto t = walk(ram_, pr, va, Access::Write, user);
    if (!t.ok) return Fault{14, true, t.error_code, va, true, "pushing the frame page-faulted"};
    size_t chunk = std::min<size_t>(n, 0x1000 - (va & 0xfff));
    if (!ram_.contains(t.pa, chunk)) return Fault{13, true, 0, 0, false, "the stack is not in RAM"};
    // A CPU write (the interrupt frame), not a host write: no code invalidation needed for
    // stacks, and Unicorn's own writes would not invalidate either.
    std::memcpy(ram_.data() + t.pa, in, chunk);
    in += chunk;
    va += uint32_t(chunk);
    n -= chunk;
  }
  return std::nullopt;
}

std::optional<Engine::Fault> Engine::try_deliver(unsigned vector, bool external, bool software, bool has_error,
                                                 uint32_t error, uint32_t return_eip) {
  const uint32_t ext = external ? 1 : 0;
  const uint32_t idt_err = vector * 8 + 2 + ext;
  if (!(reg(Reg::CR0) & 1)) return Fault{13, true, idt_err, 0, false, "in real mode, which is not modelled"};
  TableReg idt = idtr();
  if (vector * 8 + 7 > idt.limit) return Fault{13, true, idt_err, 0, false, "the vector's gate is beyond the IDT limit"};
  uint8_t gate[8];
  if (auto f = read_linear(idt.base + vector * 8, gate, 8, false)) return f;
  uint32_t lo = u32_at(gate), hi = u32_at(gate + 4);
  unsigned type = (hi >> 8) & 0x1f, dpl = (hi >> 13) & 3;
  bool present = hi & (1u << 15);
  if (type == 0x05 && present) {
    // A task gate (Linux i386 has one for #DF): the checks a CPU makes on its TSS selector
    // before the switch, in QEMU's order (switch_tss), so that a selector the GDT cannot hold
    // faults as on hardware. The task switch itself is not modelled, and says so.
    const uint16_t tss = lo >> 16;
    if (tss & 4) return Fault{10, true, uint32_t(tss & 0xfffc), 0, false, "the task gate's TSS selector is in the LDT"};
    if ((tss | 7u) > gdtr().limit)
      return Fault{13, true, uint32_t(tss & 0xfffc), 0, false, "the task gate's TSS selector is beyond the GDT limit"};
    return Fault{13, true, uint32_t(tss & 0xfffc), 0, false, "it is a task gate: a task switch, which is not modelled"};
  }
  if (type != 0x0e && type != 0x0f) return Fault{13, true, idt_err, 0, false, "the IDT entry is not a 32-bit interrupt or trap gate"};
  unsigned old_cpl = cpl();
  if (software && dpl < old_cpl) return Fault{13, true, idt_err, 0, false, "the gate's DPL is below the CPL"};
  if (!present) return Fault{11, true, idt_err, 0, false, "the IDT gate is not present"};
  uint16_t sel = lo >> 16;
  uint32_t target = (lo & 0xffff) | (hi & 0xffff0000u);

  // The handler's code segment.
  if ((sel & 0xfffc) == 0 || (sel & 4)) return Fault{13, true, uint32_t(sel & 0xfffc) + ext, 0, false, "the gate's code segment selector is null or in the LDT"};
  TableReg gdt = gdtr();
  if ((sel & ~7u) + 7 > gdt.limit) return Fault{13, true, uint32_t(sel & 0xfffc) + ext, 0, false, "the gate's code segment selector is beyond the GDT limit"};
  uint8_t desc[8];
  if (auto f = read_linear(gdt.base + (sel & ~7u), desc, 8, false)) return f;
  uint32_t dhi = u32_at(desc + 4);
  bool code = (dhi & (1u << 12)) && (dhi & (1u << 11));
  if (!code) return Fault{13, true, uint32_t(sel & 0xfffc) + ext, 0, false, "the gate's code segment is not a code segment"};
  if (!(dhi & (1u << 15))) return Fault{11, true, uint32_t(sel & 0xfffc) + ext, 0, false, "the gate's code segment is not present"};
  bool conforming = dhi & (1u << 10);
  unsigned new_cpl = conforming ? old_cpl : (dhi >> 13) & 3;
  if (new_cpl > old_cpl) return Fault{13, true, uint32_t(sel & 0xfffc) + ext, 0, false, "the handler's privilege is below the CPL"};

  uint32_t eflags = reg(Reg::EFLAGS);
  uint32_t old_cs = reg(Reg::CS), old_ss = reg(Reg::SS), old_esp = reg(Reg::ESP);
  uint32_t new_ss = old_ss, new_esp = old_esp;
  if (new_cpl < old_cpl) {
    // Inner privilege: the stack comes from the TSS (32-bit TSS: ESP0 at +4, SS0 at +8).
    uint32_t tr_base = 0;
    {
      uc_x86_mmr tr{};
      uc_reg_read(uc_, UC_X86_REG_TR, &tr);
      tr_base = uint32_t(tr.base);
      if (tr.limit < 11) return Fault{10, true, (reg(Reg::TR) & 0xfffc) + ext, 0, false, "the TSS is too small for a ring-0 stack"};
    }
    uint8_t tss[8];
    if (auto f = read_linear(tr_base + 4, tss, 8, false)) return f;
    new_esp = u32_at(tss);
    new_ss = u32_at(tss + 4) & 0xffff;
    if ((new_ss & 0xfffc) == 0) return Fault{10, true, (reg(Reg::TR) & 0xfffc) + ext, 0, false, "the TSS's SS0 is null"};
  }
  // Build the frame: [SS, ESP,] EFLAGS, CS, EIP, [error code].
  uint32_t frame[6];
  unsigned n = 0;
  if (new_cpl < old_cpl) {
    frame[n++] = old_ss;
    frame[n++] = old_esp;
  }
  frame[n++] = eflags;
  frame[n++] = old_cs;
  frame[n++] = return_eip;
  if (has_error) frame[n++] = error;
  uint32_t words[6];
  for (unsigned i = 0; i < n; ++i) words[i] = frame[n - 1 - i];  // lowest address first
  uint32_t sp = new_esp - 4 * n;
  // Ring-0 frames are supervisor writes (the stack segment is assumed flat, as every
  // protected-mode OS we model uses it).
  if (auto f = write_linear(sp, words, 4 * n, false)) {
    if (new_cpl < old_cpl) return Fault{10, true, uint32_t(new_ss & 0xfffc) + ext, 0, false, "the ring-0 stack cannot take the frame"};  // #TS-class
    return Fault{f->vector == 14 ? 14u : 12u, true, f->vector == 14 ? f->error : 0, f->cr2, f->is_pf, "pushing the frame faulted"};
  }

  // Commit: privilege, stack, CS:EIP, flags.
  if (new_cpl != old_cpl) {
    set_cpl(new_cpl);
    uint32_t v = new_ss;
    if (uc_reg_write(uc_, UC_X86_REG_SS, &v) != UC_ERR_OK) return Fault{10, true, (new_ss & 0xfffc) + ext, 0, false, "loading the ring-0 SS failed"};
  }
  uc_reg_write(uc_, UC_X86_REG_ESP, &sp);
  uint32_t cs32 = sel;
  if (uc_reg_write(uc_, UC_X86_REG_CS, &cs32) != UC_ERR_OK) return Fault{13, true, uint32_t(sel & 0xfffc) + ext, 0, false, "loading the handler's CS failed"};
  uc_reg_write(uc_, UC_X86_REG_EIP, &target);
  uint32_t nf = eflags & ~(kTF | kNT | kRF | kVM);
  if (type == 0x0e) nf &= ~kIF;
  uc_reg_write(uc_, UC_X86_REG_EFLAGS, &nf);
  if (on_delivery) {
    DeliveryEvent ev{now(), vector, external, software, has_error, error, return_eip, reg(Reg::CR2), old_cpl, new_cpl};
    on_delivery(ev);
  }
  return std::nullopt;
}

bool Engine::deliver(unsigned vector, bool external, bool software, bool has_error, uint32_t error,
                     uint32_t return_eip) {
  unsigned current = vector;
  chain_.links.assign(1, ChainLink{vector, has_error, error, return_eip, ""});
  chain_.triple = false;
  chain_.retired = retired_;
  for (int depth = 0; depth < 3; ++depth) {
    auto f = try_deliver(current, external, software, has_error, error, return_eip);
    if (!f) return true;
    if (current == 8) {  // a fault while delivering #DF: triple fault
      chain_.links.push_back({f->vector, f->has_error, f->error, return_eip, f->why});
      chain_.triple = true;
      return false;
    }
    if (f->is_pf) uc_reg_write(uc_, UC_X86_REG_CR2, &f->cr2);
    bool df = (is_contributory(current) && is_contributory(f->vector)) ||
              (current == 14 && (is_contributory(f->vector) || f->vector == 14));
    external = false;
    software = false;
    chain_.links.push_back({f->vector, f->has_error, f->error, return_eip, f->why});
    if (df) {
      current = 8;
      has_error = true;
      error = 0;
      chain_.links.push_back({8, true, 0, return_eip, "the two make a double fault"});
    } else {
      current = f->vector;
      has_error = f->has_error;
      error = f->error;
    }
  }
  chain_.triple = true;
  return false;
}

}  // namespace kjump
