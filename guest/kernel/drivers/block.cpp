#include "drivers/block.h"

#include "abi/mbr.h"
#include "drivers/ide.h"
#include "lib/printf.h"
#include "lib/string.h"

namespace kjump {
namespace {

constexpr int kMaxDevices = 1 + mbr::kPrimaryEntries;
BlockDevice g_dev[kMaxDevices];
int g_count = -1;  // not scanned yet
uint8_t g_sector[512];

void scan() {
  g_count = 0;
  if (!ide_present()) return;
  uint32_t disk = ide_info().sectors;
  g_dev[g_count++] = BlockDevice{"/dev/hda", 0, disk, 0};
  if (ide_read(0, g_sector) != 0) return;
  if (g_sector[mbr::kSignatureOffset] != mbr::kSignature[0] ||
      g_sector[mbr::kSignatureOffset + 1] != mbr::kSignature[1])
    return;
  for (int i = 0; i < mbr::kPrimaryEntries; ++i) {
    mbr::PartitionEntry e;
    memcpy(&e, g_sector + mbr::kTableOffset + i * sizeof e, sizeof e);
    // An entry that does not fit the disk is ignored, as Linux's msdos_partition ignores one
    // that starts beyond it (and we also refuse one that runs past the end).
    if (e.type == mbr::kTypeEmpty || e.sectors == 0 || e.lba_first >= disk ||
        e.sectors > disk - e.lba_first)
      continue;
    BlockDevice& d = g_dev[g_count++];
    ksnprintf(d.name, sizeof d.name, "/dev/hda%d", i + 1);
    d.first_lba = e.lba_first;
    d.sectors = e.sectors;
    d.type = e.type;
  }
}

void ensure_scanned() {
  if (g_count < 0) scan();
}

}  // namespace

void block_rescan() { scan(); }

int block_count() {
  ensure_scanned();
  return g_count;
}

const BlockDevice* block_at(int i) {
  ensure_scanned();
  return i >= 0 && i < g_count ? &g_dev[i] : nullptr;
}

const BlockDevice* block_find(const char* name) {
  ensure_scanned();
  for (int i = 0; i < g_count; ++i)
    if (strcmp(g_dev[i].name, name) == 0) return &g_dev[i];
  return nullptr;
}

int block_read(const BlockDevice* d, uint32_t sector, void* buf) {
  if (sector >= d->sectors) return -2;
  return ide_read(d->first_lba + sector, buf);
}

int block_write(const BlockDevice* d, uint32_t sector, const void* buf) {
  if (sector >= d->sectors) return -2;
  return ide_write(d->first_lba + sector, buf);
}

int block_flush() { return ide_flush(); }

}  // namespace kjump
