// The channel as the guest's port accesses see it, after QEMU's hw/ide/core.c and
// ioport.c: the task-file registers both devices latch, the device control register (nIEN,
// SRST, HOB), the PIO data window and the sector transfers behind it, the port decode, and
// the declared state. What a command does is in ide_commands.cpp.
#include "machine/devices/ide.h"

#include <cstdio>
#include <cstring>
#include <exception>
#include <string>

#include "base/hex.h"
#include "machine/bus.h"
#include "machine/devices/ide_internal.h"

namespace kjump {

using namespace ide_detail;

namespace {
constexpr uint8_t kDevLba = 0x40, kDevSelect = 0x10, kDevAlwaysOn = 0xA0, kDevHs = 0x0F;
constexpr uint8_t kCtrlDisableIrq = 0x02, kCtrlReset = 0x04, kCtrlHob = 0x80;
}  // namespace

IdeController::IdeController(Disk* master, IrqLine irq14) : Device("ide"), irq_(irq14) {
  for (int u = 0; u < 2; ++u) {
    Drive& d = ifs_[u];
    d.unit = u;
    d.io_buffer.assign(kMaxMultSectors * kSector, 0);
    d.identify.assign(kSector, 0);
    char serial[16];
    std::snprintf(serial, sizeof serial, "QM%05d", u + 1);  // primary master = QM00001
    d.serial = serial;
  }
  ifs_[0].disk = master;
  if (master) guess_geometry(ifs_[0]);
  reset();
}

void IdeController::map(Bus& bus) {
  bus.map_io(kCommandBase, kCommandCount, this, "ide");
  bus.map_io(kControlPort, 1, this, "ide-ctrl");
}

void IdeController::reset() {
  // ide_bus_reset: select the master, clear the control register, reset both devices.
  unit_ = 0;
  cmd_ = 0;
  stuck_used_ = false;  // an injected fault fires once per power-on
  if (stuck_timer_) stuck_timer_->cancel();
  for (Drive& d : ifs_) {
    d.identify_set = 0;
    drive_reset(d);
  }
  lower_irq();
}

void IdeController::drive_reset(Drive& d) {
  d.mult_sectors = kMaxMultSectors;
  d.feature = d.error = 0;
  d.nsector = 0;
  d.sector = d.lcyl = d.hcyl = 0;
  d.hob_feature = d.hob_sector = d.hob_nsector = d.hob_lcyl = d.hob_hcyl = 0;
  d.select = 0xA0;
  d.status = kReady | kSeek;
  d.lba48 = 0;
  d.req_nb_sectors = 0;
  set_signature(d);
  // The "dummy" transfer: an empty window whose first bytes read 0xFF.
  d.end_transfer = kEndDummy;
  d.data_pos = d.data_end = 0;
  std::memset(d.io_buffer.data(), 0xFF, 4);
}

void IdeController::set_signature(Drive& d) {
  d.select &= ~kDevHs;
  d.nsector = 1;
  d.sector = 1;
  uint8_t cyl = d.disk ? 0x00 : 0xFF;
  d.lcyl = d.hcyl = cyl;
}

// Configuration: the device control register's nIEN, each drive's LBA and DRV select bits,
// the SET MULTIPLE count and what SET FEATURES enabled (IDENTIFY's write-cache bit, word 85,
// and its selected DMA modes, words 62/63/88); not the task-file registers of the last
// command, status/error, HOB/SRST, the PIO window, or `unit` (the DRV bit already says it).
//
// Valid values: the selected unit is one of the two drives; the transfer window lies in the
// 16-sector buffer (data_pos <= data_end <= its size) and a block moves at most 16 sectors
// (mult_sectors, req_nb_sectors), since sector_read/sector_write copy that many into it;
// the count is at most 65536 (LBA48's 0), end_transfer one of its four actions.
void IdeController::declare_state(StateDecl& d) {
  constexpr uint32_t kBuffer = kMaxMultSectors * kSector;
  d.field("unit", unit_).range(0, 1);
  d.field("cmd", cmd_).config(kCtrlDisableIrq).any();
  d.field("irq_level", irq_level_).range(0, 1);
  if (stuck_timer_) {
    d.field("fault.stuck_used", stuck_used_);
    d.field("fault.stuck_timer", *stuck_timer_);
  }
  for (Drive& s : ifs_) {
    std::string p = s.unit ? "slave." : "master.";
    d.field(p + "feature", s.feature).any();
    d.field(p + "error", s.error).any();
    d.field(p + "nsector", s.nsector).range(0, 65536);
    d.field(p + "sector", s.sector).any();
    d.field(p + "lcyl", s.lcyl).any();
    d.field(p + "hcyl", s.hcyl).any();
    d.field(p + "hob_feature", s.hob_feature).any();
    d.field(p + "hob_sector", s.hob_sector).any();
    d.field(p + "hob_nsector", s.hob_nsector).any();
    d.field(p + "hob_lcyl", s.hob_lcyl).any();
    d.field(p + "hob_hcyl", s.hob_hcyl).any();
    d.field(p + "select", s.select).config(kDevLba | kDevSelect).any();
    d.field(p + "status", s.status).any();
    d.field(p + "lba48", s.lba48).range(0, 1);
    d.field(p + "mult_sectors", s.mult_sectors).config().range(0, kMaxMultSectors);
    d.field(p + "req_nb_sectors", s.req_nb_sectors).range(0, kMaxMultSectors);
    d.field(p + "end_transfer", s.end_transfer).range(0, uint8_t(kEndDummy));
    d.field(p + "data_pos", s.data_pos).range(0, kBuffer).valid_if("at most data_end", [&s] {
      return s.data_pos <= s.data_end;
    });
    d.field(p + "data_end", s.data_end).range(0, kBuffer);
    d.field(p + "identify_set", s.identify_set).range(0, 1);
    d.field(p + "io_buffer", s.io_buffer).size(kBuffer);
    d.field(p + "identify", s.identify)
        .config_at(kIdentifyWriteCacheByte, kWord85WriteCache)
        .config_at(kIdentifySingleDmaSelected)
        .config_at(kIdentifyMultiDmaSelected)
        .config_at(kIdentifyUltraDmaSelected)
        .size(kSector);
    if (s.disk) s.disk->declare_state(d, p + "disk.");
  }
}

void IdeController::post_load() {
  for (Drive& s : ifs_) {
    if (s.io_buffer.size() != kMaxMultSectors * kSector || s.identify.size() != kSector || s.data_end > s.io_buffer.size() ||
        s.data_pos > s.data_end)
      throw StateError("ide: restored PIO buffer state is malformed");
    if (s.disk) s.disk->post_load();
  }
}

void IdeController::audit_quiesce(std::vector<std::string>& findings) const {
  for (const Drive& s : ifs_) {
    if (!s.disk) continue;
    std::string who = s.unit ? "ide: slave" : "ide: master";
    if (s.status & (kBusy | kDrq)) findings.push_back(who + " busy or mid-transfer (status " + hex(s.status, 2) + ")");
    if (size_t dirty = s.disk->dirty_sectors())
      findings.push_back(who + " has " + std::to_string(dirty) + " written sectors not yet flushed");
  }
  if (irq_level_ && !(cmd_ & kCtrlDisableIrq)) findings.push_back("ide: IRQ14 pending (status not read, nIEN=0)");
}

void IdeController::set_irq() {
  if (!(cmd_ & kCtrlDisableIrq)) {
    irq_level_ = 1;
    irq_.raise();
  }
}

void IdeController::lower_irq() {
  irq_level_ = 0;
  irq_.lower();
}

void IdeController::transfer_start(Drive& d, uint32_t size, EndTransfer end) {
  d.data_pos = 0;
  d.data_end = size;
  if (!(d.status & kErr)) d.status |= kDrq;
  d.end_transfer = end;
}

void IdeController::transfer_halt(Drive& d) {
  d.end_transfer = kEndStop;
  d.data_pos = d.data_end = 0;
  d.status &= ~kDrq;
}

void IdeController::abort_command(Drive& d) {
  transfer_halt(d);
  d.status = kReady | kErr;
  d.error = kAbrt;
}

void IdeController::end_transfer(Drive& d) {
  switch (d.end_transfer) {
    case kEndSectorRead: sector_read(d); break;
    case kEndSectorWrite: sector_write(d); break;
    case kEndStop: transfer_halt(d); break;
    case kEndDummy:
    default:
      d.data_pos = d.data_end = 0;
      std::memset(d.io_buffer.data(), 0xFF, 4);
      break;
  }
}

int64_t IdeController::get_sector(const Drive& d) const {
  if (d.select & kDevLba) {
    if (d.lba48)
      return int64_t(d.hob_hcyl) << 40 | int64_t(d.hob_lcyl) << 32 | int64_t(d.hob_sector) << 24 | int64_t(d.hcyl) << 16 |
             int64_t(d.lcyl) << 8 | d.sector;
    return int64_t(d.select & 0x0F) << 24 | int64_t(d.hcyl) << 16 | int64_t(d.lcyl) << 8 | d.sector;
  }
  // CHS
  return int64_t((d.hcyl << 8) | d.lcyl) * d.heads * d.sectors + int64_t(d.select & kDevHs) * d.sectors +
         (int64_t(d.sector) - 1);
}

void IdeController::set_sector(Drive& d, int64_t sector_num) {
  if (d.select & kDevLba) {
    if (d.lba48) {
      d.sector = uint8_t(sector_num);
      d.lcyl = uint8_t(sector_num >> 8);
      d.hcyl = uint8_t(sector_num >> 16);
      d.hob_sector = uint8_t(sector_num >> 24);
      d.hob_lcyl = uint8_t(sector_num >> 32);
      d.hob_hcyl = uint8_t(sector_num >> 40);
    } else {
      d.select = uint8_t((d.select & ~0x0F) | ((sector_num >> 24) & 0x0F));
      d.hcyl = uint8_t(sector_num >> 16);
      d.lcyl = uint8_t(sector_num >> 8);
      d.sector = uint8_t(sector_num);
    }
  } else {
    uint32_t per_cyl = d.heads * d.sectors;
    if (!per_cyl) return;
    uint32_t cyl = uint32_t(sector_num / per_cyl), r = uint32_t(sector_num % per_cyl);
    d.hcyl = uint8_t(cyl >> 8);
    d.lcyl = uint8_t(cyl);
    d.select = uint8_t((d.select & ~kDevHs) | ((r / d.sectors) & kDevHs));
    d.sector = uint8_t(r % d.sectors + 1);
  }
}

// A sector count of 0 means 256 (LBA28) or 65536 (LBA48); from here on `nsector` holds the
// full count and the HOB byte is no longer consulted.
void IdeController::lba48_transform(Drive& d, bool lba48) {
  d.lba48 = lba48;
  if (!lba48) {
    if (!d.nsector) d.nsector = 256;
  } else {
    if (!d.nsector && !d.hob_nsector)
      d.nsector = 65536;
    else
      d.nsector = uint32_t(d.hob_nsector) << 8 | (d.nsector & 0xFF);
  }
}

bool IdeController::sect_range_ok(const Drive& d, uint64_t sector, uint64_t count) const {
  uint64_t total = d.disk->sector_count();
  return !(sector > total || count > total - sector);
}

// ide_sector_read + its completion callback, run back to back: the next block is in the
// buffer, the LBA registers already point past it, DRQ is set and INTRQ raised.
void IdeController::sector_read(Drive& d) {
  d.status = kReady | kSeek;
  d.error = 0;
  int64_t sector_num = get_sector(d);
  uint32_t n = d.nsector;
  if (n == 0) {
    transfer_halt(d);
    return;
  }
  d.status |= kBusy;
  if (n > d.req_nb_sectors) n = d.req_nb_sectors;
  if (!sect_range_ok(d, uint64_t(sector_num), n)) {
    abort_command(d);  // QEMU reports an out-of-range LBA as ABRT, not IDNF
    set_irq();
    return;
  }
  try {
    d.disk->read(uint64_t(sector_num), n, d.io_buffer.data());
  } catch (const std::exception&) {
    abort_command(d);  // rerror=report
    set_irq();
    return;
  }
  d.status &= ~kBusy;
  set_sector(d, sector_num + n);
  d.nsector -= n;
  transfer_start(d, n * kSector, kEndSectorRead);
  set_irq();
}

// Called when the guest has filled the buffer: commit it to the overlay, then either ask
// for the next block or finish.
void IdeController::sector_write(Drive& d) {
  d.status = kReady | kSeek | kBusy;
  int64_t sector_num = get_sector(d);
  uint32_t n = d.nsector;
  if (n > d.req_nb_sectors) n = d.req_nb_sectors;
  if (!sect_range_ok(d, uint64_t(sector_num), n)) {
    abort_command(d);
    set_irq();
    return;
  }
  d.disk->write(uint64_t(sector_num), n, d.io_buffer.data());
  d.status &= ~kBusy;
  d.nsector -= n;
  set_sector(d, sector_num + n);
  if (d.nsector == 0) {
    transfer_halt(d);
  } else {
    uint32_t n1 = d.nsector < d.req_nb_sectors ? d.nsector : d.req_nb_sectors;
    transfer_start(d, n1 * kSector, kEndSectorWrite);
  }
  set_irq();
}

void IdeController::software_reset() {
  for (Drive& d : ifs_) {
    d.status |= kBusy;
    transfer_halt(d);
    drive_reset(d);
    exec_dev_diagnostic(d);
  }
}

uint8_t IdeController::read_register(int reg) {
  Drive& s = active();
  bool hob = cmd_ & kCtrlHob;
  switch (reg) {
    case 0:
      return uint8_t(data_read(2));  // inb consumes a whole word
    case 1:
      if (!any_disk() || absent(s)) return 0;
      return hob ? s.hob_feature : s.error;
    case 2:
      if (!any_disk()) return 0;
      return hob ? s.hob_nsector : uint8_t(s.nsector);
    case 3:
      if (!any_disk()) return 0;
      return hob ? s.hob_sector : s.sector;
    case 4:
      if (!any_disk()) return 0;
      return hob ? s.hob_lcyl : s.lcyl;
    case 5:
      if (!any_disk()) return 0;
      return hob ? s.hob_hcyl : s.hcyl;
    case 6:
      if (!any_disk()) return 0;
      return s.select;
    default: {
      uint8_t ret = (!any_disk() || absent(s)) ? 0 : s.status;
      lower_irq();  // reading the status register acknowledges INTRQ
      return ret;
    }
  }
}

void IdeController::write_register(int reg, uint8_t val) {
  // Register writes are ignored while the selected device is busy or mid-transfer.
  if (reg != 7 && (active().status & (kBusy | kDrq))) return;
  // Both devices on the channel latch every register write.
  switch (reg) {
    case 0:
      break;
    case 1:
      cmd_ &= ~kCtrlHob;
      for (Drive& d : ifs_) {
        d.hob_feature = d.feature;
        d.feature = val;
      }
      break;
    case 2:
      cmd_ &= ~kCtrlHob;
      for (Drive& d : ifs_) {
        d.hob_nsector = uint8_t(d.nsector);
        d.nsector = val;
      }
      break;
    case 3:
      cmd_ &= ~kCtrlHob;
      for (Drive& d : ifs_) {
        d.hob_sector = d.sector;
        d.sector = val;
      }
      break;
    case 4:
      cmd_ &= ~kCtrlHob;
      for (Drive& d : ifs_) {
        d.hob_lcyl = d.lcyl;
        d.lcyl = val;
      }
      break;
    case 5:
      cmd_ &= ~kCtrlHob;
      for (Drive& d : ifs_) {
        d.hob_hcyl = d.hcyl;
        d.hcyl = val;
      }
      break;
    case 6:
      cmd_ &= ~kCtrlHob;
      for (Drive& d : ifs_) d.select = val | kDevAlwaysOn;
      unit_ = (val & kDevSelect) ? 1 : 0;
      break;
    default:
      cmd_ &= ~kCtrlHob;
      lower_irq();
      exec_cmd(val);
      break;
  }
}

// PIO data port. Without DRQ, or against the transfer direction, reads give 0 and writes
// are dropped, and nothing advances.
uint32_t IdeController::data_read(unsigned bytes) {
  Drive& s = active();
  bool pio_out = s.end_transfer != kEndSectorWrite;  // device-to-host direction
  if (!(s.status & kDrq) || !pio_out) return 0;
  if (s.data_pos + bytes > s.data_end) return 0;
  uint32_t v = 0;
  for (unsigned i = 0; i < bytes; ++i) v |= uint32_t(s.io_buffer[s.data_pos + i]) << (8 * i);
  s.data_pos += bytes;
  if (s.data_pos >= s.data_end) {
    s.status &= ~kDrq;
    end_transfer(s);
  }
  return v;
}

void IdeController::data_write(unsigned bytes, uint32_t val) {
  Drive& s = active();
  bool pio_out = s.end_transfer != kEndSectorWrite;
  if (!(s.status & kDrq) || pio_out) return;
  if (s.data_pos + bytes > s.data_end) return;
  for (unsigned i = 0; i < bytes; ++i) s.io_buffer[s.data_pos + i] = uint8_t(val >> (8 * i));
  s.data_pos += bytes;
  if (s.data_pos >= s.data_end) {
    s.status &= ~kDrq;
    end_transfer(s);
  }
}

// Port decode as QEMU's portio lists: 0x1F0 takes 8/16/32-bit accesses, the other
// registers are byte-wide (a 16-bit access is split, a 32-bit one is not decoded), and
// 0x3F6 is byte-wide.
uint32_t IdeController::io_read(uint16_t port, unsigned size) {
  if (port == kControlPort) {
    uint8_t ret = (!any_disk() || absent(active())) ? 0 : active().status;  // no side effects
    return size == 1 ? ret : size == 2 ? (0xFF00u | ret) : 0xFFFFFFFFu;
  }
  int reg = port - kCommandBase;
  if (reg < 0 || reg >= int(kCommandCount)) return size == 1 ? 0xFF : size == 2 ? 0xFFFF : 0xFFFFFFFFu;
  if (reg == 0 && size >= 2) return data_read(size);
  if (size == 1) return read_register(reg);
  if (size == 2) {
    uint32_t lo = read_register(reg);
    return lo | (reg + 1 < int(kCommandCount) ? uint32_t(read_register(reg + 1)) << 8 : 0xFF00u);
  }
  return 0xFFFFFFFFu;
}

void IdeController::io_write(uint16_t port, unsigned size, uint32_t value) {
  if (port == kControlPort) {
    if (size > 2) return;
    uint8_t val = uint8_t(value);
    bool srst_edge = !(cmd_ & kCtrlReset) && (val & kCtrlReset);
    cmd_ = val;
    if (srst_edge) {
      // QEMU runs the reset in a bottom half that also clears SRST in the register;
      // we run it now, so the BSY window is zero-length.
      software_reset();
      cmd_ &= ~kCtrlReset;
    }
    return;
  }
  int reg = port - kCommandBase;
  if (reg < 0 || reg >= int(kCommandCount)) return;
  if (reg == 0 && size >= 2) {
    data_write(size, value);
    return;
  }
  if (size == 1) {
    write_register(reg, uint8_t(value));
  } else if (size == 2) {
    write_register(reg, uint8_t(value));
    if (reg + 1 < int(kCommandCount)) write_register(reg + 1, uint8_t(value >> 8));
  }
}

}  // namespace kjump
