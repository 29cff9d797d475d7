// Atomic file replace, written once: the new contents go to a temporary file in the target's
// folder (`<path>.kjump-tmp-XXXXXX`), which is fsynced and renamed over the target, and then
// the folder is fsynced. A crash or an error leaves the old file or the new one, never a torn
// one, and no temporary file behind.
//
//   AtomicFile f(path, 0644);     // or replace_file_atomically(path, bytes)
//   f.write(p, n);  ...
//   f.commit();                   // destroyed without commit(): the target is left as it was
//
// `resize(n)` sets the file's length (what was not written reads as zeroes and takes no space:
// a raw disk image of hundreds of MiB is one sector and a hole), and `commit(Overwrite::No)`
// puts the file in place only if nothing is there yet, atomically (no check-then-create race).
//
// Errors throw AtomicFileError whose message says what failed and why, without the path
// ("cannot create a temporary file: Permission denied"); callers put their own name for the
// file in front.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <stdexcept>
#include <string>

namespace kjump {

struct AtomicFileError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class AtomicFile {
 public:
  // Creates the temporary file with permission bits `mode` (exactly: the umask is not applied).
  explicit AtomicFile(std::string path, unsigned mode = 0644);
  ~AtomicFile();
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;

  void write(const void* p, size_t n);
  // ftruncate: grows with zeroes (a hole) or cuts; later writes go on where the last one ended.
  void resize(uint64_t size);
  // fsync, close, rename over the target, fsync the folder (best effort: some file systems
  // refuse fsync on folders). After a throw the target is unchanged. With Overwrite::No an
  // existing target is left alone and the error is "... : File exists".
  enum class Overwrite { Yes, No };
  void commit(Overwrite overwrite = Overwrite::Yes);

  const std::string& path() const { return path_; }
  const std::string& temp_path() const { return temp_; }

 private:
  [[noreturn]] void fail(const std::string& what);
  std::string path_, temp_;
  int fd_ = -1;
  bool committed_ = false;
};

void replace_file_atomically(const std::string& path, std::span<const uint8_t> bytes, unsigned mode = 0644);

}  // namespace kjump
