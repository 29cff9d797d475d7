// State-hash traces and divergence reports.
//
// At checkpoints (named ones in a scenario, every power cycle, optionally every N
// instructions) kjump hashes the machine state and appends a record. A golden trace kept in
// the repository is compared record by record; at the first mismatch the report names the
// checkpoint and what differs: which registers, which RAM page ranges, which device fields.
#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "machine/machine.h"

namespace kjump {

struct TraceRecord {
  uint64_t retired = 0;      // instruction count
  uint64_t time = 0;         // virtual ns
  std::string name;          // checkpoint name
  uint64_t hash = 0;         // Machine::state_hash()
  // Detail for divergence reports: every declared (hashed) field's value as inspected
  // (small values verbatim, blobs as hashes), and a hash per 1 MiB of RAM.
  std::vector<std::pair<std::string, std::string>> fields;
  std::vector<uint64_t> ram_mib_hashes;
};

struct TraceError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Between runs. `name` must be a non-empty word (no white space): it is a token in the file.
TraceRecord capture_trace_record(Machine& m, const std::string& name);

// File format: a header line "kjump-trace 2", then one line per checkpoint "retired name
// hash", each followed by its detail lines indented by two spaces ("  t 123456" virtual time,
// "  f cpu.eax 0x12" a field, "  r 3 0x9f..." the hash of RAM MiB 3) so the summary reads like
// `instruction count, name, hash` and the details stay diffable, and last "  x 0x..." the
// XXH3-64 of the record's lines (each with its newline) above it; the file ends with "end N",
// N the number of checkpoints. Every byte is checked or checksummed: a damaged or truncated
// trace is refused, never read into a misleading divergence report. Field values write
// newline and backslash as \n and \\ to stay on one line. Format 1 (no checksums) is refused
// with a line saying to regenerate it. Errors (TraceError) name file:line.
void write_trace(const std::string& path, const std::vector<TraceRecord>& records);
std::vector<TraceRecord> read_trace(const std::string& path);

struct Divergence {
  size_t index;                        // record index of the first mismatch
  std::string checkpoint;              // its name (golden's)
  std::string summary;                 // one line
  std::vector<std::string> details;    // "register cpu.eax: golden 0x1, now 0x2", "RAM 0x00100000-0x001fffff", ...
};
// nullopt if `run` matches `golden` exactly (same count, names, instruction counts, hashes).
std::optional<Divergence> compare_traces(const std::vector<TraceRecord>& golden, const std::vector<TraceRecord>& run);

}  // namespace kjump
