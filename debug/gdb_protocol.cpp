#include "debug/gdb_protocol.h"

#include <charconv>

#include "debug/gdb_wire.h"

namespace kjump::debug {
namespace {

// i386 core as gdb's 32bit-core.xml, SSE as its 32bit-sse.xml (regnum 32 on), plus a system
// feature: the control registers, GDTR/IDTR, and the segment bases of the hidden descriptor
// caches (what a kexec trampoline's segment reloads leave: QEMU exposes only FS/GS's).
constexpr std::string_view kTargetXml = R"(<?xml version="1.0"?>
<!DOCTYPE target SYSTEM "gdb-target.dtd">
<target version="1.0">
<architecture>i386</architecture>
<feature name="org.gnu.gdb.i386.core">
<flags id="i386_eflags" size="4">
<field name="CF" start="0" end="0"/><field name="" start="1" end="1"/><field name="PF" start="2" end="2"/>
<field name="AF" start="4" end="4"/><field name="ZF" start="6" end="6"/><field name="SF" start="7" end="7"/>
<field name="TF" start="8" end="8"/><field name="IF" start="9" end="9"/><field name="DF" start="10" end="10"/>
<field name="OF" start="11" end="11"/><field name="NT" start="14" end="14"/><field name="RF" start="16" end="16"/>
<field name="VM" start="17" end="17"/><field name="AC" start="18" end="18"/><field name="VIF" start="19" end="19"/>
<field name="VIP" start="20" end="20"/><field name="ID" start="21" end="21"/>
</flags>
<reg name="eax" bitsize="32" type="int32" regnum="0"/>
<reg name="ecx" bitsize="32" type="int32"/>
<reg name="edx" bitsize="32" type="int32"/>
<reg name="ebx" bitsize="32" type="int32"/>
<reg name="esp" bitsize="32" type="data_ptr"/>
<reg name="ebp" bitsize="32" type="data_ptr"/>
<reg name="esi" bitsize="32" type="int32"/>
<reg name="edi" bitsize="32" type="int32"/>
<reg name="eip" bitsize="32" type="code_ptr"/>
<reg name="eflags" bitsize="32" type="i386_eflags"/>
<reg name="cs" bitsize="32" type="int32"/>
<reg name="ss" bitsize="32" type="int32"/>
<reg name="ds" bitsize="32" type="int32"/>
<reg name="es" bitsize="32" type="int32"/>
<reg name="fs" bitsize="32" type="int32"/>
<reg name="gs" bitsize="32" type="int32"/>
<reg name="st0" bitsize="80" type="i387_ext"/>
<reg name="st1" bitsize="80" type="i387_ext"/>
<reg name="st2" bitsize="80" type="i387_ext"/>
<reg name="st3" bitsize="80" type="i387_ext"/>
<reg name="st4" bitsize="80" type="i387_ext"/>
<reg name="st5" bitsize="80" type="i387_ext"/>
<reg name="st6" bitsize="80" type="i387_ext"/>
<reg name="st7" bitsize="80" type="i387_ext"/>
<reg name="fctrl" bitsize="32" type="int" group="float"/>
<reg name="fstat" bitsize="32" type="int" group="float"/>
<reg name="ftag" bitsize="32" type="int" group="float"/>
<reg name="fiseg" bitsize="32" type="int" group="float"/>
<reg name="fioff" bitsize="32" type="int" group="float"/>
<reg name="foseg" bitsize="32" type="int" group="float"/>
<reg name="fooff" bitsize="32" type="int" group="float"/>
<reg name="fop" bitsize="32" type="int" group="float"/>
</feature>
<feature name="org.gnu.gdb.i386.sse">
<vector id="v4f" type="ieee_single" count="4"/>
<vector id="v2d" type="ieee_double" count="2"/>
<vector id="v16i8" type="int8" count="16"/>
<vector id="v8i16" type="int16" count="8"/>
<vector id="v4i32" type="int32" count="4"/>
<vector id="v2i64" type="int64" count="2"/>
<union id="vec128">
<field name="v4_float" type="v4f"/><field name="v2_double" type="v2d"/><field name="v16_int8" type="v16i8"/>
<field name="v8_int16" type="v8i16"/><field name="v4_int32" type="v4i32"/><field name="v2_int64" type="v2i64"/>
<field name="uint128" type="uint128"/>
</union>
<flags id="i386_mxcsr" size="4">
<field name="IE" start="0" end="0"/><field name="DE" start="1" end="1"/><field name="ZE" start="2" end="2"/>
<field name="OE" start="3" end="3"/><field name="UE" start="4" end="4"/><field name="PE" start="5" end="5"/>
<field name="DAZ" start="6" end="6"/><field name="IM" start="7" end="7"/><field name="DM" start="8" end="8"/>
<field name="ZM" start="9" end="9"/><field name="OM" start="10" end="10"/><field name="UM" start="11" end="11"/>
<field name="PM" start="12" end="12"/><field name="FZ" start="15" end="15"/>
</flags>
<reg name="xmm0" bitsize="128" type="vec128" regnum="32"/>
<reg name="xmm1" bitsize="128" type="vec128"/>
<reg name="xmm2" bitsize="128" type="vec128"/>
<reg name="xmm3" bitsize="128" type="vec128"/>
<reg name="xmm4" bitsize="128" type="vec128"/>
<reg name="xmm5" bitsize="128" type="vec128"/>
<reg name="xmm6" bitsize="128" type="vec128"/>
<reg name="xmm7" bitsize="128" type="vec128"/>
<reg name="mxcsr" bitsize="32" type="i386_mxcsr" group="vector"/>
</feature>
<feature name="org.kjump.i386.system">
<reg name="cr0" bitsize="32" type="int32" group="system"/>
<reg name="cr2" bitsize="32" type="int32" group="system"/>
<reg name="cr3" bitsize="32" type="int32" group="system"/>
<reg name="cr4" bitsize="32" type="int32" group="system"/>
<reg name="gdtr_base" bitsize="32" type="data_ptr" group="system"/>
<reg name="gdtr_limit" bitsize="32" type="int32" group="system"/>
<reg name="idtr_base" bitsize="32" type="data_ptr" group="system"/>
<reg name="idtr_limit" bitsize="32" type="int32" group="system"/>
<reg name="cs_base" bitsize="32" type="data_ptr" group="system"/>
<reg name="ss_base" bitsize="32" type="data_ptr" group="system"/>
<reg name="ds_base" bitsize="32" type="data_ptr" group="system"/>
<reg name="es_base" bitsize="32" type="data_ptr" group="system"/>
<reg name="fs_base" bitsize="32" type="data_ptr" group="system"/>
<reg name="gs_base" bitsize="32" type="data_ptr" group="system"/>
</feature>
</target>
)";

bool parse_hex(std::string_view s, uint64_t& v) {
  if (s.empty() || s.size() > 16) return false;
  auto r = std::from_chars(s.data(), s.data() + s.size(), v, 16);
  return r.ec == std::errc() && r.ptr == s.data() + s.size();
}

// "ADDR,LEN" (with an optional ":..." after it, returned in rest).
bool parse_addr_len(std::string_view s, uint64_t& addr, uint64_t& len, std::string_view* rest = nullptr) {
  size_t comma = s.find(',');
  if (comma == std::string_view::npos) return false;
  size_t colon = s.find(':', comma);
  std::string_view l = s.substr(comma + 1, colon == std::string_view::npos ? std::string_view::npos : colon - comma - 1);
  if (rest) *rest = colon == std::string_view::npos ? std::string_view() : s.substr(colon + 1);
  if (!rest && colon != std::string_view::npos) return false;
  return parse_hex(s.substr(0, comma), addr) && parse_hex(l, len);
}

size_t register_offset(unsigned n) {
  size_t off = 0;
  for (unsigned i = 0; i < n; ++i) off += gdb_register_size(i);
  return off;
}

}  // namespace

