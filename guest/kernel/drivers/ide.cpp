#include "drivers/ide.h"

#include "arch/x86.h"
#include "drivers/pit.h"
#include "lib/errno.h"
#include "lib/printf.h"
#include "pm/pm.h"

namespace kjump {
namespace {

constexpr uint16_t kBase = 0x1F0, kControl = 0x3F6;
enum : uint16_t { DATA = 0, ERROR = 1, COUNT = 2, LBA0 = 3, LBA1 = 4, LBA2 = 5, DEVICE = 6,
                  STATUS = 7, COMMAND = 7 };
enum : uint8_t { ST_ERR = 0x01, ST_DRQ = 0x08, ST_DF = 0x20, ST_DRDY = 0x40, ST_BSY = 0x80 };
enum : uint8_t { CMD_READ = 0x20, CMD_WRITE = 0x30, CMD_FLUSH = 0xE7, CMD_IDENTIFY = 0xEC };
constexpr uint8_t kDeviceMasterLba = 0xE0;
constexpr uint8_t kControlNoIrq = 0x02;  // nIEN: we poll, so the drive must not raise IRQ14

bool g_present = false;
DiskInfo g_info;

// ~400 ns for the drive to drive its status after a select: four alternate-status reads, which
// have no side effects.
void settle() {
  for (int i = 0; i < 4; ++i) (void)x86::inb(kControl);
}

// Poll until BSY clears. The loop has no counter on purpose (see the header); a disk that never
// leaves BSY would hang here, as it would hang any real driver without a timer.
uint8_t wait_not_busy() {
  uint8_t s;
  while ((s = x86::inb(kControl)) & ST_BSY) {
  }
  return x86::inb(kBase + STATUS);  // the real status read also clears a pending INTRQ
}

void select_master(uint32_t lba_high_nibble) {
  x86::outb(kBase + DEVICE, static_cast<uint8_t>(kDeviceMasterLba | (lba_high_nibble & 0x0F)));
  settle();
}

int error_code() {
  uint8_t e = x86::inb(kBase + ERROR);
  return e ? e : -1;
}

// Waits for the data phase of a PIO command; 0 when DRQ is up, else the error.
int wait_drq() {
  settle();
  uint8_t s = wait_not_busy();
  if (s & (ST_ERR | ST_DF)) return error_code();
  if (!(s & ST_DRQ)) return -1;
  return 0;
}

void issue(uint8_t command, uint32_t lba, uint8_t count) {
  select_master(lba >> 24);
  wait_not_busy();  // register writes are ignored while the drive is busy
  x86::outb(kBase + COUNT, count);
  x86::outb(kBase + LBA0, lba & 0xFF);
  x86::outb(kBase + LBA1, (lba >> 8) & 0xFF);
  x86::outb(kBase + LBA2, (lba >> 16) & 0xFF);
  x86::outb(kBase + COMMAND, command);
}

// IDENTIFY strings hold two characters per word, high byte first, space-padded.
void copy_ata_string(char* dst, const uint16_t* words, int nwords) {
  int n = 0;
  for (int i = 0; i < nwords; ++i) {
    dst[n++] = static_cast<char>(words[i] >> 8);
    dst[n++] = static_cast<char>(words[i] & 0xFF);
  }
  while (n > 0 && dst[n - 1] == ' ') --n;
  dst[n] = 0;
}

void reset_channel_state() {
  x86::outb(kControl, kControlNoIrq);
  select_master(0);
}

// Polls BSY for at most `ticks` timer ticks. Device suspend runs with IRQs on and the PIT still
// ticking (the timer is a sysdev: it goes down only later, in device_power_down).
bool wait_not_busy_for(uint64_t ticks, uint8_t* status) {
  uint64_t deadline = jiffies() + ticks;
  while (x86::inb(kControl) & ST_BSY)
    if (jiffies() >= deadline) return false;
  *status = x86::inb(kBase + STATUS);
  return true;
}

// Suspend must leave the drive idle with its write cache on the medium: FLUSH CACHE, then wait
// for BSY to clear, but only ~50 ms of PIT time. A drive that stays busy (a real failure mode,
// which kjump can inject) makes the suspend, and with it kexec -e, fail with -EBUSY instead of
// hanging the kernel the way the unbounded wait of the normal I/O path would.
uint64_t suspend_flush_ticks() { return 50 * pit_hz() / 1000; }  // 50 ms: 5 ticks at 100 Hz

int ide_suspend() {
  if (!g_present) return 0;
  uint8_t s;
  select_master(0);
  if (!wait_not_busy_for(suspend_flush_ticks(), &s)) return -EBUSY;
  x86::outb(kBase + COMMAND, CMD_FLUSH);
  settle();
  if (!wait_not_busy_for(suspend_flush_ticks(), &s)) {
    kprintf("ide0: FLUSH CACHE still busy after %u ms\n", unsigned(suspend_flush_ticks() * 1000 / pit_hz()));
    return -EBUSY;
  }
  if (s & (ST_ERR | ST_DF)) return -EIO;
  return 0;
}
void ide_resume() { reset_channel_state(); }

PmDevice g_pm{"ide0", {nullptr, ide_suspend, ide_resume, nullptr, nullptr, nullptr}, PmStage::On, nullptr};

}  // namespace

bool ide_init() {
  // SeaBIOS leaves the slave selected: select the master before believing any status.
  reset_channel_state();
  uint8_t s = x86::inb(kBase + STATUS);
  if (s == 0x00 || s == 0xFF) return false;  // nothing there / floating bus
  wait_not_busy();
  x86::outb(kBase + COMMAND, CMD_IDENTIFY);
  settle();
  if (x86::inb(kBase + STATUS) == 0) return false;
  if (wait_drq() != 0) return false;  // e.g. ATAPI aborts IDENTIFY DEVICE
  uint16_t id[256];
  for (auto& w : id) w = x86::inw(kBase + DATA);
  copy_ata_string(g_info.serial, id + 10, 10);
  copy_ata_string(g_info.firmware, id + 23, 4);
  copy_ata_string(g_info.model, id + 27, 20);
  g_info.sectors = id[60] | uint32_t(id[61]) << 16;
  g_present = true;
  pm_register(&g_pm);
  return true;
}

bool ide_present() { return g_present; }
const DiskInfo& ide_info() { return g_info; }

int ide_read(uint32_t lba, void* buf) {
  if (!g_present) return -1;
  issue(CMD_READ, lba, 1);
  if (int err = wait_drq()) return err;
  auto* w = static_cast<uint16_t*>(buf);
  for (int i = 0; i < 256; ++i) w[i] = x86::inw(kBase + DATA);
  return 0;
}

int ide_write(uint32_t lba, const void* buf) {
  if (!g_present) return -1;
  issue(CMD_WRITE, lba, 1);
  if (int err = wait_drq()) return err;
  auto* w = static_cast<const uint16_t*>(buf);
  for (int i = 0; i < 256; ++i) x86::outw(kBase + DATA, w[i]);
  settle();
  uint8_t s = wait_not_busy();
  if (s & (ST_ERR | ST_DF)) return error_code();
  return 0;
}

int ide_flush() {
  if (!g_present) return -1;
  issue(CMD_FLUSH, 0, 0);
  settle();
  uint8_t s = wait_not_busy();
  if (s & (ST_ERR | ST_DF)) return error_code();
  return 0;
}

}  // namespace kjump
