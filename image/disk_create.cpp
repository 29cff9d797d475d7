#include "image/disk_create.h"

#include <sys/stat.h>

#include "base/atomic_file.h"
#include "image/image_error.h"

namespace kjump::image {

void create_disk_image(const std::string& path, uint64_t bytes, const std::vector<MbrPartition>& partitions,
                       Overwrite overwrite) {
  struct stat st {};
  // Checked first only to give the usual message before any work; commit() checks again.
  if (overwrite == Overwrite::No && ::stat(path.c_str(), &st) == 0) {
    throw ImageError(path + ": already exists");
  }
  try {
    AtomicFile f(path, 0644);
    if (!partitions.empty()) {
      auto sector = encode_mbr(partitions);
      f.write(sector.data(), sector.size());
    }
    f.resize(bytes);
    f.commit(overwrite == Overwrite::Yes ? AtomicFile::Overwrite::Yes : AtomicFile::Overwrite::No);
  } catch (const AtomicFileError& e) {
    throw ImageError(path + ": cannot create the disk image: " + e.what());
  }
}

}  // namespace kjump::image
