#pragma once
#include <string>

namespace kjump {
// C-style escapes in command-line text: \n \r \t \\ \e \xNN. Throws std::invalid_argument.
std::string unescape(const std::string& s);
}  // namespace kjump
