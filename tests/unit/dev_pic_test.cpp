#include <doctest/doctest.h>

#include "dev_fakes.h"
#include "emu/state.h"
#include "machine/bus.h"
#include "machine/devices/pic.h"

using namespace kjump;

namespace {
// The recommended protected-mode init: vectors 0x20/0x28, cascade on IR2, 8086 mode.
void init_pics(Pic8259Pair& pic, uint8_t master_mask, uint8_t slave_mask, uint8_t icw4 = 0x01) {
  pic.io_write(0x20, 1, 0x11);
  pic.io_write(0xA0, 1, 0x11);
  pic.io_write(0x21, 1, 0x20);
  pic.io_write(0xA1, 1, 0x28);
  pic.io_write(0x21, 1, 0x04);
  pic.io_write(0xA1, 1, 0x02);
  pic.io_write(0x21, 1, icw4);
  pic.io_write(0xA1, 1, icw4);
  pic.io_write(0x21, 1, master_mask);
  pic.io_write(0xA1, 1, slave_mask);
}
void pulse(Pic8259Pair& pic, unsigned irq) {
  pic.set_irq_level(irq, true);
  pic.set_irq_level(irq, false);
}
}  // namespace

TEST_CASE("pic: init sequence programs vectors and masks, OCW3 selects IRR or ISR") {
  Pic8259Pair pic;
  init_pics(pic, 0xFB, 0xFF);
  CHECK(pic.io_read(0x21, 1) == 0xFB);
  CHECK(pic.io_read(0xA1, 1) == 0xFF);
  CHECK(pic.vector_base(0) == 0x20);
  CHECK(pic.vector_base(1) == 0x28);
  CHECK(pic.io_read(0x20, 1) == 0x00);  // IRR after reset
  pic.io_write(0x21, 1, 0xFE);
  pulse(pic, 0);
  CHECK(pic.io_read(0x20, 1) == 0x01);  // IRR selected by default
  CHECK(pic.acknowledge() == 0x20);
  CHECK(pic.io_read(0x20, 1) == 0x00);  // IRR bit moved to ISR
  pic.io_write(0x20, 1, 0x0B);          // OCW3: read ISR
  CHECK(pic.io_read(0x20, 1) == 0x01);
  CHECK(pic.io_read(0x20, 1) == 0x01);  // the choice persists
  pic.io_write(0x20, 1, 0x0A);          // back to IRR
  CHECK(pic.io_read(0x20, 1) == 0x00);
}

TEST_CASE("pic: a masked request is latched but not delivered until unmasked") {
  Pic8259Pair pic;
  init_pics(pic, 0xFF, 0xFF);
  pulse(pic, 1);
  CHECK(pic.irr(0) == 0x02);
  CHECK_FALSE(pic.intr_pending());
  pic.io_write(0x21, 1, 0xFD);
  CHECK(pic.intr_pending());
  CHECK(pic.acknowledge() == 0x21);
  CHECK_FALSE(pic.intr_pending());
}

TEST_CASE("pic: edge mode needs the line to drop before the same IRQ is requested again") {
  Pic8259Pair pic;
  init_pics(pic, 0x00, 0xFF);
  pic.set_irq_level(4, true);
  CHECK(pic.acknowledge() == 0x24);
  pic.io_write(0x20, 1, 0x20);
  pic.set_irq_level(4, true);  // still high: no new edge
  CHECK_FALSE(pic.intr_pending());
  pic.set_irq_level(4, false);
  pic.set_irq_level(4, true);
  CHECK(pic.intr_pending());
}

TEST_CASE("pic: priority order and EOI, non-specific and specific") {
  Pic8259Pair pic;
  init_pics(pic, 0x00, 0x00);
  pulse(pic, 3);
  pulse(pic, 1);
  CHECK(pic.acknowledge() == 0x21);  // IRQ1 outranks IRQ3
  CHECK(pic.isr(0) == 0x02);
  CHECK_FALSE(pic.intr_pending());   // IRQ3 is lower than the in-service IRQ1
  pulse(pic, 0);
  CHECK(pic.intr_pending());         // IRQ0 is higher: it nests
  CHECK(pic.acknowledge() == 0x20);
  CHECK(pic.isr(0) == 0x03);
  pic.io_write(0x20, 1, 0x20);       // non-specific EOI clears the highest: IRQ0
  CHECK(pic.isr(0) == 0x02);
  CHECK_FALSE(pic.intr_pending());
  pic.io_write(0x20, 1, 0x61);       // specific EOI for level 1
  CHECK(pic.isr(0) == 0x00);
  CHECK(pic.intr_pending());
  CHECK(pic.acknowledge() == 0x23);
}

TEST_CASE("pic: a slave IRQ sets ISR on both chips and needs EOI to both") {
  Pic8259Pair pic;
  init_pics(pic, 0x00, 0x00);
  pulse(pic, 12);
  CHECK(pic.irr(1) == 0x10);
  CHECK(pic.irr(0) == 0x04);  // cascade input
  CHECK(pic.acknowledge() == 0x2C);
  CHECK(pic.isr(1) == 0x10);
  CHECK(pic.isr(0) == 0x04);
  pulse(pic, 3);
  CHECK_FALSE(pic.intr_pending());  // IRQ3 ranks below the cascade (IR2) in service
  pic.io_write(0xA0, 1, 0x20);      // EOI the slave only
  CHECK(pic.isr(1) == 0x00);
  CHECK_FALSE(pic.intr_pending());  // master IR2 still in service
  pic.io_write(0x20, 1, 0x20);
  CHECK(pic.isr(0) == 0x00);
  CHECK(pic.acknowledge() == 0x23);
  // Overall order is 0, 1, 8..15, 3..7.
  pic.io_write(0x20, 1, 0x20);
  pulse(pic, 5);
  pulse(pic, 9);
  CHECK(pic.acknowledge() == 0x29);
}

