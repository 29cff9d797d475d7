#pragma once
#include <CLI/CLI.hpp>

namespace kjump {
// `kjump run SCRIPT ...`: run a scenario script (scenarios/README.md) with a summary at the end.
void register_run_command(CLI::App& app, int& exit_status);
}  // namespace kjump
