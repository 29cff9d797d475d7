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

namespace {

// Boots the probe with FLAGS and runs it until it stops (exit or fault).
struct ProbeRun {
  std::unique_ptr<Machine> m;
  RunResult r{StopReason::Limit, ""};
};
ProbeRun run_probe_raw(uint32_t flags) {
  MachineConfig c;
  c.kernel_path = KJUMP_BINARY_DIR "/tests/guest_images/audit_probe.elf";
  ProbeRun p{std::make_unique<Machine>(c)};
  p.m->power_on();
  p.m->engine().ram().write_phys(0x170000, &flags, 4);
  p.r = p.m->run(50'000'000);
  return p;
}

}  // namespace

TEST_CASE("kexec audit: a control page is found through its kernel's own page tables, at any PAGE_OFFSET") {
  unsigned jumps = 0;
  auto f = run_probe(16, &jumps);
  CHECK(jumps == 1);
  CHECK(f.empty());
  // And it still finds what the trampoline does wrong there.
  auto bad = run_probe(16 | 1);
  REQUIRE(bad.size() == 1);
  CHECK(bad[0].text.find("code in control page 0x00180000 read 0x00300000-0x00300fff") != std::string::npos);
  // The first offending access exactly: address, size, the instruction and its offset.
  CHECK(bad[0].text.find("first 4 byte(s) at 0x00300000 by the instruction at 0x00180011 (control page offset 0x11: mov ebx, dword ptr [0x300000])") !=
        std::string::npos);
}

TEST_CASE("kexec audit: paging switched back on with CR4.PAE = 0 under a PAE kernel's tables is named") {
  auto f = run_probe(8);
  REQUIRE(f.size() == 1);
  CHECK(f[0].kind == "trampoline");
  CHECK(f[0].text.find("code in control page 0x00180000 set CR0.PG") == 0);
  CHECK(f[0].text.find("in PAE format (the kernel's saved CR4 0x00000020) while CR4.PAE is 0") != std::string::npos);
}

TEST_CASE("kexec audit: a GDT zapped before the jump and never reloaded explains the triple fault") {
  ProbeRun p = run_probe_raw(4);
  REQUIRE(p.r.reason == StopReason::TripleFault);
  const Engine::FaultChain& chain = p.m->engine().last_fault_chain();
  CHECK(chain.triple);
  REQUIRE(chain.links.size() >= 3);
  CHECK(chain.links[0].vector == 13);
  CHECK(chain.links[0].error == 0x10);
  const std::string report = p.m->fault_report();
  MESSAGE(report);
  CHECK(report.find("exception chain, at instruction") != std::string::npos);
  CHECK(report.find("#GP(0x10) at ") != std::string::npos);
  CHECK(report.find("mov ss, ") != std::string::npos);
  CHECK(report.find("#DF(0x0): the two make a double fault") != std::string::npos);
  CHECK(report.find("-> triple fault") != std::string::npos);
  CHECK(report.find("kexec audit: selector 0x10 is beyond the live GDT (GDTR base 0x00000000, limit 0x0)") != std::string::npos);
  CHECK(report.find("kexec audit: the GDT was invalidated before the kexec jump: GDTR already held base 0x00000000, limit 0x0 at "
                    "the jump from control page 0x00180000") != std::string::npos);
  CHECK(report.find("kexec audit: and it was never reloaded on the way back: GDTR is unchanged since the return into control "
                    "page 0x00180000") != std::string::npos);
}

TEST_CASE("kexec audit: a run that ends by a fault with paging still off has its stretch analysed") {
  ProbeRun p = run_probe_raw(32);
  REQUIRE(p.r.reason == StopReason::TripleFault);
  const auto& f = p.m->kexec_audit().findings();
  REQUIRE(f.size() == 2);
  CHECK(f[0].text.find("code in control page 0x00180000 read 0x00300000-0x00300fff") != std::string::npos);
  CHECK(f[1].text.find("the run ended with paging still off") == 0);
  // The chain: #UD, then #GP delivering it (IDT limit 0), #DF, triple fault.
  const Engine::FaultChain& chain = p.m->engine().last_fault_chain();
  REQUIRE(chain.links.size() >= 2);
  CHECK(chain.links[0].vector == 6);
  CHECK(chain.links[1].vector == 13);
  CHECK(chain.links[1].why == "the vector's gate is beyond the IDT limit");
  CHECK(chain.triple);
}
