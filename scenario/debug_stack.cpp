// Unwinding the guest stack (debug_stack.h): frame-pointer chain where it holds, else a scan
// for return addresses checked against the call before them.
#include "scenario/debug_stack.h"

#include "base/hex.h"

namespace kjump::scenario {
namespace {

// How far above a frame the scan looks for its return address: a kernel stack is 8 KiB here
// and in Linux i386; a frame with more locals than this is not one a kernel has.
constexpr uint32_t kScanWindow = 4096;

std::optional<uint32_t> read32(Machine& m, uint32_t va) {
  uint8_t b[4];
  if (!m.engine().read_virt(va, b, 4)) return std::nullopt;
  return uint32_t(b[0] | b[1] << 8 | b[2] << 16 | uint32_t(b[3]) << 24);
}

// The start of the function `pc` is in (its symbol), or nullopt outside the symbols.
std::optional<uint32_t> function_of(const Machine& m, uint32_t pc) {
  const auto* s = m.symbols().nearest(pc);
  if (!s) return std::nullopt;
  return s->addr;
}

// How well a word on the stack fits as the return address of a frame in `func`: after a direct
// call of func, after an indirect call (cannot tell where it went), after a direct call of
// another function (a tail call, or a stale word).
enum class Match { No, Other, Indirect, Strong };

Match return_match(Machine& m, uint32_t ret, std::optional<uint32_t> func) {
  auto call = call_before(m, ret);
  if (!call) return Match::No;
  if (!call->target) return Match::Indirect;
  if (func && *call->target == *func) return Match::Strong;
  return Match::Other;
}

// The return address for the frame of function `func` whose stack starts at `sp`: through
// the frame pointer `fp` if it leads to one, else the first strong match of the scan, else
// the first weak one.
std::optional<Frame> find_return(Machine& m, std::optional<uint32_t> func, uint32_t sp, uint32_t fp) {
  if (fp >= sp && fp - sp < kScanWindow) {
    if (auto r = read32(m, fp + 4); r && return_match(m, *r, func) == Match::Strong)
      return Frame{*r, fp + 4, false, true};
  }
  std::optional<Frame> indirect, other;
  for (uint32_t a = sp; a - sp < kScanWindow && a >= sp; a += 4) {
    auto r = read32(m, a);
    if (!r) break;
    Match k = return_match(m, *r, func);
    if (k == Match::Strong) return Frame{*r, a, false, false};
    if (k == Match::Indirect && !indirect) indirect = Frame{*r, a, true, false};
    if (k == Match::Other && !other) other = Frame{*r, a, true, false};
  }
  return indirect ? indirect : other;
}

}  // namespace

std::optional<CallSite> call_before(Machine& m, uint32_t ret) {
  Engine& e = m.engine();
  // Every encoding of `call`: E8 rel32 (5), FF /2 with a register (2), [reg] (2), [reg+d8]
  // (3), SIB forms (3, 4, 7), [disp32] / [reg+d32] (6).
  for (unsigned len : {5u, 2u, 3u, 6u, 7u, 4u}) {
    if (ret < len) continue;
    auto insn = e.decode_at(ret - len);
    if (!insn || insn->size != len || insn->mnemonic != "call") continue;
    CallSite c{ret - len, std::nullopt};
    if (insn->bytes.size() == 5 && insn->bytes[0] == 0xe8) {
      uint32_t rel = insn->bytes[1] | insn->bytes[2] << 8 | insn->bytes[3] << 16 | uint32_t(insn->bytes[4]) << 24;
      c.target = ret + rel;
    }
    return c;
  }
  return std::nullopt;
}

std::optional<Frame> caller_frame(Machine& m) {
  Engine& e = m.engine();
  uint32_t eip = e.reg(Reg::EIP), esp = e.reg(Reg::ESP);
  auto func = function_of(m, eip);
  // At the function's first instruction the return address is on top of the stack, exactly.
  if (func && *func == eip)
    if (auto r = read32(m, esp); r && call_before(m, *r)) return Frame{*r, esp, false, false};
  return find_return(m, func, esp, e.reg(Reg::EBP));
}

std::vector<Frame> backtrace(Machine& m, unsigned max) {
  Engine& e = m.engine();
  std::vector<Frame> out{Frame{e.reg(Reg::EIP), 0, false, false}};
  auto f = caller_frame(m);
  uint32_t fp = e.reg(Reg::EBP);
  while (f && out.size() < max) {
    out.push_back(*f);
    // The caller's frame pointer, if this frame was found through the chain.
    if (f->frame_pointer) fp = read32(m, f->slot - 4).value_or(0);
    uint32_t sp = f->slot + 4;
    f = find_return(m, function_of(m, f->pc), sp, fp);
    if (f && f->slot < sp) break;  // the stack only grows up from here: a loop otherwise
  }
  return out;
}

std::vector<std::string> view_backtrace(Machine& m, unsigned max) {
  std::vector<std::string> out;
  std::vector<Frame> frames = backtrace(m, max);
  for (size_t i = 0; i < frames.size(); ++i) {
    const Frame& f = frames[i];
    std::string sym = m.symbolize(f.pc);
    std::string line = "#" + std::to_string(i) + "  " + (f.guessed ? "? " : "") + hex(f.pc, 8) +
                       (sym.empty() ? "" : " in " + sym);
    if (i > 0) line += "  (return address at " + hex(f.slot, 8) + (f.frame_pointer ? ", frame pointer" : "") + ")";
    out.push_back(line);
  }
  if (frames.size() == 1) out.push_back("(no caller found: no frame pointer, no return address on the stack)");
  return out;
}

}  // namespace kjump::scenario
