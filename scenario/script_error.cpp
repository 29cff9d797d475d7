#include "scenario/script_error.h"

namespace kjump::scenario {

std::string format_loc(const SourceLoc& loc) {
  return loc.file + ":" + std::to_string(loc.line) + ":" + std::to_string(loc.col);
}

std::string format_line(const SourceLoc& loc) { return loc.file + ":" + std::to_string(loc.line); }

}  // namespace kjump::scenario
