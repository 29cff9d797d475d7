// Where the image tools read bytes from: a disk image file (read piece by piece with pread,
// because a hibernating partition can hold hundreds of MiB and is never loaded whole), bytes
// in memory (unit tests and the fuzz targets run the same readers on them), and a window of
// either (one partition, so a reader cannot stray outside it).
//
//   FileSource disk("disk.img");                       // throws ImageError naming the file
//   WindowSource part(disk, offset, size, "disk.img: partition 1");
//   part.read(0, buf, 512);                            // exactly 512 bytes, or ImageError
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

namespace kjump::image {

class ByteSource {
 public:
  virtual ~ByteSource() = default;
  // How messages name this source ("disk.img", "disk.img: partition 1").
  virtual const std::string& name() const = 0;
  virtual uint64_t size() const = 0;
  // Exactly `n` bytes at `offset`. A range outside the source, or a short read, throws
  // ImageError "<name>: ...". Callers check their ranges first; this is the last guard.
  virtual void read(uint64_t offset, void* out, size_t n) const = 0;

 protected:
  void check_range(uint64_t offset, size_t n) const;
};

// A regular file, opened read-only; its size is taken once, when it is opened.
class FileSource final : public ByteSource {
 public:
  explicit FileSource(std::string path);
  ~FileSource() override;
  FileSource(const FileSource&) = delete;
  FileSource& operator=(const FileSource&) = delete;

  const std::string& name() const override { return path_; }
  uint64_t size() const override { return size_; }
  void read(uint64_t offset, void* out, size_t n) const override;

 private:
  std::string path_;
  int fd_ = -1;
  uint64_t size_ = 0;
};

// Bytes the caller keeps alive.
class MemorySource final : public ByteSource {
 public:
  MemorySource(std::span<const uint8_t> bytes, std::string name) : bytes_(bytes), name_(std::move(name)) {}
  const std::string& name() const override { return name_; }
  uint64_t size() const override { return bytes_.size(); }
  void read(uint64_t offset, void* out, size_t n) const override;

 private:
  std::span<const uint8_t> bytes_;
  std::string name_;
};

// `size` bytes of `base` from `offset` (which the caller has checked fit in `base`).
class WindowSource final : public ByteSource {
 public:
  WindowSource(const ByteSource& base, uint64_t offset, uint64_t size, std::string name);
  const std::string& name() const override { return name_; }
  uint64_t size() const override { return size_; }
  void read(uint64_t offset, void* out, size_t n) const override;

 private:
  const ByteSource& base_;
  uint64_t offset_, size_;
  std::string name_;
};

}  // namespace kjump::image
