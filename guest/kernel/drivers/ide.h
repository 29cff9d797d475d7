// ATA disk on the primary IDE channel (0x1F0-0x1F7, control 0x3F6), master drive, PIO, LBA28.
// Everything is polled with the drive's IRQ disabled (nIEN): completion is found by watching
// BSY, never by counting, because the BSY window depends on host I/O timing.
#pragma once
#include <stdint.h>

namespace kjump {

struct DiskInfo {
  char model[41];
  char serial[21];
  char firmware[9];
  uint32_t sectors;  // LBA28 capacity
};

// Selects the master explicitly and runs IDENTIFY. False if there is no ATA disk there.
bool ide_init();
bool ide_present();
const DiskInfo& ide_info();

// One 512-byte sector. Return 0 on success or the ATA error register (or -1 on timeout/absence).
int ide_read(uint32_t lba, void* buf);
int ide_write(uint32_t lba, const void* buf);
int ide_flush();

}  // namespace kjump
