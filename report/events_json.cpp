// The event list as the page's JavaScript reads it. Text from the guest (the serial output,
// names built from it) is made printable first: the page shows it as text, and JSON needs
// valid UTF-8.
#include <nlohmann/json.hpp>

#include "base/hex.h"
#include "report/report.h"

namespace kjump {
namespace {

using nlohmann::json;

// Printable ASCII, \n and \t kept; \r dropped (the guest's CRLF); anything else as \xNN.
std::string printable(const std::string& s) {
  std::string out;
  out.reserve(s.size());
  static const char* const digits = "0123456789abcdef";
  for (unsigned char c : s) {
    if (c == '\r') continue;
    if (c == '\n' || c == '\t' || (c >= 0x20 && c < 0x7f)) {
      out.push_back(char(c));
    } else {
      out += "\\x";
      out.push_back(digits[c >> 4]);
      out.push_back(digits[c & 15]);
    }
  }
  return out;
}

json stamp(const RunStamp& s) { return json::array({s.insns, s.ns, s.retired, s.time}); }

json fields(const FieldValues& f) {
  json a = json::array();
  for (auto& [k, v] : f) a.push_back(json::array({k, v}));
  return a;
}

}  // namespace

std::string events_json(const RunEvents& ev) {
  json lanes = json::array();
  for (const RunLane& l : ev.lanes) lanes.push_back({{"kind", to_string(l.kind)}, {"name", printable(l.name)}});
  // Offsets into the serial output count the bytes as recorded: map them onto the printable text.
  std::vector<size_t> at(ev.serial.size() + 1, 0);
  std::string serial;
  {
    size_t n = 0;
    for (size_t i = 0; i < ev.serial.size(); ++i) {
      at[i] = n;
      std::string one = printable(ev.serial.substr(i, 1));
      serial += one;
      n += one.size();
    }
    at[ev.serial.size()] = n;
  }
  json events = json::array();
  for (const RunEvent& e : ev.events) {
    json j = {{"k", to_string(e.kind)},    {"at", stamp(e.at)},        {"end", stamp(e.end)}, {"lane", e.lane},
              {"name", printable(e.name)}, {"detail", printable(e.detail)}, {"serial", at[std::min(e.serial_at, ev.serial.size())]}};
    if (e.to_lane >= 0 || e.kind == RunEvent::Kind::Jump) j["to"] = e.to_lane;
    if (e.kind == RunEvent::Kind::DeviceState) j["quiet"] = e.quiet;
    if (e.kind == RunEvent::Kind::Checkpoint) j["hash"] = hex64(e.hash);
    if (e.kind == RunEvent::Kind::Jump || e.kind == RunEvent::Kind::Entry) j["entry"] = hex32(e.entry);
    if (e.kind == RunEvent::Kind::Jump) j["back"] = hex32(e.jump_back);
    if (e.control_page) j["cp"] = hex32(e.control_page);
    if (e.pages) j["pages"] = e.pages;
    if (!e.before.empty()) j["before"] = fields(e.before);
    if (!e.after.empty()) j["after"] = fields(e.after);
    events.push_back(std::move(j));
  }
  json doc = {{"title", printable(ev.title)}, {"lanes", lanes},       {"events", events},
              {"serial", serial},             {"end", stamp(ev.end)}, {"format", 1}};
  return doc.dump();
}

}  // namespace kjump
