// What the outside world does to a machine: bytes typed at COM1 and the host's power
// actions. Each is stamped with the virtual time at which it took effect; the machine logs
// every one, so a run can be recorded (replay/input_log.h) and fed back identically
// (replay/input_feed.h).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace kjump {

enum class InputKind : uint8_t {
  Serial,    // bytes for COM1
  PowerOn,   // the host switched the machine on (reset, RAM cleared, kernel loaded)
  PowerOff,  // the host switched it off (disk committed)
};

// The names used in input-log files and messages: "serial", "power-on", "power-off".
const char* to_string(InputKind kind);
std::optional<InputKind> input_kind_from_name(std::string_view name);

struct InputEvent {
  uint64_t time = 0;  // Machine::now() when the input took effect
  InputKind kind = InputKind::Serial;
  std::string bytes;  // Serial only

  bool operator==(const InputEvent&) const = default;
};

}  // namespace kjump
