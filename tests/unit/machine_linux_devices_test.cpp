// What a Linux kernel touches beyond our own guest (docs/linux-guest-reference.md (e)): the
// 8042's status port and its reset command, the DMA page register Linux probes, port 0x80 and
// absent serial ports reading as all ones (as QEMU's unassigned ports), and an i686 CPUID.
#include <doctest/doctest.h>

#include "machine/devices/kbc8042.h"
#include "machine/machine.h"

using namespace kjump;

namespace {

std::unique_ptr<Machine> machine() {
  MachineConfig c;
  c.kernel_path = KJUMP_BINARY_DIR "/tests/guest_images/audit_probe.elf";
  auto m = std::make_unique<Machine>(c);
  m->power_on();
  return m;
}

}  // namespace

TEST_CASE("linux devices: the 8042 status port reads idle and 0xFE resets the machine, ending the run") {
  auto m = machine();
  // kb_wait() polls bit 1 (input buffer full): clear, so the reset command goes out at once.
  CHECK(m->bus().io_read(0x64, 1) == Kbc8042::kStatus);
  CHECK((m->bus().io_read(0x64, 1) & 0x02) == 0);
  CHECK(m->bus().io_read(0x60, 1) == 0);
  m->bus().io_write(0x64, 1, 0xAD);  // another command: nothing happens
  m->bus().io_write(0x64, 1, 0xFF);  // a pulse of no line: nothing
  CHECK(m->power().on);
  CHECK(m->power().guest_reset.empty());
  m->bus().io_write(0x64, 1, 0xFE);
  CHECK_FALSE(m->power().on);
  CHECK(m->power().guest_reset == "8042 command 0xfe");
  CHECK(m->run(m->now() + 1000).reason == StopReason::Requested);  // powered off: nothing runs
  // The next power-on starts clean.
  m->power_on();
  CHECK(m->power().guest_reset.empty());
}

TEST_CASE("linux devices: port 0x92 bit 0 resets the machine as well") {
  auto m = machine();
  m->bus().io_write(0x92, 1, 0x03);
  CHECK_FALSE(m->power().on);
  CHECK(m->power().guest_reset == "port 0x92 bit 0");
}

TEST_CASE("linux devices: DMA page registers read 0 (present), port 0x80 and absent COM2-4 read all ones") {
  auto m = machine();
  for (uint16_t p : {0x81, 0x82, 0x83, 0x87, 0x89, 0x8a, 0x8b, 0x8f}) CHECK(m->bus().io_read(p, 1) == 0);
  CHECK(m->bus().io_read(0x80, 1) == 0xFF);
  m->bus().io_write(0x80, 1, 0x12);  // io_delay: ignored
  for (uint16_t base : {0x2f8, 0x3e8, 0x2e8})
    for (uint16_t off = 0; off < 8; ++off) CHECK(m->bus().io_read(base + off, 1) == 0xFF);
  CHECK(m->bus().io_read(0x3fd, 1) == 0x60);  // COM1 is there
}

TEST_CASE("linux devices: CPUID is an i686 with CMOV, CX8, FPU, FXSR, TSC and PAE; no APIC, SEP") {
  auto m = machine();
  Engine& e = m->engine();
  const uint8_t code[] = {0x0f, 0xa2, 0xf4};  // cpuid; hlt
  e.ram().write_phys(0x200000, code, sizeof code);
  e.set_reg(Reg::CR0, 0x11);
  e.set_reg(Reg::EIP, 0x200000);
  e.set_reg(Reg::EAX, 1);
  e.set_reg(Reg::ECX, 0);
  e.step();
  const uint32_t edx = e.reg(Reg::EDX);
  for (unsigned bit : {0u /*FPU*/, 4u /*TSC*/, 6u /*PAE*/, 8u /*CX8*/, 15u /*CMOV*/, 24u /*FXSR*/}) {
    CAPTURE(bit);
    CHECK(((edx >> bit) & 1) == 1);
  }
  CHECK(((edx >> 9) & 1) == 0);   // APIC: none is modelled
  CHECK(((edx >> 11) & 1) == 0);  // SEP: Unicorn does not switch privilege on sysenter
  CHECK(((e.reg(Reg::EAX) >> 8) & 0xf) == 6);  // family 6: i686
}
