// Whole-machine snapshots: CPU (with hidden segment state, control registers, FPU/SSE), RAM,
// devices, virtual clock, timers and pending host input — everything Machine::state()
// declares, plus RAM. In memory (fast: RAM copied at memory bandwidth, incremental: only
// pages that changed since the previous snapshot are stored) and in a versioned file.
//
// Restoring and running on gives exactly the states, at the same instruction counts, of the
// run that was never interrupted.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "machine/machine.h"
#include "replay/input_log.h"
#include "replay/machine_fingerprint.h"
#include "replay/ram_image.h"

namespace kjump {

struct Snapshot {
  uint64_t time = 0;                    // Machine::now() when taken
  uint64_t retired = 0;                 // retired instructions when taken
  std::vector<uint8_t> state;           // save_state(machine.state())
  RamImage ram;                         // full RAM image, pages shared with the previous snapshot when equal
  uint64_t ram_pages_copied = 0;        // pages that differed from the previous snapshot
  std::string serial_output;            // Machine::serial_output() when taken
  std::vector<InputEvent> input_log;    // Machine::input_log() when taken (restored with it)
};

// Named snapshots, and where in the history each was taken, belong to the Session
// (session/session.h); the store only takes and restores them.
class SnapshotStore {
 public:
  // Captures the machine (between runs only). RAM pages equal to the previous snapshot's
  // are shared, not copied.
  Snapshot take(Machine& m);
  // Puts the machine back exactly as captured (and flushes translated code and the TLB).
  // Between runs only. Throws StateError if the snapshot belongs to another configuration.
  static void restore(Machine& m, const Snapshot& s);

 private:
  RamImage last_ram_;
};

// Snapshot files: magic "KJSNAP\0\0", format version, sections (machine configuration
// fingerprint, times, state, RAM with zero pages run-length encoded, serial output, input
// log) each with a length and an XXH3 checksum. A snapshot taken for another configuration
// (RAM size, kernel/module/fw_cfg bytes, command line, disk) is refused. A
// truncated, corrupted or wrong-version file is refused with SnapshotError naming the file
// and the section.
struct SnapshotError : std::runtime_error {
  using std::runtime_error::runtime_error;
};
// Version 2: the state section holds the versioned state blob (per-component versions and
// optional sections, emu/state.h). Version-1 files, from older kjumps, are refused.
inline constexpr uint32_t kSnapshotFormatVersion = 2;
// Written atomically (temporary file + rename): an interrupted save never leaves a torn file.
void write_snapshot_file(const std::string& path, const Machine& m, const Snapshot& s);
// Reading for `m` also checks everything a restore into `m` would (emu/state.h's valid values
// of every field, the RAM size) and refuses a bad value in one line naming the file, the
// device and the field; `m` is left as it was.
Snapshot read_snapshot_file(const std::string& path, Machine& m);
// A snapshot file read without a machine to check it against, with the configuration it was
// taken for (kjump snapshot diff compares snapshots of different machines). Everything else
// is checked as above.
struct SnapshotFile {
  MachineFingerprint config;
  Snapshot snapshot;
};
SnapshotFile read_snapshot_file(const std::string& path);

}  // namespace kjump
