#pragma once
#include <CLI/CLI.hpp>

namespace kjump {
// `kjump image info|verify|extract DISK [--partition N] [--kernel K]`: the hibernation image on
// a disk's partition (image/image_check.h), read and checked on the host.
void register_image_command(CLI::App& app, int& exit_status);
}  // namespace kjump
