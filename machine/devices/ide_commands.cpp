// What a write to the command register does, as QEMU's hw/ide/core.c: ide_exec_cmd looks
// the opcode up in ide_cmd_table (here: command(), the entries a hard disk permits), runs its
// handler and, when the handler says the command is complete, drops BSY, sets DSC for the
// commands that seek, and raises INTRQ. A handler that starts a PIO transfer or finishes on
// its own (READ, WRITE, IDENTIFY, FLUSH, DIAGNOSTIC) returns false and raises INTRQ itself.
// Also here: the cache flush, the device diagnostic, and the injected flush that stays busy.
#include "machine/devices/ide.h"

#include <array>
#include <exception>
#include <initializer_list>

#include "machine/devices/ide_internal.h"

namespace kjump {

using namespace ide_detail;

// ide_cmd_table for a hard disk. An opcode without a handler is not permitted: it aborts
// without side effects. kSetDsc is QEMU's SET_DSC; kNeedsDisk aborts the command when the
// channel has no disk at all (the master position stays present, empty).
const IdeController::Command& IdeController::command(uint8_t opcode) {
  static constexpr std::array<Command, 256> kTable = [] {
    std::array<Command, 256> t{};
    auto on = [&t](std::initializer_list<uint8_t> opcodes, CommandHandler run, uint8_t flags) {
      for (uint8_t op : opcodes) t[op] = Command{run, flags};
    };
    constexpr uint8_t kNone = 0;
    on({0x10}, &IdeController::cmd_nop, kSetDsc);                                 // RECALIBRATE
    on({0x20, 0x21, 0x24}, &IdeController::cmd_read_pio, kNeedsDisk);             // READ SECTORS (+ no retry, EXT)
    on({0x29, 0xC4}, &IdeController::cmd_read_multiple, kNeedsDisk);              // READ MULTIPLE (EXT)
    on({0x30, 0x31, 0x34, 0x3C}, &IdeController::cmd_write_pio, kNeedsDisk);      // WRITE SECTORS (+ EXT), VERIFY
    on({0x39, 0xC5}, &IdeController::cmd_write_multiple, kNeedsDisk);             // WRITE MULTIPLE (EXT)
    on({0x27, 0xF8}, &IdeController::cmd_read_native_max, kSetDsc | kNeedsDisk);  // READ NATIVE MAX ADDRESS (EXT)
    on({0x40, 0x41, 0x42}, &IdeController::cmd_verify, kSetDsc);                  // READ VERIFY (+ EXT)
    on({0x70}, &IdeController::cmd_nop, kSetDsc);                                 // SEEK
    on({0x90}, &IdeController::cmd_exec_dev_diagnostic, kNone);                   // EXECUTE DEVICE DIAGNOSTIC
    on({0x91}, &IdeController::cmd_nop, kSetDsc | kNeedsDisk);                    // INITIALIZE DEVICE PARAMETERS
    on({0x94, 0x95, 0x96, 0x97, 0x99, 0xE0, 0xE1, 0xE2, 0xE3, 0xE6},              // standby / idle / sleep
       &IdeController::cmd_nop, kNone);
    on({0x98, 0xE5}, &IdeController::cmd_check_power_mode, kSetDsc);              // CHECK POWER MODE
    on({0xC6}, &IdeController::cmd_set_multiple_mode, kSetDsc);                   // SET MULTIPLE MODE
    on({0xE7, 0xEA}, &IdeController::cmd_flush_cache, kNone);                     // FLUSH CACHE (EXT)
    on({0xEC}, &IdeController::cmd_identify, kNeedsDisk);                         // IDENTIFY DEVICE
    on({0xEF}, &IdeController::cmd_set_features, kSetDsc | kNeedsDisk);           // SET FEATURES
    // In QEMU's table but needing the PIIX bus master (DMA), TRIM or SMART, none of which
    // this model has: refuse them cleanly instead of hanging with BSY set.
    on({0x06, 0x25, 0x35, 0xC8, 0xC9, 0xCA, 0xCB}, &IdeController::cmd_abort, kNone);
    on({0xB0}, &IdeController::cmd_abort, kSetDsc);                               // SMART
    return t;
  }();
  return kTable[opcode];
}

void IdeController::exec_cmd(uint8_t val) {
  Drive& d = active();
  if (absent(d)) return;  // commands to a non-existent slave are ignored
  if (d.status & (kBusy | kDrq)) return;  // only ATAPI DEVICE RESET is allowed now
  const Command& c = command(val);
  if (!c.run) {
    abort_command(d);
    set_irq();
    return;
  }
  d.status = kReady | kBusy;
  d.error = 0;
  bool complete = true;
  if ((c.flags & kNeedsDisk) && !d.disk)
    abort_command(d);
  else
    complete = (this->*c.run)(d, val);
  if (complete) {
    d.status &= ~kBusy;
    if ((c.flags & kSetDsc) && !d.error) d.status |= kSeek;
    set_irq();
  }
}

bool IdeController::cmd_nop(Drive&, uint8_t) { return true; }

// Refuse a command: ERR with ABRT, complete at once.
bool IdeController::cmd_abort(Drive& d, uint8_t) {
  abort_command(d);
  return true;
}

// The PIO data commands. READ/WRITE SECTORS move one sector per DRQ block; the MULTIPLE
// forms move mult_sectors, and abort until SET MULTIPLE MODE has left a non-zero count.
bool IdeController::cmd_read_pio(Drive& d, uint8_t cmd) {
  lba48_transform(d, cmd == 0x24);
  d.req_nb_sectors = 1;
  sector_read(d);
  return false;
}

bool IdeController::cmd_read_multiple(Drive& d, uint8_t cmd) {
  if (!d.mult_sectors) return cmd_abort(d, cmd);
  lba48_transform(d, cmd == 0x29);
  d.req_nb_sectors = d.mult_sectors;
  sector_read(d);
  return false;
}

bool IdeController::cmd_write_pio(Drive& d, uint8_t cmd) {
  lba48_transform(d, cmd == 0x34);
  d.req_nb_sectors = 1;
  d.status = kSeek | kReady;
  transfer_start(d, kSector, kEndSectorWrite);
  return false;
}

bool IdeController::cmd_write_multiple(Drive& d, uint8_t cmd) {
  if (!d.mult_sectors) return cmd_abort(d, cmd);
  lba48_transform(d, cmd == 0x39);
  d.req_nb_sectors = d.mult_sectors;
  d.status = kSeek | kReady;
  transfer_start(d, (d.nsector < d.req_nb_sectors ? d.nsector : d.req_nb_sectors) * kSector, kEndSectorWrite);
  return false;
}

bool IdeController::cmd_read_native_max(Drive& d, uint8_t cmd) {
  lba48_transform(d, cmd == 0x27);
  set_sector(d, int64_t(d.disk->sector_count()) - 1);
  return true;
}

bool IdeController::cmd_verify(Drive& d, uint8_t cmd) {
  lba48_transform(d, cmd == 0x42);
  return true;
}

bool IdeController::cmd_exec_dev_diagnostic(Drive& d, uint8_t) {
  exec_dev_diagnostic(d);
  return false;
}

bool IdeController::cmd_check_power_mode(Drive& d, uint8_t) {
  d.nsector = 0xFF;  // active or idle
  return true;
}

bool IdeController::cmd_set_multiple_mode(Drive& d, uint8_t) {
  if ((d.nsector & 0xFF) != 0 && ((d.nsector & 0xFF) > kMaxMultSectors || (d.nsector & (d.nsector - 1)) != 0))
    abort_command(d);
  else
    d.mult_sectors = uint8_t(d.nsector & 0xFF);
  return true;
}

bool IdeController::cmd_flush_cache(Drive& d, uint8_t) {
  d.status |= kBusy;
  if (stuck_timer_ && !stuck_used_) {
    stuck_used_ = true;  // injected fault: stay busy, finish later
    stuck_timer_->arm(fault_clock_->now() + stuck_ns_);
    return false;
  }
  flush_cache(d);
  return false;
}

// IDENTIFY DEVICE: the data is ready at once, with no BSY phase.
bool IdeController::cmd_identify(Drive& d, uint8_t) {
  build_identify(d);
  d.status = kReady | kSeek;
  transfer_start(d, kSector, kEndStop);
  set_irq();
  return false;
}

// SET FEATURES edits the IDENTIFY words that report what is enabled; a subcommand QEMU does
// not know aborts.
bool IdeController::cmd_set_features(Drive& d, uint8_t) {
  switch (d.feature) {
    case 0x02:  // write cache enable
      put_le16(d.identify, 85, kWord85Base | kWord85WriteCache);
      return true;
    case 0x82:  // write cache disable: the cache is flushed first
      put_le16(d.identify, 85, kWord85Base);
      flush_cache(d);
      return false;
    case 0xCC: case 0x66: case 0xAA: case 0x55: case 0x05: case 0x85:
    case 0x69: case 0x67: case 0x96: case 0x9A: case 0x42: case 0xC2:
      return true;
    case 0x03: {  // set transfer mode: count bits 7..3 pick the class, bits 2..0 the mode
      uint32_t mode = 1u << ((d.nsector & 0x07) + 8);
      uint32_t single_dma = 0, multi_dma = 0, ultra_dma = 0;
      switch (d.nsector >> 3) {
        case 0x00:  // PIO default
        case 0x01:  // PIO with flow control
          break;
        case 0x02: single_dma = mode; break;
        case 0x04: multi_dma = mode; break;
        case 0x08: ultra_dma = mode; break;
        default:
          abort_command(d);
          return true;
      }
      put_le16(d.identify, 62, 0x07 | single_dma);
      put_le16(d.identify, 63, 0x07 | multi_dma);
      put_le16(d.identify, 88, 0x3F | ultra_dma);
      return true;
    }
  }
  abort_command(d);
  return true;
}

void IdeController::exec_dev_diagnostic(Drive& d) {
  set_signature(d);
  d.status = kReady | kSeek;
  d.error = 0x01;  // device 0 passed, device 1 passed or absent
  set_irq();
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

void IdeController::inject_stuck_flush(const Clock& clock, EventQueue& queue, uint64_t busy_ns) {
  fault_clock_ = &clock;
  stuck_ns_ = busy_ns;
  stuck_timer_ = std::make_unique<Timer>(queue, "ide.stuck_flush", [this] { finish_stuck_flush(); });
}

void IdeController::finish_stuck_flush() {
  Drive& d = active();
  if (d.status & kBusy) flush_cache(d);
}

}  // namespace kjump
