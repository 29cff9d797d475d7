#include <doctest/doctest.h>

#include <stdexcept>
#include <string>

#include "dev_fakes.h"
#include "emu/state.h"
#include "machine/bus.h"
#include "machine/devices/fw_cfg.h"

using namespace kjump;
using namespace kjump::test;

namespace {
struct FwRig {
  FakeRam ram{1 << 20};
  FwCfg fw{ram, 128ull << 20};
  Bus bus;
  FwRig() { fw.map(bus); }

  void select(uint16_t key) { bus.io_write(0x510, 2, key); }
  std::vector<uint8_t> read(size_t n) {
    std::vector<uint8_t> out;
    for (size_t i = 0; i < n; ++i) out.push_back(uint8_t(bus.io_read(0x511, 1)));
    return out;
  }
  // Build a big-endian descriptor at `at` and start it the way QEMU's option ROM does.
  uint32_t dma(uint32_t at, uint32_t control, uint32_t length, uint64_t address) {
    uint8_t d[16];
    for (int i = 0; i < 4; ++i) d[i] = uint8_t(control >> (24 - 8 * i));
    for (int i = 0; i < 4; ++i) d[4 + i] = uint8_t(length >> (24 - 8 * i));
    for (int i = 0; i < 8; ++i) d[8 + i] = uint8_t(address >> (56 - 8 * i));
    ram.write_phys(at, d, 16);
    bus.io_write(0x514, 4, 0);
    bus.io_write(0x518, 4, __builtin_bswap32(at));
    uint8_t c[4];
    ram.read_phys(at, c, 4);
    return uint32_t(c[0]) << 24 | uint32_t(c[1]) << 16 | uint32_t(c[2]) << 8 | c[3];
  }
};
std::string str(const std::vector<uint8_t>& v) { return std::string(v.begin(), v.end()); }
uint32_t be32(const uint8_t* p) { return uint32_t(p[0]) << 24 | uint32_t(p[1]) << 16 | uint32_t(p[2]) << 8 | p[3]; }
}  // namespace

TEST_CASE("fw_cfg: signature, ID, RAM size and CPU count") {
  FwRig r;
  CHECK(str(r.read(4)) == "QEMU");  // key 0 is selected at reset
  r.select(0x0001);
  CHECK(r.read(4) == std::vector<uint8_t>{3, 0, 0, 0});
  r.select(0x0003);
  CHECK(r.read(8) == std::vector<uint8_t>{0, 0, 0, 8, 0, 0, 0, 0});  // 128 MiB, little-endian
  r.select(0x0005);
  CHECK(r.read(2) == std::vector<uint8_t>{1, 0});
  r.select(0x0000);
  r.bus.io_write(0x510, 1, 0x01);  // an 8-bit write is a (ignored) data write, not a select
  CHECK(str(r.read(4)) == "QEMU");
  CHECK(r.read(2) == std::vector<uint8_t>{0, 0});  // past the end reads 0
  CHECK(r.bus.io_read(0x511, 2) == 0);             // only byte reads are valid
  r.select(0x0300);                                // beyond the table: invalid, reads 0
  CHECK(r.read(1) == std::vector<uint8_t>{0});
}

TEST_CASE("fw_cfg: reading the DMA register gives the \"QEMU CFG\" signature") {
  FwRig r;
  CHECK(r.bus.io_read(0x514, 4) == 0x554D4551);  // bytes 'Q' 'E' 'M' 'U' in memory order
  CHECK(r.bus.io_read(0x518, 4) == 0x47464320);  // ' ' 'C' 'F' 'G'
  CHECK(r.bus.io_read(0x519, 1) == 'C');
}

