#pragma once
#include <CLI/CLI.hpp>

namespace kjump {
// `kjump boot KERNEL.elf ...`: boot a Multiboot kernel with the guest's COM1 on stdout.
void register_boot_command(CLI::App& app, int& exit_status);
}  // namespace kjump
