// QEMU fw_cfg (selector 0x510, data 0x511, DMA 0x514): file directory and file contents.
#pragma once
#include <stddef.h>
#include <stdint.h>

namespace kjump {

struct FwCfgFile {
  uint32_t size;
  uint16_t select;
  char name[56];
};

// Probes the signature and reads the directory. Returns false if fw_cfg is absent.
bool fw_cfg_init();
bool fw_cfg_present();
bool fw_cfg_has_dma();

size_t fw_cfg_file_count();
const FwCfgFile* fw_cfg_file(size_t index);
const FwCfgFile* fw_cfg_find(const char* name);

// Reads len bytes at offset of a file into buf (physically contiguous kernel memory), by DMA
// when available. Bytes past the end of the file read as zero, as QEMU defines it.
bool fw_cfg_read(const FwCfgFile* f, uint32_t offset, void* buf, uint32_t len);

}  // namespace kjump
