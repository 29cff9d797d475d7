#include "cli/monitor_escape.h"

namespace kjump {

std::vector<MonitorEvent> MonitorEscapeDecoder::feed(std::string_view typed) {
  std::vector<MonitorEvent> out;
  auto guest = [&](char c) {
    if (out.empty() || out.back().kind != MonitorEvent::Kind::Guest) out.push_back({MonitorEvent::Kind::Guest, ""});
    out.back().bytes += c;
  };
  for (char c : typed) {
    if (!escaped_) {
      if (c == kMonitorEscape) escaped_ = true;
      else guest(c);
      continue;
    }
    escaped_ = false;
    switch (c) {
      case kMonitorEscape: guest(c); break;
      case 'c': case 'C': out.push_back({MonitorEvent::Kind::Console, ""}); break;
      case 'x': case 'X': out.push_back({MonitorEvent::Kind::Quit, ""}); break;
      case 'h': case 'H': case '?': out.push_back({MonitorEvent::Kind::Help, ""}); break;
      default: out.push_back({MonitorEvent::Kind::Unknown, std::string(1, c)}); break;
    }
  }
  return out;
}

const char* monitor_escape_help() {
  return "Ctrl-A c       the debugger console on the running machine (`c`, `continue` or Ctrl-D returns)\n"
         "Ctrl-A x       quit: the fault/audit report, as when the run ends\n"
         "Ctrl-A h       this list\n"
         "Ctrl-A Ctrl-A  send Ctrl-A to the guest\n";
}

}  // namespace kjump
