// The replay layer's fuzz entries: snapshot files, the state blob inside them, input logs
// and state-hash traces, each as the CLI reads it (by name: fuzz/fuzz_file.h). A refusal must
// be the reader's own error type with one line naming the file; what is accepted must keep
// the readers' promises, and state that passes the checks is restored into a machine and
// used (fuzz/machine_probe.h), so a field the declarations let through and a device trusts
// is found too.
#include <xxhash.h>

#include <cstring>
#include <memory>

#include "emu/state.h"
#include "fuzz/fuzz_entry.h"
#include "fuzz/fuzz_file.h"
#include "fuzz/machine_probe.h"
#include "replay/input_log.h"
#include "replay/snapshot.h"
#include "replay/state_compare.h"
#include "replay/state_trace.h"

namespace kjump::fuzz {
namespace {

// The probe machine (fuzz/machine_probe.h) whose layout the state fits: check_state refuses a
// blob of another layout or another machine's drives before it changes anything, so trying
// each in turn costs only the check. nullptr (and the first machine's refusal) if none fits.
ProbeMachine* fitting_machine(std::span<const uint8_t> blob, uint64_t ram_size, std::string& refusal) {
  for (auto& pm : probe_machines()) {
    if (ram_size && pm->ram_size() != ram_size) continue;
    pm->reset();
    try {
      check_state(pm->state_to_check(), blob);
      return pm.get();
    } catch (const StateError& e) {
      if (refusal.empty()) refusal = e.what();
      KJ_FUZZ_CHECK(std::string(e.what()).find('\n') == std::string::npos);
    }
  }
  if (refusal.empty()) refusal = "no probe machine has " + std::to_string(ram_size) + " bytes of RAM";
  return nullptr;
}

// What every reader of state may do with a blob from a file, on a declaration: none may
// crash, and each refuses only by StateError. Each comparison reads the blob with
// read_saved_state before any work of its own that depends on it (replay/state_compare.cpp),
// so a blob read_saved_state refuses is refused by all of them with that same StateError:
// running them then would only build their declarations again (most of this target's time).
// configuration_of of the blob runs inside configuration_differences.
void read_state_every_way(Stateful& decl, std::span<const uint8_t> blob, std::span<const uint8_t> reference) {
  SavedState saved;
  try {
    saved = read_saved_state(blob);
  } catch (const StateError&) {
    return;
  }
  try {
    for (const SavedField& f : saved.fields) format_payload(nullptr, f.payload);
  } catch (const StateError&) {
  }
  try {
    configuration_differences(decl, blob, reference);
    state_differences(decl, reference, blob);
  } catch (const StateError&) {
  }
  try {
    component_mismatch(blob, "a", reference, "b");
    layout_mismatch(blob, decl);
  } catch (const StateError&) {  // a blob that is not well formed (replay/state_compare.h)
  }
}

// State that check_state accepted goes into the machine and is used; loading must accept
// exactly what checking accepted, and saving what was loaded must load again.
void restore_and_probe(ProbeMachine& pm, std::span<const uint8_t> blob) {
  pm.reset();
  try {
    load_state(pm.machine().state(), blob);
  } catch (const StateError& e) {
    note(std::string("state: load refused: ") + e.what());
    return;  // a post_load may still refuse what it finds (emu/state.h)
  }
  pm.probe();
  note("state: loaded and probed, power " + std::string(pm.machine().power().on ? "on" : "off") + ", t=" +
       std::to_string(pm.machine().now()));
  std::vector<uint8_t> again = save_state(pm.machine().state());
  check_state(pm.machine().state(), again);
}

// Random mutations almost never keep an XXH3 right, so on their own they would stop at the
// first checksum. The second pass gives every section whose header is intact its right sum,
// so the fuzzer reaches the sections' decoders with the reader unchanged.
std::vector<uint8_t> resealed(const uint8_t* data, size_t size) {
  std::vector<uint8_t> b(data, data + size);
  size_t pos = 16;  // magic, version, section count
  while (pos + 24 <= b.size()) {
    uint64_t length = 0;
    std::memcpy(&length, b.data() + pos + 8, 8);  // little-endian host (x86)
    if (length > b.size() - pos - 24) break;
    const uint64_t sum = XXH3_64bits(b.data() + pos + 24, size_t(length));
    std::memcpy(b.data() + pos + 16, &sum, 8);
    pos += 24 + size_t(length);
  }
  return b;
}

void snapshot_once(FuzzFile& file) {
  SnapshotFile f;
  try {
    f = read_snapshot_file(file.path());
  } catch (const SnapshotError& e) {
    KJ_FUZZ_CHECK(names_file_in_one_line(e.what(), file.path()));
    note(std::string("snapshot: refused: ") + e.what());
    return;
  }
  KJ_FUZZ_CHECK(f.snapshot.ram.size() % kRamPageSize == 0);
  std::string refusal;
  ProbeMachine* pm = fitting_machine(f.snapshot.state, f.snapshot.ram.size(), refusal);
  if (!pm) {
    note("snapshot: state refused: " + refusal);
    return;  // read_snapshot_file(path, machine) turns this into a SnapshotError by name
  }
  // A whole restore, as `snapshot read` then `snapshot restore` does it.
  try {
    SnapshotStore::restore(pm->machine(), f.snapshot);
  } catch (const StateError& e) {
    note(std::string("snapshot: restore refused: ") + e.what());
    return;  // a post_load may still refuse what it finds (emu/state.h)
  }
  pm->probe();
  note("snapshot: restored and probed, power " + std::string(pm->machine().power().on ? "on" : "off") + ", t=" +
       std::to_string(pm->machine().now()));
}

}  // namespace

int snapshot_input(const uint8_t* data, size_t size) {
  static FuzzFile file("fuzz-snapshot");
  file.set(data, size);
  snapshot_once(file);
  reset_probe_machines();
  std::vector<uint8_t> fixed = resealed(data, size);
  if (fixed != std::vector<uint8_t>(data, data + size)) {
    file.set(fixed.data(), fixed.size());
    snapshot_once(file);
    reset_probe_machines();
  }
  return 0;
}

int state_input(const uint8_t* data, size_t size) {
  // What the probe machine saves when nothing was restored: the other side of every comparison.
  static const std::vector<uint8_t> reference = [] {
    ProbeMachine& m = *probe_machines().front();
    m.reset();
    return save_state(m.state_to_check());
  }();
  const std::span<const uint8_t> blob(data, size);
  ProbeMachine& first = *probe_machines().front();
  first.reset();
  read_state_every_way(first.state_to_check(), blob, reference);
  std::string refusal;
  ProbeMachine* pm = fitting_machine(blob, 0, refusal);
  if (!pm) {
    note("state: refused: " + refusal);
    return 0;
  }
  restore_and_probe(*pm, blob);
  reset_probe_machines();
  return 0;
}

int input_log_input(const uint8_t* data, size_t size) {
  static FuzzFile file("fuzz-input-log");
  file.set(data, size);
  InputLog log;
  try {
    log = read_input_log(file.path());
  } catch (const InputLogError& e) {
    KJ_FUZZ_CHECK(names_file_in_one_line(e.what(), file.path()));
    note(std::string("input log: refused: ") + e.what());
    return 0;
  }
  size_t total = 0;
  for (const auto& events : log.branches) {
    total += events.size();
    for (size_t i = 0; i < events.size(); ++i) {
      const InputEvent& ev = events[i];
      KJ_FUZZ_CHECK(ev.kind == InputKind::Serial ? !ev.bytes.empty() : ev.bytes.empty());
      if (i) KJ_FUZZ_CHECK(events[i - 1].time <= ev.time);
    }
  }
  note("input log: " + std::to_string(log.branches.size()) + " branches, " + std::to_string(total) + " events");
  return 0;
}

int trace_input(const uint8_t* data, size_t size) {
  static FuzzFile file("fuzz-trace");
  file.set(data, size);
  std::vector<TraceRecord> records;
  try {
    records = read_trace(file.path());
  } catch (const TraceError& e) {
    KJ_FUZZ_CHECK(names_file_in_one_line(e.what(), file.path()));
    note(std::string("trace: refused: ") + e.what());
    return 0;
  }
  note("trace: " + std::to_string(records.size()) + " records");
  // A trace matches itself, and a run that differs in one record is reported there, with
  // whatever detail the damaged record still has.
  KJ_FUZZ_CHECK(!compare_traces(records, records));
  if (!records.empty()) {
    std::vector<TraceRecord> run = records;
    TraceRecord& last = run.back();
    last.hash ^= 1;
    if (!last.fields.empty()) last.fields.front().second += "x";
    if (!last.ram_mib_hashes.empty()) last.ram_mib_hashes.back() ^= 1;
    auto d = compare_traces(records, run);
    KJ_FUZZ_CHECK(d && d->index == records.size() - 1);
    run.pop_back();
    d = compare_traces(records, run);
    KJ_FUZZ_CHECK(d && d->index == run.size());
  }
  return 0;
}

}  // namespace kjump::fuzz
