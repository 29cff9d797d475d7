// Script text → typed commands. Syntax only, plus every check that needs nothing but the
// text itself: numbers, sizes, durations, register names and regexes whose text is fixed.
// Flow checks (variables defined before use, boot order, files) are checker.h's job.
#pragma once

#include <string>

#include "scenario/commands.h"

namespace kjump::scenario {

// `file` is how errors name the script; `directory` is where its relative paths start.
// Throws ScriptError at the first error.
Script parse_script(const std::string& text, const std::string& file, const std::string& directory);

// Reads and parses a script file. A file that cannot be read is a ScriptError at file:1:1.
Script load_script(const std::string& path);

}  // namespace kjump::scenario
