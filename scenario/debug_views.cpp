#include "scenario/debug_views.h"

#include <cstdio>

#include "base/hex.h"
#include "base/quantity.h"
#include "machine/device.h"
#include "scenario/debug_expr.h"

namespace kjump::scenario {
namespace {

std::string pad(std::string s, size_t w) {
  if (s.size() < w) s.append(w - s.size(), ' ');
  return s;
}

std::string flags_of(uint32_t v, const std::vector<std::pair<unsigned, const char*>>& bits) {
  std::string out = "[";
  for (auto& [bit, name] : bits)
    if (v & (1u << bit)) out += std::string(" ") + name;
  return out + " ]";
}

const std::vector<std::pair<unsigned, const char*>> kEflags = {
    {0, "CF"}, {2, "PF"}, {4, "AF"}, {6, "ZF"}, {7, "SF"}, {8, "TF"}, {9, "IF"}, {10, "DF"}, {11, "OF"}, {14, "NT"},
    {16, "RF"}, {17, "VM"}, {18, "AC"}, {21, "ID"}};
const std::vector<std::pair<unsigned, const char*>> kCr0 = {{0, "PE"}, {1, "MP"}, {2, "EM"}, {3, "TS"}, {4, "ET"},
                                                             {5, "NE"}, {16, "WP"}, {18, "AM"}, {29, "NW"},
                                                             {30, "CD"}, {31, "PG"}};
const std::vector<std::pair<unsigned, const char*>> kCr4 = {{0, "VME"}, {1, "PVI"}, {2, "TSD"}, {3, "DE"},
                                                             {4, "PSE"}, {5, "PAE"}, {6, "MCE"}, {7, "PGE"},
                                                             {8, "PCE"}, {9, "OSFXSR"}, {10, "OSXMMEXCPT"}};

std::string sym_suffix(const Machine& m, uint32_t a) {
  std::string s = m.symbolize(a);
  return s.empty() ? "" : " <" + s + ">";
}

}  // namespace

std::optional<uint32_t> resolve_address(Machine& m, const std::string& text, std::string* why) {
  std::string t = text;
  if (t.empty()) {
    if (why) *why = "empty address";
    return std::nullopt;
  }
  if (t[0] == '$') t = t.substr(1);
  if (auto r = reg_by_name(t)) return m.engine().reg(*r);
  try {
    uint64_t v = parse_number(t);
    if (v > 0xFFFFFFFFull) throw std::invalid_argument("address '" + text + "' is wider than 32 bits");
    return uint32_t(v);
  } catch (const std::invalid_argument&) {
  }
  uint64_t offset = 0;
  std::string name = t;
  if (auto plus = t.find('+'); plus != std::string::npos) {
    name = t.substr(0, plus);
    try {
      offset = parse_number(t.substr(plus + 1));
    } catch (const std::invalid_argument&) {
      if (why) *why = "bad offset in '" + text + "'";
      return std::nullopt;
    }
  }
  if (auto a = m.symbols().find(name)) return uint32_t(*a + offset);
  if (why) *why = "'" + text + "' is not a number, a register or a symbol of the guest kernel";
  return std::nullopt;
}

std::string where_line(Machine& m) {
  Engine& e = m.engine();
  uint32_t eip = e.reg(Reg::EIP);
  std::string line = "t=" + std::to_string(e.retired()) + " ";
  if (auto insn = e.decode_at(eip))
    return line + e.disassembler().format(*insn, [&](uint32_t a) { return m.symbolize(a); });
  return line + hex(eip, 8) + sym_suffix(m, eip) + ": (code not readable)";
}

std::vector<std::string> view_registers(Machine& m) {
  Engine& e = m.engine();
  std::vector<std::string> out;
  for (Reg r : {Reg::EAX, Reg::ECX, Reg::EDX, Reg::EBX, Reg::ESP, Reg::EBP, Reg::ESI, Reg::EDI, Reg::EIP, Reg::EFLAGS,
                Reg::CS, Reg::SS, Reg::DS, Reg::ES, Reg::FS, Reg::GS}) {
    uint32_t v = e.reg(r);
    std::string extra = r == Reg::EIP      ? sym_suffix(m, v)
                        : r == Reg::EFLAGS ? " " + flags_of(v, kEflags)
                                           : " " + std::to_string(v);
    out.push_back(pad(reg_name(r), 15) + hex(v, 8) + extra);
  }
  return out;
}

std::vector<std::string> view_segments(Machine& m) {
  Engine& e = m.engine();
  std::vector<std::string> out;
  auto gdtr = e.gdtr(), idtr = e.idtr();
  // LDTR and TR as the CPU's declared state shows them: Engine::reg() reads those two through
  // a 4-byte buffer where Unicorn writes a uc_x86_mmr (24 bytes), which can smash the caller's
  // stack (reported; emu/ is not ours to change).
  uint32_t ldtr = 0, tr = 0;
  for (const InspectedField& f : inspect_state(e.cpu_state())) {
    if (f.name == "cpu.ldtr") ldtr = uint32_t(parse_number(f.value));
    if (f.name == "cpu.tr") tr = uint32_t(parse_number(f.value));
  }
  for (Reg r : {Reg::CS, Reg::SS, Reg::DS, Reg::ES, Reg::FS, Reg::GS, Reg::LDTR, Reg::TR}) {
    uint32_t sel = r == Reg::LDTR ? ldtr : r == Reg::TR ? tr : e.reg(r);
    std::string line = pad(reg_name(r), 6) + hex(sel, 4);
    // The descriptor as the GDT holds it now (the CPU's hidden cache may be older: a kexec
    // trampoline reloads the GDT under loaded segments).
    uint32_t index = sel & ~7u;
    uint8_t d[8];
    if ((sel & 4) == 0 && index != 0 && index + 7 <= gdtr.limit && e.read_virt(gdtr.base + index, d, 8)) {
      uint32_t base = d[2] | d[3] << 8 | d[4] << 16 | uint32_t(d[7]) << 24;
      uint32_t limit = d[0] | d[1] << 8 | (d[6] & 0xf) << 16;
      if (d[6] & 0x80) limit = limit << 12 | 0xfff;
      char buf[96];
      std::snprintf(buf, sizeof buf, "  base %08x limit %08x dpl %u %s%s", base, limit, (d[5] >> 5) & 3,
                    (d[5] & 0x10) ? ((d[5] & 8) ? "code" : "data") : "system", (d[5] & 0x80) ? "" : " not-present");
      line += buf;
    } else if (index == 0) {
      line += "  (null)";
    }
    out.push_back(line);
  }
  out.push_back("gdtr  base " + hex(gdtr.base, 8) + " limit " + hex(gdtr.limit, 4));
  out.push_back("idtr  base " + hex(idtr.base, 8) + " limit " + hex(idtr.limit, 4));
  out.push_back("cpl   " + std::to_string(e.cpl()));
  return out;
}

std::vector<std::string> view_control_registers(Machine& m) {
  Engine& e = m.engine();
  uint32_t cr0 = e.reg(Reg::CR0), cr4 = e.reg(Reg::CR4);
  std::string mode = !(cr0 & 0x80000000u) ? "paging off" : (cr4 & 0x20) ? "PAE paging" : (cr4 & 0x10) ? "2-level paging, PSE" : "2-level paging";
  return {pad("cr0", 6) + hex(cr0, 8) + " " + flags_of(cr0, kCr0), pad("cr2", 6) + hex(e.reg(Reg::CR2), 8),
          pad("cr3", 6) + hex(e.reg(Reg::CR3), 8), pad("cr4", 6) + hex(cr4, 8) + " " + flags_of(cr4, kCr4),
          "mode  " + mode};
}

std::vector<std::string> view_disassembly(Machine& m, uint32_t addr, unsigned count) {
  Engine& e = m.engine();
  std::vector<std::string> out;
  uint32_t eip = e.reg(Reg::EIP);
  for (unsigned i = 0; i < count; ++i) {
    auto insn = e.decode_at(addr);
    if (!insn) {
      out.push_back("   " + hex(addr, 8) + ": (not readable or not an instruction)");
      break;
    }
    out.push_back(std::string(addr == eip ? "=> " : "   ") +
                  e.disassembler().format(*insn, [&](uint32_t a) { return m.symbolize(a); }));
    addr += insn->size;
  }
  return out;
}

std::vector<std::string> view_memory(Machine& m, const std::string& format, uint32_t addr, bool physical) {
  size_t i = 0;
  unsigned count = 0;
  while (i < format.size() && std::isdigit(static_cast<unsigned char>(format[i]))) count = count * 10 + unsigned(format[i++] - '0');
  if (count == 0) count = 1;
  if (count > 4096) count = 4096;  // a typo must not print a gigabyte
  unsigned size = 4;
  char fmt = 'x';
  for (; i < format.size(); ++i) {
    char f = format[i];
    if (f == 'b') size = 1;
    else if (f == 'h') size = 2;
    else if (f == 'w') size = 4;
    else if (f == 'g') size = 8;
    else fmt = f;
  }
  if (fmt == 'i') {
    if (physical) return {"x/i: instructions are shown at virtual addresses (disas)"};
    return view_disassembly(m, addr, count);
  }
  if (fmt == 'c') size = 1;
  Engine& e = m.engine();
  const GuestRam& ram = e.ram();
  auto read = [&](uint64_t a, uint8_t* dst) {
    if (physical) {
      if (a + size > ram.size()) return false;
      std::copy(ram.data() + a, ram.data() + a + size, dst);
      return true;
    }
    return a + size <= 0x100000000ull && e.read_virt(uint32_t(a), dst, size);
  };
  const unsigned per_line = size == 8 ? 2 : size == 4 ? 4 : 8;
  std::vector<std::string> out;
  std::string line;
  for (unsigned n = 0; n < count; ++n) {
    uint64_t a = uint64_t(addr) + uint64_t(n) * size;
    if (n % per_line == 0) {
      if (!line.empty()) out.push_back(line);
      line = (physical ? "phys " : "") + hex(a, 8) + (physical ? "" : sym_suffix(m, uint32_t(a))) + ":";
    }
    uint8_t b[8] = {};
    if (!read(a, b)) {
      line += physical ? "\tCannot access memory (outside RAM)" : "\tCannot access memory (not mapped)";
      break;
    }
    uint64_t v = 0;
    for (unsigned k = 0; k < size; ++k) v |= uint64_t(b[k]) << (8 * k);
    char buf[32];
    if (fmt == 'd') std::snprintf(buf, sizeof buf, "%lld", static_cast<long long>(size == 8 ? int64_t(v) : size == 4 ? int64_t(int32_t(v)) : size == 2 ? int64_t(int16_t(v)) : int64_t(int8_t(v))));
    else if (fmt == 'u') std::snprintf(buf, sizeof buf, "%llu", static_cast<unsigned long long>(v));
    else if (fmt == 'c') std::snprintf(buf, sizeof buf, "%u '%c'", unsigned(v), (v >= 32 && v < 127) ? char(v) : '.');
    else std::snprintf(buf, sizeof buf, "0x%0*llx", int(size * 2), static_cast<unsigned long long>(v));
    line += std::string("\t") + buf;
  }
  if (!line.empty()) out.push_back(line);
  return out;
}

std::optional<std::vector<std::string>> view_devices(Machine& m, const std::string& name) {
  std::vector<std::string> out;
  if (name.empty()) {
    for (Device* d : m.devices()) out.push_back(pad(d->name(), 12) + std::to_string(inspect_state(*d).size()) + " fields");
    return out;
  }
  Device* d = m.device(name);
  if (!d) return std::nullopt;
  for (const InspectedField& f : inspect_state(*d)) out.push_back(name + "." + f.name + " = " + f.value);
  return out;
}

std::string view_print(Machine& m, const std::string& expr) {
  std::string t = expr.empty() || expr[0] != '$' ? expr : expr.substr(1);
  if (auto r = reg_by_name(t)) {
    uint32_t v = m.engine().reg(*r);
    return "$" + t + " = " + hex(v, 8) + " (" + std::to_string(v) + ")" + (*r == Reg::EIP ? sym_suffix(m, v) : "");
  }
  if (auto dot = expr.find('.'); dot != std::string::npos && dot > 0) {
    if (Device* d = m.device(expr.substr(0, dot))) {
      std::string field = expr.substr(dot + 1);
      for (const InspectedField& f : inspect_state(*d))
        if (f.name == field) return expr + " = " + f.value;
      return "print: device '" + d->name() + "' has no field '" + field + "' (info devices " + d->name() + ")";
    }
  }
  std::string why;
  if (auto a = resolve_address(m, expr, &why)) {
    uint32_t v = *a;
    return expr + " = " + hex(v, 8) + " (" + std::to_string(v) + ")" + sym_suffix(m, v);
  }
  // An expression of the conditions' language (`*0xc0126140`, `$esp + 8`, `*(u8*)sym`).
  try {
    std::string err;
    if (auto v = Expression::parse(expr).eval(m, &err))
      return expr + " = " + hex(*v, 8) + " (" + std::to_string(*v) + ")" + sym_suffix(m, *v);
    return "print: cannot evaluate '" + expr + "': " + err;
  } catch (const ExprError&) {
  }
  return "print: cannot evaluate '" + expr + "': " + why + " (or DEVICE.FIELD, or an expression)";
}

}  // namespace kjump::scenario
