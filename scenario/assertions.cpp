#include "scenario/assertions.h"

#include "base/hex.h"
#include "base/quantity.h"
#include "machine/kexec/audit.h"
#include "scenario/serial_pattern.h"

namespace kjump::scenario {
namespace {

uint64_t number_value(const Text& t, const ResolvedArgs& args) {
  const std::string& s = args(t);
  try {
    return parse_number(s);
  } catch (const std::invalid_argument& e) {
    throw ScriptError(t.loc, e.what());
  }
}

// A device field as inspect_state shows it: hex or decimal integers, true/false.
std::optional<uint64_t> inspected_number(const std::string& s) {
  if (s == "true") return 1;
  if (s == "false") return 0;
  bool negative = !s.empty() && s[0] == '-';
  try {
    uint64_t v = parse_number(negative ? s.substr(1) : s);
    return negative ? uint64_t(0) - v : v;
  } catch (const std::invalid_argument&) {
    return std::nullopt;
  }
}

AssertOutcome compare_strings(const std::string& what, const std::string& actual, CompareOp op,
                              const std::string& expected) {
  bool pass = false;
  switch (op) {
    case CompareOp::Eq: pass = actual == expected; break;
    case CompareOp::Ne: pass = actual != expected; break;
    case CompareOp::Lt: pass = actual < expected; break;
    case CompareOp::Le: pass = actual <= expected; break;
    case CompareOp::Gt: pass = actual > expected; break;
    case CompareOp::Ge: pass = actual >= expected; break;
  }
  return {pass, what + " = \"" + escape_for_message(actual) + "\", expected " + to_string(op) + " \"" +
                    escape_for_message(expected) + "\""};
}

const InspectedField* find_field(const std::vector<InspectedField>& fields, const std::string& name) {
  for (auto& f : fields)
    if (f.name == name) return &f;
  return nullptr;
}

}  // namespace

bool compare(uint64_t a, CompareOp op, uint64_t b) {
  switch (op) {
    case CompareOp::Eq: return a == b;
    case CompareOp::Ne: return a != b;
    case CompareOp::Lt: return a < b;
    case CompareOp::Le: return a <= b;
    case CompareOp::Gt: return a > b;
    case CompareOp::Ge: return a >= b;
  }
  return false;
}

AssertOutcome check_register(Machine& m, const AssertRegCmd& c, const ResolvedArgs& args) {
  uint64_t expected = number_value(c.value, args);
  uint32_t actual = m.engine().reg(c.reg);
  return {compare(actual, c.op, expected),
          std::string(reg_name(c.reg)) + " = " + hex32(actual) + ", expected " + to_string(c.op) + " " + hex32(expected)};
}

AssertOutcome check_memory(Machine& m, const AssertMemCmd& c, const ResolvedArgs& args) {
  std::string spec = args(c.address);
  uint64_t addr = 0;
  unsigned size = 4;
  try {
    auto colon = spec.rfind(':');
    addr = parse_number(spec.substr(0, colon));
    if (colon != std::string::npos) {
      std::string sz = spec.substr(colon + 1);
      if (sz != "1" && sz != "2" && sz != "4")
        throw std::invalid_argument("bad access size '" + sz + "' in '" + spec + "' (1, 2 or 4)");
      size = unsigned(sz[0] - '0');
    }
  } catch (const std::invalid_argument& e) {
    throw ScriptError(c.address.loc, e.what());
  }
  uint64_t expected = number_value(c.value, args);
  uint8_t bytes[4] = {};
  std::string where = std::string(c.virt ? "virt " : "phys ") + hex32(addr) + ":" + std::to_string(size);
  if (c.virt) {
    if (addr > 0xFFFFFFFFull || !m.engine().read_virt(uint32_t(addr), bytes, size))
      return {false, where + " is not mapped by the guest's page tables"};
  } else {
    auto& ram = m.engine().ram();
    if (addr + size > ram.size()) return {false, where + " is outside RAM (" + hex32(ram.size()) + " bytes)"};
    std::copy(ram.data() + addr, ram.data() + addr + size, bytes);
  }
  uint64_t actual = 0;
  for (unsigned i = 0; i < size; ++i) actual |= uint64_t(bytes[i]) << (8 * i);  // little endian, as the guest reads it
  return {compare(actual, c.op, expected),
          where + " = " + hex(actual, int(size * 2)) + ", expected " + to_string(c.op) + " " + hex(expected, int(size * 2))};
}

void validate_device_field(Machine& m, const AssertDeviceCmd& c) {
  Device* dev = m.device(c.device);
  if (!dev) {
    std::string names;
    for (Device* d : m.devices()) names += (names.empty() ? "" : ", ") + d->name();
    throw ScriptError(c.field_loc, "unknown device '" + c.device + "' (devices: " + names + ")");
  }
  auto fields = inspect_state(*dev);
  if (!find_field(fields, c.field)) {
    std::string names;
    for (auto& f : fields) names += (names.empty() ? "" : " ") + f.name;
    throw ScriptError(c.field_loc, "device '" + c.device + "' has no field '" + c.field + "' (fields: " + names + ")");
  }
}

AssertOutcome check_device(Machine& m, const AssertDeviceCmd& c, const ResolvedArgs& args) {
  validate_device_field(m, c);
  auto fields = inspect_state(*m.device(c.device));
  const std::string& actual = find_field(fields, c.field)->value;
  std::string expected = args(c.value);
  std::string what = c.device + "." + c.field;
  auto a = inspected_number(actual);
  auto e = inspected_number(expected);
  if (a && e) return {compare(*a, c.op, *e), what + " = " + actual + ", expected " + to_string(c.op) + " " + expected};
  return compare_strings(what, actual, c.op, expected);
}

AssertOutcome check_serial(const std::string& output, const AssertSerialCmd& c, const ResolvedArgs& args) {
  if (c.contains) {
    std::string text = args(*c.contains);
    bool found = output.find(text) != std::string::npos;
    return {found, "serial output (" + std::to_string(output.size()) + " bytes) " +
                       (found ? "contains" : "does not contain") + " \"" + escape_for_message(text) + "\""};
  }
  auto m = SerialPattern::regex(*c.matches).find(output, 0);
  return {m.has_value(), "serial output (" + std::to_string(output.size()) + " bytes) " +
                             (m ? "matches" : "does not match") + " /" + c.matches->pattern() + "/"};
}

AssertOutcome check_variable(const AssertVarCmd& c, const Variables& vars, const ResolvedArgs& args) {
  auto it = vars.find(c.name);
  if (it == vars.end()) throw ScriptError(c.name_loc, "undefined variable '" + c.name + "'");
  std::string expected = args(c.value);
  // Numbers compare as numbers ("0x10" == "16", "9" < "10"), anything else as text.
  auto a = inspected_number(it->second);
  auto e = inspected_number(expected);
  if (a && e)
    return {compare(*a, c.op, *e), c.name + " = " + it->second + ", expected " + to_string(c.op) + " " + expected};
  return compare_strings(c.name, it->second, c.op, expected);
}

AssertOutcome check_audit(const Machine& m, const AssertAuditCmd& c, const ResolvedArgs& args) {
  const KexecAudit& audit = m.kexec_audit();
  const auto& findings = audit.findings();
  std::string counts = std::to_string(findings.size()) + " finding(s), " + std::to_string(audit.jumps()) +
                       " kexec jump(s), " + std::to_string(audit.audited_phases()) + " trampoline run(s) audited";
  // A failure should say what the audit saw, not only how many: the first findings, one each.
  auto listed = [&] {
    std::string out;
    for (size_t i = 0; i < findings.size() && i < 4; ++i)
      out += "; " + findings[i].kind + " at instruction " + std::to_string(findings[i].retired) + ": " + findings[i].text;
    if (findings.size() > 4) out += "; ...";
    return out;
  };
  if (c.what == AssertAuditCmd::What::Clean) {
    bool clean = findings.empty();
    return {clean, "kexec audit: " + counts + (clean ? "" : listed())};
  }
  uint64_t expected = number_value(c.value, args);
  bool jumps = c.what == AssertAuditCmd::What::Jumps;
  uint64_t actual = jumps ? audit.jumps() : findings.size();
  bool pass = compare(actual, c.op, expected);
  return {pass, std::string("kexec audit ") + (jumps ? "jumps" : "findings") + " = " + std::to_string(actual) +
                    ", expected " + to_string(c.op) + " " + std::to_string(expected) + " (" + counts + ")" +
                    (pass || jumps ? "" : listed())};
}

}  // namespace kjump::scenario
