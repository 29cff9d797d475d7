// The machine's programmed device configuration: exactly the fields the device files mark
// (a removed or added mark shows here), the same in a declaration-only machine as in a real
// one, and changed by what a driver programs but not by time passing.
#include <doctest/doctest.h>

#include "machine/boot/boot_error.h"
#include "replay/state_compare.h"
#include "replay_test_support.h"

using namespace kjump;
using namespace kjump::replaytest;

namespace {

std::vector<std::string> names(const std::vector<InspectedField>& fields) {
  std::vector<std::string> out;
  for (auto& f : fields) out.push_back(f.name);
  return out;
}

std::vector<std::string> expected_names() {
  std::vector<std::string> out;
  for (const char* chip : {"master", "slave"})
    for (const char* f : {"imr", "irq_base", "special_mask", "auto_eoi", "rotate_on_auto_eoi",
                          "special_fully_nested_mode", "init4", "single_mode", "elcr"})
      out.push_back(std::string("pic.") + chip + "." + f);
  for (int ch = 0; ch < 3; ++ch)
    for (const char* f : {"count", "rw_mode", "mode", "bcd", "gate"})
      out.push_back("pit.ch" + std::to_string(ch) + "." + f);
  out.push_back("pit.speaker_data_on");
  for (const char* f : {"divider", "ier", "lcr", "mcr", "scr", "fcr"}) out.push_back(std::string("uart.") + f);
  out.push_back("rtc.cmos[10]&0x7f");
  out.push_back("rtc.cmos[11]");
  out.push_back("ide.cmd&0x2");
  for (const char* drive : {"master", "slave"}) {
    std::string p = std::string("ide.") + drive + ".";
    for (const char* f : {"select&0x50", "mult_sectors", "identify[170]&0x20", "identify[125]", "identify[127]",
                          "identify[177]"})
      out.push_back(p + f);
  }
  out.push_back("port92.outport&0x2");
  return out;
}

}  // namespace

TEST_CASE("device configuration: the marked fields, in a real and in a declaration-only machine") {
  Machine m(kernel_config());
  m.power_on();
  CHECK(names(configuration_of(m.state(), save_state(m.state()))) == expected_names());
  std::unique_ptr<Machine> decl = Machine::declaration_only();
  CHECK(names(configuration_of(decl->state(), save_state(m.state()))) == expected_names());
  CHECK(!layout_mismatch(save_state(m.state()), decl->state()));
  CHECK_THROWS_AS(decl->power_on(), BootError);
}

TEST_CASE("device configuration: programmed by the kernel's drivers, unchanged by time passing") {
  Machine m(kernel_config());
  m.power_on();
  auto at_power_on = save_state(m.state());
  m.run(2'000'000);  // the shell is up: every driver has programmed its device
  auto at_shell = save_state(m.state());
  std::vector<std::string> changed;
  for (auto& d : configuration_differences(m.state(), at_power_on, at_shell)) changed.push_back(d.name);
  for (const char* f : {"pic.master.imr", "pic.master.irq_base", "pit.ch0.mode", "pit.ch0.count", "uart.divider",
                        "uart.lcr"})
    CHECK(std::find(changed.begin(), changed.end(), f) != changed.end());
  m.run(6'000'000);  // timer ticks, an idle shell: state moves, configuration does not
  auto later = save_state(m.state());
  CHECK(!state_differences(m.state(), at_shell, later).empty());
  CHECK(configuration_differences(m.state(), at_shell, later).empty());
}
