// A fuzz input as a file the readers open by name. The readers of snapshots, traces, input
// logs, scripts and kernels take a path, and the CLI reaches them only that way, so the fuzz
// entries hand them one: an anonymous in-memory file (memfd) named /proc/self/fd/N. The exact
// read path runs (regular-file check, size limit, whole read), nothing touches the disk, and
// the readers need no second, bytes-only entry that the CLI would never use.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace kjump::fuzz {

class FuzzFile {
 public:
  // `name` only labels the memfd (ls -l /proc/PID/fd); one file per target, for the process.
  explicit FuzzFile(const char* name);
  ~FuzzFile();
  FuzzFile(const FuzzFile&) = delete;
  FuzzFile& operator=(const FuzzFile&) = delete;

  // Replaces the file's contents with these bytes.
  void set(const uint8_t* data, size_t size);
  const std::string& path() const { return path_; }

 private:
  int fd_ = -1;
  std::string path_;
};

// Whether a reader's one-line message names the file first ("<path>: ..."), as every reader
// promises (ARCHITECTURE.md, "Errors are one line naming the file").
bool names_file_in_one_line(const std::string& message, const std::string& path);

// With KJUMP_FUZZ_VERBOSE=1 in the environment, prints `what` on stderr: what an entry did with
// an input ("snapshot: restored and probed", "trace: refused: ..."), to see that the seeds get
// where they should (kjump_fuzz_corpus NAME FILE). Silent otherwise: the fuzzer runs it millions
// of times.
void note(const std::string& what);

// A broken promise is a bug the fuzzer must report, whatever the build type.
#define KJ_FUZZ_CHECK(cond)        \
  do {                             \
    if (!(cond)) __builtin_trap(); \
  } while (0)

}  // namespace kjump::fuzz
