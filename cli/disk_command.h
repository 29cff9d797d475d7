#pragma once
#include <CLI/CLI.hpp>

namespace kjump {
// `kjump disk create FILE --size SIZE [--partition SIZE[:TYPE]]... [--force]` and
// `kjump disk info FILE`: raw disk images with an MBR (image/partition_layout.h).
void register_disk_command(CLI::App& app, int& exit_status);
}  // namespace kjump
