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

// Text format, one event per line: "<time> <kind> <hex bytes>", after a header line
// "kjump-input-log 1". Errors name file:line.
void write_input_log(const std::string& path, const std::vector<InputEvent>& events);
std::vector<InputEvent> read_input_log(const std::string& path);

}  // namespace kjump
