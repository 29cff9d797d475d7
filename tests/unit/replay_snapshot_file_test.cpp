// Snapshot files: a snapshot written by one machine (or one process) and read into a fresh
// machine continues exactly like the original; damaged, foreign or future files are refused
// with a message naming the file and the section.
#include <doctest/doctest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>

#include "replay/snapshot.h"
#include "replay_test_support.h"

using namespace kjump;
using namespace kjump::replaytest;

namespace {

constexpr uint64_t kN1 = 1'250'000;
constexpr uint64_t kN2 = 4'000'000;

struct End {
  uint64_t retired, hash;
  std::string serial;
  bool operator==(const End&) const = default;
};

// From wherever `m` is (at or before kN1), type the rest of the session and run to kN2.
End finish(Machine& m) {
  for (auto& [at, text] : typing())
    if (at > m.now() && at <= kN2) {
      m.run(at);
      m.send_input(text);
    }
  m.run(kN2);
  return {m.engine().retired(), m.state_hash(), m.serial_output()};
}

End uninterrupted() {
  Machine m(kernel_config());
  m.power_on();
  run_typing(m, kN1);
  return finish(m);
}

// Writes a snapshot at kN1 of a typing session.
void write_session_snapshot(const std::string& path) {
  Machine m(kernel_config());
  m.power_on();
  run_typing(m, kN1);
  SnapshotStore store;
  write_snapshot_file(path, m, store.take(m));
}

// Section layout of a version-2 file: (payload offset, payload length) by index.
std::vector<std::pair<size_t, size_t>> sections(const std::vector<uint8_t>& f) {
  std::vector<std::pair<size_t, size_t>> out;
  size_t pos = 16;
  while (pos + 24 <= f.size()) {
    uint64_t len = 0;
    std::memcpy(&len, &f[pos + 8], 8);
    out.emplace_back(pos + 24, size_t(len));
    pos += 24 + len;
  }
  return out;
}
enum { kConf, kTime, kStat, kRam, kSerl, kInpt };

std::string refusal(const std::string& path, const MachineConfig& c = kernel_config()) {
  Machine m(c);
  try {
    read_snapshot_file(path, m);
  } catch (const SnapshotError& e) {
    return e.what();
  }
  return "<accepted>";
}

}  // namespace

TEST_CASE("snapshot file: round trip into the same machine and into a fresh one") {
  TempDir dir;
  std::string path = dir.file("snap.kjs");
  End expected = uninterrupted();

  Machine a(kernel_config());
  a.power_on();
  run_typing(a, kN1);
  SnapshotStore store;
  Snapshot s = store.take(a);
  write_snapshot_file(path, a, s);
  CHECK(finish(a) == expected);

  // No temporary files left behind; a 128 MiB machine gives a small file.
  size_t entries = 0;
  for (auto& e : std::filesystem::directory_iterator(dir.path)) {
    (void)e;
    ++entries;
  }
  CHECK(entries == 1);
  auto size = std::filesystem::file_size(path);
  MESSAGE("snapshot file: ", size, " bytes for ", a.config().ram_size >> 20, " MiB of RAM");
  CHECK(size < 4u << 20);

  // Same machine, back from the file.
  Snapshot r = read_snapshot_file(path, a);
  CHECK(r.time == s.time);
  CHECK(r.retired == s.retired);
  CHECK(r.state == s.state);
  CHECK(r.serial_output == s.serial_output);
  CHECK(r.input_log.size() == s.input_log.size());
  SnapshotStore::restore(a, r);
  CHECK(a.now() == kN1);
  CHECK(finish(a) == expected);

  // A second Machine object that never powered on.
  Machine b(kernel_config());
  SnapshotStore::restore(b, read_snapshot_file(path, b));
  CHECK(b.power().on);
  CHECK(b.now() == kN1);
  CHECK(b.input_log().size() == s.input_log.size());
  CHECK(finish(b) == expected);
}

