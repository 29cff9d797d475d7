// disk (identity and partitions), disk read LBA, disk write LBA TEXT (whole-disk LBAs).
#include "drivers/block.h"
#include "drivers/ide.h"
#include "lib/hexdump.h"
#include "lib/printf.h"
#include "lib/string.h"
#include "shell/commands.h"

namespace kjump {
namespace {

uint8_t g_sector[512];

bool parse_lba(const char* s, uint32_t* lba) {
  uint64_t v;
  const char* end;
  if (!parse_u64(s, &v, &end) || *end || v >= ide_info().sectors) {
    kprintf("disk: bad LBA '%s' (disk has %u sectors)\n", s, ide_info().sectors);
    return false;
  }
  *lba = static_cast<uint32_t>(v);
  return true;
}

}  // namespace

void cmd_disk(const CommandLine& cl) {
  if (!ide_present()) {
    kprintf("disk: no disk on the primary master\n");
    return;
  }
  const DiskInfo& d = ide_info();
  if (cl.argc == 1) {
    kprintf("model:    %s\n", d.model);
    kprintf("serial:   %s\n", d.serial);
    kprintf("firmware: %s\n", d.firmware);
    kprintf("sectors:  %u (%u KiB)\n", d.sectors, d.sectors / 2);
    block_rescan();  // the table may have been written since boot
    for (int i = 1; i < block_count(); ++i) {
      const BlockDevice* b = block_at(i);
      kprintf("%s: LBA %u, %u sectors (%u KiB), type 0x%02x\n", b->name, b->first_lba, b->sectors,
              b->sectors / 2, b->type);
    }
    return;
  }
  uint32_t lba;
  if (cl.argc == 3 && strcmp(cl.argv[1], "read") == 0) {
    if (!parse_lba(cl.argv[2], &lba)) return;
    if (int err = ide_read(lba, g_sector)) {
      kprintf("disk: read LBA %u failed (error %d)\n", lba, err);
      return;
    }
    hexdump(g_sector, 64, 0);
    return;
  }
  if (cl.argc >= 4 && strcmp(cl.argv[1], "write") == 0) {
    if (!parse_lba(cl.argv[2], &lba)) return;
    const char* text = cl.rest[3];
    memset(g_sector, 0, sizeof g_sector);
    size_t n = strlen(text);
    memcpy(g_sector, text, n < sizeof g_sector ? n : sizeof g_sector);
    if (int err = ide_write(lba, g_sector)) {
      kprintf("disk: write LBA %u failed (error %d)\n", lba, err);
      return;
    }
    if (int err = ide_flush()) {
      kprintf("disk: flush failed (error %d)\n", err);
      return;
    }
    kprintf("disk: wrote %u bytes to LBA %u\n", static_cast<unsigned>(n < 512 ? n : 512), lba);
    return;
  }
  kprintf("usage: disk | disk read LBA | disk write LBA TEXT\n");
}

}  // namespace kjump
