// ls /fw and cat fw:NAME over fw_cfg.
#include "drivers/fw_cfg.h"
#include "lib/hexdump.h"
#include "lib/printf.h"
#include "lib/string.h"
#include "shell/commands.h"

namespace kjump {
namespace {

constexpr uint32_t kChunk = 4096;
constexpr uint32_t kTextLimit = 64 * 1024;  // a console is no place for bigger files
constexpr uint32_t kHexLimit = 256;
uint8_t g_buf[kChunk];  // static: DMA needs physically contiguous memory

bool is_text(uint8_t c) { return (c >= 0x20 && c < 0x7F) || c == '\n' || c == '\r' || c == '\t'; }

}  // namespace

void cmd_ls(const CommandLine& cl) {
  if (cl.argc != 2 || strcmp(cl.argv[1], "/fw") != 0) {
    kprintf("usage: ls /fw\n");
    return;
  }
  if (!fw_cfg_present()) {
    kprintf("ls: fw_cfg not present\n");
    return;
  }
  for (size_t i = 0; i < fw_cfg_file_count(); ++i) {
    const FwCfgFile* f = fw_cfg_file(i);
    kprintf("%8u %s\n", f->size, f->name);
  }
}

// Text files are printed as they are; anything with binary bytes as a hex dump of its start.
void fw_cat(const char* name) {
  const FwCfgFile* f = fw_cfg_present() ? fw_cfg_find(name) : nullptr;
  if (!f) {
    kprintf("cat: fw:%s: no such file\n", name);
    return;
  }
  bool text = true;
  for (uint32_t off = 0; off < f->size && text; off += kChunk) {
    uint32_t n = f->size - off < kChunk ? f->size - off : kChunk;
    if (!fw_cfg_read(f, off, g_buf, n)) {
      kprintf("cat: fw:%s: read error\n", name);
      return;
    }
    for (uint32_t i = 0; i < n; ++i) text = text && is_text(g_buf[i]);
  }
  if (!text || f->size > kTextLimit) {
    uint32_t n = f->size < kHexLimit ? f->size : kHexLimit;
    fw_cfg_read(f, 0, g_buf, n);
    hexdump(g_buf, n, 0);
    if (f->size > n) kprintf("... (%u bytes)\n", f->size);
    return;
  }
  for (uint32_t off = 0; off < f->size; off += kChunk) {
    uint32_t n = f->size - off < kChunk ? f->size - off : kChunk;
    fw_cfg_read(f, off, g_buf, n);
    for (uint32_t i = 0; i < n; ++i) kprintf("%c", g_buf[i]);
  }
  if (f->size && g_buf[(f->size - 1) % kChunk] != '\n') kprintf("\n");
}

}  // namespace kjump