TEST_CASE("snapshot file: written by another process, continued here") {
  TempDir dir;
  std::string path = dir.file("child.kjs");
  pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    int status = 0;
    try {
      write_session_snapshot(path);
    } catch (...) {
      status = 1;
    }
    _exit(status);
  }
  int status = -1;
  REQUIRE(waitpid(pid, &status, 0) == pid);
  REQUIRE(WIFEXITED(status));
  REQUIRE(WEXITSTATUS(status) == 0);

  Machine m(kernel_config());
  SnapshotStore::restore(m, read_snapshot_file(path, m));
  CHECK(finish(m) == uninterrupted());
}

TEST_CASE("snapshot file: damaged, foreign and future files are refused") {
  TempDir dir;
  std::string good = dir.file("snap.kjs");
  write_snapshot_file(good, Machine(kernel_config()), [] {
    Machine m(kernel_config());
    m.power_on();
    m.run(500'000);
    return SnapshotStore().take(m);
  }());
  const auto bytes = read_bytes(good);
  const auto secs = sections(bytes);
  REQUIRE(secs.size() == 6);
  CHECK(refusal(good) == "<accepted>");
  // A copy of the good file with the header byte at `at` set to `v`.
  auto patched = [&](size_t at, uint8_t v, const std::string& name) {
    auto b = bytes;
    b[at] = v;
    std::string p = dir.file(name);
    write_bytes(p, b);
    return p;
  };

  SUBCASE("every header byte is checked: the reserved field, and any flipped bit of any header") {
    for (size_t i = 0; i < secs.size(); ++i) {
      size_t reserved = secs[i].first - 20;  // tag[4] then the reserved u32, length, checksum
      std::string p = patched(reserved, 1, "reserved.kjs");
      CHECK(refusal(p).find(": corrupt: section ") != std::string::npos);
      CHECK(refusal(p).find("reserved field 1, not 0") != std::string::npos);
    }
    std::vector<size_t> header_bytes;
    for (size_t b = 0; b < 16; ++b) header_bytes.push_back(b);
    for (auto& [at, len] : secs)
      for (size_t b = at - 24; b < at; ++b) header_bytes.push_back(b);
    for (size_t at : header_bytes)
      for (uint8_t bit : {uint8_t(0x01), uint8_t(0x80)}) {
        std::string p = patched(at, uint8_t(bytes[at] ^ bit), "flip.kjs");
        CAPTURE(at);
        std::string why = "<accepted>";
        try {
          read_snapshot_file(p);  // the file alone: no machine needed to refuse a header
        } catch (const SnapshotError& e) {
          why = e.what();
        }
        CHECK(why != "<accepted>");
        CHECK(why.rfind(p + ": ", 0) == 0);
      }
  }
  SUBCASE("checksum mismatch in the state") {
    auto b = bytes;
    b[secs[kStat].first + secs[kStat].second / 2] ^= 0x01;
    std::string p = dir.file("flip-state.kjs");
    write_bytes(p, b);
    CHECK(refusal(p) == p + ": checksum mismatch in section state");
  }
  SUBCASE("checksum mismatch in RAM") {
    auto b = bytes;
    b[secs[kRam].first + secs[kRam].second - 1] ^= 0x80;
    std::string p = dir.file("flip-ram.kjs");
    write_bytes(p, b);
    CHECK(refusal(p) == p + ": checksum mismatch in section RAM");
  }
  SUBCASE("truncated inside RAM") {
    auto b = bytes;
    b.resize(secs[kRam].first + secs[kRam].second / 2);
    std::string p = dir.file("cut.kjs");
    write_bytes(p, b);
    CHECK(refusal(p) == p + ": truncated in section RAM");
  }
  SUBCASE("truncated inside a section header") {
    auto b = bytes;
    b.resize(secs[kSerl].first - 10);
    std::string p = dir.file("cut-header.kjs");
    write_bytes(p, b);
    CHECK(refusal(p) == p + ": truncated in section serial output");
  }
  SUBCASE("truncated right after the magic") {
    std::vector<uint8_t> b(bytes.begin(), bytes.begin() + 10);
    std::string p = dir.file("stub.kjs");
    write_bytes(p, b);
    CHECK(refusal(p) == p + ": truncated in the header");
  }
  SUBCASE("a newer format version") {
    std::string p = patched(8, 7, "v7.kjs");
    CHECK(refusal(p) == p + ": format version 7, this kjump reads version 2");
  }
  SUBCASE("format version 1, from an older kjump") {
    // Version 1 had the same framing (the header carries no checksum of its own); only the
    // state section differed. Patching the version field makes a file an older kjump wrote.
    REQUIRE(bytes[8] == kSnapshotFormatVersion);
    std::string p = patched(8, 1, "v1.kjs");
    CHECK(refusal(p) == p + ": format version 1, from an older kjump; this kjump reads version 2, so take the "
                            "snapshot again");
  }
  SUBCASE("a wrong section count") {
    std::string p = patched(12, 5, "five.kjs");
    CHECK(refusal(p) == p + ": 5 sections, format version 2 has 6");
  }
  SUBCASE("not a snapshot at all") {
    std::string p = dir.file("notes.txt");
    write_bytes(p, {'h', 'e', 'l', 'l', 'o', '\n'});
    CHECK(refusal(p) == p + ": not a kjump snapshot");
    write_bytes(p, {});
    CHECK(refusal(p) == p + ": not a kjump snapshot");
  }
  SUBCASE("trailing garbage") {
    auto b = bytes;
    b.push_back(0);
    std::string p = dir.file("tail.kjs");
    write_bytes(p, b);
    CHECK(refusal(p) == p + ": unexpected data after the last section");
  }
  SUBCASE("another machine configuration: RAM size") {
    MachineConfig c = kernel_config();
    c.ram_size = 64ull << 20;
    CHECK(refusal(good, c) == good + ": taken for a different machine configuration (ram_size: snapshot 134217728, "
                                     "this machine 67108864)");
  }
  SUBCASE("another machine configuration: command line") {
    MachineConfig c = kernel_config();
    c.append = "something-else";
    std::string why = refusal(good, c);
    CHECK(why.find("different machine configuration (cmdline: snapshot kernel.elf replay-test") != std::string::npos);
  }
  SUBCASE("another machine configuration: kernel bytes") {
    // The same kernel file name, other bytes: a copy with one byte of padding appended.
    std::string k = dir.file("kernel.elf");
    auto kb = read_bytes(kernel_config().kernel_path);
    kb.push_back(0);
    write_bytes(k, kb);
    MachineConfig c = kernel_config();
    c.kernel_path = k;
    std::string why = refusal(good, c);
    CHECK(why.rfind(good + ": taken for a different machine configuration (kernel: snapshot xxh3 ", 0) == 0);
  }
  SUBCASE("missing file") {
    CHECK(refusal(dir.file("nope.kjs")).rfind(dir.file("nope.kjs") + ": cannot open", 0) == 0);
  }
}

TEST_CASE("snapshot file: a failed write names the file and leaves nothing behind") {
  TempDir dir;
  Machine m(kernel_config());
  m.power_on();
  m.run(100'000);
  Snapshot s = SnapshotStore().take(m);
  std::string p = dir.file("no-such-dir/snap.kjs");
  try {
    write_snapshot_file(p, m, s);
    FAIL("write into a missing directory succeeded");
  } catch (const SnapshotError& e) {
    CHECK(std::string(e.what()).rfind(p + ": cannot create a temporary file", 0) == 0);
  }
  // Overwriting an existing snapshot replaces it whole.
  std::string q = dir.file("snap.kjs");
  write_bytes(q, {'o', 'l', 'd'});
  write_snapshot_file(q, m, s);
  Snapshot r = read_snapshot_file(q, m);
  CHECK(r.state == s.state);
}
