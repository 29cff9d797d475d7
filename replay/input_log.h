// Input-log files: every external input of a run (machine/host_input.h), stamped with the
// virtual time at which it took effect. Recording writes it out; replay (replay/input_feed.h)
// feeds it back at exactly those times, so a replayed run is identical to the recorded one.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "machine/host_input.h"

namespace kjump {

struct InputLogError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// A whole run's inputs, snapshot restores included. Branch 0 is the machine's input log from
// the start; each snapshot restore (and each live input after a reverse jump) starts another
// branch: the restored machine's whole input log, then what came after. The machine's own log
// is part of its state, so a restore forgets the abandoned branch's inputs; this keeps them,
// and a replay moves to the next branch exactly where the recorded run restored.
struct InputLog {
  std::vector<std::vector<InputEvent>> branches;
  static InputLog single(std::vector<InputEvent> events) { return InputLog{{std::move(events)}}; }
};

// Text format, after a header line "kjump-input-log 2": a line "branch N" (N = 0, 1, ... in
// order) opens each branch, then one event per line: "<time> <kind> <hex bytes>". Version 1
// (no branches, from before restores were recorded) is refused with a line saying so. Errors
// name file:line.
inline constexpr int kInputLogVersion = 2;
void write_input_log(const std::string& path, const InputLog& log);
void write_input_log(const std::string& path, const std::vector<InputEvent>& events);  // one branch
InputLog read_input_log(const std::string& path);

}  // namespace kjump
