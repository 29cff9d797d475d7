#include <doctest/doctest.h>

#include <vector>

#include "machine/bus.h"
#include "machine/devices/debug_exit.h"

using namespace kjump;

TEST_CASE("debug-exit: the host status table of reference section 6") {
  std::vector<int> got;
  DebugExit dev([&](int s) { got.push_back(s); });
  Bus bus;
  dev.map(bus);
  bus.io_write(0xF4, 1, 0x00);
  bus.io_write(0xF4, 1, 0x01);
  bus.io_write(0xF4, 1, 0x10);
  bus.io_write(0xF4, 1, 0x7F);
  bus.io_write(0xF4, 1, 0x80);
  bus.io_write(0xF4, 1, 0xFF);
  bus.io_write(0xF4, 4, 0x12345678);
  CHECK(got == std::vector<int>{1, 3, 33, 255, 1, 255, 241});
}

TEST_CASE("debug-exit: every port of the range exits, reads return 0, outside is unassigned") {
  std::vector<int> got;
  DebugExit dev([&](int s) { got.push_back(s); });
  Bus bus;
  dev.map(bus);
  bus.io_write(0xF7, 1, 0x10);
  bus.io_write(0xF6, 2, 0x0010);
  CHECK(got == std::vector<int>{33, 33});
  CHECK(bus.io_read(0xF4, 1) == 0);
  CHECK(bus.io_read(0xF5, 4) == 0);
  bus.io_write(0xF8, 1, 0x10);
  CHECK(got.size() == 2);
  CHECK(bus.io_read(0xF8, 1) == 0xFF);
  CHECK(DebugExit::status_for(0x10) == 33);
}

TEST_CASE("debug-exit: iobase and iosize are configurable") {
  int status = -1;
  DebugExit dev([&](int s) { status = s; }, 0x501, 2);
  Bus bus;
  dev.map(bus);
  bus.io_write(0x503, 1, 3);  // just past the 2-port range
  CHECK(status == -1);
  bus.io_write(0x502, 1, 3);
  CHECK(status == 7);
}
