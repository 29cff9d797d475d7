#include "replay/input_log.h"

#include <fstream>
#include <span>
#include <sstream>

#include "base/atomic_file.h"
#include "base/hex.h"
#include "base/host_file.h"

namespace kjump {
namespace {

constexpr const char* kHeader = "kjump-input-log 2";
constexpr const char* kHeaderV1 = "kjump-input-log 1";


}  // namespace

void write_input_log(const std::string& path, const std::vector<InputEvent>& events) {
  write_input_log(path, InputLog::single(events));
}

void write_input_log(const std::string& path, const InputLog& log) {
  // Built in memory, then replaced atomically: an interrupted run never leaves a torn log.
  std::ostringstream out;
  out << kHeader << "\n";
  static constexpr char kHex[] = "0123456789abcdef";
  for (size_t b = 0; b < log.branches.size(); ++b) {
    out << "branch " << b << (b ? "  # after restore " + std::to_string(b) : std::string()) << '\n';
    for (const auto& ev : log.branches[b]) {
      out << ev.time << ' ' << to_string(ev.kind);
      if (!ev.bytes.empty()) {
        out << ' ';
        for (unsigned char c : ev.bytes) out << kHex[c >> 4] << kHex[c & 15];
      }
      out << '\n';
    }
  }
  const std::string text = out.str();
  try {
    replace_file_atomically(path, std::span(reinterpret_cast<const uint8_t*>(text.data()), text.size()));
  } catch (const AtomicFileError& e) {
    throw InputLogError(path + ": " + e.what());
  }
}

InputLog read_input_log(const std::string& path) {
  std::istringstream in;
  try {
    in.str(read_host_text(path, "input log", kMaxTextFileBytes));
  } catch (const HostFileError& e) {
    throw InputLogError(e.what());
  }
  InputLog log;
  std::vector<InputEvent>* events = nullptr;  // the branch being read
  std::string line;
  size_t lineno = 0;
  auto fail = [&](const std::string& why) -> InputLogError {
    return InputLogError(path + ":" + std::to_string(lineno) + ": " + why);
  };
  while (std::getline(in, line)) {
    ++lineno;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (lineno == 1) {
      if (line == kHeaderV1)
        throw fail("input log version 1, from a kjump that did not record snapshot restores: record it again");
      if (line != kHeader) throw fail("not a kjump input log (expected the header '" + std::string(kHeader) + "')");
      continue;
    }
    if (line.empty() || line[0] == '#') continue;
    std::istringstream fields(line.substr(0, line.find('#')));
    std::string time_s, kind, hex, extra;
    fields >> time_s >> kind >> hex >> extra;
    if (time_s == "branch") {
      std::string want = std::to_string(log.branches.size());
      if (kind != want || !hex.empty()) throw fail("expected 'branch " + want + "'");
      events = &log.branches.emplace_back();
      continue;
    }
    if (!events) throw fail("an event before 'branch 0'");
    if (kind.empty()) throw fail("expected '<time> <kind> [hex bytes]'");
    if (!extra.empty()) throw fail("unexpected text after the bytes: '" + extra + "'");
    InputEvent ev;
    if (time_s.find_first_not_of("0123456789") != std::string::npos || time_s.size() > 20)
      throw fail("bad time '" + time_s + "'");
    try {
      size_t used = 0;
      ev.time = std::stoull(time_s, &used);
    } catch (const std::exception&) {
      throw fail("bad time '" + time_s + "'");
    }
    std::optional<InputKind> k = input_kind_from_name(kind);
    if (!k) throw fail("unknown event kind '" + kind + "' (serial, power-on, power-off)");
    ev.kind = *k;
    if (hex.size() % 2) throw fail("odd number of hex digits");
    for (size_t i = 0; i < hex.size(); i += 2) {
      int hi = hex_digit(hex[i]), lo = hex_digit(hex[i + 1]);
      if (hi < 0 || lo < 0) throw fail("bad hex byte '" + hex.substr(i, 2) + "'");
      ev.bytes.push_back(char(hi << 4 | lo));
    }
    if (ev.kind == InputKind::Serial && ev.bytes.empty()) throw fail("serial event without bytes");
    if (ev.kind != InputKind::Serial && !ev.bytes.empty()) throw fail(kind + " event takes no bytes");
    if (!events->empty() && ev.time < events->back().time)
      throw fail("time " + std::to_string(ev.time) + " is earlier than the event before it (" +
                 std::to_string(events->back().time) + ")");
    events->push_back(std::move(ev));
  }
  if (lineno == 0) throw InputLogError(path + ":1: empty file, not a kjump input log");
  if (log.branches.empty()) throw InputLogError(path + ":" + std::to_string(lineno) + ": no 'branch 0'");
  return log;
}

}  // namespace kjump
