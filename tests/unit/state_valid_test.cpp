// Valid values of declared state (emu/state.h): every field the machine declares says which
// values it may hold; a snapshot file whose checksums are right but whose values are not is
// refused when it is read, in one line naming the file, the device and the field, and the
// machine it was read for is left as it was. Run under ASan+UBSan too: before these checks,
// an IDE window or a CMOS index from a file read and wrote past host buffers.
#include <doctest/doctest.h>

#include <chrono>
#include <cstring>
#include <limits>

#include "base/bytes.h"
#include "emu/event_queue.h"
#include "emu/state.h"
#include "replay/snapshot.h"
#include "replay_test_support.h"

using namespace kjump;
using namespace kjump::replaytest;

namespace {

struct Toy : Stateful {
  uint8_t index = 3;
  int16_t offset = -2;
  uint32_t pos = 1, end = 4;
  bool flag = false;
  std::vector<uint8_t> fifo{1, 2};
  void declare_state(StateDecl& d) override {
    d.field("toy.index", index).range(0, 127);
    d.field("toy.offset", offset).range(-10, 10);
    d.field("toy.end", end).range(0, 16);
    d.field("toy.pos", pos).range(0, 16).valid_if("at most end", [this] { return pos <= end; });
    d.field("toy.flag", flag);
    d.field("toy.fifo", fifo).size_range(0, 4);
  }
};

// `blob` with field `name`'s payload replaced by `payload` (the blob has no enclosing lengths:
// a field's u32 length sits just before its payload).
std::vector<uint8_t> with_payload(const std::vector<uint8_t>& blob, const std::string& name,
                                  const std::vector<uint8_t>& payload) {
  for (const SavedField& f : read_saved_state(blob).fields) {
    if (f.name != name) continue;
    size_t off = size_t(f.payload.data() - blob.data());
    std::vector<uint8_t> out(blob.begin(), blob.begin() + std::ptrdiff_t(off - 4));
    ByteWriter w;
    w.u32(uint32_t(payload.size()));
    out.insert(out.end(), w.data().begin(), w.data().end());
    out.insert(out.end(), payload.begin(), payload.end());
    out.insert(out.end(), blob.begin() + std::ptrdiff_t(off + f.payload.size()), blob.end());
    return out;
  }
  FAIL("no field " << name);
  return {};
}

std::vector<uint8_t> le(uint64_t v, size_t n) {
  std::vector<uint8_t> b(n);
  for (size_t i = 0; i < n; ++i) b[i] = uint8_t(v >> (8 * i));
  return b;
}

std::string load_error(Stateful& s, const std::vector<uint8_t>& blob) {
  try {
    load_state(s, blob);
  } catch (const StateError& e) {
    return e.what();
  }
  return "<accepted>";
}

// An out-of-range first element for a ranged integer field, or nothing if its range is the
// whole type.
std::optional<uint64_t> outside(const StateField& f) {
  const unsigned bits = unsigned(8 * f.size);
  if (f.type == FieldType::Unsigned) {
    const uint64_t max = bits >= 64 ? ~uint64_t(0) : (uint64_t(1) << bits) - 1;
    if (f.valid.hi < max) return f.valid.hi + 1;
    if (f.valid.lo > 0) return f.valid.lo - 1;
    return std::nullopt;
  }
  const int64_t max = bits >= 64 ? std::numeric_limits<int64_t>::max() : (int64_t(1) << (bits - 1)) - 1;
  if (int64_t(f.valid.hi) < max) return uint64_t(int64_t(f.valid.hi) + 1);
  if (int64_t(f.valid.lo) > -max - 1) return uint64_t(int64_t(f.valid.lo) - 1);
  return std::nullopt;
}

}  // namespace

TEST_CASE("state validity: ranges, sizes, bools and predicates are refused on load, naming the field") {
  Toy a;
  const std::vector<uint8_t> blob = save_state(a);
  Toy b;
  b.index = 9;
  CHECK(load_error(b, with_payload(blob, "toy.index", le(128, 1))) ==
        "state of toy: field 'toy.index' holds 0x80, outside 0x0..0x7f");
  CHECK(load_error(b, with_payload(blob, "toy.offset", le(uint64_t(-11), 2))) ==
        "state of toy: field 'toy.offset' holds -11, outside -10..10");
  CHECK(load_error(b, with_payload(blob, "toy.flag", le(2, 1))) == "state of toy: field 'toy.flag' holds 0x2, not a bool");
  CHECK(load_error(b, with_payload(blob, "toy.fifo", std::vector<uint8_t>(5))) ==
        "state of toy: field 'toy.fifo' is 5 bytes long, outside 0..4");
  CHECK(b.index == 9);  // refused before anything was written
  // A predicate sees written fields; a failure puts every field back.
  b.pos = 2;
  b.end = 3;
  b.fifo = {7};
  CHECK(load_error(b, with_payload(blob, "toy.pos", le(5, 4))) == "state of toy: field 'toy.pos' 0x5, not at most end");
  CHECK(b.index == 9);
  CHECK(b.pos == 2);
  CHECK(b.end == 3);
  CHECK(b.fifo == std::vector<uint8_t>{7});
  // check_state checks the same and leaves even a valid state unapplied.
  CHECK_NOTHROW(check_state(b, blob));
  CHECK(b.index == 9);
  CHECK_THROWS_AS(check_state(b, with_payload(blob, "toy.pos", le(5, 4))), StateError);
  CHECK_NOTHROW(load_state(b, blob));
  CHECK(b.index == 3);
}

