// Trace comparison on hand-made records: the report's wording for each kind of difference.
#include <doctest/doctest.h>

#include <algorithm>
#include <iterator>

#include <fstream>

#include "replay/input_log.h"
#include "replay/state_trace.h"
#include "replay_test_support.h"

using namespace kjump;
using namespace kjump::replaytest;

namespace {

TraceRecord rec(uint64_t retired, std::string name, uint64_t hash) {
  TraceRecord r;
  r.retired = retired;
  r.time = retired + 10;
  r.name = std::move(name);
  r.hash = hash;
  r.fields = {{"cpu.eip", "0xc0101234"}, {"clock.retired", "0x10"}, {"uart.lsr", "0x60"}, {"machine.power_on", "true"}};
  r.ram_mib_hashes = {1, 2, 3, 4, 5, 6};
  return r;
}

}  // namespace

TEST_CASE("trace: identical traces have no divergence") {
  std::vector<TraceRecord> a = {rec(100, "boot", 7), rec(200, "prompt", 8)};
  CHECK_FALSE(compare_traces(a, a).has_value());
}

TEST_CASE("trace: the first differing checkpoint names registers, devices and RAM ranges") {
  std::vector<TraceRecord> golden = {rec(100, "boot", 7), rec(200, "prompt", 8), rec(300, "end", 9)};
  auto run = golden;
  run[1].hash = 99;
  run[1].fields[0].second = "0xc0105678";
  run[1].fields[2].second = "0x61";
  run[1].ram_mib_hashes[1] = 20;  // MiB 1 and 2: one range
  run[1].ram_mib_hashes[2] = 30;
  run[1].ram_mib_hashes[5] = 60;  // MiB 5: another
  run[2].hash = 100;              // later differences are not reported
  auto d = compare_traces(golden, run);
  REQUIRE(d.has_value());
  CHECK(d->index == 1);
  CHECK(d->checkpoint == "prompt");
  CHECK(d->summary ==
        "checkpoint #1 'prompt' (instruction 200): state hash golden 0x0000000000000008, now 0x0000000000000063");
  REQUIRE(d->details.size() == 4);
  CHECK(d->details[0] == "register cpu.eip: golden 0xc0101234, now 0xc0105678");
  CHECK(d->details[1] == "device uart.lsr: golden 0x60, now 0x61");
  CHECK(d->details[2] == "RAM 0x00100000-0x002fffff differs");
  CHECK(d->details[3] == "RAM 0x00500000-0x005fffff differs");
}

TEST_CASE("trace: instruction counts, names and lengths") {
  std::vector<TraceRecord> golden = {rec(100, "boot", 7), rec(200, "prompt", 8)};
  {
    auto run = golden;
    run[0].retired = 101;
    auto d = compare_traces(golden, run);
    REQUIRE(d.has_value());
    CHECK(d->summary == "checkpoint #0 'boot': golden at instruction 100, this run at 101");
  }
  {
    auto run = golden;
    run[1].name = "login";
    auto d = compare_traces(golden, run);
    REQUIRE(d.has_value());
    CHECK(d->index == 1);
    CHECK(d->summary == "checkpoint #1 'prompt': this run has checkpoint 'login' here");
  }
  {
    auto run = golden;
    run.pop_back();
    auto d = compare_traces(golden, run);
    REQUIRE(d.has_value());
    CHECK(d->index == 1);
    CHECK(d->checkpoint == "prompt");
    CHECK(d->summary == "golden has 2 checkpoints, this run 1 (first unmatched: 'prompt')");
  }
}

