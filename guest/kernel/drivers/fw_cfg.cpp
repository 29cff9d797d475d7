#include "drivers/fw_cfg.h"

#include "arch/x86.h"
#include "lib/string.h"
#include "mm/addr.h"
#include "pm/pm.h"

namespace kjump {
namespace {

constexpr uint16_t kSelector = 0x510, kData = 0x511;
constexpr uint16_t kDmaHigh = 0x514, kDmaLow = 0x518;
constexpr uint16_t kKeySignature = 0x0000, kKeyId = 0x0001, kKeyFileDir = 0x0019;
constexpr uint32_t kIdDma = 1u << 1;
enum : uint32_t { DMA_ERROR = 1, DMA_READ = 2, DMA_SKIP = 4, DMA_SELECT = 8 };

constexpr size_t kMaxFiles = 64;
FwCfgFile g_files[kMaxFiles];
size_t g_count = 0;
bool g_present = false;
bool g_dma = false;

// The DMA descriptor is big-endian and read by the device from guest-physical memory.
struct DmaAccess {
  uint32_t control;
  uint32_t length;
  uint32_t address_hi;
  uint32_t address_lo;
};
alignas(16) DmaAccess g_dma_access;

uint32_t bswap32(uint32_t v) { return __builtin_bswap32(v); }
uint16_t be16(const uint8_t* p) { return static_cast<uint16_t>(p[0] << 8 | p[1]); }
uint32_t be32(const uint8_t* p) { return uint32_t(p[0]) << 24 | p[1] << 16 | p[2] << 8 | p[3]; }

void port_select(uint16_t key) { x86::outw(kSelector, key); }
void port_read(void* buf, uint32_t len) {
  auto* p = static_cast<uint8_t*>(buf);
  for (uint32_t i = 0; i < len; ++i) p[i] = x86::inb(kData);
}

// One DMA operation; QEMU completes it inside the outl and writes control back (0 = success).
bool dma(uint32_t control, void* buf, uint32_t len) {
  volatile DmaAccess* d = &g_dma_access;
  d->control = bswap32(control);
  d->length = bswap32(len);
  d->address_hi = 0;
  d->address_lo = buf ? bswap32(virt_to_phys(buf)) : 0;
  x86::outl(kDmaHigh, 0);
  x86::outl(kDmaLow, bswap32(virt_to_phys(&g_dma_access)));
  uint32_t c;
  while ((c = bswap32(d->control)) & ~DMA_ERROR) {
    // The spec allows asynchronous completion; QEMU is synchronous, so this never spins there.
  }
  return !(c & DMA_ERROR);
}

bool read_item(uint16_t key, uint32_t offset, void* buf, uint32_t len) {
  if (g_dma) {
    if (!dma(uint32_t(key) << 16 | DMA_SELECT | DMA_SKIP, nullptr, offset)) return false;
    return dma(DMA_READ, buf, len);
  }
  port_select(key);
  for (uint32_t i = 0; i < offset; ++i) (void)x86::inb(kData);
  port_read(buf, len);
  return true;
}

PmDevice g_pm{"fw_cfg", {nullptr, nullptr, nullptr, nullptr, nullptr, nullptr}, PmStage::On, nullptr};

}  // namespace

bool fw_cfg_init() {
  char sig[4];
  port_select(kKeySignature);
  port_read(sig, 4);
  g_present = memcmp(sig, "QEMU", 4) == 0;
  if (!g_present) return false;
  uint8_t id[4];
  port_select(kKeyId);
  port_read(id, 4);
  g_dma = (id[0] | id[1] << 8 | id[2] << 16 | uint32_t(id[3]) << 24) & kIdDma;

  uint8_t count_be[4];
  read_item(kKeyFileDir, 0, count_be, 4);
  uint32_t count = be32(count_be);
  g_count = count < kMaxFiles ? count : kMaxFiles;
  for (size_t i = 0; i < g_count; ++i) {
    uint8_t e[64];
    read_item(kKeyFileDir, 4 + 64 * i, e, 64);
    g_files[i].size = be32(e);
    g_files[i].select = be16(e + 4);
    memcpy(g_files[i].name, e + 8, 56);
    g_files[i].name[55] = 0;
  }
  pm_register(&g_pm);
  return true;
}

bool fw_cfg_present() { return g_present; }
bool fw_cfg_has_dma() { return g_dma; }
size_t fw_cfg_file_count() { return g_count; }
const FwCfgFile* fw_cfg_file(size_t i) { return i < g_count ? &g_files[i] : nullptr; }

const FwCfgFile* fw_cfg_find(const char* name) {
  for (size_t i = 0; i < g_count; ++i)
    if (strcmp(g_files[i].name, name) == 0) return &g_files[i];
  return nullptr;
}

bool fw_cfg_read(const FwCfgFile* f, uint32_t offset, void* buf, uint32_t len) {
  return read_item(f->select, offset, buf, len);
}

}  // namespace kjump
