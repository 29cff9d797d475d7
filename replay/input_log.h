// Every external input, stamped with the virtual time at which it took effect. Recording
// writes it out; replay feeds it back at exactly those times, so a replayed run is identical
// to the recorded one (interactive sessions included).
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace kjump {

struct InputEvent {
  uint64_t time;       // Machine::now() when the input took effect
  std::string kind;    // "serial" (bytes for COM1); "power-off", "power-on" for host power actions
  std::string bytes;
};

struct InputLogError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Text format, one event per line: "<time> <kind> <hex bytes>", after a header line
// "kjump-input-log 1". Errors name file:line.
void write_input_log(const std::string& path, const std::vector<InputEvent>& events);
std::vector<InputEvent> read_input_log(const std::string& path);

}  // namespace kjump
