// Record and replay: the machine logs every external input with the virtual time it took
// effect; a fresh machine fed that log injects each event at exactly its time and ends in
// the identical state, however the host slices its runs. The same input one instruction
// later is a different run, and the trace comparison says where it first shows.
#include <doctest/doctest.h>

#include <algorithm>
#include <fstream>

#include "replay/input_log.h"
#include "replay/snapshot.h"
#include "replay/state_trace.h"
#include "replay_test_support.h"

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

// Runs to kEnd checkpoint by checkpoint (replay supplies the input), capturing a trace.
std::vector<TraceRecord> trace_to_end(Machine& m) {
  std::vector<TraceRecord> trace;
  for (auto& [t, name] : checkpoints()) {
    m.run(t);
    trace.push_back(capture_trace_record(m, name));
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

bool same_events(const std::vector<InputEvent>& a, const std::vector<InputEvent>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (a[i].time != b[i].time || a[i].kind != b[i].kind || a[i].bytes != b[i].bytes) return false;
  return true;
}

}  // namespace

TEST_CASE("record/replay: a replayed run ends in the recorded state") {
  Machine rec(kernel_config());
  auto golden = record(rec);
  const auto log = rec.input_log();
  REQUIRE(log.size() == typing().size() + 1);
  CHECK(log[0].time == 0);
  CHECK(log[0].kind == "power-on");
  CHECK(log[2].time == 1'234'567);
  CHECK(log[2].kind == "serial");
  CHECK(log[2].bytes == "mem");
  REQUIRE(rec.serial_output().find("two") != std::string::npos);

  TempDir dir;
  std::string path = dir.file("session.log");
  write_input_log(path, log);
  auto loaded = read_input_log(path);
  REQUIRE(same_events(loaded, log));

  SUBCASE("one run to the end") {
    Machine rep(kernel_config());
    rep.set_replay(loaded);
    CHECK(rep.replaying());
    rep.run(kEnd);  // powers on by itself: the log's first event
    CHECK(rep.now() == kEnd);
    CHECK(rep.state_hash() == rec.state_hash());
    CHECK(rep.engine().retired() == rec.engine().retired());
    CHECK(rep.serial_output() == rec.serial_output());
    CHECK(same_events(rep.input_log(), log));
    CHECK(rep.replay_remaining() == 0);
  }
  SUBCASE("checkpoint by checkpoint, with the host powering on itself") {
    Machine rep(kernel_config());
    rep.power_on();  // the same action as the log's first event: taken as that event
    rep.set_replay(loaded);
    auto trace = trace_to_end(rep);
    CHECK_FALSE(compare_traces(golden, trace).has_value());
    CHECK(rep.serial_output() == rec.serial_output());
  }
  SUBCASE("odd slices and single steps") {
    Machine rep(kernel_config());
    rep.set_replay(loaded);
    while (rep.now() < kEnd) {
      if (rep.now() % 7 == 0) rep.step(kEnd);
      else rep.run(std::min(kEnd, rep.now() + 33'331));
    }
    CHECK(rep.state_hash() == rec.state_hash());
    CHECK(rep.serial_output() == rec.serial_output());
  }
  SUBCASE("live input is refused while replaying") {
    Machine rep(kernel_config());
    rep.set_replay(loaded);
    rep.run(300'000);
    CHECK_THROWS_AS(rep.send_input("x"), LiveInputRefused);
    CHECK_THROWS_AS(rep.power_off(), LiveInputRefused);
    rep.run(kEnd);
    CHECK(rep.state_hash() == rec.state_hash());
    rep.end_replay();
    rep.send_input("echo live\n");  // accepted again
    CHECK(rep.input_log().size() == log.size() + 1);
  }
  SUBCASE("snapshot and restore in the middle of a replay") {
    Machine rep(kernel_config());
    rep.set_replay(loaded);
    rep.run(2'000'000);  // before "ps", "date", "echo two"
    SnapshotStore store;
    Snapshot mid = store.take(rep);
    rep.run(kEnd);
    REQUIRE(rep.state_hash() == rec.state_hash());
    SnapshotStore::restore(rep, mid);
    CHECK(rep.replay_remaining() == 3);
    rep.run(kEnd);
    CHECK(rep.state_hash() == rec.state_hash());
    CHECK(rep.serial_output() == rec.serial_output());
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

  Machine rep(kernel_config());
  rep.set_replay(rec.input_log());
  rep.run(3'500'000);
  CHECK(rep.now() == rec.now());
  CHECK(rep.state_hash() == rec.state_hash());
  CHECK(rep.serial_output() == rec.serial_output());
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
  std::vector<InputEvent> events = {{0, "power-on", ""}, {450001, "serial", "echo \x01\xff\n"}, {900000, "power-off", ""}};
  std::string p = dir.file("in.log");
  write_input_log(p, events);
  std::ifstream f(p);
  std::string text((std::istreambuf_iterator<char>(f)), {});
  CHECK(text == "kjump-input-log 1\n0 power-on\n450001 serial 6563686f2001ff0a\n900000 power-off\n");
  auto back = read_input_log(p);
  REQUIRE(back.size() == 3);
  CHECK(back[1].bytes == events[1].bytes);

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
  CHECK(error_of("kjump-input-log 1\n5 serial 41\n") == "<accepted>");
  CHECK(error_of("hello\n") == ":1: not a kjump input log (expected the header 'kjump-input-log 1')");
  CHECK(error_of("kjump-input-log 1\n5 serial 4\n") == ":2: odd number of hex digits");
  CHECK(error_of("kjump-input-log 1\n5 serial 41\n# comment\nx serial 41\n") == ":4: bad time 'x'");
  CHECK(error_of("kjump-input-log 1\n5 keyboard 41\n") == ":2: unknown event kind 'keyboard' (serial, power-on, power-off)");
  CHECK(error_of("kjump-input-log 1\n5 serial 41\n3 serial 42\n") ==
        ":3: time 3 is earlier than the event before it (5)");
  CHECK(error_of("kjump-input-log 1\n5 serial zz\n") == ":2: bad hex byte 'zz'");
  CHECK(error_of("kjump-input-log 1\n5 serial\n") == ":2: serial event without bytes");
  CHECK(error_of("") == ":1: empty file, not a kjump input log");
}

TEST_CASE("replay: events in the past or out of order are refused") {
  Machine m(kernel_config());
  m.power_on();
  m.run(10'000);
  CHECK_THROWS_AS(m.set_replay({{0, "power-on", ""}, {5'000, "serial", "x"}}), std::invalid_argument);
  CHECK_THROWS_AS(m.set_replay({{20'000, "serial", "x"}, {15'000, "serial", "y"}}), std::invalid_argument);
  CHECK_THROWS_AS(m.set_replay({{20'000, "reset", ""}}), std::invalid_argument);
  // The already-logged power-on is recognised as the same history and skipped.
  m.set_replay({{0, "power-on", ""}, {20'000, "serial", "x"}});
  CHECK(m.replay_remaining() == 1);
  m.run(30'000);
  CHECK(m.replay_remaining() == 0);
  REQUIRE(m.input_log().size() == 2);
  CHECK(m.input_log()[1].time == 20'000);
}
