#include "scenario/parser.h"

#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <sstream>

#include "scenario/line_parser.h"
#include "base/host_file.h"
#include "base/quantity.h"
#include "image/partition_layout.h"

namespace kjump::scenario {
namespace {

std::string trim(const std::string& s) {
  size_t b = s.find_first_not_of(" \t\r");
  if (b == std::string::npos) return "";
  size_t e = s.find_last_not_of(" \t\r");
  return s.substr(b, e - b + 1);
}

Text size_arg(LineParser& p, const std::string& what) {
  Text t = p.text(what);
  check_literal(t, [](const std::string& s) {
    if (parse_size(s) == 0) throw std::invalid_argument("size '" + s + "' must be greater than zero");
  });
  return t;
}

// `partitions SIZE[:TYPE]...` (image/partition_layout.h's words, as `kjump disk create
// --partition`): each spec checked now if fixed, and the whole layout too if the size is.
void parse_disk_partitions(LineParser& p, DiskCmd& c) {
  p.keyword("partitions");
  c.partitions = p.rest_texts("a partition SIZE[:TYPE] or rest[:TYPE]");
  if (c.partitions.empty()) p.fail_expected("a partition SIZE[:TYPE] or rest[:TYPE]");
  std::vector<image::PartitionSpec> specs;
  for (const Text& t : c.partitions) {
    check_literal(t, [&](const std::string& s) { specs.push_back(image::parse_partition_spec(s)); });
  }
  auto size = c.scratch_size->literal();
  if (!size || specs.size() != c.partitions.size()) return;
  try {
    image::layout_partitions(parse_size(*size), specs);
  } catch (const std::invalid_argument& e) {
    throw ScriptError(c.partitions.front().loc, e.what());
  }
}

Text duration_arg(LineParser& p) {
  Text t = p.text("a duration (e.g. 10M instructions or 5ms)");
  check_literal(t, [](const std::string& s) { parse_duration(s); });
  return t;
}

Text number_arg(LineParser& p, const std::string& what) {
  Text t = p.text(what);
  check_literal(t, [](const std::string& s) { parse_number(s); });
  return t;
}

// ADDR or ADDR:SIZE (SIZE 1, 2 or 4).
void check_address(const std::string& s) {
  auto colon = s.rfind(':');
  parse_number(s.substr(0, colon));
  if (colon != std::string::npos) {
    std::string size = s.substr(colon + 1);
    if (size != "1" && size != "2" && size != "4")
      throw std::invalid_argument("bad access size '" + size + "' in '" + s + "' (1, 2 or 4)");
  }
}

std::string var_name(LineParser& p, const std::string& what, SourceLoc* loc_out = nullptr) {
  auto [name, loc] = p.bare_word(what);
  if (!is_valid_var_name(name))
    throw ScriptError(loc, "bad variable name '" + name + "' (letters, digits and '_', not starting with a digit)");
  if (loc_out) *loc_out = loc;
  return name;
}

CommandBody parse_assert(LineParser& p) {
  auto [what, what_loc] = p.bare_word("what to assert (reg, phys, virt, device, serial, var, state, config, audit)");
  if (what == "reg") {
    auto [name, loc] = p.bare_word("a register name");
    auto reg = reg_by_name(name);
    if (!reg) throw ScriptError(loc, "unknown register '" + name + "'");
    CompareOp op = p.op();
    Text v = number_arg(p, "a value");
    p.done("assert reg");
    return AssertRegCmd{*reg, name, op, v};
  }
  if (what == "phys" || what == "virt") {
    Text addr = p.text("an address (ADDR or ADDR:SIZE)");
    check_literal(addr, check_address);
    CompareOp op = p.op();
    Text v = number_arg(p, "a value");
    p.done("assert " + what);
    return AssertMemCmd{what == "virt", addr, op, v};
  }
  if (what == "device") {
    auto [path, loc] = p.bare_word("DEVICE.FIELD");
    auto dot = path.find('.');
    if (dot == std::string::npos || dot == 0 || dot + 1 == path.size())
      throw ScriptError(loc, "expected DEVICE.FIELD (e.g. uart.lsr), found '" + path + "'");
    CompareOp op = p.op();
    Text v = p.text("a value");
    p.done("assert device");
    return AssertDeviceCmd{path.substr(0, dot), path.substr(dot + 1), loc, op, v};
  }
  if (what == "serial") {
    AssertSerialCmd c;
    if (p.peek_word("contains")) {
      p.keyword("contains");
      c.contains = p.text("the text to look for");
    } else if (p.peek_word("matches")) {
      p.keyword("matches");
      c.matches = p.regex();
    } else {
      p.fail_expected("'contains' or 'matches'");
    }
    p.done("assert serial");
    return c;
  }
  if (what == "var") {
    SourceLoc loc;
    std::string name = var_name(p, "a variable name", &loc);
    CompareOp op = p.op();
    Text v = p.text("a value");
    p.done("assert var");
    return AssertVarCmd{name, loc, op, v};
  }
  if (what == "state" || what == "config") {
    SourceLoc at = p.here();
    CompareOp op = p.op();
    if (op != CompareOp::Eq && op != CompareOp::Ne) throw ScriptError(at, "assert " + what + " takes == or !=");
    p.keyword("snapshot");
    Text name = p.text("a snapshot name");
    p.done("assert " + what);
    return AssertStateCmd{op == CompareOp::Eq, name, what == "config"};
  }
  if (what == "audit") {
    auto [kind, kind_loc] = p.bare_word("'clean', 'findings' or 'jumps'");
    AssertAuditCmd c;
    if (kind == "clean") {
      p.done("assert audit clean");
      return c;
    }
    if (kind == "findings") c.what = AssertAuditCmd::What::Findings;
    else if (kind == "jumps") c.what = AssertAuditCmd::What::Jumps;
    else throw ScriptError(kind_loc, "expected 'clean', 'findings' or 'jumps', found '" + kind + "'");
    c.op = p.op();
    c.value = number_arg(p, "a count");
    p.done("assert audit " + kind);
    return c;
  }
  throw ScriptError(what_loc,
                    "unknown assertion '" + what + "' (reg, phys, virt, device, serial, var, state, config, audit)");
}

CommandBody parse_expect(LineParser& p) {
  ExpectCmd c;
  if (p.regex_next()) c.regex = p.regex();
  else c.text = p.text("the text or /regex/ to expect");
  while (p.more()) {
    if (p.peek_word("timeout")) {
      SourceLoc at = p.here();
      p.keyword("timeout");
      if (c.timeout) throw ScriptError(at, "timeout given twice");
      c.timeout = duration_arg(p);
    } else if (p.arrow_next()) {
      SourceLoc at = p.here();
      p.arrow();
      if (!c.regex) throw ScriptError(at, "captures ('->') need a /regex/ with groups");
      if (!c.captures.empty()) throw ScriptError(at, "captures given twice");
      while (p.more() && !p.peek_word("timeout")) {
        SourceLoc loc;
        c.captures.push_back(var_name(p, "a variable name", &loc));
        c.capture_locs.push_back(loc);
        if (c.captures.size() > c.regex->groups())
          throw ScriptError(loc, "capture '" + c.captures.back() + "' has no group: /" + c.regex->pattern() +
                                     "/ has " + std::to_string(c.regex->groups()) + " group(s)");
      }
      if (c.captures.empty()) p.fail_expected("variable names after '->'");
    } else {
      p.fail_expected("'timeout' or '->'");
    }
  }
  return c;
}

CommandBody parse_snapshot(LineParser& p) {
  auto [op, loc] = p.bare_word("save, restore (load), write, read or list");
  SnapshotCmd c{SnapshotCmd::Op::Save, {}, std::nullopt};
  if (op == "list") {
    c.op = SnapshotCmd::Op::List;
    p.done("snapshot list");
    return c;
  }
  if (op == "save") c.op = SnapshotCmd::Op::Save;
  else if (op == "restore" || op == "load") c.op = SnapshotCmd::Op::Restore;
  else if (op == "write") c.op = SnapshotCmd::Op::Write;
  else if (op == "read") c.op = SnapshotCmd::Op::Read;
  else throw ScriptError(loc, "unknown snapshot operation '" + op + "' (save, restore, load, write, read, list)");
  c.name = p.text("a snapshot name");
  if (c.op == SnapshotCmd::Op::Write || c.op == SnapshotCmd::Op::Read) c.path = p.text("a file path");
  p.done("snapshot " + op);
  return c;
}

const std::map<std::string, Handler>& handlers() {
  static const std::map<std::string, Handler> table = [] {
  std::map<std::string, Handler> table = {
      {"memory", [](LineParser& p) -> CommandBody {
         Text s = size_arg(p, "a memory size (e.g. 128M)");
         p.done("memory");
         return MemoryCmd{s};
       }},
      {"kernel", [](LineParser& p) -> CommandBody {
         Text path = p.text("the kernel's path");
         return KernelCmd{path, p.rest_texts("a kernel argument")};
       }},
      {"append", [](LineParser& p) -> CommandBody {
         AppendCmd c{p.text("the kernel command line")};
         for (auto& more : p.rest_texts("more command line")) {
           c.text.parts.push_back({false, " ", more.loc});
           for (auto& part : more.parts) c.text.parts.push_back(part);
         }
         return c;
       }},
      {"disk", [](LineParser& p) -> CommandBody {
         DiskCmd c{p.text("a disk image path"), std::nullopt, {}};
         if (p.more()) {
           p.keyword("scratch");
           c.scratch_size = size_arg(p, "the scratch image's size");
           check_literal(*c.scratch_size, [](const std::string& s) {
             if (parse_size(s) % 512) throw std::invalid_argument("disk size '" + s + "' is not a multiple of 512");
           });
           if (p.more()) parse_disk_partitions(p, c);
         }
         p.done("disk");
         return c;
       }},
      {"fw", [](LineParser& p) -> CommandBody {
         FwCmd c;
         c.name = p.text("a fw_cfg name (e.g. opt/kernel-b)");
         if (p.peek_word("string")) {
           p.keyword("string");
           c.is_string = true;
           c.value = p.text("the file's text");
         } else {
           c.value = p.text("a file path, or 'string \"text\"'");
         }
         p.done("fw");
         return c;
       }},
      {"module", [](LineParser& p) -> CommandBody {
         Text t = p.text("\"file args\"");
         p.done("module");
         return ModuleCmd{t};
       }},
      // A Linux bzImage's initrd: one file, which the machine passes as its only module.
      {"initrd", [](LineParser& p) -> CommandBody {
         Text t = p.text("the initrd's path");
         p.done("initrd");
         return ModuleCmd{t};
       }},
      {"inject", [](LineParser& p) -> CommandBody {
         Text fault = p.text("a fault name (e.g. ide-stuck-busy)");
         check_literal(fault, [](const std::string& s) {
           if (s.empty() || s.find_first_of(" \t\n\r") != std::string::npos)
             throw std::invalid_argument("fault name '" + s + "' must be one word");
         });
         p.done("inject");
         return InjectCmd{fault};
       }},
      {"boot", [](LineParser& p) -> CommandBody {
         p.done("boot");
         return BootCmd{};
       }},
      {"power", [](LineParser& p) -> CommandBody {
         auto [what, loc] = p.bare_word("'on' or 'off'");
         if (what != "on" && what != "off") throw ScriptError(loc, "expected 'on' or 'off', found '" + what + "'");
         p.done("power " + what);
         return PowerCmd{what == "on"};
       }},
      {"send", [](LineParser& p) -> CommandBody {
         Text t = p.text("the text to send");
         p.done("send");
         return SendCmd{t};
       }},
      {"expect", parse_expect},
      {"wait", [](LineParser& p) -> CommandBody {
         Text d = duration_arg(p);
         p.done("wait");
         return WaitCmd{d};
       }},
      {"checkpoint", [](LineParser& p) -> CommandBody {
         Text name = p.text("a checkpoint name");
         check_literal(name, [](const std::string& s) {
           if (s.empty() || s.find_first_of(" \t\n\r") != std::string::npos)
             throw std::invalid_argument("checkpoint name '" + s + "' must be one word");
         });
         p.done("checkpoint");
         return CheckpointCmd{name};
       }},
      {"report", [](LineParser& p) -> CommandBody {
         Text path = p.text("a file for the report (.html, or .json for the Trace Event format)");
         p.done("report");
         return ReportCmd{path};
       }},
      {"snapshot", parse_snapshot},
      {"assert", parse_assert},
      {"echo", [](LineParser& p) -> CommandBody { return EchoCmd{p.rest_texts("text")}; }},
      {"set", [](LineParser& p) -> CommandBody {
         std::string name = var_name(p, "a variable name");
         Text v = p.text("a value");
         p.done("set");
         return SetCmd{name, v};
       }},
      {"exit", [](LineParser& p) -> CommandBody {
         p.done("exit");
         return ExitCmd{};
       }},
  };
  add_debug_handlers(table);
  return table;
  }();
  return table;
}

}  // namespace

Script parse_script(const std::string& text, const std::string& file, const std::string& directory) {
  Script script{file, directory, {}};
  std::istringstream in(text);
  std::string line;
  int line_no = 0;
  while (std::getline(in, line)) {
    ++line_no;
    size_t code_end = 0;
    std::vector<Token> toks = tokenize_line(line, file, line_no, &code_end);
    if (toks.empty()) continue;
    const Token& cmd = toks[0];
    if (cmd.kind != TokenKind::Word || !cmd.text.literal())
      throw ScriptError(cmd.loc, "expected a command, found " + LineParser::describe(cmd));
    std::string name = *cmd.text.literal();
    // x/FMT carries its format in the command word, as gdb's does.
    auto it = handlers().find(name.rfind("x/", 0) == 0 ? std::string("x") : name);
    if (it == handlers().end()) throw ScriptError(cmd.loc, "unknown command '" + name + "'");
    std::string code = trim(line.substr(0, code_end));
    SourceLoc end{file, line_no, int(code_end) + 1};
    Command c{cmd.loc, code, {}};
    LineParser p(std::move(toks), end);
    c.body = it->second(p);
    script.commands.push_back(std::move(c));
  }
  return script;
}

Script load_script(const std::string& path) {
  std::string text;
  try {
    text = read_host_text(path, "script", kMaxTextFileBytes);
  } catch (const HostFileError& e) {
    // The file is named by the location; the message keeps only why.
    std::string why = e.what();
    throw ScriptError({path, 1, 1}, why.substr(why.rfind(path + ": ", 0) == 0 ? path.size() + 2 : 0));
  }
  std::string dir = std::filesystem::path(path).parent_path().string();
  if (dir.empty()) dir = ".";
  return parse_script(text, path, dir);
}

}  // namespace kjump::scenario
