#include "replay/run_events.h"

#include <algorithm>

namespace kjump {

int RunEvents::lane(RunLane::Kind kind, const std::string& name) {
  for (size_t i = 0; i < lanes.size(); ++i)
    if (lanes[i].kind == kind && lanes[i].name == name) return int(i);
  lanes.push_back({kind, name});
  return int(lanes.size() - 1);
}

size_t RunEvents::count(RunEvent::Kind k) const {
  return size_t(std::count_if(events.begin(), events.end(), [k](const RunEvent& e) { return e.kind == k; }));
}

const char* to_string(RunEvent::Kind k) {
  switch (k) {
    case RunEvent::Kind::KernelRun: return "run";
    case RunEvent::Kind::Boot: return "boot";
    case RunEvent::Kind::PageSwap: return "swap";
    case RunEvent::Kind::ReEntry: return "reentry";
    case RunEvent::Kind::PagingOff: return "paging-off";
    case RunEvent::Kind::DeviceState: return "device";
    case RunEvent::Kind::Step: return "step";
    case RunEvent::Kind::Entry: return "entry";
    case RunEvent::Kind::Jump: return "jump";
    case RunEvent::Kind::Cr3Switch: return "cr3";
    case RunEvent::Kind::PowerOn: return "power-on";
    case RunEvent::Kind::PowerOff: return "power-off";
    case RunEvent::Kind::Checkpoint: return "checkpoint";
    case RunEvent::Kind::Snapshot: return "snapshot";
    case RunEvent::Kind::Finding: return "finding";
    case RunEvent::Kind::Fault: return "fault";
  }
  return "?";
}

const char* to_string(RunLane::Kind k) {
  switch (k) {
    case RunLane::Kind::Kernel: return "kernel";
    case RunLane::Kind::Helper: return "helper";
    case RunLane::Kind::Routine: return "routine";
    case RunLane::Kind::Cpu: return "cpu";
    case RunLane::Kind::Device: return "device";
    case RunLane::Kind::Session: return "session";
  }
  return "?";
}

}  // namespace kjump
