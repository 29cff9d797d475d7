#include "machine/host_input.h"

namespace kjump {

const char* to_string(InputKind kind) {
  switch (kind) {
    case InputKind::Serial: return "serial";
    case InputKind::PowerOn: return "power-on";
    case InputKind::PowerOff: return "power-off";
  }
  return "?";
}

std::optional<InputKind> input_kind_from_name(std::string_view name) {
  for (InputKind k : {InputKind::Serial, InputKind::PowerOn, InputKind::PowerOff})
    if (name == to_string(k)) return k;
  return std::nullopt;
}

}  // namespace kjump