unsigned gdb_register_size(unsigned n) {
  if (n < 16) return 4;
  if (n < 24) return 10;
  if (n < 32) return 4;
  if (n < 40) return 16;  // xmm0-7
  if (n < kGdbRegisterCount) return 4;
  return 0;
}

std::string GdbProtocol::stop_reply(const GdbStop& s) const {
  switch (s.kind) {
    case GdbStop::Kind::Exited: {
      char buf[8];
      std::snprintf(buf, sizeof buf, "W%02x", unsigned(s.exit_code) & 0xff);
      return buf;
    }
    case GdbStop::Kind::Breakpoint: return swbreak_ ? "T05swbreak:;thread:01;" : "T05thread:01;";
    case GdbStop::Kind::Watch: {
      char buf[64];
      static const char* const kReason[] = {"watch", "rwatch", "awatch"};
      std::snprintf(buf, sizeof buf, "T05%s:%llx;thread:01;", kReason[s.watch_kind % 3],
                    static_cast<unsigned long long>(s.data_addr));
      return buf;
    }
    case GdbStop::Kind::HistoryStart: return "T05replaylog:begin;thread:01;";
    case GdbStop::Kind::Interrupted: return "T02thread:01;";
    case GdbStop::Kind::Fault: return "T0bthread:01;";
    case GdbStop::Kind::Trap: break;
  }
  return "T05thread:01;";
}

