// The interpreter against the real guest kernel: what `expect` consumes and captures, how
// failures and bad values are reported, and that a run is repeatable to the instruction.
#include <doctest/doctest.h>

#include "scenario/interpreter.h"
#include "scenario/parser.h"

using namespace kjump::scenario;

namespace {

RunSummary run_text(const std::string& body, Variables extra = {}) {
  Script s = parse_script("kernel " KJUMP_BINARY_DIR "/guest/kernel/kernel.elf console=ttyS0\nboot\n"
                          "expect \"kjk# \" timeout 20M\n" +
                              body,
                          "t.kjs", ".");
  RunOptions opt;
  opt.variables = std::move(extra);
  return Interpreter(s, opt).run();
}

}  // namespace

TEST_CASE("scenario interpreter: a regex capture waits for the whole number, expects consume output") {
  RunSummary s = run_text(
      "send \"meminfo\\n\"\n"
      "expect /total: (\\d+)/ -> pages\n"  // a match at "total: 3" must not be taken: more digits follow
      "expect \"kjk# \"\n"
      "assert var pages == 32639\n"
      // The first prompt was consumed by the boot expect, the second by the one above: a third
      // expect finds nothing new and times out.
      "expect \"kjk# \" timeout 2M\n");
  REQUIRE(s.checks.size() == 5);
  CHECK(s.checks[2].passed);
  CHECK(s.checks[3].passed);
  CHECK(s.checks[3].message == "pages = 32639, expected == 32639");
  CHECK(!s.checks[4].passed);
  CHECK(s.checks[4].loc.line == 8);
  CHECK(s.checks[4].message.find("\"kjk# \" not seen: timeout after 2M instructions") == 0);
  CHECK(s.outcome == Outcome::Failed);
  CHECK(s.exit_status() == 1);
  CHECK(s.failure.rfind("t.kjs:8: ", 0) == 0);
}

TEST_CASE("scenario interpreter: assertions read registers, memory and devices") {
  RunSummary s = run_text(
      "assert reg cs == 0x60\n"
      "assert phys 0x9500:4 == 0x24f\n"  // Multiboot info flags at QEMU's MBI address
      "assert phys 0x9500:2 == 0x24f\n"
      "assert phys 0x9500:1 == 0x4f\n"
      "assert virt 0xc0009500 == 0x24f\n"
      "assert virt 0x00000000 == 0\n"  // page 0 is unmapped once the kernel runs
      );
  REQUIRE(s.checks.size() == 7);
  for (int i = 1; i <= 5; ++i) CHECK(s.checks[i].passed);
  CHECK(!s.checks[6].passed);
  CHECK(s.checks[6].message == "virt 0x00000000:4 is not mapped by the guest's page tables");
}

TEST_CASE("scenario interpreter: a bad value known only at run time is one error line, exit 2") {
  RunSummary s = run_text("set n \"12x\"\nassert reg eax == ${n}\n");
  CHECK(s.outcome == Outcome::Error);
  CHECK(s.exit_status() == 2);
  CHECK(s.failure == "t.kjs:5:19: error: bad number '12x' (decimal or 0x hex)");
}

TEST_CASE("scenario interpreter: the same script stops at the same instructions every time") {
  const char* body = "send \"date\\n\"\nexpect /(\\d+)-(\\d+)-(\\d+)/ -> y m d\nexpect \"kjk# \"\nwait 3ms\n";
  RunSummary a = run_text(body), b = run_text(body);
  CHECK(a.outcome == Outcome::Pass);
  CHECK(a.final_time == b.final_time);
  CHECK(a.instructions == b.instructions);
  CHECK(a.checks.size() == 3);  // boot prompt, date, prompt (a wait is not an expectation)
}
