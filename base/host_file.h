// Whole-file reads of the files a user hands kjump (scripts, kernels, modules, fw_cfg files,
// snapshots, traces, input logs): only regular files, only up to a size the reader states,
// and every refusal one line naming the file. Without the checks, /dev/zero is read until
// memory runs out, a directory reads as an "empty file", and a FIFO blocks the open forever.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace kjump {

struct HostFileError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// The whole file. Throws HostFileError "<path>: cannot open: <reason>", "<path>: is a
// directory, not a regular file" (a FIFO, a character device ...), "<path>: <n> bytes, more
// than the <max> a <what> may have", or "<path>: read failed: <reason>".
std::vector<uint8_t> read_host_file(const std::string& path, const std::string& what, uint64_t max_bytes);
std::string read_host_text(const std::string& path, const std::string& what, uint64_t max_bytes);

// Throws HostFileError as above unless `fd` (opened from `path`) is a regular file.
void require_regular_file(int fd, const std::string& path);

// Limits the readers state: a guest file is loaded into the guest's RAM (at most 4 GiB on
// i386); a text file (script, trace, input log) past 1 GiB is not one a person wrote.
inline constexpr uint64_t kMaxGuestFileBytes = uint64_t(4) << 30;
inline constexpr uint64_t kMaxTextFileBytes = uint64_t(1) << 30;
// A snapshot holds at most 4 GiB of RAM plus its state and history.
inline constexpr uint64_t kMaxSnapshotFileBytes = uint64_t(6) << 30;

}  // namespace kjump
