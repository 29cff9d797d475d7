// Evaluates `assert ...` against the machine and the command's resolved arguments. A false assertion is an
// outcome (pass = false, with a message saying what was found); a value that cannot be
// evaluated (bad number after expansion, unknown device field) is a ScriptError.
#pragma once

#include <string>

#include "machine/machine.h"
#include "scenario/commands.h"

namespace kjump::scenario {

struct AssertOutcome {
  bool pass = false;
  std::string message;  // what was compared: "eip = 0x00100010, expected == 0x00100000"
};

bool compare(uint64_t actual, CompareOp op, uint64_t expected);

AssertOutcome check_register(Machine& m, const AssertRegCmd& c, const ResolvedArgs& args);
AssertOutcome check_memory(Machine& m, const AssertMemCmd& c, const ResolvedArgs& args);
AssertOutcome check_device(Machine& m, const AssertDeviceCmd& c, const ResolvedArgs& args);
AssertOutcome check_serial(const std::string& output, const AssertSerialCmd& c, const ResolvedArgs& args);
AssertOutcome check_variable(const AssertVarCmd& c, const Variables& vars, const ResolvedArgs& args);
// The machine's kexec audits (machine/kexec/audit.h) over this machine's life so far; a failed
// `clean` / `findings` lists the findings.
AssertOutcome check_audit(const Machine& m, const AssertAuditCmd& c, const ResolvedArgs& args);

// Throws ScriptError (at the field) if the device or its field does not exist; run when a
// machine is created, before it runs, so a typo is a bad-input error and not a late failure.
void validate_device_field(Machine& m, const AssertDeviceCmd& c);

}  // namespace kjump::scenario
