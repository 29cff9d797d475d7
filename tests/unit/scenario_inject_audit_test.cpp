// `inject FAULT` (host fault injection as configuration) and `assert audit ...` (the machine's
// kexec audits): parsing, checking, and what they do on a real machine.
#include <doctest/doctest.h>

#include "scenario/checker.h"
#include "scenario/interpreter.h"
#include "scenario/machine_setup.h"
#include "scenario/parser.h"

using namespace kjump;
using namespace kjump::scenario;

namespace {

const std::string kKernelLine = "kernel " KJUMP_BINARY_DIR "/guest/kernel/kernel.elf console=ttyS0\n";

Script parse(const std::string& text) { return parse_script(text, "s.kjs", "/scripts"); }

std::string error_of(const std::string& text) {
  try {
    check_script(parse(text), {});
  } catch (const ScriptError& e) {
    return e.what();
  }
  return "(no error)";
}

RunSummary run(const std::string& text) {
  Script s = parse_script(text, "t.kjs", ".");
  return Interpreter(s, RunOptions{}).run();
}

}  // namespace

TEST_CASE("scenario parser: inject and assert audit become their typed forms") {
  Script s = parse(kKernelLine + "inject ide-stuck-busy\nboot\nassert audit clean\nassert audit findings == 0\n"
                                 "assert audit jumps >= 20\n");
  REQUIRE(s.commands.size() == 6);
  CHECK(*std::get<InjectCmd>(s.commands[1].body).fault.literal() == "ide-stuck-busy");
  CHECK(std::get<AssertAuditCmd>(s.commands[3].body).what == AssertAuditCmd::What::Clean);
  auto& f = std::get<AssertAuditCmd>(s.commands[4].body);
  CHECK(f.what == AssertAuditCmd::What::Findings);
  CHECK(f.op == CompareOp::Eq);
  CHECK(*f.value.literal() == "0");
  auto& j = std::get<AssertAuditCmd>(s.commands[5].body);
  CHECK(j.what == AssertAuditCmd::What::Jumps);
  CHECK(j.op == CompareOp::Ge);
  CHECK(*j.value.literal() == "20");
}

TEST_CASE("scenario parser/checker: inject and assert audit errors are one line at the token") {
  CHECK(error_of("inject") == "s.kjs:1:7: error: expected a fault name (e.g. ide-stuck-busy) at the end of the line");
  CHECK(error_of("inject a b") == "s.kjs:1:10: error: unexpected word 'b' after 'inject'");
  CHECK(error_of("assert audit") == "s.kjs:1:13: error: expected 'clean', 'findings' or 'jumps' at the end of the line");
  CHECK(error_of("assert audit dirty") == "s.kjs:1:14: error: expected 'clean', 'findings' or 'jumps', found 'dirty'");
  CHECK(error_of("assert audit clean now") == "s.kjs:1:20: error: unexpected word 'now' after 'assert audit clean'");
  CHECK(error_of("assert audit jumps 3") ==
        "s.kjs:1:20: error: expected a comparison (== != < <= > >=), found word '3'");
  CHECK(error_of("assert audit findings == lots") == "s.kjs:1:26: error: bad number 'lots'");
  // Order: a fault is machine configuration; the audit belongs to a machine.
  CHECK(error_of(kKernelLine + "boot\ninject ide-stuck-busy") ==
        "s.kjs:3:1: error: inject: machine configuration must come before 'boot' or while powered off");
  CHECK(error_of(kKernelLine + "boot\npower off\ninject ide-stuck-busy\npower on") == "(no error)");
  CHECK(error_of("assert audit clean") == "s.kjs:1:1: error: assert audit: no machine yet ('boot' first)");
  CHECK(error_of(kKernelLine + "inject ${FAULT}") == "s.kjs:2:8: error: undefined variable 'FAULT'");
}

TEST_CASE("scenario machine setup: inject adds each fault to the configuration once") {
  Script s = parse(kKernelLine + "inject ide-stuck-busy\ninject ide-stuck-busy\n");
  MachineSetup setup(s, "");
  for (auto& c : s.commands) setup.apply(c, ResolvedArgs(c.body, {}));
  CHECK(setup.config().inject == std::vector<std::string>{"ide-stuck-busy"});
}

TEST_CASE("scenario interpreter: inject reaches the machine, an unknown fault is refused at boot") {
  // The IDE controller declares its fault fields only when the fault is injected.
  RunSummary with = run(kKernelLine + "inject ide-stuck-busy\nboot\nassert device ide.fault.stuck_used == false\n");
  CHECK(with.outcome == Outcome::Pass);
  RunSummary without = run(kKernelLine + "boot\nassert device ide.fault.stuck_used == false\n");
  CHECK(without.outcome == Outcome::Error);
  CHECK(without.failure.find("device 'ide' has no field 'fault.stuck_used'") != std::string::npos);

  RunSummary bad = run(kKernelLine + "inject ide-on-fire\nboot\n");
  CHECK(bad.outcome == Outcome::Error);
  CHECK(bad.failure == "t.kjs:3:1: error: cannot build the machine: --inject 'ide-on-fire': unknown fault (known: ide-stuck-busy)");
}

TEST_CASE("scenario interpreter: assert audit compares the machine's kexec audit counts") {
  // A machine that never jumped: clean, no findings, no jumps; a wrong count fails with the counts.
  RunSummary s = run(kKernelLine +
                     "boot\nexpect \"kjk# \" timeout 20M\nassert audit clean\nassert audit findings == 0\n"
                     "assert audit jumps == 0\nassert audit jumps >= 1\n");
  REQUIRE(s.checks.size() == 5);
  CHECK(s.checks[1].passed);
  CHECK(s.checks[1].message == "kexec audit: 0 finding(s), 0 kexec jump(s), 0 trampoline run(s) audited");
  CHECK(s.checks[2].passed);
  CHECK(s.checks[3].passed);
  CHECK(!s.checks[4].passed);
  CHECK(s.checks[4].message ==
        "kexec audit jumps = 0, expected >= 1 (0 finding(s), 0 kexec jump(s), 0 trampoline run(s) audited)");
  CHECK(s.outcome == Outcome::Failed);
}
