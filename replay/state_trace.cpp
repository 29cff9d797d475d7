#include "replay/state_trace.h"

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <map>
#include <span>
#include <sstream>

#include <xxhash.h>

#include "base/atomic_file.h"
#include "base/host_file.h"
#include "base/hex.h"
#include "emu/state.h"
#include "replay/line_escape.h"

namespace kjump {
namespace {

constexpr const char* kHeader = "kjump-trace 2";
constexpr const char* kHeaderV1 = "kjump-trace 1";

// The checksum of one record: its lines as written, each with its '\n', up to the "  x" line.
uint64_t record_sum(const std::string& text) { return XXH3_64bits(text.data(), text.size()); }
constexpr uint64_t kMiB = 1ull << 20;

bool is_word(const std::string& s) {
  return !s.empty() && std::none_of(s.begin(), s.end(), [](unsigned char c) { return c <= ' '; });
}

// What kind of state a field name belongs to, for the report ("register cpu.eip: ...").
std::string component_of(const std::string& field) {
  if (field.rfind("cpu.", 0) == 0) return "register";
  if (field.rfind("clock.", 0) == 0) return "clock";
  if (field.rfind("machine.", 0) == 0) return "machine";
  return "device";
}

bool parse_u64(const std::string& s, uint64_t& v) {
  if (s.empty()) return false;
  try {
    size_t used = 0;
    int base = s.rfind("0x", 0) == 0 ? 16 : 10;
    v = std::stoull(s, &used, base);
    return used == s.size() && s[0] != '-';
  } catch (const std::exception&) {
    return false;
  }
}

// The field and RAM differences between two records (golden first).
std::vector<std::string> differences(const TraceRecord& golden, const TraceRecord& now) {
  std::vector<std::string> out;
  // Field lists come from the same declaration in the same order; a map copes with traces
  // from a build whose declaration changed.
  std::map<std::string, const std::string*> theirs;
  for (const auto& [name, value] : now.fields) theirs[name] = &value;
  std::map<std::string, bool> seen;
  for (const auto& [name, value] : golden.fields) {
    seen[name] = true;
    auto it = theirs.find(name);
    if (it == theirs.end())
      out.push_back(component_of(name) + " " + name + ": golden " + value + ", missing now");
    else if (*it->second != value)
      out.push_back(component_of(name) + " " + name + ": golden " + value + ", now " + *it->second);
  }
  for (const auto& [name, value] : now.fields)
    if (!seen.count(name)) out.push_back(component_of(name) + " " + name + ": not in golden, now " + value);

  const auto& a = golden.ram_mib_hashes;
  const auto& b = now.ram_mib_hashes;
  if (a.size() != b.size())
    out.push_back("RAM size: golden " + std::to_string(a.size()) + " MiB, now " + std::to_string(b.size()) + " MiB");
  size_t n = std::min(a.size(), b.size());
  for (size_t i = 0; i < n;) {
    if (a[i] == b[i]) {
      ++i;
      continue;
    }
    size_t j = i;
    while (j < n && a[j] != b[j]) ++j;  // coalesce adjacent differing MiBs into one range
    out.push_back("RAM " + hex32(i * kMiB) + "-" + hex32(j * kMiB - 1) + " differs");
    i = j;
  }
  return out;
}

}  // namespace

TraceRecord capture_trace_record(Machine& m, const std::string& name) {
  if (!is_word(name)) throw TraceError("checkpoint name '" + name + "' must be a non-empty word without spaces");
  TraceRecord r;
  r.retired = m.engine().retired();
  r.time = m.now();
  r.name = name;
  r.hash = m.state_hash();
  StateDecl decl;
  m.state().declare_state(decl);
  auto inspected = inspect_state(m.state());
  const auto& fields = decl.fields();
  for (size_t i = 0; i < inspected.size(); ++i)
    if (i >= fields.size() || fields[i].hashed) r.fields.emplace_back(inspected[i].name, inspected[i].value);
  const GuestRam& ram = m.engine().ram();
  for (uint64_t off = 0; off < ram.size(); off += kMiB)
    r.ram_mib_hashes.push_back(hash_bytes(ram.data() + off, std::min(kMiB, ram.size() - off)));
  return r;
}

void write_trace(const std::string& path, const std::vector<TraceRecord>& records) {
  // Built in memory, then replaced atomically: a bad record or an interrupted run leaves the
  // old file (a golden trace, say) as it was, never a torn one.
  std::ostringstream out;
  out << kHeader << "\n";
  for (const auto& r : records) {
    if (!is_word(r.name)) throw TraceError(path + ": checkpoint name '" + r.name + "' is not a single word");
    std::ostringstream rec;
    rec << r.retired << ' ' << r.name << ' ' << hex64(r.hash) << "\n";
    rec << "  t " << r.time << "\n";
    for (const auto& [name, value] : r.fields) {
      if (!is_word(name)) throw TraceError(path + ": field name '" + name + "' is not a single word");
      rec << "  f " << name << ' ' << escape_line(value) << "\n";
    }
    for (size_t i = 0; i < r.ram_mib_hashes.size(); ++i) rec << "  r " << i << ' ' << hex64(r.ram_mib_hashes[i]) << "\n";
    const std::string text = rec.str();
    out << text << "  x " << hex64(record_sum(text)) << "\n";
  }
  out << "end " << records.size() << "\n";
  const std::string text = out.str();
  try {
    replace_file_atomically(path, std::span(reinterpret_cast<const uint8_t*>(text.data()), text.size()));
  } catch (const AtomicFileError& e) {
    throw TraceError(path + ": " + e.what());
  }
}

std::vector<TraceRecord> read_trace(const std::string& path) {
  std::istringstream in;
  try {
    in.str(read_host_text(path, "trace", kMaxTextFileBytes));
  } catch (const HostFileError& e) {
    throw TraceError(e.what());
  }
  std::vector<TraceRecord> records;
  std::string line;
  size_t lineno = 0;
  auto fail = [&](const std::string& why) { return TraceError(path + ":" + std::to_string(lineno) + ": " + why); };
  // Every byte is either checked here or covered by its record's checksum ("  x"), so a
  // damaged golden is refused instead of misleading a later divergence report.
  std::string record_text;     // the open record's lines, for its checksum
  bool open = false, has_time = false, ended = false;
  auto close_record = [&] {
    if (open) throw fail("checkpoint #" + std::to_string(records.size() - 1) + " '" + records.back().name +
                         "' has no checksum line ('  x <hash>')");
  };
  while (std::getline(in, line)) {
    ++lineno;
    if (lineno == 1) {
      if (line == kHeaderV1)
        throw fail("trace format 1, from an older kjump (no checksums): regenerate it (scripts/regen-goldens.sh) "
                   "or record it again with --trace");
      if (line != kHeader) throw fail("not a kjump trace (expected the header '" + std::string(kHeader) + "')");
      continue;
    }
    if (ended) throw fail("text after the 'end' line");
    if (line.rfind("end ", 0) == 0) {
      close_record();
      uint64_t n = 0;
      if (!parse_u64(line.substr(4), n) || n != records.size())
        throw fail("'" + line + "': the trace has " + std::to_string(records.size()) + " checkpoints (truncated or damaged)");
      ended = true;
      continue;
    }
    if (line.rfind("  ", 0) == 0) {
      if (records.empty() || !open) throw fail("detail line outside a checkpoint");
      TraceRecord& r = records.back();
      if (line.size() < 4 || line[3] != ' ') throw fail("malformed detail line");
      char tag = line[2];
      std::string rest = line.substr(4);
      size_t sp = rest.find(' ');
      if (tag == 'x') {
        uint64_t sum = 0;
        if (!parse_u64(rest, sum)) throw fail("bad checksum '" + rest + "'");
        if (!has_time) throw fail("checkpoint '" + r.name + "' has no time line ('  t <ns>')");
        if (sum != record_sum(record_text))
          throw fail("checksum mismatch in checkpoint #" + std::to_string(records.size() - 1) + " '" + r.name +
                     "': its lines were changed or damaged");
        open = false;
        continue;
      }
      record_text += line + "\n";
      if (tag == 't') {
        if (has_time) throw fail("a second time line");
        has_time = true;
        if (!parse_u64(rest, r.time)) throw fail("bad time '" + rest + "'");
      } else if (tag == 'f') {
        if (sp == std::string::npos || sp == 0) throw fail("expected '  f <field> <value>'");
        r.fields.emplace_back(rest.substr(0, sp), unescape_line(rest.substr(sp + 1)));
      } else if (tag == 'r') {
        uint64_t index = 0, hash = 0;
        if (sp == std::string::npos || !parse_u64(rest.substr(0, sp), index) || !parse_u64(rest.substr(sp + 1), hash))
          throw fail("expected '  r <MiB index> <hash>'");
        if (index != r.ram_mib_hashes.size())
          throw fail("RAM MiB " + std::to_string(index) + " out of order (expected " +
                     std::to_string(r.ram_mib_hashes.size()) + ")");
        r.ram_mib_hashes.push_back(hash);
      } else {
        throw fail(std::string("unknown detail tag '") + tag + "'");
      }
      continue;
    }
    if (line.empty()) throw fail("empty line");
    close_record();
    // "retired name hash"
    size_t a = line.find(' '), b = a == std::string::npos ? a : line.find(' ', a + 1);
    if (b == std::string::npos || line.find(' ', b + 1) != std::string::npos)
      throw fail("expected '<instruction count> <name> <hash>'");
    TraceRecord r;
    r.name = line.substr(a + 1, b - a - 1);
    if (!parse_u64(line.substr(0, a), r.retired)) throw fail("bad instruction count '" + line.substr(0, a) + "'");
    if (!parse_u64(line.substr(b + 1), r.hash)) throw fail("bad hash '" + line.substr(b + 1) + "'");
    if (!is_word(r.name)) throw fail("empty checkpoint name");
    records.push_back(std::move(r));
    record_text = line + "\n";
    open = true;
    has_time = false;
  }
  if (lineno == 0) throw TraceError(path + ":1: empty file, not a kjump trace");
  if (!ended) {
    close_record();
    throw TraceError(path + ":" + std::to_string(lineno) + ": no 'end' line: the trace is truncated");
  }
  return records;
}

std::optional<Divergence> compare_traces(const std::vector<TraceRecord>& golden, const std::vector<TraceRecord>& run) {
  size_t n = std::min(golden.size(), run.size());
  for (size_t i = 0; i < n; ++i) {
    const TraceRecord& g = golden[i];
    const TraceRecord& r = run[i];
    std::string at = "checkpoint #" + std::to_string(i) + " '" + g.name + "'";
    if (g.name != r.name)
      return Divergence{i, g.name, at + ": this run has checkpoint '" + r.name + "' here", differences(g, r)};
    if (g.retired != r.retired)
      return Divergence{i, g.name,
                        at + ": golden at instruction " + std::to_string(g.retired) + ", this run at " +
                            std::to_string(r.retired),
                        differences(g, r)};
    if (g.time != r.time)
      return Divergence{i, g.name,
                        at + ": golden at virtual time " + std::to_string(g.time) + ", this run at " +
                            std::to_string(r.time),
                        differences(g, r)};
    if (g.hash != r.hash) {
      auto d = differences(g, r);
      std::string summary = at + " (instruction " + std::to_string(g.retired) + "): state hash golden " + hex64(g.hash) +
                            ", now " + hex64(r.hash);
      if (d.empty()) d.push_back("no field or RAM detail differs (a record without detail, or a hash of other data)");
      return Divergence{i, g.name, summary, d};
    }
  }
  if (golden.size() != run.size()) {
    const std::string& name = n < golden.size() ? golden[n].name : run[n].name;
    return Divergence{n, name,
                      "golden has " + std::to_string(golden.size()) + " checkpoints, this run " +
                          std::to_string(run.size()) + " (first unmatched: '" + name + "')",
                      {}};
  }
  return std::nullopt;
}

}  // namespace kjump
