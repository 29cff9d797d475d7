// The scenario language as typed commands: what the parser produces and the interpreter
// runs. Arguments stay `Text` (they may use variables); values whose text is fixed were
// already checked by the parser, the rest are checked when they are expanded.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <variant>
#include <vector>

#include "emu/engine.h"
#include "scenario/debug_commands.h"
#include "scenario/regex.h"
#include "scenario/script_error.h"
#include "scenario/text.h"

namespace kjump::scenario {

enum class CompareOp { Eq, Ne, Lt, Le, Gt, Ge };
const char* to_string(CompareOp op);

using CompiledRegex = Regex;  // compiled once by the parser (scenario/regex.h)

// ---- machine configuration ----
struct MemoryCmd { Text size; };
struct KernelCmd { Text path; std::vector<Text> args; };  // args (if any) replace the append string
struct AppendCmd { Text text; };
struct DiskCmd {
  Text path;
  std::optional<Text> scratch_size;
  std::vector<Text> partitions;  // `partitions SIZE[:TYPE]...` after a scratch size: an MBR
};
struct FwCmd { Text name; Text value; bool is_string = false; };  // file path, or `string "text"`
struct ModuleCmd { Text entry; };
struct InjectCmd { Text fault; };  // a host fault for the next machine built (MachineConfig::inject)

// ---- power ----
struct BootCmd {};
struct PowerCmd { bool on = false; };

// ---- serial ----
struct SendCmd { Text text; };
struct ExpectCmd {
  std::optional<Text> text;            // expect "text"
  std::optional<CompiledRegex> regex;  // expect /regex/
  std::optional<Text> timeout;         // a duration
  std::vector<std::string> captures;   // -> var1 var2: regex groups 1..n
  std::vector<SourceLoc> capture_locs;
};
struct WaitCmd { Text duration; };

// ---- state ----
struct CheckpointCmd { Text name; };
struct SnapshotCmd {
  enum class Op { Save, Restore, Write, Read, List } op;  // load = restore; list: no name
  Text name;
  std::optional<Text> path;
};

// ---- assertions ----
struct AssertRegCmd { Reg reg; std::string reg_text; CompareOp op; Text value; };
struct AssertMemCmd {
  bool virt = false;
  Text address;  // ADDR or ADDR:SIZE, SIZE 1, 2 or 4 (default 4)
  CompareOp op;
  Text value;
};
struct AssertDeviceCmd { std::string device; std::string field; SourceLoc field_loc; CompareOp op; Text value; };
struct AssertSerialCmd { std::optional<Text> contains; std::optional<CompiledRegex> matches; };
struct AssertVarCmd { std::string name; SourceLoc name_loc; CompareOp op; Text value; };
// assert state == snapshot NAME; with `config`, assert config == snapshot NAME: only the
// devices' programmed configuration (replay/state_compare.h).
struct AssertStateCmd { bool equal = true; Text snapshot; bool config = false; };
// assert audit clean | assert audit findings OP N | assert audit jumps OP N
struct AssertAuditCmd {
  enum class What { Clean, Findings, Jumps } what = What::Clean;
  CompareOp op = CompareOp::Eq;
  Text value;  // unused for Clean
};

// ---- misc ----
struct EchoCmd { std::vector<Text> words; };
struct SetCmd { std::string name; Text value; };
struct ExitCmd {};
// report FILE: the run so far as one HTML page; a FILE ending in .json gets the Trace Event
// format instead (report/report.h).
struct ReportCmd { Text path; };

using CommandBody =
    std::variant<MemoryCmd, KernelCmd, AppendCmd, DiskCmd, FwCmd, ModuleCmd, InjectCmd, BootCmd, PowerCmd, SendCmd,
                 ExpectCmd, WaitCmd, CheckpointCmd, SnapshotCmd, AssertRegCmd, AssertMemCmd, AssertDeviceCmd,
                 AssertSerialCmd, AssertVarCmd, AssertStateCmd, AssertAuditCmd, EchoCmd, SetCmd, ExitCmd, ReportCmd,
                 // the debugger's (scenario/debug_commands.h)
                 StepCmd, ContinueCmd, UntilCmd, GotoCmd, BreakCmd, DeleteCmd, InfoCmd, ExamineCmd, PrintCmd,
                 DisasCmd, ReverseStepCmd, ReverseContinueCmd, WatchCmd, FinishCmd, ReverseFinishCmd, BacktraceCmd,
                 TranslateCmd>;

struct Command {
  SourceLoc loc;       // the command word
  std::string source;  // the line as written, trimmed (progress and summaries)
  CommandBody body;
};

// Calls `fn` on every Text argument of `body`, in the order the command declares them.
void for_each_text(const CommandBody& body, const std::function<void(const Text&)>& fn);

// A command's Text arguments, each expanded once with the variables as they were when the
// command started (a command never sees its own captures). Verbs read their arguments here.
class ResolvedArgs {
 public:
  ResolvedArgs(const CommandBody& body, const Variables& vars);
  // The expansion of `t`, which must be an argument of the command this was built from.
  const std::string& operator()(const Text& t) const;
  const std::string* operator()(const std::optional<Text>& t) const { return t ? &(*this)(*t) : nullptr; }

 private:
  std::vector<std::pair<const Text*, std::string>> values_;
};

struct Script {
  std::string path;        // as given
  std::string directory;   // relative paths in the script are relative to this
  std::vector<Command> commands;
  // Variables the user gave on the command line (--set NAME=VALUE). A path that starts with
  // one of them was typed in the invoking shell, so it is relative to the current directory,
  // as every other path on a command line is: `--set BUILD=build` means ./build.
  std::set<std::string> command_line_variables;
};

}  // namespace kjump::scenario
