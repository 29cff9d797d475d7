// `kjump debug`: the debugger console (debug/console.h) on a terminal with line editing and
// history (libedit), or on a pipe; optionally a GDB remote stub.
#pragma once

#include <CLI/CLI.hpp>

namespace kjump {

void register_debug_command(CLI::App& app, int& exit_status);

}  // namespace kjump
