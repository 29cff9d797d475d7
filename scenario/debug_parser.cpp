// Parsing the debugger's commands (scenario/debug_commands.h): gdb's spelling where gdb has
// the command (`si`, `c`, `x/4wx`, `info registers`), one line each.
#include <cctype>

#include "scenario/debug_expr.h"
#include "scenario/line_parser.h"

namespace kjump::scenario {
namespace {

Text count_arg(LineParser& p, const std::string& what) {
  Text t = p.text(what);
  check_literal(t, [](const std::string& s) { parse_number(s); });
  return t;
}

std::optional<Text> optional_count(LineParser& p, const std::string& what) {
  if (!p.more()) return std::nullopt;
  return count_arg(p, what);
}

// x/FMT: [COUNT][SIZE b h w g][FORMAT x d u c i s] in any order after the count, as gdb.
void check_examine_format(const std::string& f, const SourceLoc& loc) {
  size_t i = 0;
  while (i < f.size() && std::isdigit(static_cast<unsigned char>(f[i]))) ++i;
  for (; i < f.size(); ++i)
    if (std::string("bhwgxduci").find(f[i]) == std::string::npos)
      throw ScriptError(loc, "bad x/ format '" + f + "' (COUNT, then b h w g sizes and x d u c i formats)");
}

}  // namespace

std::string condition_text(const std::vector<Text>& words, const std::function<std::string(const Text&)>& value) {
  std::string out;
  for (const Text& t : words) out += (out.empty() ? "" : " ") + value(t);
  return out;
}

SourceLoc condition_loc(const std::vector<Text>& words, const std::function<std::string(const Text&)>& value,
                        size_t offset) {
  size_t at = 0;
  for (const Text& t : words) {
    size_t len = value(t).size();
    if (offset <= at + len) {
      SourceLoc l = t.loc;
      l.col += int(offset - at);
      return l;
    }
    at += len + 1;
  }
  return words.empty() ? SourceLoc{} : words.back().loc;
}

void check_condition(const std::vector<Text>& words) {
  for (const Text& t : words)
    if (!t.literal()) return;  // uses variables: checked when the breakpoint is set
  auto lit = [](const Text& t) { return *t.literal(); };
  std::string text = condition_text(words, lit);
  try {
    Expression::parse(text);
  } catch (const ExprError& e) {
    throw ScriptError(condition_loc(words, lit, e.offset), std::string("bad condition: ") + e.what());
  }
}

namespace {

CommandBody parse_break(LineParser& p, bool temporary) {
  BreakCmd c;
  c.temporary = temporary;
  if (p.peek_word("-p")) {
    p.keyword("-p");
    c.physical = true;
  }
  c.where = p.text(c.physical ? "a physical address" : "an address or a symbol");
  if (c.physical) check_literal(c.where, [](const std::string& s) { parse_number(s); });
  if (p.peek_word("if")) {
    SourceLoc at = p.here();
    p.keyword("if");
    c.condition = p.rest_words("a condition");
    if (c.condition.empty()) throw ScriptError(at, "expected a condition after 'if'");
    check_condition(c.condition);
  }
  p.done(temporary ? "tbreak" : "break");
  return c;
}

CommandBody parse_watch(LineParser& p, WatchCmd::Kind kind, const std::string& name) {
  WatchCmd c;
  c.kind = kind;
  if (p.peek_word("-p")) {
    p.keyword("-p");
    c.physical = true;
  }
  c.where = p.text(c.physical ? "a physical address" : "an address or a symbol");
  if (p.more()) c.length = count_arg(p, "a length in bytes");
  p.done(name);
  return c;
}

CommandBody parse_info(LineParser& p) {
  static const char* kWhat = "breakpoints, registers, segments, cr, gdt, idt, tss, pagetables, devices, kexec, history";
  auto [what, loc] = p.bare_word(std::string("what to show (") + kWhat + ")");
  InfoCmd c{InfoCmd::What::Breakpoints, std::nullopt};
  if (what == "breakpoints" || what == "break" || what == "b") c.what = InfoCmd::What::Breakpoints;
  else if (what == "registers" || what == "reg" || what == "r") c.what = InfoCmd::What::Registers;
  else if (what == "segments") c.what = InfoCmd::What::Segments;
  else if (what == "cr") c.what = InfoCmd::What::Cr;
  else if (what == "devices") c.what = InfoCmd::What::Devices;
  else if (what == "history") c.what = InfoCmd::What::History;
  else if (what == "watchpoints" || what == "watch") c.what = InfoCmd::What::Breakpoints;
  else if (what == "gdt") c.what = InfoCmd::What::Gdt;
  else if (what == "idt") c.what = InfoCmd::What::Idt;
  else if (what == "tss") c.what = InfoCmd::What::Tss;
  else if (what == "pagetables" || what == "pt") c.what = InfoCmd::What::Pagetables;
  else if (what == "kexec") c.what = InfoCmd::What::Kexec;
  else throw ScriptError(loc, "unknown info '" + what + "' (" + kWhat + ")");
  if (c.what == InfoCmd::What::Devices && p.more()) c.name = p.text("a device name");
  if (c.what == InfoCmd::What::Pagetables && p.more()) c.name = p.text("a virtual address");
  p.done("info " + what);
  return c;
}

}  // namespace

void add_debug_handlers(std::map<std::string, Handler>& table) {
  auto step = [](LineParser& p) -> CommandBody {
    StepCmd c{optional_count(p, "an instruction count")};
    p.done("si");
    return c;
  };
  table["si"] = step;
  table["stepi"] = step;
  auto next = [](LineParser& p) -> CommandBody {
    StepCmd c{optional_count(p, "an instruction count"), true};
    p.done("ni");
    return c;
  };
  table["ni"] = next;
  table["nexti"] = next;
  table["finish"] = [](LineParser& p) -> CommandBody {
    p.done("finish");
    return FinishCmd{};
  };
  table["reverse-finish"] = [](LineParser& p) -> CommandBody {
    p.done("reverse-finish");
    return ReverseFinishCmd{};
  };
  auto bt = [](LineParser& p) -> CommandBody {
    BacktraceCmd c{optional_count(p, "a frame count")};
    p.done("bt");
    return c;
  };
  table["bt"] = bt;
  table["backtrace"] = bt;
  table["where"] = bt;
  table["watch"] = [](LineParser& p) { return parse_watch(p, WatchCmd::Kind::Write, "watch"); };
  table["rwatch"] = [](LineParser& p) { return parse_watch(p, WatchCmd::Kind::Read, "rwatch"); };
  table["awatch"] = [](LineParser& p) { return parse_watch(p, WatchCmd::Kind::Access, "awatch"); };
  table["translate"] = [](LineParser& p) -> CommandBody {
    TranslateCmd c{p.text("a virtual address")};
    p.done("translate");
    return c;
  };
  auto cont = [](LineParser& p) -> CommandBody {
    ContinueCmd c;
    if (p.more()) {
      Text t = p.text("a duration (e.g. 10M instructions or 5ms)");
      check_literal(t, [](const std::string& s) { parse_duration(s); });
      c.limit = t;
    }
    p.done("c");
    return c;
  };
  table["c"] = cont;
  table["continue"] = cont;
  table["until"] = [](LineParser& p) -> CommandBody {
    UntilCmd c{p.text("an address or a symbol")};
    p.done("until");
    return c;
  };
  table["goto"] = [](LineParser& p) -> CommandBody {
    GotoCmd c{count_arg(p, "an instruction count")};
    p.done("goto");
    return c;
  };
  table["break"] = [](LineParser& p) { return parse_break(p, false); };
  table["b"] = table["break"];
  table["tbreak"] = [](LineParser& p) { return parse_break(p, true); };
  table["delete"] = [](LineParser& p) -> CommandBody {
    DeleteCmd c{optional_count(p, "a breakpoint number")};
    p.done("delete");
    return c;
  };
  table["info"] = parse_info;
  table["x"] = [](LineParser& p) -> CommandBody {
    ExamineCmd c;
    std::string word = *p.command().text.literal();
    c.format = word.size() > 2 ? word.substr(2) : "";
    check_examine_format(c.format, p.command().loc);
    if (p.peek_word("-p")) {
      p.keyword("-p");
      c.physical = true;
    }
    c.where = p.text(c.physical ? "a physical address" : "an address or a symbol");
    p.done("x");
    return c;
  };
  auto print = [](LineParser& p) -> CommandBody {
    PrintCmd c{p.text("a register ($eax), a symbol, DEVICE.FIELD or an expression"), {}};
    c.more = p.rest_words("more of the expression");
    p.done("print");
    return c;
  };
  table["print"] = print;
  table["p"] = print;
  table["disas"] = [](LineParser& p) -> CommandBody {
    DisasCmd c;
    if (p.more()) c.where = p.text("an address or a symbol");
    if (p.more()) c.count = count_arg(p, "an instruction count");
    p.done("disas");
    return c;
  };
  auto rsi = [](LineParser& p) -> CommandBody {
    ReverseStepCmd c{optional_count(p, "an instruction count")};
    p.done("reverse-stepi");
    return c;
  };
  table["reverse-stepi"] = rsi;
  table["rsi"] = rsi;
  auto rc = [](LineParser& p) -> CommandBody {
    p.done("reverse-continue");
    return ReverseContinueCmd{};
  };
  table["reverse-continue"] = rc;
  table["rc"] = rc;
}

}  // namespace kjump::scenario
