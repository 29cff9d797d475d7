// `rep movs`/`stos` done by the host (emu/rep_string.h): a free run, which lets the host do
// the iterations, must end exactly where stepping one instruction at a time ends (stepping
// never leaves room for it): same instruction count, registers and memory, for every kind,
// for the cases it must decline, and for a run stopped at every count inside the rep.
#include <doctest/doctest.h>

#include <cstring>
#include <string>
#include <vector>

#include "emu/engine.h"
#include "emu/rep_string.h"
#include "engine_flat_boot.h"

using namespace kjump;

namespace {

constexpr uint64_t kRam = 16 << 20;

// Flat 32-bit protected mode, paging off, `code` at 0x1000; source bytes at 0x20000.
void setup(Engine& e, const std::vector<uint8_t>& code) {
  kjump::test::boot_flat(e, code);
  std::vector<uint8_t> pattern(0x8000);
  for (size_t i = 0; i < pattern.size(); ++i) pattern[i] = uint8_t(i * 7 + 3);
  // Straight into RAM: a host write through write_phys invalidates translated code there, and
  // Unicorn's invalidation looks the page up as code, which marks it as code (so the host
  // would then decline to write into it).
  std::memcpy(e.ram().data() + 0x20000, pattern.data(), pattern.size());
}

// mov $ecx,%ecx; mov $esi,%esi; mov $edi,%edi; mov $0x11223344,%eax; <rep>; hlt
std::vector<uint8_t> program(uint32_t ecx, uint32_t esi, uint32_t edi, std::vector<uint8_t> rep) {
  std::vector<uint8_t> c;
  auto mov = [&](uint8_t op, uint32_t v) {
    c.push_back(op);
    for (int i = 0; i < 4; ++i) c.push_back(uint8_t(v >> (8 * i)));
  };
  mov(0xb9, ecx);
  mov(0xbe, esi);
  mov(0xbf, edi);
  mov(0xb8, 0x11223344);
  c.insert(c.end(), rep.begin(), rep.end());
  c.push_back(0xf4);
  return c;
}

std::vector<uint8_t> memory(Engine& e) {
  std::vector<uint8_t> m(0x20000);
  std::memcpy(m.data(), e.ram().data() + 0x20000, m.size());
  return m;
}

void check_same(Engine& a, Engine& b) {
  CHECK(a.retired() == b.retired());
  for (auto r : {Reg::ECX, Reg::ESI, Reg::EDI, Reg::EIP, Reg::EFLAGS}) CHECK(a.reg(r) == b.reg(r));
  CHECK(memory(a) == memory(b));
}

void step_to_halt(Engine& s) {
  for (int i = 0; i < 200000 && s.step().reason == StopReason::Limit; ++i) {
  }
}

}  // namespace

TEST_CASE("rep string decoder: what the host may do and what it leaves to the CPU") {
  auto dec = [](std::vector<uint8_t> b) { return decode_rep_string(b.data(), b.size()); };
  auto movsl = dec({0xf3, 0xa5});
  REQUIRE(movsl);
  CHECK(movsl->movs);
  CHECK(movsl->size == 4);
  CHECK(movsl->length == 2);
  CHECK(dec({0xf3, 0x66, 0xa5})->size == 2);
  CHECK(dec({0xf2, 0xaa})->size == 1);         // repne stos repeats as rep does
  CHECK(dec({0x3e, 0xf3, 0xa4})->length == 3); // DS spelled out
  CHECK_FALSE(dec({0xa5}));                    // no rep
  CHECK_FALSE(dec({0xf3, 0x67, 0xa5}));        // 16-bit addresses
  CHECK_FALSE(dec({0xf3, 0x26, 0xa5}));        // ES source
  CHECK_FALSE(dec({0xf3, 0xa6}));              // cmps: flags and early exit
  CHECK_FALSE(dec({0xf3, 0x3e, 0xab}));        // stos through DS spelled: left plain
  CHECK_FALSE(dec({0xf3}));
}

TEST_CASE("rep movs/stos on the host: a free run ends where stepping ends") {
  struct Case {
    const char* what;
    std::vector<uint8_t> code;
    bool host;  // the host must have done it in the free run
  };
  const std::vector<Case> cases = {
      {"rep movsl", program(1000, 0x20000, 0x30000, {0xf3, 0xa5}), true},
      {"rep movsw", program(777, 0x20001, 0x30003, {0xf3, 0x66, 0xa5}), true},
      {"rep movsb", program(4095, 0x20000, 0x30001, {0xf3, 0xa4}), true},
      {"rep stosl", program(1024, 0, 0x30000, {0xf3, 0xab}), true},
      {"rep stosb", program(300, 0, 0x30007, {0xf3, 0xaa}), true},
      {"rep movsl, destination just below the source", program(500, 0x20010, 0x20000, {0xf3, 0xa5}), true},
      {"rep movsl onto its own source ahead (replicates: declined)", program(500, 0x20000, 0x20004, {0xf3, 0xa5}),
       false},
      {"rep movsl into its own code page (declined)", program(16, 0x20000, 0x1800, {0xf3, 0xa5}), false},
      {"rep movsl past the end of RAM (declined)", program(64, 0x20000, uint32_t(kRam) - 16, {0xf3, 0xa5}), false},
      {"rep movsl with ECX 0", program(0, 0x20000, 0x30000, {0xf3, 0xa5}), false},
  };
  for (const auto& c : cases) {
    INFO(std::string(c.what));
    Engine a(kRam), s(kRam);
    setup(a, c.code);
    setup(s, c.code);
    auto r = a.run(10'000'000);
    if (std::string(c.what).find("past the end") == std::string::npos) CHECK(r.reason == StopReason::HaltedForever);
    step_to_halt(s);
    check_same(a, s);
    CHECK((a.rep_host_runs() > 0) == c.host);
    CHECK(s.rep_host_runs() == 0);
  }
}

TEST_CASE("rep movs on the host: a run stopped inside the rep stops at exactly its count") {
  const auto code = program(200, 0x20000, 0x30000, {0xf3, 0xa5});
  Engine s(kRam);
  setup(s, code);
  step_to_halt(s);
  const uint64_t total = s.retired();
  for (uint64_t n : std::vector<uint64_t>{5, 6, 7, 50, 150, total - 3, total - 2, total - 1}) {
    INFO("stop at " << n);
    Engine a(kRam), b(kRam);
    setup(a, code);
    setup(b, code);
    CHECK(a.run(n).reason == StopReason::Limit);
    CHECK(a.retired() == n);
    while (b.retired() < n) b.step();
    check_same(a, b);
    a.run(10'000'000);
    step_to_halt(b);
    check_same(a, b);
  }
}
