// Guest bytes quoted in one-line messages: C escapes for control bytes, quotes and
// backslashes, and only the last `max_len` bytes (with "..." in front) of a long text, so a
// failure message stays one readable line whatever the guest printed.
#pragma once

#include <cstddef>
#include <string>

namespace kjump {

std::string escape_for_message(const std::string& s, size_t max_len = 160);

}  // namespace kjump
