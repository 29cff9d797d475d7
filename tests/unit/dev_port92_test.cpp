#include <doctest/doctest.h>

#include "emu/state.h"
#include "machine/devices/port92.h"

using namespace kjump;

TEST_CASE("port92: powers on with A20 enabled, reports changes and reset requests") {
  int a20_calls = 0, resets = 0;
  bool a20 = true;
  Port92 p([&](bool on) { ++a20_calls; a20 = on; }, [&] { ++resets; });
  CHECK(p.io_read(0x92, 1) == 0x02);
  p.io_write(0x92, 1, 0x00);
  CHECK(a20_calls == 1);
  CHECK_FALSE(a20);
  CHECK_FALSE(p.a20_enabled());
  p.io_write(0x92, 1, 0x03);  // A20 on plus a reset pulse
  CHECK(a20);
  CHECK(resets == 1);
  p.io_write(0x92, 1, 0x03);  // bit 0 already set: no new reset
  CHECK(resets == 1);
  auto blob = save_state(p);
  p.reset();
  CHECK(p.io_read(0x92, 1) == 0x02);
  load_state(p, blob);
  CHECK(p.io_read(0x92, 1) == 0x03);
}
