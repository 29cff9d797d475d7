// What a scenario run reports at the end: every expectation with its file:line and outcome,
// the first divergence from a golden trace, and the cost (instructions, virtual time, wall
// time, guest MIPS). Printed as text, or as one JSON object for tools.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "replay/state_trace.h"
#include "scenario/script_error.h"

namespace kjump::scenario {

struct CheckResult {
  SourceLoc loc;
  std::string command;  // the line as written
  bool passed = false;
  std::string message;  // what was seen
};

enum class Outcome {
  Pass,    // everything held
  Failed,  // an expectation failed, the guest crashed, or the run diverged from the golden trace
  Error,   // bad input: the script, a file, a command-line option
};

struct RunSummary {
  std::string script;
  Outcome outcome = Outcome::Pass;
  std::string failure;  // one line: why the run did not pass (empty when it did)
  std::vector<CheckResult> checks;
  std::optional<Divergence> divergence;
  size_t checkpoints = 0;       // trace records taken
  uint64_t instructions = 0;    // guest instructions executed by this run (all machines, all restores)
  uint64_t virtual_ns = 0;      // virtual time that passed while running
  uint64_t final_time = 0;      // Machine::now() at the end
  double wall_seconds = 0;      // host time for the whole run (reporting only; never reaches the guest)
  // The machine's kexec audits (machine/kexec/audit.h): quiesce and trampoline findings.
  std::vector<std::string> audit_findings;
  unsigned kexec_jumps = 0, audited_phases = 0;

  int exit_status() const;  // 0 pass, 1 failed, 2 bad input
  double guest_mips() const;
};

std::string format_summary_text(const RunSummary& s);
std::string format_summary_json(const RunSummary& s);  // one line
// The divergence report: the checkpoint, then one indented line per difference.
std::string format_divergence(const Divergence& d);

}  // namespace kjump::scenario
