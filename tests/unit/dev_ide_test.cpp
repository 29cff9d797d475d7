#include <doctest/doctest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "dev_fakes.h"
#include "emu/state.h"
#include "machine/bus.h"
#include "machine/devices/ide.h"

using namespace kjump;
using namespace kjump::test;
namespace fs = std::filesystem;

namespace {
// A scratch image whose sector n is filled with byte (n & 0xFF), deleted afterwards.
struct TempImage {
  explicit TempImage(uint64_t bytes, const char* tag = "disk") {
    path = (fs::temp_directory_path() / ("kjump-ide-" + std::string(tag) + "-" + std::to_string(::getpid()) + ".img")).string();
    std::vector<char> data(bytes);
    for (uint64_t i = 0; i < bytes; ++i) data[i] = char((i / 512) & 0xFF);
    std::ofstream(path, std::ios::binary).write(data.data(), std::streamsize(bytes));
  }
  ~TempImage() { fs::remove(path); }
  // Temporaries the atomic commit left beside the image (there should be none).
  size_t leftover_temporaries() const {
    size_t n = 0;
    std::string stem = fs::path(path).filename().string() + ".kjump-tmp";
    for (auto& e : fs::directory_iterator(fs::path(path).parent_path()))
      if (e.path().filename().string().rfind(stem, 0) == 0) ++n;
    return n;
  }
  std::vector<uint8_t> file_sector(uint64_t lba) const {
    std::vector<uint8_t> s(512);
    std::ifstream f(path, std::ios::binary);
    f.seekg(std::streamoff(lba * 512));
    f.read(reinterpret_cast<char*>(s.data()), 512);
    return s;
  }
  std::string path;
};

struct IdeRig {
  explicit IdeRig(const std::string& path) : disk(path) { ide.map(bus); }
  FakeClock clock;
  RecordingIrqSink sink{clock};
  Disk disk;
  IdeController ide{&disk, IrqLine(&sink, 14)};
  Bus bus;

  uint8_t status() { return uint8_t(bus.io_read(0x1F7, 1)); }
  uint8_t alt_status() { return uint8_t(bus.io_read(0x3F6, 1)); }
  uint8_t reg(int r) { return uint8_t(bus.io_read(uint16_t(0x1F0 + r), 1)); }
  void out(int r, uint8_t v) { bus.io_write(uint16_t(0x1F0 + r), 1, v); }
  void lba28(uint8_t cmd, uint32_t lba, uint8_t count) {
    out(6, uint8_t(0xE0 | (lba >> 24)));
    out(2, count);
    out(3, uint8_t(lba));
    out(4, uint8_t(lba >> 8));
    out(5, uint8_t(lba >> 16));
    out(7, cmd);
  }
  // LBA48: each register takes the high byte, then the low byte (which pushes the first
  // into its HOB copy).
  void lba48(uint8_t cmd, uint64_t lba, uint16_t count) {
    out(6, 0x40);
    out(2, uint8_t(count >> 8));
    out(2, uint8_t(count));
    out(3, uint8_t(lba >> 24));
    out(4, uint8_t(lba >> 32));
    out(5, uint8_t(lba >> 40));
    out(3, uint8_t(lba));
    out(4, uint8_t(lba >> 8));
    out(5, uint8_t(lba >> 16));
    out(7, cmd);
  }
  std::vector<uint16_t> read_words(int n) {
    std::vector<uint16_t> w;
    for (int i = 0; i < n; ++i) w.push_back(uint16_t(bus.io_read(0x1F0, 2)));
    return w;
  }
  void write_sector(uint8_t fill) {
    for (int i = 0; i < 256; ++i) bus.io_write(0x1F0, 2, uint32_t(fill) | uint32_t(fill) << 8);
  }
};

std::string ata_string(const std::vector<uint16_t>& w, int first, int words) {
  std::string s;
  for (int i = first; i < first + words; ++i) {
    s.push_back(char(w[size_t(i)] >> 8));
    s.push_back(char(w[size_t(i)] & 0xFF));
  }
  while (!s.empty() && s.back() == ' ') s.pop_back();
  return s;
}
}  // namespace