TEST_CASE("fw_cfg: the file directory is sorted by name, selectors from 0x20") {
  FwRig r;
  r.fw.add_string("opt/test/str", "hello-string");
  r.fw.add_file("opt/test/file", std::vector<uint8_t>(29, 0xAB));
  r.fw.add_file("bootorder", std::vector<uint8_t>(31, 0));
  r.fw.add_file("etc/e820", std::vector<uint8_t>(20, 1));
  CHECK(r.fw.file_selector("bootorder") == 0x20);
  CHECK(r.fw.file_selector("etc/e820") == 0x21);
  CHECK(r.fw.file_selector("opt/test/file") == 0x22);
  CHECK(r.fw.file_selector("opt/test/str") == 0x23);
  r.select(0x0019);
  auto dir = r.read(4 + 64 * 0x20);
  CHECK(be32(dir.data()) == 4);
  const char* names[] = {"bootorder", "etc/e820", "opt/test/file", "opt/test/str"};
  uint32_t sizes[] = {31, 20, 29, 12};
  for (int i = 0; i < 4; ++i) {
    const uint8_t* e = dir.data() + 4 + 64 * i;
    CHECK(be32(e) == sizes[i]);
    CHECK((e[4] << 8 | e[5]) == 0x20 + i);
    CHECK(std::string(reinterpret_cast<const char*>(e + 8)) == names[i]);
  }
  CHECK(dir[4 + 64 * 4] == 0);  // unused slots are zero
  r.select(0x0023);
  CHECK(str(r.read(12)) == "hello-string");  // no terminating NUL
  CHECK(r.read(1) == std::vector<uint8_t>{0});
}

TEST_CASE("fw_cfg: bad file names are refused") {
  FwRig r;
  CHECK_THROWS_AS(r.fw.add_string("", "x"), std::invalid_argument);
  CHECK_THROWS_AS(r.fw.add_string(std::string(56, 'a'), "x"), std::invalid_argument);
  CHECK_NOTHROW(r.fw.add_string(std::string(55, 'a'), "x"));
  CHECK_THROWS_AS(r.fw.add_string(std::string(55, 'a'), "y"), std::invalid_argument);
}

TEST_CASE("fw_cfg: DMA read with select, over-read zero fill, control written back 0") {
  FwRig r;
  r.fw.add_string("opt/test/str", "hello-string");
  uint16_t sel = r.fw.file_selector("opt/test/str");
  std::fill(r.ram.bytes.begin() + 0x2000, r.ram.bytes.begin() + 0x2020, 0xEE);
  uint32_t ctl = r.dma(0x1000, uint32_t(sel) << 16 | FwCfg::kDmaSelect | FwCfg::kDmaRead, 16, 0x2000);
  CHECK(ctl == 0);
  CHECK(std::string(r.ram.bytes.begin() + 0x2000, r.ram.bytes.begin() + 0x200C) == "hello-string");
  for (int i = 12; i < 16; ++i) CHECK(r.ram.bytes[0x2000 + i] == 0);  // zero-filled
  CHECK(r.ram.bytes[0x2010] == 0xEE);                                  // nothing beyond the length
  // Skip advances the offset; a following port read continues from there.
  CHECK(r.dma(0x1000, uint32_t(sel) << 16 | FwCfg::kDmaSelect | FwCfg::kDmaSkip, 6, 0) == 0);
  CHECK(str(r.read(6)) == "string");
}

TEST_CASE("fw_cfg: DMA errors set bit 0 of control") {
  FwRig r;
  r.fw.add_string("opt/a", "abcd");
  uint16_t sel = r.fw.file_selector("opt/a");
  // Buffer outside RAM.
  CHECK(r.dma(0x1000, uint32_t(sel) << 16 | FwCfg::kDmaSelect | FwCfg::kDmaRead, 4, 0xFFFF0000ull) == 1);
  // Writes are refused for every item.
  CHECK(r.dma(0x1000, uint32_t(sel) << 16 | FwCfg::kDmaSelect | FwCfg::kDmaWrite, 4, 0x2000) == 1);
  CHECK(r.dma(0x1000, uint32_t(sel) << 16 | FwCfg::kDmaSelect | FwCfg::kDmaWrite, 8, 0x2000) == 1);
  // A descriptor outside RAM cannot even be read: nothing to write back, no crash.
  r.bus.io_write(0x514, 4, 0);
  r.bus.io_write(0x518, 4, __builtin_bswap32(0xFFFFFF00u));
}

TEST_CASE("fw_cfg: state is the cursor, and a restore into other contents is refused") {
  FwRig r;
  r.fw.add_string("opt/a", "abcd");
  r.select(r.fw.file_selector("opt/a"));
  r.read(2);
  auto blob = save_state(r.fw);
  CHECK(str(r.read(2)) == "cd");
  load_state(r.fw, blob);
  CHECK(str(r.read(2)) == "cd");
  FwRig other;
  other.fw.add_string("opt/a", "abce");
  CHECK_THROWS_AS(load_state(other.fw, blob), StateError);
}
