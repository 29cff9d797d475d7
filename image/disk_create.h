// Creating a raw disk image: SIZE zeroed bytes (a sparse file) with, when partitions are
// given, an MBR in sector 0 (image/partition_layout.h lays them out). The file appears whole
// or not at all (base/atomic_file.h), and an existing file is kept unless overwriting is asked
// for, checked atomically when the file is put in place.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "image/mbr.h"

namespace kjump::image {

enum class Overwrite { No, Yes };

// No partitions: no MBR, all zeroes. Throws ImageError "<path>: ..." (exists, cannot create).
void create_disk_image(const std::string& path, uint64_t bytes, const std::vector<MbrPartition>& partitions,
                       Overwrite overwrite);

}  // namespace kjump::image
