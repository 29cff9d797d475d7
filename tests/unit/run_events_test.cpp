// The run's event list (replay/run_events.h) as the recorder fills it from what the machine
// observes: a hand-made trampoline run (tests/guest/audit_probe.S) and the guest kernel's
// physical-mode calls (scenarios/kexec_physcall.kjs) — which kernel has the CPU, the jumps
// with their entries and jump-back entries, the page swaps, paging, devices, checkpoints.
#include <doctest/doctest.h>

#include <algorithm>

#include "replay/run_recorder.h"
#include "scenario/interpreter.h"
#include "scenario/parser.h"

using namespace kjump;

namespace {

std::vector<const RunEvent*> of_kind(const RunEvents& ev, RunEvent::Kind k) {
  std::vector<const RunEvent*> out;
  for (auto& e : ev.events)
    if (e.kind == k) out.push_back(&e);
  return out;
}

const std::string& lane(const RunEvents& ev, int i) {
  static const std::string none = "-";
  return i >= 0 ? ev.lanes[size_t(i)].name : none;
}

}  // namespace

TEST_CASE("run events: lanes are found or added once, events are counted by kind") {
  RunEvents ev;
  int a = ev.lane(RunLane::Kind::Kernel, "A");
  CHECK(ev.lane(RunLane::Kind::Device, "pic") == a + 1);
  CHECK(ev.lane(RunLane::Kind::Kernel, "A") == a);
  CHECK(ev.lane(RunLane::Kind::Routine, "A") == a + 2);  // the kind is part of the name
  ev.events.resize(3);
  ev.events[1].kind = RunEvent::Kind::Jump;
  CHECK(ev.count(RunEvent::Kind::Jump) == 1);
  CHECK(ev.count(RunEvent::Kind::Entry) == 2);
}

TEST_CASE("run recorder: a hand-made trampoline run is a jump by kernel A with its page swap, on one axis") {
  MachineConfig c;
  c.kernel_path = KJUMP_BINARY_DIR "/tests/guest_images/audit_probe.elf";
  uint32_t flags = 2;  // IRQ0 left unmasked at the jump: a quiesce finding
  Machine m(c);
  RunRecorder rec("probe");  // after the machine: it detaches from it when destroyed
  m.on_serial = [&rec](uint8_t ch) { rec.serial(ch); };
  rec.attach(m);
  for (int boot = 0; boot < 2; ++boot) {
    m.power_on();
    rec.power_on();
    m.engine().ram().write_phys(0x170000, &flags, 4);
    m.run(50'000'000);
    rec.after_run();
    REQUIRE(m.power().exit_status == 33);
  }
  RunEvents ev = rec.events();
  // Two power-ons: kernels A and B... named by boot order, each from the loader.
  auto entries = of_kind(ev, RunEvent::Kind::Entry);
  REQUIRE(entries.size() == 2);
  CHECK(lane(ev, entries[0]->lane) == "A");
  CHECK(lane(ev, entries[1]->lane) == "B");
  CHECK(entries[0]->entry == m.boot_info().entry);
  CHECK(entries[1]->at.insns > entries[0]->at.insns);
  CHECK(of_kind(ev, RunEvent::Kind::PowerOff).size() == 2);
  // Each boot jumps once through control page 0x180000, one source page swapped.
  auto jumps = of_kind(ev, RunEvent::Kind::Jump);
  REQUIRE(jumps.size() == 2);
  CHECK(lane(ev, jumps[0]->lane) == "A");
  CHECK(jumps[0]->control_page == 0x180000);
  CHECK(jumps[0]->to_lane == -1);  // the probe's trampoline never leaves its page
  auto swaps = of_kind(ev, RunEvent::Kind::PageSwap);
  REQUIRE(swaps.size() == 2);
  CHECK(swaps[0]->pages == 1);
  CHECK(swaps[0]->at.insns == jumps[0]->at.insns);
  CHECK(swaps[0]->end.insns > swaps[0]->at.insns);
  // Paging off from the loader to the probe's paging on, and again in the trampoline.
  CHECK(of_kind(ev, RunEvent::Kind::PagingOff).size() >= 2);
  // The PIC as programmed: IRQ0 unmasked at the jump (not quiet), and the finding at it.
  bool pic = false;
  for (auto* d : of_kind(ev, RunEvent::Kind::DeviceState))
    if (lane(ev, d->lane) == "pic" && d->name == "IRQs 0 unmasked") pic = !d->quiet;
  CHECK(pic);
  auto findings = of_kind(ev, RunEvent::Kind::Finding);
  REQUIRE(findings.size() == 2);
  CHECK(findings[0]->detail.find("pic: unmasked IRQs 0") != std::string::npos);
  CHECK(findings[0]->at.insns == jumps[0]->at.insns);
  CHECK(ev.serial == "done\ndone\n");
  // Every span ends after it starts, and nothing is later than the end.
  for (auto& e : ev.events) {
    CHECK(e.end.insns >= e.at.insns);
    CHECK(e.end.insns <= ev.end.insns);
  }
}

