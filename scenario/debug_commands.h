// The debugger's commands as typed scenario commands (the same language, the same verbs:
// scenario/debug_verbs.cpp). A script can step, break, look and go back; the console and the
// GDB stub's `monitor` run the same commands one line at a time.
#pragma once

#include <optional>
#include <string>

#include "scenario/text.h"

namespace kjump::scenario {

struct StepCmd { std::optional<Text> count; };                          // si [N]
struct ContinueCmd { std::optional<Text> limit; };                      // c [DURATION]
struct UntilCmd { Text where; };                                         // until ADDR|SYMBOL
struct GotoCmd { Text count; };                                          // goto INSN_COUNT
struct BreakCmd { Text where; bool physical = false; bool temporary = false; };  // break [-p] X, tbreak [-p] X
struct DeleteCmd { std::optional<Text> id; };                           // delete [N]
struct InfoCmd {
  enum class What { Breakpoints, Registers, Segments, Cr, Devices, History } what;
  std::optional<Text> name;  // info devices NAME
};
struct ExamineCmd { std::string format; Text where; bool physical = false; };  // x/FMT [-p] ADDR
struct PrintCmd { Text expr; };                                          // print EXPR
struct DisasCmd { std::optional<Text> where; std::optional<Text> count; };  // disas [ADDR] [N]
struct ReverseStepCmd { std::optional<Text> count; };                   // reverse-stepi [N]
struct ReverseContinueCmd {};                                            // reverse-continue

}  // namespace kjump::scenario
