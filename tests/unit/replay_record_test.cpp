// Record and replay: the machine logs every external input with the virtual time it took
// effect; a session replaying that log (replay/input_feed.h) puts each event in at exactly
// its time and ends in the identical state, however the run is sliced. The same input one
// instruction later is a different run, and the trace comparison says where it first shows.
#include <doctest/doctest.h>

#include <algorithm>
#include <fstream>

#include "replay/input_feed.h"
#include "replay/input_log.h"
#include "replay/snapshot.h"
#include "replay/state_trace.h"
#include "replay_test_support.h"
#include "session/session.h"

using namespace kjump;
using namespace kjump::replaytest;

namespace {

constexpr uint64_t kEnd = 7'000'000;

// Checkpoints every 500k instructions, plus one shortly after each typed input (the guest
// idles in hlt most of the time, and idling absorbs a small shift in an input's time, so
// a shift shows only while the guest is still reacting to the input).
std::vector<std::pair<uint64_t, std::string>> checkpoints() {
  std::vector<std::pair<uint64_t, std::string>> cps;
  for (uint64_t t = 500'000; t <= kEnd; t += 500'000) cps.emplace_back(t, "t" + std::to_string(t / 1000) + "k");
  for (size_t i = 0; i < typing().size(); ++i) cps.emplace_back(typing()[i].first + 2'000, "after-input-" + std::to_string(i));
  std::sort(cps.begin(), cps.end());
  return cps;
}

// Runs the session's machine until virtual time `t`.
void run_to(Session& s, uint64_t t) {
  uint64_t now = s.machine().now();
  if (t > now) s.advance(Duration{Duration::Unit::VirtualNs, t - now, "test"}, nullptr);
}

// A session replaying `log` on a fresh machine, powered on as the log's first event says.
std::unique_ptr<Session> replaying(const std::vector<InputEvent>& log) {
  SessionOptions o;
  o.replay = InputLog::single(log);
  auto s = std::make_unique<Session>(std::move(o));
  s->build(kernel_config());
  s->power_on();
  return s;
}

// Runs to kEnd checkpoint by checkpoint (replay supplies the input), capturing a trace.
std::vector<TraceRecord> trace_to_end(Session& s) {
  std::vector<TraceRecord> trace;
  for (auto& [t, name] : checkpoints()) {
    run_to(s, t);
    trace.push_back(capture_trace_record(s.machine(), name));
  }
  return trace;
}

// Types the session live (input `shifted` `delay` instructions late); returns the trace.
std::vector<TraceRecord> record(Machine& m, size_t shifted = SIZE_MAX, uint64_t delay = 0) {
  std::vector<TraceRecord> trace;
  m.power_on();
  const auto& t = typing();
  size_t next = 0;
  for (auto& [cp, name] : checkpoints()) {
    for (; next < t.size(); ++next) {
      uint64_t at = t[next].first + (next == shifted ? delay : 0);
      if (at > cp) break;
      m.run(at);
      m.send_input(t[next].second);
    }
    m.run(cp);
    trace.push_back(capture_trace_record(m, name));
  }
  return trace;
}

bool same_events(const std::vector<InputEvent>& a, const std::vector<InputEvent>& b) { return a == b; }

}  // namespace

TEST_CASE("record/replay: a replayed run ends in the recorded state") {
  Machine rec(kernel_config());
  auto golden = record(rec);
  const auto log = rec.input_log();
  REQUIRE(log.size() == typing().size() + 1);
  CHECK(log[0].time == 0);
  CHECK(log[0].kind == InputKind::PowerOn);
  CHECK(log[2].time == 1'234'567);
  CHECK(log[2].kind == InputKind::Serial);
  CHECK(log[2].bytes == "mem");
  REQUIRE(rec.serial_output().find("two") != std::string::npos);

  TempDir dir;
  std::string path = dir.file("session.log");
  write_input_log(path, log);
  auto loaded = read_input_log(path).branches.at(0);
  REQUIRE(same_events(loaded, log));

  SUBCASE("one run to the end") {
    auto rep = replaying(loaded);
    run_to(*rep, kEnd);
    Machine& m = rep->machine();
    CHECK(m.now() == kEnd);
    CHECK(m.state_hash() == rec.state_hash());
    CHECK(m.engine().retired() == rec.engine().retired());
    CHECK(m.serial_output() == rec.serial_output());
    CHECK(same_events(m.input_log(), log));
  }
  SUBCASE("checkpoint by checkpoint") {
    auto rep = replaying(loaded);
    auto trace = trace_to_end(*rep);
    CHECK_FALSE(compare_traces(golden, trace).has_value());
    CHECK(rep->machine().serial_output() == rec.serial_output());
  }
  SUBCASE("odd slices and single instructions") {
    auto rep = replaying(loaded);
    Machine& m = rep->machine();
    while (m.now() < kEnd) {
      if (m.now() % 7 == 0) run_to(*rep, m.now() + 1);  // one instruction while the guest runs
      else run_to(*rep, std::min(kEnd, m.now() + 33'331));
    }
    CHECK(m.state_hash() == rec.state_hash());
    CHECK(m.serial_output() == rec.serial_output());
  }
  SUBCASE("live input that is not the next recorded one is refused") {
    auto rep = replaying(loaded);
    run_to(*rep, 300'000);
    CHECK_THROWS_AS(rep->send("x"), ReplayDiverged);
    CHECK_THROWS_AS(rep->power_off(), ReplayDiverged);
    run_to(*rep, kEnd);
    CHECK(rep->machine().state_hash() == rec.state_hash());
  }
  SUBCASE("snapshot and restore in the middle of a replay rewind the replay too") {
    auto rep = replaying(loaded);
    run_to(*rep, 2'000'000);  // before "ps", "date", "echo two"
    rep->save_snapshot("mid");
    run_to(*rep, kEnd);
    REQUIRE(rep->machine().state_hash() == rec.state_hash());
    rep->restore_snapshot("mid");
    CHECK(rep->machine().input_log().size() == log.size() - 3);
    run_to(*rep, kEnd);
    CHECK(rep->machine().state_hash() == rec.state_hash());
    CHECK(rep->machine().serial_output() == rec.serial_output());
  }
}

TEST_CASE("record/replay: host power cycles are replayed too") {
  Machine rec(kernel_config());
  rec.power_on();
  rec.run(700'000);
  rec.send_input("echo before\n");
  rec.run(1'500'000);
  rec.power_off();
  rec.power_on();
  rec.run(2'300'001);
  rec.send_input("echo after\n");
  rec.run(3'500'000);
  REQUIRE(rec.input_log().size() == 5);
  REQUIRE(rec.serial_output().find("after") != std::string::npos);

  auto rep = replaying(rec.input_log());
  run_to(*rep, 3'500'000);
  CHECK(rep->machine().now() == rec.now());
  CHECK(rep->machine().state_hash() == rec.state_hash());
  CHECK(rep->machine().serial_output() == rec.serial_output());
}

TEST_CASE("record/replay: the same input one instruction later diverges, and the trace says where") {
  Machine rec(kernel_config());
  auto golden = record(rec);
  // "ps\n" (event 3, at 2 700 001) delivered at 2 700 002 instead.
  Machine late(kernel_config());
  auto trace = record(late, 3, 1);
  CHECK(late.input_log()[4].time == 2'700'002);

  auto d = compare_traces(golden, trace);
  REQUIRE(d.has_value());
  // Every checkpoint before the input is identical; the one right after it differs.
  size_t expected = 0;
  while (golden[expected].name != "after-input-3") ++expected;
  CHECK(golden[expected - 1].retired < 2'700'001);
  CHECK(d->index == expected);
  CHECK(d->checkpoint == "after-input-3");
  MESSAGE("divergence: ", d->summary);
  for (auto& line : d->details) MESSAGE("  ", line);
  CHECK(d->summary.rfind("checkpoint #" + std::to_string(expected) + " 'after-input-3'", 0) == 0);
  bool named_component = false;
  for (auto& line : d->details)
    if (line.rfind("register cpu.", 0) == 0 || line.rfind("device ", 0) == 0 || line.rfind("RAM 0x", 0) == 0)
      named_component = true;
  CHECK(named_component);

  // The trace survives the file format unchanged, and the comparison still finds the same.
  TempDir dir;
  write_trace(dir.file("golden.trace"), golden);
  auto reread = read_trace(dir.file("golden.trace"));
  CHECK_FALSE(compare_traces(golden, reread).has_value());
  REQUIRE(reread.size() == golden.size());
  CHECK(reread[3].fields == golden[3].fields);
  CHECK(reread[3].ram_mib_hashes == golden[3].ram_mib_hashes);
  CHECK(reread[3].time == golden[3].time);
  auto d2 = compare_traces(reread, trace);
  REQUIRE(d2.has_value());
  CHECK(d2->details == d->details);
}

TEST_CASE("input log: text format and errors naming file:line") {
  TempDir dir;
  std::vector<InputEvent> events = {{0, InputKind::PowerOn, ""},
                                    {450001, InputKind::Serial, "echo \x01\xff\n"},
                                    {900000, InputKind::PowerOff, ""}};
  std::string p = dir.file("in.log");
  write_input_log(p, events);
  std::ifstream f(p);
  std::string text((std::istreambuf_iterator<char>(f)), {});
  CHECK(text == "kjump-input-log 2\nbranch 0\n0 power-on\n450001 serial 6563686f2001ff0a\n900000 power-off\n");
  auto back = read_input_log(p);
  REQUIRE(back.branches.size() == 1);
  REQUIRE(back.branches[0].size() == 3);
  CHECK(back.branches[0][1].bytes == events[1].bytes);
  // A run with a snapshot restore: the branch left behind, then the restored machine's log.
  InputLog two{{events, {events[0], {500000, InputKind::Serial, "y"}}}};
  write_input_log(p, two);
  auto back2 = read_input_log(p);
  REQUIRE(back2.branches.size() == 2);
  CHECK(back2.branches[1] == two.branches[1]);

  auto error_of = [&](const std::string& content) {
    std::string q = dir.file("bad.log");
    std::ofstream(q, std::ios::trunc) << content;
    try {
      read_input_log(q);
    } catch (const InputLogError& e) {
      return std::string(e.what()).substr(q.size());
    }
    return std::string("<accepted>");
  };
  const std::string h = "kjump-input-log 2\nbranch 0\n";
  CHECK(error_of(h + "5 serial 41\n") == "<accepted>");
  CHECK(error_of(h + "5 serial 41\nbranch 1  # after restore 1\n0 power-on\n") == "<accepted>");
  CHECK(error_of("hello\n") == ":1: not a kjump input log (expected the header 'kjump-input-log 2')");
  CHECK(error_of("kjump-input-log 1\n5 serial 41\n") ==
        ":1: input log version 1, from a kjump that did not record snapshot restores: record it again");
  CHECK(error_of("kjump-input-log 2\n5 serial 41\n") == ":2: an event before 'branch 0'");
  CHECK(error_of("kjump-input-log 2\n") == ":1: no 'branch 0'");
  CHECK(error_of(h + "branch 2\n") == ":3: expected 'branch 1'");
  CHECK(error_of(h + "5 serial 4\n") == ":3: odd number of hex digits");
  CHECK(error_of(h + "5 serial 41\n# comment\nx serial 41\n") == ":5: bad time 'x'");
  CHECK(error_of(h + "5 keyboard 41\n") == ":3: unknown event kind 'keyboard' (serial, power-on, power-off)");
  CHECK(error_of(h + "5 serial 41\n3 serial 42\n") == ":4: time 3 is earlier than the event before it (5)");
  // Each branch is a machine's log of its own: time starts again at the restored point.
  CHECK(error_of(h + "5 serial 41\nbranch 1\n3 serial 42\n") == "<accepted>");
  CHECK(error_of(h + "5 serial zz\n") == ":3: bad hex byte 'zz'");
  CHECK(error_of(h + "5 serial\n") == ":3: serial event without bytes");
  CHECK(error_of("") == ":1: empty file, not a kjump input log");
}

TEST_CASE("replay: a recorded input in the past is a divergence; the machine's own history is skipped") {
  Machine m(kernel_config());
  m.power_on();
  m.run(10'000);
  InputFeed past({{0, InputKind::PowerOn, ""}, {5'000, InputKind::Serial, "x"}});
  CHECK_THROWS_AS(past.apply_due(m), ReplayDiverged);
  // The already-logged power-on is recognised as the same history and skipped.
  InputFeed feed({{0, InputKind::PowerOn, ""}, {20'000, InputKind::Serial, "x"}});
  REQUIRE(feed.next(m) != nullptr);
  CHECK(feed.next_time(m) == 20'000);
  CHECK(feed.matches_next(m, InputKind::Serial, "x") ==
        "replay: the script's serial at t=10000 \"x\" is not the next recorded input (serial at t=20000 \"x\")");
  m.run(20'000);
  CHECK(feed.apply_due(m) == 1);
  CHECK(feed.next(m) == nullptr);
  REQUIRE(m.input_log().size() == 2);
  CHECK(m.input_log()[1].time == 20'000);
}