std::string GdbProtocol::query(std::string_view q, std::vector<std::string>& replies) {
  if (q.rfind("qSupported", 0) == 0) {
    swbreak_ = q.find("swbreak+") != std::string_view::npos;
    char buf[160];
    std::snprintf(buf, sizeof buf,
                  "PacketSize=%zx;qXfer:features:read+;swbreak+;hwbreak+;QStartNoAckMode+;ReverseStep+;ReverseContinue+",
                  kMaxPacket);
    return buf;
  }
  if (q == "QStartNoAckMode") {
    no_ack_ = true;
    return "OK";
  }
  if (q.rfind("qXfer:features:read:target.xml:", 0) == 0) {
    uint64_t off = 0, len = 0;
    if (!parse_addr_len(q.substr(31), off, len)) return "E01";
    if (off >= kTargetXml.size()) return "l";
    len = std::min<uint64_t>(len, kMaxPacket - 16);
    std::string_view part = kTargetXml.substr(off, len);
    return (off + part.size() >= kTargetXml.size() ? "l" : "m") + std::string(part);
  }
  if (q.rfind("qXfer:", 0) == 0) return "E00";
  if (q == "qAttached") return "1";
  if (q == "qC") return "QC01";
  if (q == "qfThreadInfo") return "m01";
  if (q == "qsThreadInfo") return "l";
  if (q.rfind("qRcmd,", 0) == 0) {
    std::string line;
    if (!from_hex(q.substr(6), line)) return "E01";
    std::string out;
    if (line == "phys on" || line == "phys off") {
      physical_ = line == "phys on";
      out = std::string("memory and breakpoint packets take ") + (physical_ ? "physical" : "virtual") + " addresses\n";
    } else {
      out = t_.monitor(line);
    }
    for (size_t i = 0; i < out.size(); i += 512) replies.push_back("O" + to_hex(out.substr(i, 512)));
    return "OK";
  }
  return "";
}