TEST_CASE("ide: IDENTIFY strings and words, synchronously, without a BSY phase") {
  TempImage img(1 << 20);
  IdeRig r(img.path);
  r.out(6, 0xE0);
  CHECK(r.status() == 0x50);
  r.out(7, 0xEC);
  CHECK(r.alt_status() == 0x58);
  CHECK(r.sink.level[14]);
  auto w = r.read_words(256);
  CHECK(r.status() == 0x50);
  CHECK_FALSE(r.sink.level[14]);
  CHECK(w[0] == 0x0040);
  CHECK(w[1] == 2);
  CHECK(w[3] == 16);
  CHECK(w[6] == 63);
  CHECK(ata_string(w, 10, 10) == "QM00001");
  CHECK(ata_string(w, 23, 4) == "2.5+");
  CHECK(ata_string(w, 27, 20) == "QEMU HARDDISK");
  CHECK(w[47] == 0x8010);
  CHECK(w[49] == 0x0B00);
  CHECK(w[60] == 2048);
  CHECK(w[61] == 0);
  CHECK(w[83] == 0x7400);
  CHECK(w[85] == 0x4021);
  CHECK(w[88] == 0x203F);
  CHECK(w[100] == 2048);
  CHECK(w[101] == 0);
  CHECK(r.read_words(1)[0] == 0);  // no DRQ: the data port reads 0
}

TEST_CASE("ide: READ SECTORS returns the image data; LBA registers then hold the next sector") {
  TempImage img(1 << 20);
  IdeRig r(img.path);
  r.lba28(0x20, 5, 2);
  CHECK(r.alt_status() == 0x58);
  CHECK(r.sink.level[14]);
  CHECK(r.reg(3) == 6);  // already advanced when the first block is offered
  CHECK(r.status() == 0x58);
  CHECK_FALSE(r.sink.level[14]);  // status read acknowledged INTRQ
  auto w = r.read_words(256);
  CHECK(w[0] == 0x0505);
  CHECK(w[255] == 0x0505);
  CHECK(r.alt_status() == 0x58);  // second block ready at once
  CHECK(r.sink.level[14]);
  for (int i = 0; i < 128; ++i) CHECK(r.bus.io_read(0x1F0, 4) == 0x06060606u);  // 32-bit data port
  CHECK(r.status() == 0x50);
  CHECK(r.reg(3) == 7);
  CHECK(r.reg(4) == 0);
  CHECK(r.reg(2) == 0);
  // inb on the data port consumes a word.
  r.lba28(0x20, 0x102, 1);
  CHECK(r.reg(0) == 0x02);
  CHECK(r.reg(4) == 0x01);
  CHECK(r.reg(3) == 0x03);
}

TEST_CASE("ide: register writes are ignored while DRQ is set") {
  TempImage img(1 << 20);
  IdeRig r(img.path);
  r.lba28(0x20, 9, 1);
  r.out(3, 0x77);
  CHECK(r.reg(3) == 10);
  r.out(7, 0x20);  // a new command while DRQ is set is ignored too
  CHECK(r.read_words(1)[0] == 0x0909);
}

