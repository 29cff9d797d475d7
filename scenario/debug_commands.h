// The debugger's commands as typed scenario commands (the same language, the same verbs:
// scenario/debug_verbs.cpp). A script can step, break, look and go back; the console and the
// GDB stub's `monitor` run the same commands one line at a time.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "scenario/text.h"

namespace kjump::scenario {

struct StepCmd { std::optional<Text> count; bool over = false; };       // si [N], ni [N]
struct ContinueCmd { std::optional<Text> limit; };                      // c [DURATION]
struct UntilCmd { Text where; };                                         // until ADDR|SYMBOL
struct GotoCmd { Text count; };                                          // goto INSN_COUNT
// break [-p] X [if COND], tbreak [-p] X [if COND]
struct BreakCmd {
  Text where;
  bool physical = false;
  bool temporary = false;
  std::vector<Text> condition;  // the words after `if` (scenario/debug_expr.h), joined by spaces
};
// watch|rwatch|awatch [-p] ADDR [LEN]: stops just after a write / read / either of [ADDR, ADDR+LEN)
struct WatchCmd {
  enum class Kind { Write, Read, Access } kind = Kind::Write;
  Text where;
  std::optional<Text> length;  // bytes, default 4
  bool physical = false;
};
struct FinishCmd {};                                                    // finish
struct ReverseFinishCmd {};                                             // reverse-finish
struct BacktraceCmd { std::optional<Text> count; };                    // bt [N]
struct TranslateCmd { Text where; };                                    // translate VA
struct DeleteCmd { std::optional<Text> id; };                           // delete [N]
struct InfoCmd {
  enum class What { Breakpoints, Registers, Segments, Cr, Devices, History, Gdt, Idt, Tss, Pagetables, Kexec } what;
  std::optional<Text> name;  // info devices NAME, info pagetables VA
};
struct ExamineCmd { std::string format; Text where; bool physical = false; };  // x/FMT [-p] ADDR
struct PrintCmd { Text expr; std::vector<Text> more; };                  // print EXPR (words joined by spaces)
struct DisasCmd { std::optional<Text> where; std::optional<Text> count; };  // disas [ADDR] [N]
struct ReverseStepCmd { std::optional<Text> count; };                   // reverse-stepi [N]
struct ReverseContinueCmd {};                                            // reverse-continue

}  // namespace kjump::scenario
