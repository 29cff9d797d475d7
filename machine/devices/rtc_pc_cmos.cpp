// The PC board's use of the CMOS RAM, not the MC146818's: the configuration bytes QEMU's
// hw/i386/pc.c pc_cmos_init writes at power-on (memory sizes, floppy, equipment, boot
// order), which BIOS-era guests read back through ports 0x70/0x71. Kept apart from rtc.cpp
// as QEMU keeps it apart from mc146818rtc.c.
#include "machine/devices/rtc.h"

namespace kjump {

// pc_cmos_init with one CPU, the default floppy controller and boot order "cad".
void CmosRtc::fill_config_bytes() {
  constexpr uint64_t KiB = 1024, MiB = 1024 * KiB;
  uint64_t below_4g = ram_bytes_ >= 0xE0000000ull ? 0xC0000000ull : ram_bytes_;
  uint64_t above_4g = ram_bytes_ - below_4g;
  uint64_t val = below_4g / KiB < 640 ? below_4g / KiB : 640;
  cmos_[0x15] = uint8_t(val);
  cmos_[0x16] = uint8_t(val >> 8);
  val = below_4g > 1 * MiB ? (below_4g - 1 * MiB) / KiB : 0;
  if (val > 65535) val = 65535;
  cmos_[0x17] = cmos_[0x30] = uint8_t(val);
  cmos_[0x18] = cmos_[0x31] = uint8_t(val >> 8);
  val = below_4g > 16 * MiB ? (below_4g - 16 * MiB) / (64 * KiB) : 0;
  if (val > 65535) val = 65535;
  cmos_[0x34] = uint8_t(val);
  cmos_[0x35] = uint8_t(val >> 8);
  val = above_4g / 65536;
  cmos_[0x5B] = uint8_t(val);
  cmos_[0x5C] = uint8_t(val >> 8);
  cmos_[0x5D] = uint8_t(val >> 16);
  cmos_[0x5F] = 0;     // CPUs - 1
  cmos_[0x10] = 0x50;  // fd0: 2.88 MB "auto" drive with no media, as QEMU reports it
  cmos_[0x14] = 0x07;  // equipment: one floppy, FPU, PS/2 mouse
  cmos_[0x3D] = 0x12;  // boot order: hard disk, then floppy ...
  cmos_[0x38] = 0x30;  // ... then CD-ROM; floppy boot-signature check on
}

}  // namespace kjump
