// Guest bytes quoted in one-line messages: C escapes for control bytes, quotes and
// backslashes, and only the last `max_len` bytes (with "..." in front) of a long text, so a
// failure message stays one readable line whatever the guest printed.
#pragma once

#include <cstddef>
#include <string>

namespace kjump {

std::string escape_for_message(const std::string& s, size_t max_len = 160);

// One byte as it appears inside a double-quoted C-style string: \n \r \t \\ \" and \xNN for
// other control and non-ASCII bytes, anything else as itself (appended to out).
void append_c_escaped(std::string& out, unsigned char c);

}  // namespace kjump
