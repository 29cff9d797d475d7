// Interactive `kjump boot` (stdin a terminal), and any boot with --record / --save-scenario:
// the machine runs in a debugger console's session (debug/console.h), in slices of virtual
// time, with what the user types between slices going to COM1 through the Ctrl-A monitor
// escape (cli/monitor_escape.h). Ctrl-A c opens the console on the running machine (its
// breakpoints and watchpoints then stop the guest and reopen it); Ctrl-A x ends the run.
// The terminal is restored on every way out (cli/terminal_signals.h).
#pragma once

#include <cstdint>
#include <string>

#include "machine/machine.h"

namespace kjump {

struct InteractiveBootOptions {
  MachineConfig config;
  uint64_t max_insns = 0;
  std::string record;         // --record: the session's input log
  std::string save_scenario;  // --save-scenario: the session as a scenario script
  std::string report_html, trace_events;
  std::string input;      // --input: sent at power-on
  bool read_stdin = true;  // false with --input: stdin is not the guest's
};

// Returns `kjump boot`'s exit status.
int interactive_boot(const InteractiveBootOptions& opts);

}  // namespace kjump
