// The machine's kexec audits against a hand-made trampoline run (tests/guest/audit_probe.S):
// clean behaviour gives no findings; a read outside the image and an unmasked IRQ at the jump
// are each named precisely.
#include <doctest/doctest.h>

#include "machine/kexec/audit.h"
#include "machine/machine.h"

using namespace kjump;

namespace {

// Boots the probe with FLAGS (see audit_probe.S) and runs it to its exit.
std::vector<AuditFinding> run_probe(uint32_t flags, unsigned* jumps = nullptr) {
  MachineConfig c;
  c.kernel_path = KJUMP_BINARY_DIR "/tests/guest_images/audit_probe.elf";
  Machine m(c);
  m.power_on();
  m.engine().ram().write_phys(0x170000, &flags, 4);
  m.run(50'000'000);
  REQUIRE(m.power().exit_status == 33);
  CHECK(m.serial_output() == "done\n");
  if (jumps) *jumps = m.kexec_audit().jumps();
  return m.kexec_audit().findings();
}

}  // namespace

TEST_CASE("kexec audit: a trampoline that stays in its image and a quiet machine give no findings") {
  unsigned jumps = 0;
  auto f = run_probe(0, &jumps);
  CHECK(jumps == 1);
  for (auto& x : f) MESSAGE(x.kind, ": ", x.text);
  CHECK(f.empty());
}

TEST_CASE("kexec audit: a read outside the image is named with its page and the control page") {
  auto f = run_probe(1);
  REQUIRE(f.size() == 1);
  CHECK(f[0].kind == "trampoline");
  CHECK(f[0].text.find("code in control page 0x00180000 read 0x00300000-0x00300fff") != std::string::npos);
}

TEST_CASE("kexec audit: an unmasked IRQ at the jump is a quiesce finding") {
  auto f = run_probe(2);
  REQUIRE(f.size() >= 1);
  CHECK(f[0].kind == "quiesce");
  CHECK(f[0].text == "pic: unmasked IRQs 0, at the jump from control page 0x00180000");
}

TEST_CASE("kexec audit: the image is read from the control page's data area like relocate_kernel walks it") {
  MachineConfig c;
  c.kernel_path = KJUMP_BINARY_DIR "/tests/guest_images/audit_probe.elf";
  Machine m(c);
  m.power_on();
  uint32_t flags = 0;
  m.engine().ram().write_phys(0x170000, &flags, 4);
  m.run(50'000'000);
  KexecAudit::ImagePages img;
  REQUIRE(m.kexec_audit().read_image(0x180, img));
  CHECK(img.swap == 0x181);
  CHECK(img.indirection == std::set<uint32_t>{0x182});
  CHECK(img.source == std::set<uint32_t>{0x183});
  CHECK(img.destination == std::set<uint32_t>{0x190});
  CHECK_FALSE(m.kexec_audit().read_image(0x181, img));  // not a control page
}
