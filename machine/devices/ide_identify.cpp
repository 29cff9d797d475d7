// The drive's identity, as QEMU builds it in hw/ide/core.c ide_identify and
// hw/block/hd-geometry.c hd_geometry_guess: the 512-byte IDENTIFY DEVICE block (geometry,
// capacity, the "QEMU HARDDISK" strings, supported and enabled features) and the CHS
// geometry it reports. A guest or BIOS that sizes the disk from these words must get what
// it gets on QEMU, so every word is QEMU's value for a raw image with cache=writeback.
#include "machine/devices/ide.h"

#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

#include "machine/devices/ide_internal.h"

namespace kjump {

using namespace ide_detail;

namespace {
// ATA strings: space padded, two characters per word, first character in the high byte.
void put_padded(std::vector<uint8_t>& b, int word, const std::string& s, int len) {
  for (int i = 0; i < len; ++i) b[size_t(word) * 2 + size_t(i ^ 1)] = uint8_t(i < int(s.size()) ? s[size_t(i)] : ' ');
}
}  // namespace

// QEMU's hd_geometry_guess: trust an MBR partition that ends on a cylinder boundary with at
// most 16 heads, otherwise use 16 heads x 63 sectors and as many cylinders as fit.
void IdeController::guess_geometry(Drive& d) {
  uint64_t nb = d.disk->sector_count();
  std::vector<uint8_t> mbr(kSector);
  d.disk->read(0, 1, mbr.data());
  if (mbr[510] == 0x55 && mbr[511] == 0xAA) {
    for (int i = 0; i < 4; ++i) {
      const uint8_t* p = mbr.data() + 0x1BE + 16 * i;
      uint32_t nr_sects = uint32_t(p[12]) | uint32_t(p[13]) << 8 | uint32_t(p[14]) << 16 | uint32_t(p[15]) << 24;
      if (!nr_sects || !p[5]) continue;
      uint32_t heads = p[5] + 1u, secs = p[6] & 63u;
      if (secs == 0) continue;
      uint64_t cyls = nb / (heads * secs);
      if (cyls < 1 || cyls > 16383) continue;
      if (heads > 16) break;  // LBA-translated layout: fall back to the standard geometry
      d.cylinders = uint32_t(cyls);
      d.heads = heads;
      d.sectors = secs;
      return;
    }
  }
  uint64_t cyls = nb / (16 * 63);
  if (cyls > 16383) cyls = 16383;
  if (cyls < 2) cyls = 2;
  d.cylinders = uint32_t(cyls);
  d.heads = 16;
  d.sectors = 63;
}

void IdeController::build_identify(Drive& d) {
  std::vector<uint8_t>& p = d.identify;
  if (!d.identify_set) {
    std::fill(p.begin(), p.end(), 0);
    uint64_t nb = d.disk->sector_count();
    put_le16(p, 0, 0x0040);
    put_le16(p, 1, d.cylinders);
    put_le16(p, 3, d.heads);
    put_le16(p, 4, 512 * d.sectors);
    put_le16(p, 5, 512);
    put_le16(p, 6, d.sectors);
    put_padded(p, 10, d.serial, 20);
    put_le16(p, 20, 3);
    put_le16(p, 21, 512);
    put_le16(p, 22, 4);
    put_padded(p, 23, "2.5+", 8);
    put_padded(p, 27, "QEMU HARDDISK", 40);
    put_le16(p, 47, 0x8000 | kMaxMultSectors);
    put_le16(p, 48, 1);
    put_le16(p, 49, (1 << 11) | (1 << 9) | (1 << 8));
    put_le16(p, 51, 0x200);
    put_le16(p, 52, 0x200);
    put_le16(p, 53, 1 | (1 << 1) | (1 << 2));
    put_le16(p, 54, d.cylinders);
    put_le16(p, 55, d.heads);
    put_le16(p, 56, d.sectors);
    uint32_t oldsize = d.cylinders * d.heads * d.sectors;
    put_le16(p, 57, oldsize);
    put_le16(p, 58, oldsize >> 16);
    if (d.mult_sectors) put_le16(p, 59, 0x100 | d.mult_sectors);
    put_le16(p, 62, 0x07);
    put_le16(p, 63, 0x07);
    put_le16(p, 64, 0x03);
    put_le16(p, 65, 120);
    put_le16(p, 66, 120);
    put_le16(p, 67, 120);
    put_le16(p, 68, 120);
    put_le16(p, 69, 1 << 14);  // IDE disks get discard_granularity 512 by default
    put_le16(p, 80, 0xF0);
    put_le16(p, 81, 0x16);
    put_le16(p, 82, (1 << 14) | (1 << 5) | 1);
    put_le16(p, 83, (1 << 14) | (1 << 13) | (1 << 12) | (1 << 10));
    put_le16(p, 84, 1 << 14);
    put_le16(p, 85, kWord85Base | kWord85WriteCache);  // cache=writeback
    put_le16(p, 86, (1 << 13) | (1 << 12) | (1 << 10));
    put_le16(p, 87, 1 << 14);
    put_le16(p, 88, 0x3F | (1 << 13));
    put_le16(p, 93, 1 | (1 << 14) | 0x2000);
    put_le16(p, 106, 0x6000);  // 512-byte physical sectors
    put_le16(p, 169, 1);
    put_le16(p, 217, 0);  // rotation rate not reported
    uint64_t lba28 = nb >= (1u << 28) ? (1u << 28) - 1 : nb;
    put_le16(p, 60, uint32_t(lba28));
    put_le16(p, 61, uint32_t(lba28 >> 16));
    put_le16(p, 100, uint32_t(nb));
    put_le16(p, 101, uint32_t(nb >> 16));
    put_le16(p, 102, uint32_t(nb >> 32));
    put_le16(p, 103, uint32_t(nb >> 48));
    d.identify_set = 1;
  }
  std::memcpy(d.io_buffer.data(), p.data(), kSector);
}

}  // namespace kjump
