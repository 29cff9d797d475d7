#include "machine/devices/pic.h"

#include "machine/bus.h"
#include "machine/devices/byte_ports.h"

namespace kjump {

Pic8259Pair::Pic8259Pair() : Device("pic") { reset(); }

void Pic8259Pair::map(Bus& bus) {
  bus.map_io(kMasterBase, kPortsPerRange, this, "pic-master");
  bus.map_io(kSlaveBase, kPortsPerRange, this, "pic-slave");
  bus.map_io(kElcrBase, kPortsPerRange, this, "elcr");
}

void Pic8259Pair::reset() {
  // A machine reset clears the ELCR as well; ICW1 does not (QEMU pic_reset).
  for (int c = 0; c < 2; ++c) {
    chip_[c] = Chip{};
    init_reset(c);
  }
}

// Configuration: what ICW1-4, OCW1, OCW3's special mask and the ELCR programmed and Linux's
// init_8259A() redoes on resume (vector base, ELCR edge/level, auto-EOI and its rotation,
// SFNM, ICW4/single, IMR, special mask); not IRR/ISR/input levels (requests in flight),
// priority_add (rotated by EOIs), the ICW sequence, poll or the OCW3 read select (per access).
// Valid values: the rotation level and the ICW step index the priority and init sequences;
// single_mode holds ICW1's bit 1 as it came (0 or 2).
void Pic8259Pair::declare_state(StateDecl& d) {
  static const char* const kName[2] = {"master.", "slave."};
  for (int c = 0; c < 2; ++c) {
    Chip& s = chip_[c];
    std::string p = kName[c];
    d.field(p + "last_irr", s.last_irr).any();
    d.field(p + "irr", s.irr).any();
    d.field(p + "imr", s.imr).config().any();
    d.field(p + "isr", s.isr).any();
    d.field(p + "priority_add", s.priority_add).range(0, 7);
    d.field(p + "irq_base", s.irq_base).config().any();
    d.field(p + "read_reg_select", s.read_reg_select).range(0, 1);
    d.field(p + "poll", s.poll).range(0, 1);
    d.field(p + "special_mask", s.special_mask).config().range(0, 1);
    d.field(p + "init_state", s.init_state).range(0, 3);
    d.field(p + "auto_eoi", s.auto_eoi).config().range(0, 1);
    d.field(p + "rotate_on_auto_eoi", s.rotate_on_auto_eoi).config().range(0, 1);
    d.field(p + "special_fully_nested_mode", s.special_fully_nested_mode).config().range(0, 1);
    d.field(p + "init4", s.init4).config().range(0, 1);
    d.field(p + "single_mode", s.single_mode).config().range(0, 2);
    d.field(p + "elcr", s.elcr).config().valid_if("within the ELCR mask", [&s, c] {
      return !(s.elcr & ~kElcrMask[c]);
    });
  }
}

void Pic8259Pair::audit_quiesce(std::vector<std::string>& findings) const {
  std::string unmasked;
  for (unsigned irq = 0; irq < 16; ++irq) {
    const Chip& c = chip_[irq / 8];
    if (!(c.imr & (1u << (irq % 8)))) unmasked += (unmasked.empty() ? "" : ",") + std::to_string(irq);
  }
  if (!unmasked.empty()) findings.push_back("pic: unmasked IRQs " + unmasked);
  static const char* const kName[2] = {"master", "slave"};
  char buf[96];
  for (int c = 0; c < 2; ++c) {
    if (chip_[c].irr) {
      snprintf(buf, sizeof buf, "pic: %s IRR=0x%02x (requests pending)", kName[c], chip_[c].irr);
      findings.push_back(buf);
    }
    if (chip_[c].isr) {
      snprintf(buf, sizeof buf, "pic: %s ISR=0x%02x (interrupt in service, no EOI yet)", kName[c], chip_[c].isr);
      findings.push_back(buf);
    }
  }
}

// Priority 0 is the highest; `priority_add` is the level that currently ranks first.
int Pic8259Pair::get_priority(const Chip& c, uint8_t mask) const {
  if (mask == 0) return 8;
  int priority = 0;
  while ((mask & (1 << ((priority + c.priority_add) & 7))) == 0) ++priority;
  return priority;
}

int Pic8259Pair::get_irq(int chip) const {
  const Chip& c = chip_[chip];
  int priority = get_priority(c, c.irr & ~c.imr);
  if (priority == 8) return -1;
  uint8_t in_service = c.isr;
  if (c.special_mask) in_service &= ~c.imr;
  // Special fully nested mode (master only): the cascade input's ISR bit does not block,
  // so a higher-priority slave IRQ can nest inside a slave handler.
  if (c.special_fully_nested_mode && chip == kMaster) in_service &= ~(1 << 2);
  int cur_priority = get_priority(c, in_service);
  if (priority < cur_priority) return (priority + c.priority_add) & 7;
  return -1;
}

void Pic8259Pair::update_irq(int chip) {
  bool level = get_irq(chip) >= 0;
  // The master's output is the CPU's INTR pin, read through intr_pending(); the slave's
  // output is wired to master input 2.
  if (chip == kSlave) chip_set_irq(kMaster, 2, level);
}

void Pic8259Pair::chip_set_irq(int chip, int irq, bool level) {
  Chip& c = chip_[chip];
  uint8_t mask = uint8_t(1u << irq);
  if (c.elcr & mask) {
    // Level-triggered: IRR follows the line.
    if (level) {
      c.irr |= mask;
      c.last_irr |= mask;
    } else {
      c.irr &= ~mask;
      c.last_irr &= ~mask;
    }
  } else {
    // Edge-triggered: only a low-to-high transition latches a request.
    if (level) {
      if ((c.last_irr & mask) == 0) c.irr |= mask;
      c.last_irr |= mask;
    } else {
      c.last_irr &= ~mask;
    }
  }
  update_irq(chip);
}

void Pic8259Pair::set_irq_level(unsigned line, bool high) {
  if (line >= 16) return;
  chip_set_irq(int(line / 8), int(line % 8), high);
}

void Pic8259Pair::intack(int chip, int irq) {
  Chip& c = chip_[chip];
  if (c.auto_eoi) {
    if (c.rotate_on_auto_eoi) c.priority_add = (irq + 1) & 7;
  } else {
    c.isr |= uint8_t(1u << irq);
  }
  // A level-triggered request stays in IRR for as long as the line is high.
  if (!(c.elcr & (1u << irq))) c.irr &= ~uint8_t(1u << irq);
  update_irq(chip);
}

bool Pic8259Pair::intr_pending() const { return get_irq(kMaster) >= 0; }

uint8_t Pic8259Pair::acknowledge() {
  int irq = get_irq(kMaster);
  int intno;
  if (irq >= 0) {
    if (irq == 2) {
      int irq2 = get_irq(kSlave);
      if (irq2 >= 0) {
        intack(kSlave, irq2);
      } else {
        irq2 = 7;  // the slave's request went away: spurious on the slave
      }
      intno = chip_[kSlave].irq_base + irq2;
    } else {
      intno = chip_[kMaster].irq_base + irq;
    }
    intack(kMaster, irq);
  } else {
    irq = 7;  // nothing pending: spurious on the master, no ISR bit
    intno = chip_[kMaster].irq_base + irq;
  }
  return uint8_t(intno);
}

void Pic8259Pair::init_reset(int chip) {
  Chip& c = chip_[chip];
  // QEMU pic_reset_common: level-triggered requests survive, edge history is forgotten.
  c.last_irr = 0;
  c.irr &= c.elcr;
  c.imr = 0;
  c.isr = 0;
  c.priority_add = 0;
  c.irq_base = 0;
  c.read_reg_select = 0;
  c.poll = 0;
  c.special_mask = 0;
  c.init_state = 0;
  c.auto_eoi = 0;
  c.rotate_on_auto_eoi = 0;
  c.special_fully_nested_mode = 0;
  c.init4 = 0;
  c.single_mode = 0;
  update_irq(chip);
}

void Pic8259Pair::chip_write(int chip, bool data_port, uint8_t val) {
  Chip& c = chip_[chip];
  if (!data_port) {
    if (val & 0x10) {  // ICW1
      init_reset(chip);
      c.init_state = 1;
      c.init4 = val & 1;
      c.single_mode = val & 2;
      // LTIM (bit 3) is not supported by QEMU either; the ELCR selects level mode.
    } else if (val & 0x08) {  // OCW3
      if (val & 0x04) c.poll = 1;
      if (val & 0x02) c.read_reg_select = val & 1;
      if (val & 0x40) c.special_mask = (val >> 5) & 1;
    } else {  // OCW2
      int cmd = val >> 5;
      switch (cmd) {
        case 0:
        case 4:
          c.rotate_on_auto_eoi = uint8_t(cmd >> 2);
          break;
        case 1:  // non-specific EOI
        case 5: {  // rotate on non-specific EOI
          int priority = get_priority(c, c.isr);
          if (priority != 8) {
            int irq = (priority + c.priority_add) & 7;
            c.isr &= ~uint8_t(1u << irq);
            if (cmd == 5) c.priority_add = (irq + 1) & 7;
            update_irq(chip);
          }
          break;
        }
        case 3: {  // specific EOI
          int irq = val & 7;
          c.isr &= ~uint8_t(1u << irq);
          update_irq(chip);
          break;
        }
        case 6:  // set priority
          c.priority_add = (val + 1) & 7;
          update_irq(chip);
          break;
        case 7: {  // rotate on specific EOI
          int irq = val & 7;
          c.isr &= ~uint8_t(1u << irq);
          c.priority_add = (irq + 1) & 7;
          update_irq(chip);
          break;
        }
        default:  // 2: no operation
          break;
      }
    }
    return;
  }
  switch (c.init_state) {
    case 0:  // OCW1
      c.imr = val;
      update_irq(chip);
      break;
    case 1:  // ICW2
      c.irq_base = val & 0xF8;
      c.init_state = c.single_mode ? (c.init4 ? 3 : 0) : 2;
      break;
    case 2:  // ICW3: accepted and ignored, the cascade is wired to IR2
      c.init_state = c.init4 ? 3 : 0;
      break;
    case 3:  // ICW4: only SFNM and AEOI matter
      c.special_fully_nested_mode = (val >> 4) & 1;
      c.auto_eoi = (val >> 1) & 1;
      c.init_state = 0;
      break;
  }
}

uint8_t Pic8259Pair::chip_read(int chip, bool data_port) {
  Chip& c = chip_[chip];
  if (c.poll) {
    // Poll: acknowledge like INTA would (no cascade to the slave) and report the level.
    int ret = get_irq(chip);
    uint8_t result = 0;
    if (ret >= 0) {
      intack(chip, ret);
      result = uint8_t(ret | 0x80);
    }
    c.poll = 0;
    return result;
  }
  if (!data_port) return c.read_reg_select ? c.isr : c.irr;
  return c.imr;
}

uint8_t Pic8259Pair::read_byte(uint16_t port) {
  if (port == kMasterBase || port == kMasterBase + 1) return chip_read(kMaster, port & 1);
  if (port == kSlaveBase || port == kSlaveBase + 1) return chip_read(kSlave, port & 1);
  if (port == kElcrBase || port == kElcrBase + 1) return chip_[port - kElcrBase].elcr;
  return 0xFF;
}

void Pic8259Pair::write_byte(uint16_t port, uint8_t value) {
  if (port == kMasterBase || port == kMasterBase + 1) {
    chip_write(kMaster, port & 1, value);
  } else if (port == kSlaveBase || port == kSlaveBase + 1) {
    chip_write(kSlave, port & 1, value);
  } else if (port == kElcrBase || port == kElcrBase + 1) {
    int c = port - kElcrBase;
    chip_[c].elcr = value & kElcrMask[c];  // QEMU does not re-evaluate IRR here
  }
}

uint32_t Pic8259Pair::io_read(uint16_t port, unsigned size) {
  return read_bytewise(port, size, [this](uint16_t p) { return read_byte(p); });
}

void Pic8259Pair::io_write(uint16_t port, unsigned size, uint32_t value) {
  write_bytewise(port, size, value, [this](uint16_t p, uint8_t v) { write_byte(p, v); });
}

}  // namespace kjump
