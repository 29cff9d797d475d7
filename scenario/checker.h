// Checks a parsed script before anything runs, so a typo on line 90 is reported before
// minutes of emulation on lines 1-89:
//   - every `${name}` refers to a variable defined earlier (by --set, `set` or a capture),
//   - commands come in an order that makes sense (configuration before `boot` or while
//     powered off, no serial I/O while off, `boot` once),
//   - snapshots are saved (or read) before they are restored, written or compared,
//   - files whose paths are known before the run exist.
// Throws ScriptError at the first problem.
#pragma once

#include "scenario/commands.h"
#include "scenario/text.h"

namespace kjump::scenario {

void check_script(const Script& script, const Variables& predefined);

// A path from the script (`written` as in the script, `path` its expansion): absolute as is;
// relative to the current directory when it starts with a command-line variable; relative to
// the script's directory otherwise.
std::string resolve_script_path(const Script& script, const Text& written, const std::string& path);

}  // namespace kjump::scenario
