// The few "files" the seed's hibernation steps need, without a file system: a partition is a
// file. `echo TEXT > /dev/hda2` writes TEXT and a newline to the partition's first sector
// (zero-padded) and flushes the disk cache; `cat /dev/hda2` prints that text back. That is the
// seed's `echo $jump_back_entry > kexec_jump_back_entry` and `cat kexec_jump_back_entry`.
// `getarg NAME` prints the value of NAME= on /proc/cmdline: the seed's
// `cat /proc/cmdline | tr ' ' '\n' | grep NAME | cut -d '=' -f 2`.
#include "boot/cmdline_param.h"
#include "drivers/block.h"
#include "lib/printf.h"
#include "lib/string.h"
#include "shell/commands.h"

namespace kjump {
namespace {

uint8_t g_sector[512];

const BlockDevice* find_device(const char* cmd, const char* path) {
  const BlockDevice* d = block_find(path);
  if (!d) kprintf("%s: %s: no such device\n", cmd, path);
  return d;
}

}  // namespace

bool is_device_path(const char* path) { return starts_with(path, "/dev/"); }

void dev_write_text(const char* path, const char* text) {
  const BlockDevice* d = find_device("echo", path);
  if (!d) return;
  size_t n = strlen(text);
  if (n + 1 > sizeof g_sector) {
    kprintf("echo: %s: %u bytes do not fit in one sector\n", path, static_cast<unsigned>(n + 1));
    return;
  }
  memset(g_sector, 0, sizeof g_sector);
  memcpy(g_sector, text, n);
  g_sector[n] = '\n';
  if (int err = block_write(d, 0, g_sector)) {
    kprintf("echo: %s: write failed (error %d)\n", path, err);
    return;
  }
  if (int err = block_flush()) kprintf("echo: %s: flush failed (error %d)\n", path, err);
}

void dev_cat(const char* path) {
  const BlockDevice* d = find_device("cat", path);
  if (!d) return;
  if (int err = block_read(d, 0, g_sector)) {
    kprintf("cat: %s: read failed (error %d)\n", path, err);
    return;
  }
  size_t n = 0;
  while (n < sizeof g_sector && g_sector[n]) {
    uint8_t c = g_sector[n];
    if (c != '\n' && c != '\t' && (c < 0x20 || c >= 0x7F)) {
      kprintf("cat: %s: not a text file (byte 0x%02x at offset %u)\n", path, c,
              static_cast<unsigned>(n));
      return;
    }
    ++n;
  }
  for (size_t i = 0; i < n; ++i) kprintf("%c", g_sector[i]);
}

void cmd_getarg(const CommandLine& cl) {
  if (cl.argc != 2) {
    kprintf("usage: getarg NAME   (prints the value of NAME= on /proc/cmdline)\n");
    return;
  }
  const char* v;
  size_t len;
  if (!cmdline_param(cl.argv[1], &v, &len)) {
    kprintf("getarg: no %s= on the command line\n", cl.argv[1]);
    return;
  }
  for (size_t i = 0; i < len; ++i) kprintf("%c", v[i]);
  kprintf("\n");
}

}  // namespace kjump