TEST_CASE("ide: WRITE stays in the overlay until FLUSH CACHE commits it atomically") {
  TempImage img(1 << 20);
  IdeRig r(img.path);
  r.lba28(0x30, 7, 2);
  CHECK(r.status() == 0x58);  // ready for data at once
  r.write_sector(0xA1);
  CHECK(r.status() == 0x58);  // next sector requested
  r.write_sector(0xA2);
  CHECK(r.status() == 0x50);
  CHECK(r.reg(3) == 9);
  CHECK(r.disk.dirty_sectors() == 2);
  std::vector<std::string> f;
  r.ide.audit_quiesce(f);
  REQUIRE(f.size() == 1);
  CHECK(f[0] == "ide: master has 2 written sectors not yet flushed");
  // The file is untouched; the guest already reads its own writes back.
  CHECK(img.file_sector(7)[0] == 0x07);
  CHECK(img.file_sector(8)[511] == 0x08);
  r.lba28(0x20, 7, 2);
  CHECK(r.read_words(256)[0] == 0xA1A1);
  CHECK(r.read_words(256)[100] == 0xA2A2);
  r.out(7, 0xE7);  // FLUSH CACHE
  CHECK(r.status() == 0x50);
  CHECK(img.file_sector(7)[0] == 0xA1);
  CHECK(img.file_sector(8)[511] == 0xA2);
  CHECK(img.file_sector(6)[0] == 0x06);  // neighbours intact
  CHECK(img.file_sector(9)[0] == 0x09);
  CHECK(fs::file_size(img.path) == (1u << 20));
  CHECK(img.leftover_temporaries() == 0);
  CHECK(r.disk.dirty_sectors() == 0);
  r.lba28(0x20, 7, 1);
  CHECK(r.read_words(1)[0] == 0xA1A1);  // now served from the new file
}

TEST_CASE("ide: LBA48 READ EXT / WRITE EXT and FLUSH EXT; power_off commits") {
  TempImage img(1 << 20);
  {
    IdeRig r(img.path);
    r.lba48(0x34, 0x10, 1);  // WRITE SECTORS EXT
    r.write_sector(0x5C);
    CHECK(r.status() == 0x50);
    CHECK(r.reg(3) == 0x11);
    r.lba48(0x24, 0x10, 1);  // READ SECTORS EXT
    CHECK(r.read_words(1)[0] == 0x5C5C);
    r.read_words(255);
    r.lba48(0x24, 0x7FF, 0);  // count 0 means 65536: the last sector comes, then the abort
    CHECK(r.status() == 0x58);
    r.read_words(256);
    CHECK(r.status() == 0x41);
    r.out(7, 0xEA);
    CHECK(r.status() == 0x50);
    CHECK(img.file_sector(0x10)[0] == 0x5C);
    r.lba48(0x34, 0x11, 1);
    r.write_sector(0x6D);
    r.disk.power_off();
  }
  CHECK(img.file_sector(0x11)[0] == 0x6D);
}

TEST_CASE("ide: out-of-range access and unknown opcodes abort with 0x41 / 0x04") {
  TempImage img(1 << 20);
  IdeRig r(img.path);
  r.lba28(0x20, 2048, 1);  // one past the end
  CHECK(r.status() == 0x41);
  CHECK(r.reg(1) == 0x04);
  r.lba28(0x20, 2047, 2);  // straddles the end: the last sector comes, then the abort
  CHECK(r.status() == 0x58);
  CHECK(r.read_words(256)[0] == 0xFFFF);
  CHECK(r.status() == 0x41);
  r.out(7, 0x01);
  CHECK(r.status() == 0x41);
  CHECK(r.reg(1) == 0x04);
  CHECK(r.sink.level[14] == false);  // the status read above lowered it
  r.out(7, 0x99);  // SLEEP is a valid opcode and succeeds (no DSC in QEMU's table entry)
  CHECK(r.status() == 0x40);
  CHECK(r.reg(1) == 0x00);
  r.lba28(0x20, 2047, 1);
  CHECK(r.status() == 0x58);
}