TEST_CASE("trace: file round trip and errors naming file:line") {
  TempDir dir;
  std::vector<TraceRecord> a = {rec(100, "boot", 7), rec(200, "prompt", 8)};
  a[0].fields.push_back({"ide.disk.path", "\"two\nlines\\\""});
  std::string p = dir.file("a.trace");
  write_trace(p, a);
  auto b = read_trace(p);
  REQUIRE(b.size() == 2);
  CHECK(b[0].fields == a[0].fields);
  CHECK(b[1].ram_mib_hashes == a[1].ram_mib_hashes);
  CHECK(b[1].time == 210);
  CHECK_FALSE(compare_traces(a, b).has_value());
  {
    std::ifstream f(p);
    std::string first, second;
    std::getline(f, first);
    std::getline(f, second);
    CHECK(first == "kjump-trace 2");
    CHECK(second == "100 boot 0x0000000000000007");
  }
  std::string good;
  {
    std::ifstream f(p);
    good.assign((std::istreambuf_iterator<char>(f)), {});
  }
  auto error_of = [&](const std::string& content) {
    std::string q = dir.file("bad.trace");
    std::ofstream(q, std::ios::trunc) << content;
    try {
      read_trace(q);
    } catch (const TraceError& e) {
      return std::string(e.what()).substr(q.size());
    }
    return std::string("<accepted>");
  };
  auto line_of = [&](const std::string& text, size_t at) { return std::count(text.begin(), text.begin() + at, '\n') + 1; };
  CHECK(error_of(good) == "<accepted>");
  // Every detail byte is covered: a changed field value, time or RAM hash is refused by line.
  for (const char* needle : {"  f ide.disk.path", "  t 210", "  r 1 "}) {
    std::string bad = good;
    size_t at = bad.find(needle);
    REQUIRE(at != std::string::npos);
    size_t eol = bad.find('\n', at);
    bad[eol - 1] ^= 1;
    std::string why = error_of(bad);
    CAPTURE(needle);
    CHECK(why.find("checksum mismatch in checkpoint") != std::string::npos);
    CHECK(why.find('\n') == std::string::npos);
  }
  // Truncated at a record boundary, or with the last lines cut: refused.
  std::string cut = good.substr(0, good.find("200 prompt")) + "end 2\n";
  CHECK(error_of(cut).find(": 'end 2': the trace has 1 checkpoints (truncated or damaged)") != std::string::npos);
  CHECK(error_of(good.substr(0, good.find("end 2"))).find("no 'end' line: the trace is truncated") !=
        std::string::npos);
  std::string no_sum = good;
  size_t x = no_sum.find("  x ");
  no_sum.erase(x, no_sum.find('\n', x) + 1 - x);
  CHECK(error_of(no_sum) == ":" + std::to_string(line_of(no_sum, no_sum.find("200 prompt"))) +
                                ": checkpoint #0 'boot' has no checksum line ('  x <hash>')");
  CHECK(error_of(good + "\n").find("text after the 'end' line") != std::string::npos);
  CHECK(error_of("kjump-trace 1\n1 a 0x1\n  t 5\n") ==
        ":1: trace format 1, from an older kjump (no checksums): regenerate it (scripts/regen-goldens.sh) or record "
        "it again with --trace");
  CHECK(error_of("kjump-trace 3\n") == ":1: not a kjump trace (expected the header 'kjump-trace 2')");
  CHECK(error_of("kjump-trace 2\n  f cpu.eax 0x1\n") == ":2: detail line outside a checkpoint");
  CHECK(error_of("kjump-trace 2\n1 a\n") == ":2: expected '<instruction count> <name> <hash>'");
  CHECK(error_of("kjump-trace 2\n1 a 0x1\n  r 1 0x5\n") == ":3: RAM MiB 1 out of order (expected 0)");
  CHECK(error_of("kjump-trace 2\nx a 0x1\n") == ":2: bad instruction count 'x'");
  CHECK_THROWS_AS(write_trace(dir.file("c.trace"), {rec(1, "two words", 1)}), TraceError);
}

TEST_CASE("trace and input log files: a write that fails leaves the old file as it was") {
  TempDir dir;
  std::string p = dir.file("golden.trace");
  std::vector<TraceRecord> good = {rec(100, "boot", 7)};
  write_trace(p, good);
  // The second record cannot be written (a name with a space): before, the file was already
  // truncated and half written when the error came.
  std::vector<TraceRecord> bad = {rec(100, "boot", 9), rec(200, "two words", 8)};
  CHECK_THROWS_WITH_AS(write_trace(p, bad), (p + ": checkpoint name 'two words' is not a single word").c_str(), TraceError);
  auto back = read_trace(p);
  REQUIRE(back.size() == 1);
  CHECK(back[0].hash == 7);
  // A folder that does not exist: one line naming the file.
  std::string missing = dir.file("no/such/folder/x.trace");
  CHECK_THROWS_AS(write_trace(missing, good), TraceError);
  try {
    write_input_log(dir.file("no/such/folder/x.log"), std::vector<InputEvent>{});
  } catch (const InputLogError& e) {
    CHECK(std::string(e.what()).rfind(dir.file("no/such/folder/x.log") + ": ", 0) == 0);
  }
  CHECK_THROWS_AS(write_input_log(dir.file("no/such/folder/x.log"), std::vector<InputEvent>{}), InputLogError);
}
