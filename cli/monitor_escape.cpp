#include "cli/monitor_escape.h"

namespace kjump {

std::vector<MonitorEvent> MonitorEscapeDecoder::feed(std::string_view typed) {
  std::vector<MonitorEvent> out;
  size_t used = 0;
  while (used < typed.size()) {
    size_t n = 0;
    for (MonitorEvent& e : feed_until_action(typed.substr(used), n)) {
      if (e.kind == MonitorEvent::Kind::Guest && !out.empty() && out.back().kind == MonitorEvent::Kind::Guest)
        out.back().bytes += e.bytes;
      else
        out.push_back(std::move(e));
    }
    used += n;
  }
  return out;
}

std::vector<MonitorEvent> MonitorEscapeDecoder::feed_until_action(std::string_view typed, size_t& used) {
  std::vector<MonitorEvent> out;
  used = 0;
  auto guest = [&](char c) {
    if (out.empty() || out.back().kind != MonitorEvent::Kind::Guest) out.push_back({MonitorEvent::Kind::Guest, ""});
    out.back().bytes += c;
  };
  for (char c : typed) {
    ++used;
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
    if (out.back().kind == MonitorEvent::Kind::Console || out.back().kind == MonitorEvent::Kind::Quit) break;
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
