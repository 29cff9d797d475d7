// `kjump boot --save-scenario FILE.kjs`: a session by hand written as a scenario script that
// replays it exactly under `kjump run`. The machine options become configuration commands
// (absolute paths), the machine's input log becomes `send` / `power` commands, each after a
// `wait` in virtual nanoseconds up to the instant the input took effect (virtual time, not
// instructions: a guest waiting for a key is halted, and a halted CPU retires none), and a
// last `wait` runs to where the session ended. The run is the same because inputs are the
// only thing from outside (ARCHITECTURE.md "Determinism rules"); the script checks it with
// its last lines (EIP and the end of the serial output where the session ended).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "machine/host_input.h"
#include "machine/machine.h"

namespace kjump {

struct SessionEnd {
  uint64_t time = 0;        // Machine::now() at the end
  uint32_t eip = 0;
  std::string output_tail;  // the last bytes of the serial output (at most 48)
  bool powered_off = false;
};

// The script's text. `events` is the machine's present input log (its first event the
// power-on of `boot`); `comment` lines go at the top.
std::string session_script(const MachineConfig& config, const std::vector<InputEvent>& events, const SessionEnd& end,
                           const std::vector<std::string>& comment);
// TEXT as a scenario string literal: "..." with \n \r \t \\ \" \$ \xNN escapes.
std::string kjs_string(std::string_view bytes);

}  // namespace kjump
