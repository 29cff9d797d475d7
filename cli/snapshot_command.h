#pragma once
#include <CLI/CLI.hpp>

namespace kjump {
// `kjump snapshot diff A.snap B.snap [--config]`: the fields (or only the devices' programmed
// configuration) that differ between two snapshot files written by `snapshot write`.
void register_snapshot_command(CLI::App& app, int& exit_status);
}  // namespace kjump
