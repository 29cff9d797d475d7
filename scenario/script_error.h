// Where a piece of a script came from, and the one error type every stage of the scenario
// language throws: rendered as the single line `file:line:col: error: message` that the user
// (and their editor) can jump to.
#pragma once

#include <stdexcept>
#include <string>

namespace kjump::scenario {

struct SourceLoc {
  std::string file;
  int line = 0;  // 1-based
  int col = 0;   // 1-based, in bytes
};

std::string format_loc(const SourceLoc& loc);  // "file:line:col"
std::string format_line(const SourceLoc& loc);  // "file:line" (summaries)
// Control bytes (below 0x20, and 0x7f) as \xNN, the rest as is: a message quotes words of the
// script, and a damaged script's bytes must not reach the terminal raw (an escape sequence, a
// carriage return that hides the file name). Backslashes stay, so quoted regexes read as written.
std::string escape_controls(const std::string& s);

class ScriptError : public std::runtime_error {
 public:
  ScriptError(SourceLoc loc, const std::string& message)
      : std::runtime_error(format_loc(loc) + ": error: " + escape_controls(message)), loc_(std::move(loc)), message_(message) {}
  const SourceLoc& loc() const { return loc_; }
  const std::string& message() const { return message_; }

 private:
  SourceLoc loc_;
  std::string message_;
};

}  // namespace kjump::scenario
