// Block devices on the IDE primary master, named as Linux 2.6 named them: /dev/hda is the
// whole disk, /dev/hda1../dev/hda4 its primary MBR partitions (abi/mbr.h), read from sector 0
// when the disk is probed and again by block_rescan(). Every access is bounds-checked against
// the device, so a command can never touch a neighbouring partition.
#pragma once
#include <stdint.h>

namespace kjump {

struct BlockDevice {
  char name[12];       // "/dev/hda", "/dev/hda1" ...
  uint32_t first_lba;  // on the disk
  uint32_t sectors;
  uint8_t type;        // MBR partition type; 0 for the whole disk
};

void block_rescan();
int block_count();
const BlockDevice* block_at(int i);
// By name; nullptr if there is no such device (no disk, no such partition).
const BlockDevice* block_find(const char* name);

// One 512-byte sector at `sector` of the device: 0, the ATA error, -1 (no disk/timeout) or
// -2 (outside the device).
int block_read(const BlockDevice* d, uint32_t sector, void* buf);
int block_write(const BlockDevice* d, uint32_t sector, const void* buf);
int block_flush();

}  // namespace kjump
