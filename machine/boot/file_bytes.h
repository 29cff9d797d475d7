// Whole-file reads for the boot path (kernel images, Multiboot modules).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace kjump {

// Reads the whole regular file (base/host_file.h). Throws BootError "<path>: cannot open
// <what>: <reason>" (or "is a directory, not a regular file", or too large), e.g.
// "mod.bin: cannot open module: No such file or directory".
std::vector<uint8_t> read_file_bytes(const std::string& path, const std::string& what);

}  // namespace kjump
