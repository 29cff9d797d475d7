// What a snapshot must match to be restored: the parts of a machine's configuration that
// decide what the guest sees — RAM size, the bytes of the kernel, modules and fw_cfg files,
// the command line, the disk, injected faults. Host paths count only where the guest can see
// them (the first word of the command line), so a snapshot survives a moved build directory.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "machine/machine.h"

namespace kjump {

// Ordered "key" → "value" lines, e.g. ("ram_size", "134217728"), ("kernel", "xxh3 0x…").
using MachineFingerprint = std::vector<std::pair<std::string, std::string>>;

// Reads the configured files (they are hashed, not trusted by name).
MachineFingerprint fingerprint_of(const MachineConfig& c);
std::string encode_fingerprint(const MachineFingerprint& f);
MachineFingerprint decode_fingerprint(const std::string& text);
// The first difference, as "ram_size: snapshot 134217728, this machine 67108864", or nullopt.
std::optional<std::string> fingerprint_mismatch(const MachineFingerprint& snapshot, const MachineFingerprint& here);

}  // namespace kjump
