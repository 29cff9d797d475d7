#include "cli/session_script.h"

#include <cstdio>

#include "base/text_escape.h"

namespace kjump {

std::string kjs_string(std::string_view bytes) {
  std::string out = "\"";
  for (unsigned char c : bytes) {
    if (c == '$')
      out += "\\$";  // the scenario language's ${NAME}
    else
      append_c_escaped(out, c);
  }
  return out + "\"";
}

std::string session_script(const MachineConfig& config, const std::vector<InputEvent>& events, const SessionEnd& end,
                           const std::vector<std::string>& comment) {
  std::string s;
  for (const std::string& c : comment) s += "# " + c + "\n";
  s += "\nmemory " + std::to_string(config.ram_size) + "\n";
  s += "kernel " + kjs_string(config.kernel_path) + "\n";
  if (!config.append.empty()) s += "append " + kjs_string(config.append) + "\n";
  if (!config.disk_path.empty())
    s += "disk " + kjs_string(config.disk_path) + "   # as it is when replayed: keep a copy of the one the session began with\n";
  for (const FwFile& f : config.fw_files)
    s += "fw " + kjs_string(f.name) + " " + (f.host_path.empty() ? "string " + kjs_string(f.text) : kjs_string(f.host_path)) + "\n";
  for (const std::string& m : config.modules) s += "module " + kjs_string(m) + "\n";
  for (const std::string& f : config.inject) s += "inject " + kjs_string(f) + "\n";
  s += "\n";
  uint64_t now = 0;
  bool booted = false;
  auto wait_until = [&](uint64_t t) {
    if (t > now) s += "wait " + std::to_string(t - now) + "ns\n";
    now = std::max(now, t);
  };
  for (const InputEvent& e : events) {
    wait_until(e.time);
    switch (e.kind) {
      case InputKind::PowerOn:
        s += booted ? "power on\n" : "boot\n";
        booted = true;
        break;
      case InputKind::PowerOff: s += "power off\n"; break;
      case InputKind::Serial: s += "send " + kjs_string(e.bytes) + "\n"; break;
    }
  }
  wait_until(end.time);
  s += "\n# Where the session ended: the same instruction, the same output.\n";
  if (!end.powered_off) {
    char eip[32];
    std::snprintf(eip, sizeof eip, "0x%x", end.eip);
    s += std::string("assert reg eip == ") + eip + "\n";
  }
  if (!end.output_tail.empty()) s += "assert serial contains " + kjs_string(end.output_tail) + "\n";
  return s;
}

}  // namespace kjump
