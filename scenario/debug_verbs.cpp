// The debugger's verbs (scenario/debug_commands.h) over the session's run control and
// reverse execution (session/session.h). What they show goes out through the driver's `say`,
// one line at a time, so a script, the console and the GDB stub's `monitor` print the same.
// Only run-control results that mean the guest broke (a fault) fail a script; looking never
// does (`print` of something unknown says so and goes on).
#include "base/hex.h"
#include "scenario/debug_stack.h"
#include "scenario/debug_tables.h"
#include "scenario/debug_views.h"
#include "scenario/verbs.h"

namespace kjump::scenario {
namespace {

uint64_t number_of(const Text& t, const ResolvedArgs& args) {
  try {
    return parse_number(args(t));
  } catch (const std::invalid_argument& e) {
    throw ScriptError(t.loc, e.what());
  }
}

uint64_t count_of(const std::optional<Text>& t, const ResolvedArgs& args, uint64_t dflt) {
  return t ? number_of(*t, args) : dflt;
}

std::vector<std::string> split_lines(const std::string& s) {
  std::vector<std::string> out;
  size_t at = 0;
  while (at <= s.size()) {
    size_t nl = s.find('\n', at);
    if (nl == std::string::npos) nl = s.size();
    if (nl > at) out.push_back(s.substr(at, nl - at));
    at = nl + 1;
  }
  return out;
}

uint32_t address_of(Machine& m, const Text& t, const ResolvedArgs& args) {
  std::string why;
  if (auto a = resolve_address(m, args(t), &why)) return *a;
  throw ScriptError(t.loc, why);
}

}  // namespace

bool Verbs::is_debug_command(const CommandBody& b) {
  return std::holds_alternative<StepCmd>(b) || std::holds_alternative<ContinueCmd>(b) ||
         std::holds_alternative<UntilCmd>(b) || std::holds_alternative<GotoCmd>(b) ||
         std::holds_alternative<BreakCmd>(b) || std::holds_alternative<DeleteCmd>(b) ||
         std::holds_alternative<InfoCmd>(b) || std::holds_alternative<ExamineCmd>(b) ||
         std::holds_alternative<PrintCmd>(b) || std::holds_alternative<DisasCmd>(b) ||
         std::holds_alternative<ReverseStepCmd>(b) || std::holds_alternative<ReverseContinueCmd>(b) ||
         std::holds_alternative<WatchCmd>(b) || std::holds_alternative<FinishCmd>(b) ||
         std::holds_alternative<ReverseFinishCmd>(b) || std::holds_alternative<BacktraceCmd>(b) ||
         std::holds_alternative<TranslateCmd>(b);
}

void Verbs::say_lines(const std::vector<std::string>& lines) {
  for (const std::string& l : lines) ctx_.say("    " + l);
}

// Reports where a run stopped; a guest fault fails the script as a failed `wait` would.
Flow Verbs::stopped(Session& s, const Command& c, const DebugStop& stop) {
  Machine& m = s.machine();
  switch (stop.kind) {
    case DebugStop::Kind::Fault:
      ctx_.summary.checks.push_back({c.loc, c.source, false, stop.detail});
      return fail(c, stop.detail);
    case DebugStop::Kind::PoweredOff: ctx_.say("    (" + stop.detail + ")"); return Flow::Next;
    case DebugStop::Kind::Breakpoint:
      if (!stop.detail.empty()) ctx_.say("    Error in testing the condition of breakpoint " +
                                         std::to_string(stop.breakpoint) + ": " + stop.detail);
      if (stop.breakpoint) ctx_.say("    Breakpoint " + std::to_string(stop.breakpoint) + ", " + where_line(m));
      else ctx_.say("    " + where_line(m));
      break;
    case DebugStop::Kind::Watchpoint:
      for (const std::string& l : split_lines(stop.detail)) ctx_.say("    " + l);
      ctx_.say("    " + where_line(m));
      break;
    case DebugStop::Kind::Interrupted: ctx_.say("    Interrupted, " + where_line(m)); break;
    case DebugStop::Kind::HistoryStart: ctx_.say("    " + stop.detail + ", " + where_line(m)); break;
    case DebugStop::Kind::Deadline:
    case DebugStop::Kind::Stepped: ctx_.say("    " + where_line(m)); break;
  }
  s.variables()["_t"] = std::to_string(m.engine().retired());  // the stop's time, for later commands
  return Flow::Next;
}

Flow Verbs::debug_verb(Session& s, const Command& c, const ResolvedArgs& args) {
  const CommandBody& b = c.body;
  if (auto* x = std::get_if<BreakCmd>(&b)) {
    const std::string& spec = args(x->where);
    if (x->physical) {
      uint64_t pa = 0;
      try {
        pa = parse_number(spec);
      } catch (const std::invalid_argument& e) {
        throw ScriptError(x->where.loc, e.what());
      }
      if (pa > 0xFFFFFFFFull) throw ScriptError(x->where.loc, "physical address '" + spec + "' is wider than 32 bits");
      std::string ctext;
      BreakCondition cond = break_condition(s, args, *x, &ctext);
      unsigned id = s.breakpoints().add(uint32_t(pa), true, x->temporary, spec, ctext, std::move(cond));
      ctx_.say("    " + std::string(x->temporary ? "Temporary breakpoint " : "Breakpoint ") + std::to_string(id) +
               " at physical " + hex(pa, 8) + (ctext.empty() ? "" : " if " + ctext));
      return Flow::Next;
    }
    if (!s.has_machine()) throw ScriptError(x->where.loc, "break: no machine yet to resolve '" + spec + "'");
    uint32_t va = address_of(s.machine(), x->where, args);
    std::string ctext;
    BreakCondition cond = break_condition(s, args, *x, &ctext);
    unsigned id = s.breakpoints().add(va, false, x->temporary, spec, ctext, std::move(cond));
    std::string sym = s.machine().symbolize(va);
    ctx_.say("    " + std::string(x->temporary ? "Temporary breakpoint " : "Breakpoint ") + std::to_string(id) +
             " at " + hex(va, 8) + (sym.empty() ? "" : " <" + sym + ">") + (ctext.empty() ? "" : " if " + ctext));
    return Flow::Next;
  }
  if (auto* x = std::get_if<DeleteCmd>(&b)) {
    if (!x->id) {
      s.breakpoints().clear();
      ctx_.say("    all breakpoints deleted");
      return Flow::Next;
    }
    uint64_t id = count_of(x->id, args, 0);
    if (!s.breakpoints().remove(unsigned(id))) ctx_.say("    No breakpoint number " + std::to_string(id) + ".");
    return Flow::Next;
  }
  if (auto* x = std::get_if<InfoCmd>(&b)) return info(s, c, args, *x);
  if (auto* x = std::get_if<PrintCmd>(&b)) {
    std::string expr = args(x->expr);
    for (const Text& t : x->more) expr += " " + args(t);
    ctx_.say("    " + (s.has_machine() ? view_print(s.machine(), expr) : "print: no machine yet"));
    return Flow::Next;
  }
  Machine& m = s.machine();
  if (auto* x = std::get_if<ExamineCmd>(&b)) {
    uint32_t a = 0;
    if (x->physical) {
      try {
        a = uint32_t(parse_number(args(x->where)));
      } catch (const std::invalid_argument& e) {
        throw ScriptError(x->where.loc, e.what());
      }
    } else {
      a = address_of(m, x->where, args);
    }
    say_lines(view_memory(m, x->format, a, x->physical));
    return Flow::Next;
  }
  if (auto* x = std::get_if<DisasCmd>(&b)) {
    uint32_t a = x->where ? address_of(m, *x->where, args) : m.engine().reg(Reg::EIP);
    say_lines(view_disassembly(m, a, unsigned(std::min<uint64_t>(count_of(x->count, args, 10), 1000))));
    return Flow::Next;
  }
  if (auto* x = std::get_if<WatchCmd>(&b)) return watch(s, args, *x);
  if (auto* x = std::get_if<BacktraceCmd>(&b)) {
    say_lines(view_backtrace(m, unsigned(std::min<uint64_t>(count_of(x->count, args, 32), 256))));
    return Flow::Next;
  }
  if (auto* x = std::get_if<TranslateCmd>(&b)) {
    say_lines(view_translate(m, address_of(m, x->where, args)));
    return Flow::Next;
  }
  if (auto* x = std::get_if<StepCmd>(&b)) {
    if (x->over) return next(s, c, count_of(x->count, args, 1));
    return stopped(s, c, s.step(count_of(x->count, args, 1)));
  }
  if (std::holds_alternative<FinishCmd>(b)) return finish(s, c);
  if (std::holds_alternative<ReverseFinishCmd>(b)) return reverse_finish(s, c);
  if (auto* x = std::get_if<ContinueCmd>(&b)) {
    Duration d{Duration::Unit::Instructions, kNever, "forever"};
    if (x->limit) {
      try {
        d = parse_duration(args(*x->limit));
      } catch (const std::invalid_argument& e) {
        throw ScriptError(x->limit->loc, e.what());
      }
    }
    return stopped(s, c, s.resume(d));
  }
  if (auto* x = std::get_if<UntilCmd>(&b)) {
    s.breakpoints().add_internal(address_of(m, x->where, args));
    DebugStop stop = s.resume(Duration{Duration::Unit::Instructions, kNever, "forever"});
    s.breakpoints().clear_internal();
    return stopped(s, c, stop);
  }
  if (auto* x = std::get_if<GotoCmd>(&b)) return stopped(s, c, s.seek(number_of(x->count, args)));
  if (auto* x = std::get_if<ReverseStepCmd>(&b)) return stopped(s, c, s.reverse_step(count_of(x->count, args, 1)));
  if (std::holds_alternative<ReverseContinueCmd>(b)) return stopped(s, c, s.reverse_continue());
  throw ScriptError(c.loc, "internal error: debugger command not handled");
}

Flow Verbs::info(Session& s, const Command& c, const ResolvedArgs& args, const InfoCmd& x) {
  switch (x.what) {
    case InfoCmd::What::Breakpoints: {
      if (s.breakpoints().list().empty() && s.breakpoints().watches().empty()) {
        ctx_.say("    No breakpoints or watchpoints.");
        return Flow::Next;
      }
      ctx_.say("    Num  Type        Address   What");
      for (const Breakpoint& bp : s.breakpoints().list()) {
        std::string what = bp.spec;
        if (!bp.physical && s.has_machine()) {
          std::string sym = s.machine().symbolize(bp.addr);
          if (!sym.empty() && sym != bp.spec) what += " <" + sym + ">";
        }
        char line[160];
        std::snprintf(line, sizeof line, "    %-4u %-11s %08x  %s%s", bp.id,
                      bp.physical ? (bp.temporary ? "tphys" : "phys") : (bp.temporary ? "tbreak" : "breakpoint"),
                      bp.addr, what.c_str(), bp.hits ? (", hit " + std::to_string(bp.hits) + " time(s)").c_str() : "");
        ctx_.say(line);
        if (!bp.condition_text.empty()) ctx_.say("            stop only if " + bp.condition_text);
      }
      for (const Watchpoint& w : s.breakpoints().watches()) {
        char line[200];
        std::snprintf(line, sizeof line, "    %-4u %-11s %08x  %s, %u byte(s)%s%s", w.id,
                      w.kind == WatchKind::Write ? "watch" : w.kind == WatchKind::Read ? "rwatch" : "awatch", w.addr,
                      w.spec.c_str(), w.len, w.physical ? ", physical" : "",
                      w.hits ? (", hit " + std::to_string(w.hits) + " time(s)").c_str() : "");
        ctx_.say(line);
      }
      return Flow::Next;
    }
    case InfoCmd::What::Registers: say_lines(view_registers(s.machine())); return Flow::Next;
    case InfoCmd::What::Segments: say_lines(view_segments(s.machine())); return Flow::Next;
    case InfoCmd::What::Cr: say_lines(view_control_registers(s.machine())); return Flow::Next;
    case InfoCmd::What::Gdt: say_lines(view_gdt(s.machine())); return Flow::Next;
    case InfoCmd::What::Idt: say_lines(view_idt(s.machine())); return Flow::Next;
    case InfoCmd::What::Tss: say_lines(view_tss(s.machine())); return Flow::Next;
    case InfoCmd::What::Kexec: say_lines(view_kexec(s.machine())); return Flow::Next;
    case InfoCmd::What::Pagetables: {
      std::optional<uint32_t> va;
      if (x.name) va = address_of(s.machine(), *x.name, args);
      say_lines(view_pagetables(s.machine(), va));
      return Flow::Next;
    }
    case InfoCmd::What::Devices: {
      std::string name = x.name ? args(*x.name) : "";
      auto lines = view_devices(s.machine(), name);
      if (!lines) throw ScriptError(x.name->loc, "unknown device '" + name + "' (info devices lists them)");
      say_lines(*lines);
      return Flow::Next;
    }
    case InfoCmd::What::History: {
      const History& h = s.history();
      if (!s.history_enabled()) {
        ctx_.say("    reverse execution is off");
        return Flow::Next;
      }
      std::string span = h.size() ? std::to_string(h.oldest()->retired) + ".." + std::to_string(h.list().back().retired) : "-";
      ctx_.say("    " + std::to_string(h.size()) + " checkpoint(s), instructions " + span + ", interval " +
               std::to_string(h.interval()) + ", " + std::to_string(h.ram_bytes() >> 10) + " KiB of RAM pages held (cap " +
               std::to_string(h.byte_cap() >> 20) + " MiB" +
               (h.dropped_for_cap() ? ", " + std::to_string(h.dropped_for_cap()) + " checkpoint(s) dropped for it" : "") +
               ")");
      return Flow::Next;
    }
  }
  (void)c;
  return Flow::Next;
}

}  // namespace kjump::scenario
