// The monitor escape of interactive `kjump boot`, as QEMU's `-nographic` / `-serial mon:stdio`
// one: Ctrl-A, then a key. This file is only the byte-stream state machine (no terminal, no
// machine), so it is unit-tested on byte strings: what the user typed goes in, bytes for the
// guest and monitor actions come out, in the order they were typed. An escape split across two
// reads (Ctrl-A at the end of one, the key at the start of the next) is decoded the same.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace kjump {

inline constexpr char kMonitorEscape = 0x01;  // Ctrl-A

struct MonitorEvent {
  enum class Kind {
    Guest,    // `bytes` go to the guest's COM1
    Console,  // Ctrl-A c: open the debugger console on the running machine
    Quit,     // Ctrl-A x: end the run with the fault/audit report
    Help,     // Ctrl-A h (or ?): list the keys
    Unknown,  // Ctrl-A and a key that means nothing (`bytes` is the key): said, never sent
  };
  Kind kind = Kind::Guest;
  std::string bytes;
  bool operator==(const MonitorEvent&) const = default;
};

class MonitorEscapeDecoder {
 public:
  // Decodes one read's bytes. Consecutive guest bytes come as one Guest event; Ctrl-A Ctrl-A
  // is one literal Ctrl-A for the guest (QEMU's way to send it).
  std::vector<MonitorEvent> feed(std::string_view typed);
  // The same, stopping right after the first Console or Quit: what follows it was typed for
  // the console (or not at all), not for the guest. `used` says how many bytes were decoded.
  std::vector<MonitorEvent> feed_until_action(std::string_view typed, size_t& used);
  // True after a Ctrl-A whose key has not come yet.
  bool pending() const { return escaped_; }

 private:
  bool escaped_ = false;
};

// The keys, one per line, for Ctrl-A h and --help.
const char* monitor_escape_help();

}  // namespace kjump
