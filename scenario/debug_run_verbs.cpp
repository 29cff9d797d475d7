// The debugger's run control that needs frames or conditions: `ni` (a call is one step),
// `finish` (to the caller), `reverse-finish` (back to the call), watchpoints, and the
// conditions of `break ... if COND` (scenario/debug_expr.h). Frames come from
// scenario/debug_stack.h; each is checked again when the run reaches it (the stack pointer
// must be the frame's), so recursion and re-entry do not stop in the wrong frame.
#include "base/hex.h"
#include "scenario/debug_expr.h"
#include "scenario/debug_stack.h"
#include "scenario/debug_views.h"
#include "scenario/line_parser.h"
#include "scenario/verbs.h"

namespace kjump::scenario {
namespace {

const Duration kForever{Duration::Unit::Instructions, kNever, "forever"};

// Clears the internal breakpoints however the run ends.
struct InternalBreaks {
  Session& s;
  explicit InternalBreaks(Session& s) : s(s) {}
  ~InternalBreaks() { s.breakpoints().clear_internal(); }
};

}  // namespace

BreakCondition Verbs::break_condition(Session& s, const ResolvedArgs& args, const BreakCmd& b, std::string* text) {
  if (b.condition.empty()) return nullptr;
  auto value = [&](const Text& t) { return args(t); };
  *text = condition_text(b.condition, value);
  Expression e;
  try {
    e = Expression::parse(*text);
  } catch (const ExprError& err) {
    throw ScriptError(condition_loc(b.condition, value, err.offset), std::string("bad condition: ") + err.what());
  }
  // Symbols are looked up now, so a typo is an error here, not at every stop.
  if (s.has_machine()) {
    std::string why;
    if (!e.eval(s.machine(), &why) && why.rfind("no symbol", 0) == 0)
      throw ScriptError(b.condition.front().loc, "bad condition: " + why);
  }
  return [e](Machine& m, std::string* error) {
    std::string why;
    auto v = e.eval(m, &why);
    if (!v) {
      if (error) *error = why;
      return true;
    }
    return *v != 0;
  };
}

Flow Verbs::next(Session& s, const Command& c, uint64_t n) {
  Machine& m = s.machine();
  for (uint64_t i = 0; i < n; ++i) {
    Engine& e = m.engine();
    uint32_t eip = e.reg(Reg::EIP);
    auto insn = e.decode_at(eip);
    if (!insn || insn->mnemonic != "call") {
      DebugStop st = s.step(1);
      if (st.kind != DebugStop::Kind::Stepped || i + 1 == n) return stopped(s, c, st);
      continue;
    }
    // Over the call: to the next instruction in this frame (the stack as it is now, or above
    // it if the callee popped its arguments, `ret N`).
    const uint32_t esp = e.reg(Reg::ESP);
    InternalBreaks guard(s);
    s.breakpoints().add_internal(eip + insn->size,
                                 [esp](Machine& mm, std::string*) { return mm.engine().reg(Reg::ESP) >= esp; });
    DebugStop st = s.resume(kForever);
    if (st.kind != DebugStop::Kind::Breakpoint || st.breakpoint != 0 || i + 1 == n) return stopped(s, c, st);
  }
  return Flow::Next;
}

Flow Verbs::finish(Session& s, const Command& c) {
  Machine& m = s.machine();
  uint32_t eip = m.engine().reg(Reg::EIP);
  std::string sym = m.symbolize(eip);
  auto f = caller_frame(m);
  if (!f) {
    ctx_.say("    finish: no caller found for " + hex(eip, 8) + (sym.empty() ? "" : " <" + sym + ">") +
             " (no frame pointer, no return address on the stack)");
    return Flow::Next;
  }
  std::string caller = m.symbolize(f->pc);
  ctx_.say("    Run till exit from " + hex(eip, 8) + (sym.empty() ? "" : " <" + sym + ">") + " to " + hex(f->pc, 8) +
           (caller.empty() ? "" : " <" + caller + ">") + (f->guessed ? " (return address guessed)" : ""));
  // Back in the caller's frame: the return address popped, so the stack is above its slot.
  const uint32_t slot = f->slot;
  InternalBreaks guard(s);
  s.breakpoints().add_internal(f->pc, [slot](Machine& mm, std::string*) { return mm.engine().reg(Reg::ESP) > slot; });
  DebugStop st = s.resume(kForever);
  Flow flow = stopped(s, c, st);
  if (st.kind == DebugStop::Kind::Breakpoint && st.breakpoint == 0) {
    uint32_t eax = m.engine().reg(Reg::EAX);
    ctx_.say("    Value returned: $eax = " + hex(eax, 8) + " (" + std::to_string(eax) + ")");
  }
  return flow;
}

Flow Verbs::reverse_finish(Session& s, const Command& c) {
  Machine& m = s.machine();
  uint32_t eip = m.engine().reg(Reg::EIP);
  auto f = caller_frame(m);
  std::optional<CallSite> call = f ? call_before(m, f->pc) : std::nullopt;
  if (!call) {
    ctx_.say("    reverse-finish: no caller found for " + hex(eip, 8) + " <" + m.symbolize(eip) + ">");
    return Flow::Next;
  }
  ctx_.say("    Run back to call of " + hex(eip, 8) + " <" + m.symbolize(eip) + "> at " + hex(call->addr, 8) + " <" +
           m.symbolize(call->addr) + ">");
  // The call instruction of this frame: the one that stored the return address in its slot,
  // so the stack was one word above the slot when it ran.
  const uint32_t esp_at_call = f->slot + 4;
  InternalBreaks guard(s);
  s.breakpoints().add_internal(
      call->addr, [esp_at_call](Machine& mm, std::string*) { return mm.engine().reg(Reg::ESP) == esp_at_call; });
  return stopped(s, c, s.reverse_continue());
}

Flow Verbs::watch(Session& s, const ResolvedArgs& args, const WatchCmd& w) {
  const std::string& spec = args(w.where);
  uint64_t addr = 0;
  if (w.physical) {
    // A number, or an expression of numbers (`${cp}+0x800`).
    try {
      addr = parse_number(spec);
    } catch (const std::invalid_argument& e) {
      std::string why = e.what();
      std::optional<uint32_t> v;
      try {
        if (s.has_machine()) v = Expression::parse(spec).eval(s.machine(), &why);
      } catch (const ExprError& x) {
        why = x.what();
      }
      if (!v) throw ScriptError(w.where.loc, "bad physical address '" + spec + "': " + why);
      addr = *v;
    }
  } else {
    if (!s.has_machine()) throw ScriptError(w.where.loc, "watch: no machine yet to resolve '" + spec + "'");
    std::string why;
    auto a = resolve_address(s.machine(), spec, &why);
    if (!a) {
      // An expression (`$esp+0x40`, `*ptr`).
      try {
        a = Expression::parse(spec).eval(s.machine(), &why);
      } catch (const ExprError& x) {
        why = x.what();
      }
    }
    if (!a) throw ScriptError(w.where.loc, "bad address '" + spec + "': " + why);
    addr = *a;
  }
  uint64_t len = 4;
  if (w.length) {
    try {
      len = parse_number(args(*w.length));
    } catch (const std::invalid_argument& e) {
      throw ScriptError(w.length->loc, e.what());
    }
    if (len == 0 || len > 4096) throw ScriptError(w.length->loc, "watch length must be 1..4096 bytes");
  }
  if (addr + len > 0x100000000ull) throw ScriptError(w.where.loc, "watched range passes 4 GiB");
  WatchKind kind = w.kind == WatchCmd::Kind::Write  ? WatchKind::Write
                   : w.kind == WatchCmd::Kind::Read ? WatchKind::Read
                                                    : WatchKind::Access;
  unsigned id = s.breakpoints().add_watch(uint32_t(addr), uint32_t(len), w.physical, kind, spec);
  const char* what = kind == WatchKind::Write  ? "Hardware watchpoint "
                     : kind == WatchKind::Read ? "Hardware read watchpoint "
                                               : "Hardware access (read/write) watchpoint ";
  std::string sym = w.physical || !s.has_machine() ? "" : s.machine().symbolize(uint32_t(addr));
  ctx_.say("    " + std::string(what) + std::to_string(id) + ": " + (w.physical ? "physical " : "") +
           hex(addr, 8) + (sym.empty() ? "" : " <" + sym + ">") + ", " + std::to_string(len) + " byte(s)");
  return Flow::Next;
}

}  // namespace kjump::scenario
