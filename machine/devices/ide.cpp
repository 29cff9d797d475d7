#include "machine/devices/ide.h"

#include <cstdio>
#include <cstring>
#include <exception>

#include "machine/bus.h"

namespace kjump {

namespace {
constexpr uint8_t kDevLba = 0x40, kDevSelect = 0x10, kDevAlwaysOn = 0xA0, kDevHs = 0x0F;
constexpr uint8_t kCtrlDisableIrq = 0x02, kCtrlReset = 0x04, kCtrlHob = 0x80;
constexpr uint32_t kSector = Disk::kSectorSize;

void put_le16(std::vector<uint8_t>& b, int word, uint32_t v) {
  b[size_t(word) * 2] = uint8_t(v);
  b[size_t(word) * 2 + 1] = uint8_t(v >> 8);
}

// ATA strings: space padded, two characters per word, first character in the high byte.
void put_padded(std::vector<uint8_t>& b, int word, const std::string& s, int len) {
  for (int i = 0; i < len; ++i) b[size_t(word) * 2 + size_t(i ^ 1)] = uint8_t(i < int(s.size()) ? s[size_t(i)] : ' ');
}
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

// QEMU's hd_geometry_guess: trust an MBR partition that ends on a cylinder boundary with at
// most 16 heads, otherwise use 16 heads x 63 sectors and as many cylinders as fit.
void IdeController::guess_geometry(Drive& d) {
  uint64_t nb = d.disk->sector_count();
  std::vector<uint8_t> mbr(kSector);
  d.disk->read(0, 1, mbr.data());
  if (mbr[510] == 0x55 && mbr[511] == 0xAA) {
    for (int i = 0; i < 4; ++i) {
      const uint8_t* p = mbr.data() + 0x1BE + 16 * i;
      uint32_t nr_sects = uint32_t(p[12]) | uint32_t(p[13]) << 8 | uint32_t(p[14]) << 16 | uint32_t(p[15]) << 24;
      if (!nr_sects || !p[5]) continue;
      uint32_t heads = p[5] + 1u, secs = p[6] & 63u;
      if (secs == 0) continue;
      uint64_t cyls = nb / (heads * secs);
      if (cyls < 1 || cyls > 16383) continue;
      if (heads > 16) break;  // LBA-translated layout: fall back to the standard geometry
      d.cylinders = uint32_t(cyls);
      d.heads = heads;
      d.sectors = secs;
      return;
    }
  }
  uint64_t cyls = nb / (16 * 63);
  if (cyls > 16383) cyls = 16383;
  if (cyls < 2) cyls = 2;
  d.cylinders = uint32_t(cyls);
  d.heads = 16;
  d.sectors = 63;
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

void IdeController::declare_state(StateDecl& d) {
  d.field("unit", unit_);
  d.field("cmd", cmd_);
  d.field("irq_level", irq_level_);
  if (stuck_timer_) {
    d.field("fault.stuck_used", stuck_used_);
    d.field("fault.stuck_timer", *stuck_timer_);
  }
  for (Drive& s : ifs_) {
    std::string p = s.unit ? "slave." : "master.";
    d.field(p + "feature", s.feature);
    d.field(p + "error", s.error);
    d.field(p + "nsector", s.nsector);
    d.field(p + "sector", s.sector);
    d.field(p + "lcyl", s.lcyl);
    d.field(p + "hcyl", s.hcyl);
    d.field(p + "hob_feature", s.hob_feature);
    d.field(p + "hob_sector", s.hob_sector);
    d.field(p + "hob_nsector", s.hob_nsector);
    d.field(p + "hob_lcyl", s.hob_lcyl);
    d.field(p + "hob_hcyl", s.hob_hcyl);
    d.field(p + "select", s.select);
    d.field(p + "status", s.status);
    d.field(p + "lba48", s.lba48);
    d.field(p + "mult_sectors", s.mult_sectors);
    d.field(p + "req_nb_sectors", s.req_nb_sectors);
    d.field(p + "end_transfer", s.end_transfer);
    d.field(p + "data_pos", s.data_pos);
    d.field(p + "data_end", s.data_end);
    d.field(p + "identify_set", s.identify_set);
    d.field(p + "io_buffer", s.io_buffer);
    d.field(p + "identify", s.identify);
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
  char buf[96];
  for (const Drive& s : ifs_) {
    if (!s.disk) continue;
    const char* who = s.unit ? "slave" : "master";
    if (s.status & (kBusy | kDrq)) {
      std::snprintf(buf, sizeof buf, "ide: %s busy or mid-transfer (status 0x%02x)", who, s.status);
      findings.push_back(buf);
    }
    if (s.disk->dirty_sectors()) {
      std::snprintf(buf, sizeof buf, "ide: %s has %zu written sectors not yet flushed", who, s.disk->dirty_sectors());
      findings.push_back(buf);
    }
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

void IdeController::inject_stuck_flush(const Clock& clock, EventQueue& queue, uint64_t busy_ns) {
  fault_clock_ = &clock;
  stuck_ns_ = busy_ns;
  stuck_timer_ = std::make_unique<Timer>(queue, "ide.stuck_flush", [this] { finish_stuck_flush(); });
}

void IdeController::finish_stuck_flush() {
  Drive& d = active();
  if (d.status & kBusy) flush_cache(d);
}

void IdeController::flush_cache(Drive& d) {
  if (d.disk) {
    try {
      d.disk->commit();
    } catch (const std::exception&) {
      abort_command(d);  // werror=report for anything but ENOSPC; we do not stop the VM
      set_irq();
      return;
    }
  }
  d.status = kReady | kSeek;
  set_irq();
}

void IdeController::build_identify(Drive& d) {
  std::vector<uint8_t>& p = d.identify;
  if (!d.identify_set) {
    std::fill(p.begin(), p.end(), 0);
    uint64_t nb = d.disk->sector_count();
    put_le16(p, 0, 0x0040);
    put_le16(p, 1, d.cylinders);
    put_le16(p, 3, d.heads);
    put_le16(p, 4, 512 * d.sectors);
    put_le16(p, 5, 512);
    put_le16(p, 6, d.sectors);
    put_padded(p, 10, d.serial, 20);
    put_le16(p, 20, 3);
    put_le16(p, 21, 512);
    put_le16(p, 22, 4);
    put_padded(p, 23, "2.5+", 8);
    put_padded(p, 27, "QEMU HARDDISK", 40);
    put_le16(p, 47, 0x8000 | kMaxMultSectors);
    put_le16(p, 48, 1);
    put_le16(p, 49, (1 << 11) | (1 << 9) | (1 << 8));
    put_le16(p, 51, 0x200);
    put_le16(p, 52, 0x200);
    put_le16(p, 53, 1 | (1 << 1) | (1 << 2));
    put_le16(p, 54, d.cylinders);
    put_le16(p, 55, d.heads);
    put_le16(p, 56, d.sectors);
    uint32_t oldsize = d.cylinders * d.heads * d.sectors;
    put_le16(p, 57, oldsize);
    put_le16(p, 58, oldsize >> 16);
    if (d.mult_sectors) put_le16(p, 59, 0x100 | d.mult_sectors);
    put_le16(p, 62, 0x07);
    put_le16(p, 63, 0x07);
    put_le16(p, 64, 0x03);
    put_le16(p, 65, 120);
    put_le16(p, 66, 120);
    put_le16(p, 67, 120);
    put_le16(p, 68, 120);
    put_le16(p, 69, 1 << 14);  // IDE disks get discard_granularity 512 by default
    put_le16(p, 80, 0xF0);
    put_le16(p, 81, 0x16);
    put_le16(p, 82, (1 << 14) | (1 << 5) | 1);
    put_le16(p, 83, (1 << 14) | (1 << 13) | (1 << 12) | (1 << 10));
    put_le16(p, 84, 1 << 14);
    put_le16(p, 85, (1 << 14) | (1 << 5) | 1);  // write cache enabled (cache=writeback)
    put_le16(p, 86, (1 << 13) | (1 << 12) | (1 << 10));
    put_le16(p, 87, 1 << 14);
    put_le16(p, 88, 0x3F | (1 << 13));
    put_le16(p, 93, 1 | (1 << 14) | 0x2000);
    put_le16(p, 106, 0x6000);  // 512-byte physical sectors
    put_le16(p, 169, 1);
    put_le16(p, 217, 0);  // rotation rate not reported
    uint64_t lba28 = nb >= (1u << 28) ? (1u << 28) - 1 : nb;
    put_le16(p, 60, uint32_t(lba28));
    put_le16(p, 61, uint32_t(lba28 >> 16));
    put_le16(p, 100, uint32_t(nb));
    put_le16(p, 101, uint32_t(nb >> 16));
    put_le16(p, 102, uint32_t(nb >> 32));
    put_le16(p, 103, uint32_t(nb >> 48));
    d.identify_set = 1;
  }
  std::memcpy(d.io_buffer.data(), p.data(), kSector);
}

void IdeController::exec_dev_diagnostic(Drive& d) {
  set_signature(d);
  d.status = kReady | kSeek;
  d.error = 0x01;  // device 0 passed, device 1 passed or absent
  set_irq();
}

// One entry of QEMU's ide_cmd_table for a hard disk. Returns true when the command is
// complete (the caller then drops BSY and raises INTRQ); `permitted` false means the
// opcode is not in the table for a disk.
bool IdeController::run_command(Drive& d, uint8_t cmd, bool& set_dsc, bool& permitted) {
  set_dsc = false;
  permitted = true;
  switch (cmd) {
    case 0x10:  // RECALIBRATE
      set_dsc = true;
      return true;
    case 0x20:  // READ SECTORS
    case 0x21:  // READ SECTORS (no retry)
    case 0x24:  // READ SECTORS EXT
      if (!d.disk) {
        abort_command(d);
        return true;
      }
      lba48_transform(d, cmd == 0x24);
      d.req_nb_sectors = 1;
      sector_read(d);
      return false;
    case 0x29:  // READ MULTIPLE EXT
    case 0xC4:  // READ MULTIPLE
      if (!d.disk || !d.mult_sectors) {
        abort_command(d);
        return true;
      }
      lba48_transform(d, cmd == 0x29);
      d.req_nb_sectors = d.mult_sectors;
      sector_read(d);
      return false;
    case 0x30:  // WRITE SECTORS
    case 0x31:  // WRITE SECTORS (no retry)
    case 0x34:  // WRITE SECTORS EXT
    case 0x3C:  // WRITE VERIFY
      if (!d.disk) {
        abort_command(d);
        return true;
      }
      lba48_transform(d, cmd == 0x34);
      d.req_nb_sectors = 1;
      d.status = kSeek | kReady;
      transfer_start(d, kSector, kEndSectorWrite);
      return false;
    case 0x39:  // WRITE MULTIPLE EXT
    case 0xC5:  // WRITE MULTIPLE
      if (!d.disk || !d.mult_sectors) {
        abort_command(d);
        return true;
      }
      lba48_transform(d, cmd == 0x39);
      d.req_nb_sectors = d.mult_sectors;
      d.status = kSeek | kReady;
      transfer_start(d, (d.nsector < d.req_nb_sectors ? d.nsector : d.req_nb_sectors) * kSector, kEndSectorWrite);
      return false;
    case 0x27:  // READ NATIVE MAX ADDRESS EXT
    case 0xF8:  // READ NATIVE MAX ADDRESS
      set_dsc = true;
      if (!d.disk) {
        abort_command(d);
        return true;
      }
      lba48_transform(d, cmd == 0x27);
      set_sector(d, int64_t(d.disk->sector_count()) - 1);
      return true;
    case 0x40:  // READ VERIFY
    case 0x41:
    case 0x42:  // READ VERIFY EXT
      set_dsc = true;
      lba48_transform(d, cmd == 0x42);
      return true;
    case 0x70:  // SEEK
      set_dsc = true;
      return true;
    case 0x90:  // EXECUTE DEVICE DIAGNOSTIC
      exec_dev_diagnostic(d);
      return false;
    case 0x91:  // INITIALIZE DEVICE PARAMETERS
      set_dsc = true;
      if (!d.disk) abort_command(d);
      return true;
    case 0x94: case 0x95: case 0x96: case 0x97: case 0x99:  // standby/idle/sleep
    case 0xE0: case 0xE1: case 0xE2: case 0xE3: case 0xE6:
      return true;
    case 0x98:  // CHECK POWER MODE
    case 0xE5:
      set_dsc = true;
      d.nsector = 0xFF;  // active or idle
      return true;
    case 0xC6:  // SET MULTIPLE MODE
      set_dsc = true;
      if ((d.nsector & 0xFF) != 0 && ((d.nsector & 0xFF) > kMaxMultSectors || (d.nsector & (d.nsector - 1)) != 0))
        abort_command(d);
      else
        d.mult_sectors = uint8_t(d.nsector & 0xFF);
      return true;
    case 0xE7:  // FLUSH CACHE
    case 0xEA:  // FLUSH CACHE EXT
      d.status |= kBusy;
      if (stuck_timer_ && !stuck_used_) {
        stuck_used_ = true;  // injected fault: stay busy, finish later
        stuck_timer_->arm(fault_clock_->now() + stuck_ns_);
        return false;
      }
      flush_cache(d);
      return false;
    case 0xEC:  // IDENTIFY DEVICE: data ready at once, no BSY phase
      if (!d.disk) {
        abort_command(d);
        return true;
      }
      build_identify(d);
      d.status = kReady | kSeek;
      transfer_start(d, kSector, kEndStop);
      set_irq();
      return false;
    case 0xEF:  // SET FEATURES
      set_dsc = true;
      if (!d.disk) {
        abort_command(d);
        return true;
      }
      switch (d.feature) {
        case 0x02:  // write cache enable
          put_le16(d.identify, 85, (1 << 14) | (1 << 5) | 1);
          return true;
        case 0x82:  // write cache disable: the cache is flushed first
          put_le16(d.identify, 85, (1 << 14) | 1);
          flush_cache(d);
          return false;
        case 0xCC: case 0x66: case 0xAA: case 0x55: case 0x05: case 0x85:
        case 0x69: case 0x67: case 0x96: case 0x9A: case 0x42: case 0xC2:
          return true;
        case 0x03: {  // set transfer mode
          uint32_t val = d.nsector & 0x07;
          switch (d.nsector >> 3) {
            case 0x00:
            case 0x01:
              put_le16(d.identify, 62, 0x07);
              put_le16(d.identify, 63, 0x07);
              put_le16(d.identify, 88, 0x3F);
              return true;
            case 0x02:
              put_le16(d.identify, 62, 0x07 | (1 << (val + 8)));
              put_le16(d.identify, 63, 0x07);
              put_le16(d.identify, 88, 0x3F);
              return true;
            case 0x04:
              put_le16(d.identify, 62, 0x07);
              put_le16(d.identify, 63, 0x07 | (1 << (val + 8)));
              put_le16(d.identify, 88, 0x3F);
              return true;
            case 0x08:
              put_le16(d.identify, 62, 0x07);
              put_le16(d.identify, 63, 0x07);
              put_le16(d.identify, 88, 0x3F | (1 << (val + 8)));
              return true;
          }
          break;
        }
      }
      abort_command(d);
      return true;
    // In QEMU's table but needing the PIIX bus master (DMA), TRIM or SMART, none of which
    // this model has: refuse them cleanly instead of hanging with BSY set.
    case 0x06: case 0x25: case 0x35: case 0xC8: case 0xC9: case 0xCA: case 0xCB:
      abort_command(d);
      return true;
    case 0xB0:
      set_dsc = true;
      abort_command(d);
      return true;
    default:
      permitted = false;
      return true;
  }
}

void IdeController::exec_cmd(uint8_t val) {
  Drive& d = active();
  if (absent(d)) return;  // commands to a non-existent slave are ignored
  if (d.status & (kBusy | kDrq)) return;  // only ATAPI DEVICE RESET is allowed now
  // Probe the table first: a command not permitted for a disk aborts without side effects.
  bool set_dsc = false, permitted = true;
  uint8_t saved_status = d.status, saved_error = d.error;
  d.status = kReady | kBusy;
  d.error = 0;
  bool complete = run_command(d, val, set_dsc, permitted);
  if (!permitted) {
    d.status = saved_status;
    d.error = saved_error;
    abort_command(d);
    set_irq();
    return;
  }
  if (complete) {
    d.status &= ~kBusy;
    if (set_dsc && !d.error) d.status |= kSeek;
    set_irq();
  }
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