TEST_CASE("ide: nIEN suppresses IRQ14; absent slave reads 0; SRST restores the signature") {
  TempImage img(1 << 20);
  IdeRig r(img.path);
  r.bus.io_write(0x3F6, 1, 0x02);
  r.lba28(0x20, 1, 1);
  CHECK(r.sink.events.empty());
  r.read_words(256);
  r.out(6, 0xF0);  // select the slave: nobody there
  CHECK(r.status() == 0x00);
  CHECK(r.reg(1) == 0x00);
  CHECK(r.alt_status() == 0x00);
  r.out(7, 0xEC);  // ignored
  CHECK(r.status() == 0x00);
  r.out(6, 0xE0);
  r.bus.io_write(0x3F6, 1, 0x04);  // SRST
  r.bus.io_write(0x3F6, 1, 0x00);
  CHECK(r.status() == 0x50);
  CHECK(r.reg(1) == 0x01);
  CHECK(r.reg(2) == 0x01);
  CHECK(r.reg(3) == 0x01);
  CHECK(r.reg(4) == 0x00);
  CHECK(r.reg(5) == 0x00);
  CHECK(r.reg(6) == 0xA0);
}

TEST_CASE("ide: quiesce audit and snapshot of unflushed sectors") {
  TempImage img(1 << 20);
  IdeRig r(img.path);
  std::vector<std::string> f;
  r.lba28(0x30, 3, 1);
  r.ide.audit_quiesce(f);
  REQUIRE(f.size() == 1);
  CHECK(f[0] == "ide: master busy or mid-transfer (status 0x58)");
  auto before = save_state(r.ide);
  r.write_sector(0x33);
  f.clear();
  r.ide.audit_quiesce(f);
  CHECK(f.size() == 2);  // unflushed sector, IRQ pending
  auto after = save_state(r.ide);
  load_state(r.ide, before);
  CHECK(r.disk.dirty_sectors() == 0);
  CHECK(r.status() == 0x58);  // back in the middle of the transfer
  load_state(r.ide, after);
  r.lba28(0x20, 3, 1);
  CHECK(r.read_words(1)[0] == 0x3333);
  r.out(7, 0xEA);  // FLUSH CACHE EXT needs no data phase... but DRQ is set: ignored
  r.read_words(255);
  r.out(7, 0xEA);
  CHECK(r.status() == 0x50);
  CHECK(img.file_sector(3)[0] == 0x33);
  // After the file moved on, the old snapshot no longer matches it.
  CHECK_THROWS_AS(load_state(r.ide, after), StateError);
}

TEST_CASE("ide: a disk image whose size is not a non-zero multiple of 512 is refused") {
  TempImage odd(1000, "odd");
  CHECK_THROWS_WITH_AS(Disk(odd.path), doctest::Contains("not a non-zero multiple of 512"), std::runtime_error);
  TempImage empty(0, "empty");
  CHECK_THROWS_AS(Disk(empty.path), std::runtime_error);
  CHECK_THROWS_AS(Disk("/nonexistent/kjump.img"), std::runtime_error);
}

TEST_CASE("ide: no disk on the channel reads all zeros") {
  FakeClock clock;
  RecordingIrqSink sink{clock};
  IdeController ide(nullptr, IrqLine(&sink, 14));
  CHECK(ide.io_read(0x1F7, 1) == 0);
  CHECK(ide.io_read(0x1F2, 1) == 0);
  CHECK(ide.io_read(0x3F6, 1) == 0);
}

TEST_CASE("ide: injected stuck flush stays busy for its time, then completes and commits") {
  TempImage img(1 << 20);
  EventQueue q;  // outlives the controller, whose timer it holds
  IdeRig r(img.path);
  r.ide.inject_stuck_flush(r.clock, q, 1'000'000);
  r.lba28(0x30, 3, 1);
  r.write_sector(0x7A);
  r.out(7, 0xE7);  // FLUSH CACHE: stuck
  CHECK((r.status() & 0x80) == 0x80);
  CHECK(img.file_sector(3)[0] != 0x7A);  // not committed yet
  r.clock.t = 999'999;
  q.run_due(r.clock.now());
  CHECK((r.status() & 0x80) == 0x80);
  r.clock.t = 1'000'000;
  q.run_due(r.clock.now());
  CHECK(r.status() == 0x50);
  CHECK(img.file_sector(3)[0] == 0x7A);
  r.out(7, 0xE7);  // one-shot: the next flush completes at once
  CHECK(r.status() == 0x50);
}