TEST_CASE("pic: spurious interrupts give base+7, the slave one leaves master ISR bit 2 set") {
  Pic8259Pair pic;
  init_pics(pic, 0x00, 0x00);
  CHECK(pic.acknowledge() == 0x27);  // nothing pending at all
  CHECK(pic.isr(0) == 0x00);
  pulse(pic, 10);
  CHECK(pic.irr(0) == 0x04);
  pic.io_write(0xA1, 1, 0xFF);  // the slave request disappears before INTA
  CHECK(pic.intr_pending());    // the master latched the cascade edge
  CHECK(pic.acknowledge() == 0x2F);
  CHECK(pic.isr(0) == 0x04);
  CHECK(pic.isr(1) == 0x00);
}

TEST_CASE("pic: ELCR masks and level-triggered inputs") {
  Pic8259Pair pic;
  pic.io_write(0x4D0, 1, 0xFF);
  pic.io_write(0x4D1, 1, 0xFF);
  CHECK(pic.io_read(0x4D0, 1) == 0xF8);
  CHECK(pic.io_read(0x4D1, 1) == 0xDE);
  CHECK(pic.io_read(0x4D0, 2) == 0xDEF8);
  init_pics(pic, 0x00, 0x00);
  CHECK(pic.elcr(1) == 0xDE);  // ICW1 leaves the ELCR alone
  pic.set_irq_level(10, true);
  CHECK(pic.acknowledge() == 0x2A);
  CHECK(pic.irr(1) == 0x04);  // a level request stays in IRR while the line is high
  pic.io_write(0xA0, 1, 0x20);
  pic.io_write(0x20, 1, 0x20);
  CHECK(pic.intr_pending());  // ... and is requested again after EOI
  pic.set_irq_level(10, false);
  CHECK(pic.irr(1) == 0x00);
  // The master latched the cascade edge; with the slave request gone, INTA finds nothing
  // on the slave: a spurious IRQ15 vector.
  CHECK(pic.intr_pending());
  CHECK(pic.acknowledge() == 0x2F);
}

TEST_CASE("pic: ICW1 clears IMR, ISR and edge IRR, keeps level IRR, forgets line history") {
  Pic8259Pair pic;
  pic.io_write(0x4D0, 1, 0x20);  // IRQ5 level-triggered
  init_pics(pic, 0xFF, 0xFF);
  pic.set_irq_level(3, true);  // edge latched, line stays high
  pic.set_irq_level(5, true);
  pic.io_write(0x21, 1, 0xF7);
  CHECK(pic.acknowledge() == 0x23);
  CHECK(pic.isr(0) == 0x08);
  pic.io_write(0x20, 1, 0x11);  // ICW1 on the master
  CHECK(pic.imr(0) == 0x00);
  CHECK(pic.isr(0) == 0x00);
  CHECK(pic.irr(0) == 0x20);  // only the level-triggered bit survives
  CHECK(pic.vector_base(0) == 0x00);
  pic.io_write(0x21, 1, 0x40);  // ICW2
  pic.io_write(0x21, 1, 0x04);
  pic.io_write(0x21, 1, 0x01);
  pic.set_irq_level(3, true);  // line was already high: QEMU counts this as a new edge
  CHECK(pic.irr(0) == 0x28);
}

TEST_CASE("pic: poll command, AEOI and rotation") {
  Pic8259Pair pic;
  init_pics(pic, 0x00, 0x00);
  pulse(pic, 6);
  pic.io_write(0x20, 1, 0x0C);  // poll
  CHECK(pic.io_read(0x20, 1) == 0x86);
  CHECK(pic.isr(0) == 0x40);
  pic.io_write(0x20, 1, 0x0C);
  CHECK(pic.io_read(0x20, 1) == 0x00);  // nothing else pending
  pic.io_write(0x20, 1, 0x66);

  init_pics(pic, 0x00, 0x00, 0x03);  // AEOI
  pulse(pic, 4);
  CHECK(pic.acknowledge() == 0x24);
  CHECK(pic.isr(0) == 0x00);

  init_pics(pic, 0x00, 0x00);
  pic.io_write(0x20, 1, 0xC4);  // set priority: IRQ4 lowest, IRQ5 highest
  pulse(pic, 1);
  pulse(pic, 6);
  CHECK(pic.acknowledge() == 0x26);
}

TEST_CASE("pic: quiesce audit names unmasked IRQs and pending bits; state round-trips") {
  Pic8259Pair pic;
  init_pics(pic, 0xFA, 0xEF);
  std::vector<std::string> f;
  pic.audit_quiesce(f);
  REQUIRE(f.size() == 1);
  CHECK(f[0] == "pic: unmasked IRQs 0,2,12");
  auto blob = save_state(pic);
  pulse(pic, 0);
  f.clear();
  pic.audit_quiesce(f);
  CHECK(f.size() == 2);
  load_state(pic, blob);
  CHECK(pic.irr(0) == 0);
  init_pics(pic, 0xFF, 0xFF);
  f.clear();
  pic.audit_quiesce(f);
  CHECK(f.empty());
}

TEST_CASE("pic: map claims its three port ranges") {
  Pic8259Pair pic;
  Bus bus;
  pic.map(bus);
  CHECK(bus.owner_of(0x21) == "pic-master");
  CHECK(bus.owner_of(0xA0) == "pic-slave");
  CHECK(bus.owner_of(0x4D1) == "elcr");
  CHECK(bus.io_read(0x22, 1) == 0xFF);
}