TEST_CASE("run recorder: the guest kernel's physical-mode calls are kernel A, a routine lane, calls and returns") {
  scenario::Script s = scenario::load_script(KJUMP_SOURCE_DIR "/scenarios/kexec_physcall.kjs");
  scenario::RunOptions opt;
  opt.variables["BUILD"] = KJUMP_BINARY_DIR;
  opt.trace_events_path = "";  // events recorded because of --report:
  opt.report_path = KJUMP_BINARY_DIR "/tests/run_events_physcall.html";
  scenario::Interpreter interp(s, opt);
  scenario::RunSummary sum = interp.run();
  REQUIRE(sum.outcome == scenario::Outcome::Pass);
  REQUIRE(interp.run_events());
  const RunEvents& ev = *interp.run_events();
  std::vector<std::string> kernels;
  for (auto& l : ev.lanes)
    if (l.kind == RunLane::Kind::Kernel || l.kind == RunLane::Kind::Routine) kernels.push_back(l.name);
  CHECK(kernels == std::vector<std::string>{"A", "routine 0x03000000"});
  // Two calls and two returns: A -> routine (entry 0x03000000, jump-back entry in A's
  // control page), routine -> A (entry in A's control page, next entry 0x03000000).
  auto jumps = of_kind(ev, RunEvent::Kind::Jump);
  REQUIRE(jumps.size() == 4);
  for (int i = 0; i < 4; i += 2) {
    CHECK(lane(ev, jumps[i]->lane) == "A");
    CHECK(lane(ev, jumps[i]->to_lane) == "routine 0x03000000");
    CHECK(jumps[i]->entry == 0x03000000);
    CHECK((jumps[i]->jump_back >> 12) == (jumps[i]->control_page >> 12));
    CHECK(lane(ev, jumps[i + 1]->lane) == "routine 0x03000000");
    CHECK(lane(ev, jumps[i + 1]->to_lane) == "A");
    CHECK(jumps[i + 1]->entry == jumps[i]->jump_back);
    CHECK(jumps[i + 1]->jump_back == 0x03000000);  // the routine names itself as the next entry
  }
  // 256 source pages swapped each way, on A's lane.
  auto swaps = of_kind(ev, RunEvent::Kind::PageSwap);
  auto backs = of_kind(ev, RunEvent::Kind::ReEntry);
  REQUIRE(swaps.size() == 2);
  REQUIRE(backs.size() == 2);
  CHECK(swaps[0]->pages == 256);
  CHECK(backs[0]->pages == 256);
  CHECK(lane(ev, backs[0]->lane) == "A");
  // A suspended its devices for each call: every device quiet at the jump; the fields from
  // before the suspend come back after the resume (save/restore device state).
  CHECK(!jumps[0]->before.empty());
  for (size_t i = 0; i < jumps[0]->before.size() && i < jumps[0]->after.size(); ++i)
    CHECK_MESSAGE(jumps[0]->before[i] == jumps[0]->after[i], jumps[0]->before[i].first, ": ", jumps[0]->before[i].second,
                  " -> ", jumps[0]->after[i].second);
  CHECK(jumps[0]->before.size() == jumps[0]->after.size());
  auto checkpoints = of_kind(ev, RunEvent::Kind::Checkpoint);
  REQUIRE(checkpoints.size() >= 4);  // loaded, call-1, call-2, ..., end
  CHECK(std::any_of(checkpoints.begin(), checkpoints.end(), [](auto* c) { return c->name == "loaded" && c->hash != 0; }));
  CHECK(of_kind(ev, RunEvent::Kind::Step).size() >= 10);
  CHECK(of_kind(ev, RunEvent::Kind::Cr3Switch).size() >= 4);
}
