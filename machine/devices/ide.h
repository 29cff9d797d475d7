// PIIX IDE primary channel in legacy mode (0x1F0-0x1F7, 0x3F6, IRQ14) with one master
// disk, following QEMU 7.2's hw/ide/core.c for PIO (docs/pc-devices-reference.md §7).
//
// Block I/O completes synchronously, so the BSY windows QEMU shows while the host works
// are zero-length here (allowed by the reference: guests must poll, never count). The
// absent slave is modelled like QEMU's empty IDEState: it receives every register write,
// and its status and error registers read 0.
//
// Not modelled: bus-master DMA (READ/WRITE DMA and DSM abort), SMART (aborts), ATAPI.
//
// Split as QEMU splits hw/ide: ide.cpp holds the registers, the PIO transfer, the port
// decode and the declared state; ide_commands.cpp the command table, the flush and the
// diagnostic; ide_identify.cpp the IDENTIFY block and the CHS geometry guess.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "emu/event_queue.h"
#include "machine/device.h"
#include "machine/devices/disk_image.h"
#include "machine/irq.h"

namespace kjump {

class Bus;

class IdeController : public Device, public PortIo {
 public:
  static constexpr uint16_t kCommandBase = 0x1F0;
  static constexpr uint32_t kCommandCount = 8;
  static constexpr uint16_t kControlPort = 0x3F6;

  // Status and error bits.
  static constexpr uint8_t kBusy = 0x80, kReady = 0x40, kSeek = 0x10, kDrq = 0x08, kErr = 0x01;
  static constexpr uint8_t kAbrt = 0x04;

  // `master` may be null (no disk on the channel); the disk outlives the controller.
  IdeController(Disk* master, IrqLine irq14);

  void map(Bus& bus);

  void reset() override;
  void declare_state(StateDecl& d) override;
  void post_load() override;
  void audit_quiesce(std::vector<std::string>& findings) const override;

  uint32_t io_read(uint16_t port, unsigned size) override;
  void io_write(uint16_t port, unsigned size, uint32_t value) override;

  bool irq_level() const { return irq_level_; }

  // Fault injection (`kjump --inject ide-stuck-busy`): the next FLUSH CACHE keeps the drive
  // busy for `busy_ns` of virtual time before it completes — a drive that will not quiesce,
  // so the guest's suspend hook times out and refuses. One-shot; nothing is lost: the flush
  // does complete later. Off unless enabled.
  void inject_stuck_flush(const Clock& clock, EventQueue& queue, uint64_t busy_ns);

 private:
  enum EndTransfer : uint8_t { kEndStop, kEndSectorRead, kEndSectorWrite, kEndDummy };
  static constexpr uint32_t kMaxMultSectors = 16;

  // fault injection
  const Clock* fault_clock_ = nullptr;
  std::unique_ptr<Timer> stuck_timer_;
  uint64_t stuck_ns_ = 0;
  bool stuck_used_ = false;
  void finish_stuck_flush();

  // One device position on the channel (QEMU's IDEState).
  struct Drive {
    Disk* disk = nullptr;  // configuration
    int unit = 0;
    uint32_t cylinders = 0, heads = 0, sectors = 0;  // derived from the disk
    std::string serial;

    uint8_t feature = 0, error = 0, sector = 0, lcyl = 0, hcyl = 0;
    uint8_t hob_feature = 0, hob_sector = 0, hob_nsector = 0, hob_lcyl = 0, hob_hcyl = 0;
    uint8_t select = 0xA0, status = 0;
    uint32_t nsector = 0;  // can hold 256 / 65536 after the LBA48 transform
    uint8_t lba48 = 0;
    uint8_t mult_sectors = kMaxMultSectors;
    uint32_t req_nb_sectors = 0;
    uint8_t end_transfer = kEndDummy;
    uint32_t data_pos = 0, data_end = 0;  // PIO window into io_buffer
    uint8_t identify_set = 0;
    std::vector<uint8_t> io_buffer;
    std::vector<uint8_t> identify;
  };

  Drive& active() { return ifs_[unit_]; }
  bool any_disk() const { return ifs_[0].disk || ifs_[1].disk; }
  bool absent(const Drive& d) const { return d.unit != 0 && !d.disk; }

  void guess_geometry(Drive& d);
  void drive_reset(Drive& d);
  void set_signature(Drive& d);
  void set_irq();
  void lower_irq();
  void transfer_start(Drive& d, uint32_t size, EndTransfer end);
  void transfer_halt(Drive& d);
  void abort_command(Drive& d);
  void end_transfer(Drive& d);
  int64_t get_sector(const Drive& d) const;
  void set_sector(Drive& d, int64_t sector_num);
  void lba48_transform(Drive& d, bool lba48);
  bool sect_range_ok(const Drive& d, uint64_t sector, uint64_t count) const;
  void sector_read(Drive& d);
  void sector_write(Drive& d);
  void flush_cache(Drive& d);
  void build_identify(Drive& d);
  void exec_dev_diagnostic(Drive& d);
  void software_reset();

  // The command table (ide_commands.cpp), QEMU's ide_cmd_table: a handler returns true when
  // the command is complete, and exec_cmd then drops BSY and raises INTRQ.
  using CommandHandler = bool (IdeController::*)(Drive& d, uint8_t cmd);
  enum CommandFlags : uint8_t { kSetDsc = 1, kNeedsDisk = 2 };
  struct Command {
    CommandHandler run = nullptr;  // null: not permitted for a hard disk
    uint8_t flags = 0;             // CommandFlags
  };
  static const Command& command(uint8_t opcode);
  void exec_cmd(uint8_t val);
  bool cmd_nop(Drive& d, uint8_t cmd);
  bool cmd_abort(Drive& d, uint8_t cmd);
  bool cmd_read_pio(Drive& d, uint8_t cmd);
  bool cmd_read_multiple(Drive& d, uint8_t cmd);
  bool cmd_write_pio(Drive& d, uint8_t cmd);
  bool cmd_write_multiple(Drive& d, uint8_t cmd);
  bool cmd_read_native_max(Drive& d, uint8_t cmd);
  bool cmd_verify(Drive& d, uint8_t cmd);
  bool cmd_exec_dev_diagnostic(Drive& d, uint8_t cmd);
  bool cmd_check_power_mode(Drive& d, uint8_t cmd);
  bool cmd_set_multiple_mode(Drive& d, uint8_t cmd);
  bool cmd_flush_cache(Drive& d, uint8_t cmd);
  bool cmd_identify(Drive& d, uint8_t cmd);
  bool cmd_set_features(Drive& d, uint8_t cmd);

  uint8_t read_register(int reg);
  void write_register(int reg, uint8_t val);
  uint32_t data_read(unsigned bytes);
  void data_write(unsigned bytes, uint32_t val);

  IrqLine irq_;
  Drive ifs_[2];
  uint8_t unit_ = 0;       // selected device
  uint8_t cmd_ = 0;        // device control register (nIEN, SRST, HOB)
  uint8_t irq_level_ = 0;  // INTRQ as driven onto IRQ14
};

}  // namespace kjump
