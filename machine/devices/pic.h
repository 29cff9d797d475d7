// The PC's cascaded 8259A pair (master 0x20/0x21, slave 0xA0/0xA1) plus the PIIX ELCR
// (0x4D0/0x4D1), modelled on QEMU 7.2's i8259: see docs/pc-devices-reference.md §2.
//
// It is both the IrqSink that devices drive (lines 0..15; 8..15 reach the master through
// its IR2 input) and the InterruptController the CPU asks for INTR and INTA.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "machine/device.h"
#include "machine/irq.h"

namespace kjump {

class Bus;

class Pic8259Pair : public Device, public PortIo, public IrqSink, public InterruptController {
 public:
  static constexpr uint16_t kMasterBase = 0x20;
  static constexpr uint16_t kSlaveBase = 0xA0;
  static constexpr uint16_t kElcrBase = 0x4D0;  // 0x4D0 master, 0x4D1 slave
  static constexpr uint32_t kPortsPerRange = 2;

  Pic8259Pair();

  // Claims the three port pairs on `bus`.
  void map(Bus& bus);

  void reset() override;
  void declare_state(StateDecl& d) override;
  void audit_quiesce(std::vector<std::string>& findings) const override;

  uint32_t io_read(uint16_t port, unsigned size) override;
  void io_write(uint16_t port, unsigned size, uint32_t value) override;

  void set_irq_level(unsigned line, bool high) override;

  bool intr_pending() const override;
  uint8_t acknowledge() override;

  // Register views for tests, traces and the debugger (chip 0 = master, 1 = slave).
  uint8_t irr(int chip) const { return chip_[chip].irr; }
  uint8_t isr(int chip) const { return chip_[chip].isr; }
  uint8_t imr(int chip) const { return chip_[chip].imr; }
  uint8_t elcr(int chip) const { return chip_[chip].elcr; }
  uint8_t vector_base(int chip) const { return chip_[chip].irq_base; }

 private:
  // One 8259A. Field names follow QEMU's PICCommonState so the model can be checked
  // against it line by line.
  struct Chip {
    uint8_t last_irr = 0;  // input levels as last seen (edge detection)
    uint8_t irr = 0;
    uint8_t imr = 0;
    uint8_t isr = 0;
    uint8_t priority_add = 0;  // rotation: the level that currently has top priority
    uint8_t irq_base = 0;
    uint8_t read_reg_select = 0;  // OCW3: 0 = IRR, 1 = ISR
    uint8_t poll = 0;
    uint8_t special_mask = 0;
    uint8_t init_state = 0;  // 0 = operational, 1..3 = expecting ICW2..ICW4
    uint8_t auto_eoi = 0;
    uint8_t rotate_on_auto_eoi = 0;
    uint8_t special_fully_nested_mode = 0;
    uint8_t init4 = 0;
    uint8_t single_mode = 0;
    uint8_t elcr = 0;
  };
  static constexpr int kMaster = 0, kSlave = 1;
  static constexpr uint8_t kElcrMask[2] = {0xF8, 0xDE};

  int get_priority(const Chip& c, uint8_t mask) const;
  int get_irq(int chip) const;  // highest deliverable request, or -1
  void update_irq(int chip);    // recompute the chip's INT output (slave: master IR2)
  void chip_set_irq(int chip, int irq, bool level);
  void intack(int chip, int irq);
  void init_reset(int chip);  // what ICW1 does
  uint8_t read_byte(uint16_t port);
  void write_byte(uint16_t port, uint8_t value);
  void chip_write(int chip, bool data_port, uint8_t value);
  uint8_t chip_read(int chip, bool data_port);

  Chip chip_[2];
};

}  // namespace kjump
