// The event list in the Trace Event format (the JSON "legacy" format Perfetto and
// chrome://tracing load; docs: Trace Event Format, Perfetto's other-formats.md): one process
// for the run, one thread per lane (named by "thread_name" metadata, in the page's order),
// spans as complete events ("X", ts and dur in microseconds of virtual time, ns as
// fractions), markers as thread-scoped instants ("i"), and each jump as a flow ("s" on the
// jumping lane, "f" on the peer's) so the tools draw the arrow. Spans on one lane never
// overlap, so they nest as Perfetto wants.
#include <algorithm>
#include <nlohmann/json.hpp>

#include "base/hex.h"
#include "report/report.h"

namespace kjump {
namespace {

using nlohmann::json;

double us(uint64_t ns) { return double(ns) / 1000.0; }

bool is_span(RunEvent::Kind k) {
  switch (k) {
    case RunEvent::Kind::KernelRun:
    case RunEvent::Kind::Boot:
    case RunEvent::Kind::PageSwap:
    case RunEvent::Kind::ReEntry:
    case RunEvent::Kind::PagingOff:
    case RunEvent::Kind::DeviceState:
    case RunEvent::Kind::Step: return true;
    default: return false;
  }
}

}  // namespace

std::string trace_events_json(const RunEvents& ev) {
  constexpr int kPid = 1;
  json out = json::array();
  out.push_back({{"ph", "M"}, {"name", "process_name"}, {"pid", kPid}, {"tid", 0},
                 {"args", {{"name", "kjump " + ev.title}}}});
  for (size_t i = 0; i < ev.lanes.size(); ++i) {
    std::string name = ev.lanes[i].name;
    if (ev.lanes[i].kind == RunLane::Kind::Kernel) name = "kernel " + name;
    out.push_back({{"ph", "M"}, {"name", "thread_name"}, {"pid", kPid}, {"tid", int(i) + 1}, {"args", {{"name", name}}}});
    out.push_back({{"ph", "M"}, {"name", "thread_sort_index"}, {"pid", kPid}, {"tid", int(i) + 1},
                   {"args", {{"sort_index", int(i)}}}});
  }
  std::vector<json> timed;
  unsigned flow = 0;
  for (const RunEvent& e : ev.events) {
    if (e.lane < 0) continue;
    json args = {{"instructions", e.at.insns}, {"retired", e.at.retired}, {"virtual_ns", e.at.time}};
    if (!e.detail.empty()) args["detail"] = e.detail;
    if (e.kind == RunEvent::Kind::Checkpoint) args["state_hash"] = hex64(e.hash);
    if (e.kind == RunEvent::Kind::Jump) {
      args["entry"] = hex32(e.entry);
      args["jump_back_entry"] = hex32(e.jump_back);
    }
    if (e.pages) args["pages"] = e.pages;
    json j = {{"name", e.name}, {"cat", to_string(e.kind)}, {"ts", us(e.at.ns)}, {"pid", kPid}, {"tid", e.lane + 1},
              {"args", args}};
    if (is_span(e.kind)) {
      j["ph"] = "X";
      j["dur"] = us(e.end.ns >= e.at.ns ? e.end.ns - e.at.ns : 0);
    } else {
      j["ph"] = "i";
      j["s"] = "t";
    }
    timed.push_back(j);
    if (e.kind == RunEvent::Kind::Jump && e.to_lane >= 0) {
      ++flow;
      timed.push_back({{"ph", "s"}, {"name", "kexec jump"}, {"cat", "jump"}, {"id", flow}, {"ts", us(e.at.ns)},
                       {"pid", kPid}, {"tid", e.lane + 1}});
      timed.push_back({{"ph", "f"}, {"bp", "e"}, {"name", "kexec jump"}, {"cat", "jump"}, {"id", flow},
                       {"ts", us(e.end.ns)}, {"pid", kPid}, {"tid", e.to_lane + 1}});
    }
  }
  std::stable_sort(timed.begin(), timed.end(),
                   [](const json& a, const json& b) { return a["ts"].get<double>() < b["ts"].get<double>(); });
  for (auto& j : timed) out.push_back(std::move(j));
  json doc = {{"traceEvents", out}, {"displayTimeUnit", "ns"},
              {"otherData", {{"title", ev.title}, {"instructions", ev.end.insns}, {"virtual_ns", ev.end.ns}}}};
  return doc.dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace kjump
