#include "debug/gdb_target.h"

#include <cstring>

namespace kjump::debug {
namespace {

constexpr Reg kCore[16] = {Reg::EAX, Reg::ECX, Reg::EDX, Reg::EBX, Reg::ESP, Reg::EBP, Reg::ESI, Reg::EDI,
                           Reg::EIP, Reg::EFLAGS, Reg::CS, Reg::SS, Reg::DS, Reg::ES, Reg::FS, Reg::GS};
constexpr Reg kSystem[4] = {Reg::CR0, Reg::CR2, Reg::CR3, Reg::CR4};
// A `c` runs this many instructions between looks at the socket.
constexpr uint64_t kPollSlice = 5'000'000;

void put32(std::string& out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(char(v >> (8 * i)));
}

}  // namespace

std::string SessionTarget::read_registers() {
  Engine& e = c_.session().machine().engine();
  std::string out;
  for (Reg r : kCore) put32(out, e.reg(r));
  Engine::FpuRegs f = e.fpu_regs();
  for (auto& st : f.st) out.append(reinterpret_cast<const char*>(st), 10);
  // fctrl fstat ftag fiseg fioff foseg fooff fop: the last five are not kept by Unicorn (0).
  put32(out, f.fctrl);
  put32(out, f.fstat);
  put32(out, f.ftag);
  out.append(5 * 4, '\0');
  for (auto& x : f.xmm) out.append(reinterpret_cast<const char*>(x), 16);
  put32(out, f.mxcsr);
  for (Reg r : kSystem) put32(out, e.reg(r));
  auto g = e.gdtr(), i = e.idtr();
  put32(out, g.base);
  put32(out, g.limit);
  put32(out, i.base);
  put32(out, i.limit);
  for (Reg r : {Reg::CS, Reg::SS, Reg::DS, Reg::ES, Reg::FS, Reg::GS}) put32(out, e.segment_base(r));
  return out;
}

bool SessionTarget::write_register(unsigned n, std::string_view bytes) {
  // x87, SSE and system registers: ignored (as rr does for G): a kexec debugger changes the
  // general registers, not the machine's mode.
  if (n >= 16 || bytes.size() != 4) return n < kGdbRegisterCount;
  uint32_t v = 0;
  std::memcpy(&v, bytes.data(), 4);
  Session& s = c_.session();
  if (n >= 10) return s.machine().engine().reg(kCore[n]) == v;  // selectors: only unchanged ones
  if (s.machine().engine().reg(kCore[n]) == v) return true;
  s.machine().engine().set_reg(kCore[n], v);
  s.new_future();  // the ladder's later checkpoints belong to the run this write left
  return true;
}

bool SessionTarget::read_memory(uint64_t addr, size_t len, bool physical, std::string& out) {
  Engine& e = c_.session().machine().engine();
  out.assign(len, '\0');
  if (physical) {
    if (!e.ram().contains(addr, len)) return false;
    std::memcpy(out.data(), e.ram().data() + addr, len);
    return true;
  }
  if (addr + len > 0x100000000ull) return false;
  return e.read_virt(uint32_t(addr), out.data(), len);
}

bool SessionTarget::write_memory(uint64_t addr, std::string_view bytes, bool physical) {
  Engine& e = c_.session().machine().engine();
  // Byte by byte through the page tables: a write may straddle pages that map anywhere.
  for (size_t i = 0; i < bytes.size(); ++i) {
    uint64_t pa = addr + i;
    if (!physical) {
      if (pa > 0xFFFFFFFFull) return false;
      auto t = e.virt_to_phys(uint32_t(pa));
      if (!t) return false;
      pa = *t;
    }
    if (pa < e.ram().size() && e.ram().data()[pa] == uint8_t(bytes[i])) continue;
    if (!e.ram().write_phys(pa, &bytes[i], 1)) return false;
    c_.session().new_future();
  }
  return true;
}

bool SessionTarget::breakpoint(bool insert, uint64_t addr, bool physical) {
  Breakpoints& b = c_.session().breakpoints();
  auto key = std::make_pair(addr, physical);
  if (insert) {
    if (!bps_.count(key)) bps_[key] = b.add(uint32_t(addr), physical, false, "gdb");
    return true;
  }
  auto it = bps_.find(key);
  if (it != bps_.end()) {
    b.remove(it->second);
    bps_.erase(it);
  }
  return true;
}

bool SessionTarget::watchpoint(bool insert, unsigned type, uint64_t addr, unsigned len, bool physical) {
  Breakpoints& b = c_.session().breakpoints();
  auto key = std::make_tuple(type, addr, len, physical);
  if (insert) {
    WatchKind kind = type == 2 ? WatchKind::Write : type == 3 ? WatchKind::Read : WatchKind::Access;
    if (!watches_.count(key)) watches_[key] = b.add_watch(uint32_t(addr), len, physical, kind, "gdb");
    return true;
  }
  auto it = watches_.find(key);
  if (it != watches_.end()) {
    b.remove(it->second);
    watches_.erase(it);
  }
  return true;
}

GdbStop SessionTarget::stop_of(const DebugStop& s) {
  switch (s.kind) {
    case DebugStop::Kind::Watchpoint: {
      const Watchpoint* w = c_.session().breakpoints().find_watch(s.breakpoint);
      GdbStop g{GdbStop::Kind::Watch, 0};
      g.watch_kind = !w ? 0 : w->kind == WatchKind::Write ? 0 : w->kind == WatchKind::Read ? 1 : 2;
      g.data_addr = s.data_addr;
      return g;
    }
    case DebugStop::Kind::Breakpoint: {
      // swbreak: only where gdb itself has a breakpoint at the PC it will read; a stop at a
      // console breakpoint, or a physical one reached through another virtual address, is a
      // plain SIGTRAP (gdb would otherwise take it as spurious and resume).
      uint32_t eip = c_.session().machine().engine().reg(Reg::EIP);
      bool own = bps_.count({eip, false}) || bps_.count({eip, true});
      return {own ? GdbStop::Kind::Breakpoint : GdbStop::Kind::Trap, 0};
    }
    case DebugStop::Kind::Interrupted: return {GdbStop::Kind::Interrupted, 0};
    case DebugStop::Kind::HistoryStart: return {GdbStop::Kind::HistoryStart, 0};
    case DebugStop::Kind::Fault: return {GdbStop::Kind::Fault, 0};
    case DebugStop::Kind::PoweredOff: {
      auto st = c_.session().machine().power().exit_status;
      return {GdbStop::Kind::Exited, st ? *st : 0};
    }
    default: return {GdbStop::Kind::Trap, 0};
  }
}

GdbStop SessionTarget::resume(Resume how) {
  Session& s = c_.session();
  if (!s.machine().power().on) return {GdbStop::Kind::Exited, 0};
  switch (how) {
    case Resume::Step: return stop_of(s.step(1));
    case Resume::ReverseStep: return stop_of(s.reverse_step(1));
    case Resume::ReverseContinue: return stop_of(s.reverse_continue());
    case Resume::Continue: break;
  }
  for (;;) {
    DebugStop st = s.resume(Duration{Duration::Unit::Instructions, kPollSlice, "slice"});
    if (st.kind != DebugStop::Kind::Deadline) return stop_of(st);
    // A slice that ended on a breakpoint's instruction: that is the hit (the next slice would
    // start there and not report it).
    Engine& e = s.machine().engine();
    uint32_t eip = e.reg(Reg::EIP);
    if (s.breakpoints().hit(s.machine(), eip, e.virt_to_phys(eip))) return stop_of({DebugStop::Kind::Breakpoint, 0, ""});
    if (poll_ && poll_()) return {GdbStop::Kind::Interrupted, 0};
  }
}

std::string SessionTarget::monitor(const std::string& line) {
  out_.clear();
  c_.execute_line(line);
  return std::move(out_);
}

}  // namespace kjump::debug