bool GdbProtocol::handle(std::string_view p, std::vector<std::string>& replies) {
  auto reply = [&](std::string s) { replies.push_back(std::move(s)); };
  if (p.empty()) return reply(""), true;
  switch (p[0]) {
    case '?': reply("T05thread:01;"); return true;
    case 'q':
    case 'Q': reply(query(p, replies)); return true;
    case 'H': reply("OK"); return true;
    case 'T': reply("OK"); return true;  // thread 1 is alive
    case 'k': return false;
    case 'D': reply("OK"); return false;
    case 'g': {
      std::string regs = t_.read_registers();
      reply(to_hex(regs));
      return true;
    }
    case 'G': {
      std::string bytes;
      if (!from_hex(p.substr(1), bytes) || bytes.size() != register_offset(kGdbRegisterCount)) return reply("E01"), true;
      for (unsigned n = 0; n < 16; ++n)
        if (!t_.write_register(n, std::string_view(bytes).substr(register_offset(n), 4))) return reply("E01"), true;
      reply("OK");
      return true;
    }
    case 'p': {
      uint64_t n = 0;
      if (!parse_hex(p.substr(1), n) || n >= kGdbRegisterCount) return reply("E01"), true;
      std::string regs = t_.read_registers();
      reply(to_hex(std::string_view(regs).substr(register_offset(unsigned(n)), gdb_register_size(unsigned(n)))));
      return true;
    }
    case 'P': {
      size_t eq = p.find('=');
      uint64_t n = 0;
      std::string bytes;
      if (eq == std::string_view::npos || !parse_hex(p.substr(1, eq - 1), n) || n >= kGdbRegisterCount ||
          !from_hex(p.substr(eq + 1), bytes) || bytes.size() != gdb_register_size(unsigned(n)))
        return reply("E01"), true;
      reply(t_.write_register(unsigned(n), bytes) ? "OK" : "E01");
      return true;
    }
    case 'm': {
      uint64_t addr = 0, len = 0;
      if (!parse_addr_len(p.substr(1), addr, len)) return reply("E01"), true;
      len = std::min<uint64_t>(len, (kMaxPacket - 8) / 2);
      std::string out;
      reply(t_.read_memory(addr, size_t(len), physical_, out) ? to_hex(out) : "E14");
      return true;
    }
    case 'M':
    case 'X': {
      uint64_t addr = 0, len = 0;
      std::string_view rest;
      if (!parse_addr_len(p.substr(1), addr, len, &rest)) return reply("E01"), true;
      std::string bytes;
      if (p[0] == 'M') {
        if (!from_hex(rest, bytes)) return reply("E01"), true;
      } else {
        bytes = std::string(rest);  // the wire already undid the escapes
      }
      if (bytes.size() != len) return reply("E01"), true;
      reply(len == 0 || t_.write_memory(addr, bytes, physical_) ? "OK" : "E14");
      return true;
    }
    case 'Z':
    case 'z': {
      if (p.size() < 2 || p[1] < '0' || p[1] > '4') return reply(""), true;
      uint64_t addr = 0, kind = 0;
      std::string_view rest = p.substr(2);
      if (rest.empty() || rest[0] != ',') return reply("E01"), true;
      std::string_view args = rest.substr(1);
      if (size_t semi = args.find(';'); semi != std::string_view::npos) args = args.substr(0, semi);
      if (!parse_addr_len(args, addr, kind) || addr > 0xFFFFFFFFull) return reply("E01"), true;
      if (p[1] >= '2') {
        // Z2 write, Z3 read, Z4 access watchpoint; `kind` is the length (1..4096).
        if (kind == 0 || kind > 4096 || addr + kind > 0x100000000ull) return reply("E01"), true;
        reply(t_.watchpoint(p[0] == 'Z', unsigned(p[1] - '0'), addr, unsigned(kind), physical_) ? "OK" : "E01");
        return true;
      }
      reply(t_.breakpoint(p[0] == 'Z', addr, physical_) ? "OK" : "E01");
      return true;
    }
    case 'c':
    case 's':
    case 'C':
    case 'S':
      reply(stop_reply(t_.resume(p[0] == 'c' || p[0] == 'C' ? GdbTarget::Resume::Continue : GdbTarget::Resume::Step)));
      return true;
    case 'b':
      if (p == "bc" || p == "bs") {
        reply(stop_reply(t_.resume(p == "bc" ? GdbTarget::Resume::ReverseContinue : GdbTarget::Resume::ReverseStep)));
        return true;
      }
      reply("");
      return true;
    case 'v':
      if (p == "vCont?") return reply("vCont;c;C;s;S"), true;
      if (p.rfind("vCont;", 0) == 0) {
        // One thread: the first action says what to do.
        char a = p.size() > 6 ? p[6] : 0;
        if (a != 'c' && a != 'C' && a != 's' && a != 'S') return reply("E01"), true;
        reply(stop_reply(t_.resume(a == 'c' || a == 'C' ? GdbTarget::Resume::Continue : GdbTarget::Resume::Step)));
        return true;
      }
      reply("");
      return true;
    default: reply(""); return true;
  }
}

}  // namespace kjump::debug
