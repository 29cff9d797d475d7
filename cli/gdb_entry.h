// `--gdb HOST:PORT` on `kjump boot` and `kjump run`: the machine served to one GDB client
// (debug/gdb_server.h, loopback unless a host is given, a second client refused), through the
// same console session `kjump debug --gdb` uses.
#pragma once

#include <string>
#include <vector>

#include "machine/machine.h"

namespace kjump {

// Boots `config`, serves gdb from power-on until the client detaches, then lets the guest run
// on to its end (guest output on stdout). Returns `kjump boot`'s exit status.
int gdb_boot(const MachineConfig& config, const std::string& address);
// Runs SCRIPT to its end (or its first failure), then serves gdb on where it stopped. Returns
// 0 if the script passed, 1 if not, 2 for bad input.
int gdb_run(const std::string& script, const std::vector<std::string>& set, const std::string& address);

}  // namespace kjump
