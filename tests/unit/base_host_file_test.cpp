// Every file kjump reads (script, kernel, module, fw_cfg file, snapshot, trace, input log)
// is refused unless it is a regular file of a sane size, in one line naming the file; sizes
// and counts inside a snapshot are checked against the bytes present before allocating.
#include <doctest/doctest.h>

#include <sys/stat.h>
#include <xxhash.h>

#include <cstring>
#include <functional>

#include "base/host_file.h"
#include "machine/boot/boot_error.h"
#include "replay/input_log.h"
#include "replay/snapshot.h"
#include "replay/state_trace.h"
#include "replay_test_support.h"
#include "scenario/parser.h"
#include "scenario/script_error.h"

using namespace kjump;
using namespace kjump::replaytest;

namespace {

// What a reader says for `path`: its exception's message, "<accepted>", or, for anything
// that is not the reader's own error type, "<other: ...>" (std::bad_alloc would show here).
template <class Error>
std::string said(const std::function<void()>& read) {
  try {
    read();
  } catch (const Error& e) {
    return e.what();
  } catch (const std::exception& e) {
    return std::string("<other: ") + e.what() + ">";
  }
  return "<accepted>";
}

struct NonRegular {
  TempDir dir;
  std::string fifo = dir.file("fifo");
  NonRegular() { REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0); }
  std::vector<std::string> paths() const { return {dir.path.string(), fifo, "/dev/zero"}; }
};

}  // namespace

TEST_CASE("host files: directories, FIFOs and devices are refused without blocking, naming the file") {
  NonRegular n;
  for (const std::string& p : n.paths()) {
    INFO(p);
    std::string msg = said<HostFileError>([&] { read_host_file(p, "script", kMaxTextFileBytes); });
    CHECK(msg.rfind(p + ": is a", 0) == 0);
    CHECK(msg.find("not a regular file") != std::string::npos);
  }
  CHECK(said<HostFileError>([&] { read_host_file(n.dir.file("none"), "trace", 10); }) ==
        n.dir.file("none") + ": cannot open trace: No such file or directory");
  write_bytes(n.dir.file("big"), std::vector<uint8_t>(11));
  CHECK(said<HostFileError>([&] { read_host_file(n.dir.file("big"), "trace", 10); }) ==
        n.dir.file("big") + ": 11 bytes, more than the 10 a trace may have");
}

TEST_CASE("host files: every reader refuses a non-regular file in one line naming it") {
  NonRegular n;
  for (const std::string& p : n.paths()) {
    INFO(p);
    auto names = [&](const std::string& msg) {
      CHECK(msg.find(p) != std::string::npos);
      CHECK(msg.find("not a regular file") != std::string::npos);
      CHECK(msg.find('\n') == std::string::npos);
    };
    names(said<InputLogError>([&] { read_input_log(p); }));
    names(said<TraceError>([&] { read_trace(p); }));
    names(said<SnapshotError>([&] { read_snapshot_file(p); }));
    names(said<scenario::ScriptError>([&] { scenario::load_script(p); }));
    MachineConfig c = kernel_config();
    c.kernel_path = p;
    names(said<BootError>([&] { Machine m(c); }));
    c = kernel_config();
    c.fw_files.push_back({"opt/x", p, ""});
    names(said<BootError>([&] {
      Machine m(c);
      m.power_on();
    }));
  }
}

TEST_CASE("host files: sizes and counts inside a snapshot are checked before allocating") {
  TempDir dir;
  Machine m(kernel_config());
  m.power_on();
  m.run(300'000);
  SnapshotStore store;
  const std::string path = dir.file("a.snap");
  write_snapshot_file(path, m, store.take(m));
  const std::vector<uint8_t> good = read_bytes(path);
  // Section payloads: 16-byte file header, then tag, zero, length, checksum, payload.
  auto patch = [&](int section, size_t at, uint64_t value, size_t width) {
    std::vector<uint8_t> f = good;
    size_t pos = 16;
    for (int i = 0; i < section; ++i) {
      uint64_t len;
      std::memcpy(&len, &f[pos + 8], 8);
      pos += 24 + len;
    }
    uint64_t len;
    std::memcpy(&len, &f[pos + 8], 8);
    std::memcpy(&f[pos + 24 + at], &value, width);
    uint64_t sum = XXH3_64bits(&f[pos + 24], len);
    std::memcpy(&f[pos + 16], &sum, 8);
    write_bytes(path, f);
  };
  patch(5, 0, 0xffffffffu, 4);  // input log: 4 billion events in a few bytes
  std::string msg = said<SnapshotError>([&] { read_snapshot_file(path, m); });
  CHECK(msg.rfind(path + ": malformed section input log", 0) == 0);
  patch(3, 0, uint64_t(1) << 50, 8);  // RAM: a petabyte
  msg = said<SnapshotError>([&] { read_snapshot_file(path, m); });
  CHECK(msg.rfind(path + ": malformed section RAM", 0) == 0);
}

TEST_CASE("host files: a RAM size past the machine's limit is one line, not std::bad_alloc") {
  MachineConfig c = kernel_config();
  c.ram_size = uint64_t(100) << 30;
  CHECK(said<BootError>([&] { Machine m(c); }) == "memory size 102400 MiB is more than the 3584 MiB an i386 PC without PAE has");
}
