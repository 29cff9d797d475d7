// A raw disk image with a write-back overlay.
//
// Guest writes land in an in-memory overlay that is part of the machine state (so a
// snapshot carries them). They reach the file only on commit() — the guest's FLUSH CACHE
// or power-off — and atomically: a complete new image is written to a temporary
// `<file>.kjump-tmp-XXXXXX` beside it (base/atomic_file.h), fsynced, and renamed over the
// original, so the file is never left half-written. A symlinked image is committed at its
// target (the link stays); a hard-linked one is refused at commit with a message.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "emu/state.h"

namespace kjump {

class Disk {
 public:
  static constexpr uint32_t kSectorSize = 512;

  // Opens `path` read-write. Throws std::runtime_error naming the file if it cannot be
  // opened or its size is not a non-zero multiple of 512.
  explicit Disk(std::string path);
  ~Disk();
  Disk(const Disk&) = delete;
  Disk& operator=(const Disk&) = delete;

  const std::string& path() const { return path_; }
  uint64_t sector_count() const { return sectors_; }

  // Sector I/O through the overlay. The range must lie inside the disk (std::out_of_range
  // otherwise); a host read error throws std::runtime_error.
  void read(uint64_t lba, uint32_t count, uint8_t* dst) const;
  void write(uint64_t lba, uint32_t count, const uint8_t* src);

  size_t dirty_sectors() const { return index_.size(); }

  // Atomically replace the file with base + overlay, then empty the overlay. A no-op when
  // nothing is dirty. Throws std::runtime_error (the file is then unchanged and the
  // overlay kept).
  void commit();
  void power_off() { commit(); }

  // The overlay (and a hash of the committed file) as guest state. The hash lets a
  // restore detect that the file was committed to after the snapshot was taken.
  void declare_state(StateDecl& d, const std::string& prefix);
  void post_load();

 private:
  static constexpr size_t kRecordSize = 8 + kSectorSize;  // u64 LBA + sector data

  void open_file();
  std::string commit_target() const;
  static void remove_stale_temporaries(const std::string& target);
  void read_base(uint64_t lba, uint8_t* dst) const;
  uint64_t hash_file() const;
  void rebuild_index();

  std::string path_;
  int fd_ = -1;
  uint64_t sectors_ = 0;
  // Overlay records in first-write order; `index_` maps LBA -> record offset (derived).
  std::vector<uint8_t> overlay_;
  std::map<uint64_t, size_t> index_;
  uint64_t file_hash_ = 0;
};

}  // namespace kjump