TEST_CASE("state validity: a declaration cannot give a range its field cannot hold") {
  struct Bad : Stateful {
    uint8_t v = 0;
    std::string s;
    int which = 0;
    void declare_state(StateDecl& d) override {
      if (which == 0) d.field("v", v).range(0, 256);
      if (which == 1) d.field("v", v).range(-1, 3);
      if (which == 2) d.field("s", s).range(0, 1);
      if (which == 3) d.field("v", v).size(1);
    }
  };
  for (int w = 0; w < 4; ++w) {
    Bad b;
    b.which = w;
    CHECK_THROWS_AS(save_state(b), std::logic_error);
  }
}

TEST_CASE("state validity: every field of the machine declares its valid values") {
  MachineConfig c = kernel_config();
  Machine m(c);
  std::vector<std::string> missing = unvalidated_fields(m.state());
  INFO("fields without range(), size(), valid_if() or any(): " << missing.size());
  for (auto& n : missing) INFO(n);
  CHECK(missing.empty());
}

TEST_CASE("state validity: every ranged or sized field out of range in a real snapshot file is refused") {
  TempDir dir;
  Machine m(kernel_config());
  m.power_on();
  run_typing(m, 1'250'000);
  SnapshotStore store;
  const Snapshot snap = store.take(m);
  const uint64_t hash = m.state_hash();
  StateDecl decl;
  m.state().declare_state(decl);
  const std::string path = dir.file("bad.snap");
  int tried = 0;
  for (const StateField& f : decl.fields(true)) {
    std::vector<uint8_t> payload;
    if (f.valid.ranged) {
      std::optional<uint64_t> v = outside(f);
      if (!v) continue;
      // Keep the other elements as saved: only the first is out of range.
      for (const SavedField& s : read_saved_state(snap.state).fields)
        if (s.name == f.name) payload.assign(s.payload.begin(), s.payload.end());
      std::vector<uint8_t> first = le(*v, f.size);
      std::copy(first.begin(), first.end(), payload.begin());
    } else if (f.valid.sized) {
      payload.assign(f.valid.max_size < (1u << 20) ? f.valid.max_size + 1 : f.valid.min_size - 1, 0);
    } else {
      continue;
    }
    Snapshot bad = snap;
    bad.state = with_payload(snap.state, f.name, payload);
    write_snapshot_file(path, m, bad);  // the writer computes the checksums
    std::string msg;
    try {
      read_snapshot_file(path, m);
      msg = "<accepted>";
    } catch (const SnapshotError& e) {
      msg = e.what();
    }
    const std::string device = f.name.substr(0, f.name.find('.'));
    INFO(f.name << ": " << msg);
    CHECK(msg.rfind(path + ": state of " + device + ": field '" + f.name + "' ", 0) == 0);
    CHECK(msg.find('\n') == std::string::npos);
    ++tried;
  }
  CHECK(tried >= 40);
  CHECK(m.state_hash() == hash);  // reading a file never touches the machine

  SUBCASE("predicates: an IDE window past its end, host input past its queue, a clock sum") {
    const std::pair<const char*, uint64_t> cases[] = {
        {"ide.master.data_pos", 512}, {"uart.input_pos", 1}, {"clock.idle", kMaxStateTime}};
    for (auto [name, value] : cases) {
      Snapshot bad = snap;
      bad.state = with_payload(snap.state, name, le(value, std::string(name) == "ide.master.data_pos" ? 4 : 8));
      write_snapshot_file(path, m, bad);
      std::string msg;
      try {
        read_snapshot_file(path, m);
      } catch (const SnapshotError& e) {
        msg = e.what();
      }
      INFO(msg);
      CHECK(msg.find(std::string("field '") + name + "'") != std::string::npos);
      CHECK(msg.find(", not ") != std::string::npos);
    }
    CHECK(m.state_hash() == hash);
  }
}

TEST_CASE("state validity: a huge restored clock neither hangs the timers nor is accepted past its limit") {
  Machine m(kernel_config());
  m.power_on();
  run_typing(m, 1'250'000);
  SnapshotStore store;
  Snapshot snap = store.take(m);
  // 10^16 ns took the PIT a minute of catching up one period per firing; 2^62 never ended.
  for (uint64_t clock : {uint64_t(10'000'000'000'000'000ull), kMaxStateTime - 10'000'000}) {
    Snapshot big = snap;
    big.state = with_payload(snap.state, "clock.retired", le(clock, 8));
    Machine r(kernel_config());
    SnapshotStore::restore(r, big);
    const auto t0 = std::chrono::steady_clock::now();
    r.run(r.now() + 2'000'000);
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    INFO("clock " << clock << ": " << s << " s");
    CHECK(s < 1.0);
  }
  Snapshot over = snap;
  over.state = with_payload(snap.state, "clock.retired", le(kMaxStateTime + 1, 8));
  Machine r(kernel_config());
  CHECK_THROWS_WITH_AS(SnapshotStore::restore(r, over), doctest::Contains("field 'clock.retired'"), StateError);
}
