// Versioned declare-once state: per-component versions, fields added since a version, and
// optional sections (QEMU's version_id, minimum_version_id, VMSTATE_*_V and subsections).
#include <doctest/doctest.h>

#include <cstring>
#include <stdexcept>

#include "emu/event_queue.h"
#include "emu/state.h"

using namespace kjump;

namespace {

// One device as three releases saw it: version 1 had `a` and `b`; version 2 added `c` (whose
// value for old state is 5, set by its upgrade hook) and `d` (zero is right for old state).
struct Dev : Stateful {
  uint32_t version = 1, minimum = 1;
  uint8_t a = 1;
  uint16_t b = 2;
  uint32_t c = 3;
  std::vector<uint8_t> d{4};
  std::vector<uint32_t> upgraded_from;
  void declare_state(StateDecl& s) override {
    if (version > 1) s.version(version, minimum);
    s.field("a", a);
    s.field("b", b);
    if (version >= 2) {
      s.field("c", c, /*since=*/2);
      s.field("d", d, /*since=*/2);
      s.upgrade([this](uint32_t from) {
        upgraded_from.push_back(from);
        if (from < 2) c = 5;
      });
    }
  }
};

// A machine-like parent: the device as a component of its own, plus a field of the parent.
struct Box : Stateful {
  Dev dev;
  uint8_t power = 1;
  void declare_state(StateDecl& s) override {
    s.include("dev.", dev);
    s.field("box.power", power);
  }
};

// The fields of a device with a fault-injection mode.
struct FaultFields {
  EventQueue q;
  uint8_t reg = 0x50;
  bool stuck = false;
  uint32_t stuck_count = 0;
  Timer stuck_timer{q, "faulty.stuck", [] {}};
};

// ... with an optional "fault" section, saved only while `stuck`.
struct Faulty : Stateful, FaultFields {
  bool with_reset = true;
  void declare_state(StateDecl& s) override {
    s.field("reg", reg);
    s.section(
        "fault", [this] { return stuck; },
        [this](StateDecl& f) {
          f.field("stuck", stuck);
          f.field("count", stuck_count);
          f.field("timer", stuck_timer);
        },
        with_reset ? std::function<void()>([this] {
          stuck = false;
          stuck_count = 7;  // a reset value that is not zero, to see the callback ran
          stuck_timer.cancel();
        })
                   : std::function<void()>());
  }
};

// ... declared the way IDE's fault fields are today: under an `if`.
struct FaultyFlat : Stateful, FaultFields {
  void declare_state(StateDecl& s) override {
    s.field("reg", reg);
    if (stuck) {
      s.field("fault.stuck", stuck);
      s.field("fault.count", stuck_count);
      s.field("fault.timer", stuck_timer);
    }
  }
};

std::string refusal(Stateful& s, const std::vector<uint8_t>& blob) {
  try {
    load_state(s, blob);
  } catch (const StateError& e) {
    return e.what();
  }
  return "<accepted>";
}

// The hash as kjump has always computed it: for each hashed field, name, NUL, payload.
uint64_t classic_hash(std::initializer_list<std::pair<std::string, std::vector<uint8_t>>> fields) {
  std::vector<uint8_t> buf;
  for (auto& [name, payload] : fields) {
    buf.insert(buf.end(), name.begin(), name.end());
    buf.push_back(0);
    buf.insert(buf.end(), payload.begin(), payload.end());
  }
  return hash_bytes(buf.data(), buf.size());
}

}  // namespace

TEST_CASE("state versions: older state loads, fields added since are defaulted") {
  Dev old_dev;  // version 1
  old_dev.a = 0x11;
  old_dev.b = 0x2222;
  auto old_blob = save_state(old_dev);

  Dev now;  // version 2, with values the old state must not leave behind
  now.version = 2;
  now.c = 99;
  now.d = {9, 9, 9};
  load_state(now, old_blob);
  CHECK(now.a == 0x11);
  CHECK(now.b == 0x2222);
  CHECK(now.d.empty());  // since-field, no hook value: zero / empty
  CHECK(now.c == 5);     // since-field set by the upgrade hook
  CHECK(now.upgraded_from == std::vector<uint32_t>{1});

  // Version-2 state into version 2: everything as saved, no upgrade.
  now.c = 0x33;
  now.d = {1, 2};
  auto blob2 = save_state(now);
  Dev other;
  other.version = 2;
  load_state(other, blob2);
  CHECK(other.c == 0x33);
  CHECK(other.d == std::vector<uint8_t>{1, 2});
  CHECK(other.upgraded_from.empty());

  // The same goes for a component included in a parent.
  Box old_box;
  old_box.dev.a = 0x44;
  auto old_box_blob = save_state(old_box);
  Box box;
  box.dev.version = 2;
  box.dev.c = 1;
  box.power = 0;
  load_state(box, old_box_blob);
  CHECK(box.dev.a == 0x44);
  CHECK(box.dev.c == 5);
  CHECK(box.power == 1);
}

TEST_CASE("state versions: too new and too old state is refused, naming the component and both versions") {
  Box v2;
  v2.dev.version = 2;
  auto blob2 = save_state(v2);
  Box v1;
  v1.dev.a = 0x77;
  CHECK(refusal(v1, blob2) == "state of dev is version 2; this kjump's dev is version 1 and loads only that version");
  CHECK(v1.dev.a == 0x77);  // a refused blob changes nothing

  auto blob1 = save_state(v1);
  Box v3;
  v3.dev.version = 3;
  v3.dev.minimum = 2;
  CHECK(refusal(v3, blob1) == "state of dev is version 1; this kjump's dev is version 3 and loads versions 2 to 3");
  v3.dev.minimum = 1;
  CHECK(refusal(v3, blob1) == "<accepted>");

  // A component without a prefix is named after its fields.
  Dev top2;
  top2.version = 2;
  Dev top1;
  CHECK(refusal(top1, save_state(top2)) ==
        "state of (top level) is version 2; this kjump's (top level) is version 1 and loads only that version");
}

TEST_CASE("state versions: a version changes no hash, inspection or diff") {
  Dev v1, v2;
  v2.version = 2;
  v2.c = 3;
  // A version-1 component hashes as kjump always has.
  CHECK(hash_state(v1) == classic_hash({{"a", {1}}, {"b", {2, 0}}}));
  // Version 2 adds fields, not the version, to the hash.
  CHECK(hash_state(v2) == classic_hash({{"a", {1}}, {"b", {2, 0}}, {"c", {3, 0, 0, 0}}, {"d", {4}}}));
  auto fields = inspect_state(v2);
  REQUIRE(fields.size() == 4);
  CHECK(fields[2].name == "c");
  CHECK(fields[2].value == "0x3");

  Box box;
  auto before = save_state(box);
  box.dev.b = 9;
  CHECK(diff_state(box, before, save_state(box)) == std::vector<std::string>{"dev.b"});
}

TEST_CASE("state sections: saved when needed, absent when not, reset when absent on load") {
  Faulty f;
  FaultyFlat flat;

  // Not needed: absent from the blob, the hash, inspection and fields().
  auto quiet = save_state(f);
  CHECK(inspect_state(f).size() == 1);
  CHECK(hash_state(f) == hash_state(flat));
  CHECK(hash_state(f) == classic_hash({{"reg", {0x50}}}));
  {
    StateDecl d;
    f.declare_state(d);
    CHECK(d.fields().size() == 1);
  }

  // Needed: saved, hashed and inspected as "<section>.<field>", like fields declared under an `if`.
  f.stuck = flat.stuck = true;
  f.stuck_count = flat.stuck_count = 3;
  f.stuck_timer.arm(500);
  flat.stuck_timer.arm(500);
  auto loud = save_state(f);
  CHECK(loud.size() > quiet.size());
  CHECK(hash_state(f) == hash_state(flat));
  auto fields = inspect_state(f);
  REQUIRE(fields.size() == 4);
  CHECK(fields[1].name == "fault.stuck");
  CHECK(fields[2].name == "fault.count");
  CHECK(fields[3].value == "armed @500");
  CHECK(diff_state(f, quiet, loud) == std::vector<std::string>{"fault.stuck", "fault.count", "fault.timer"});

  // Round trip of the section.
  Faulty g;
  load_state(g, loud);
  CHECK(g.stuck);
  CHECK(g.stuck_count == 3);
  CHECK(g.stuck_timer.armed());
  CHECK(g.stuck_timer.deadline() == 500);
  CHECK(hash_state(g) == hash_state(f));

  // Absent on load: the reset callback gives the defaults, whatever the machine held.
  load_state(g, quiet);
  CHECK_FALSE(g.stuck);
  CHECK(g.stuck_count == 7);
  CHECK_FALSE(g.stuck_timer.armed());
  CHECK(hash_state(g) == classic_hash({{"reg", {0x50}}}));

  // Without a reset callback the section's fields are zeroed.
  Faulty h;
  h.with_reset = false;
  load_state(h, loud);
  CHECK(h.stuck_count == 3);
  load_state(h, quiet);
  CHECK_FALSE(h.stuck);
  CHECK(h.stuck_count == 0);
  CHECK_FALSE(h.stuck_timer.armed());
}

TEST_CASE("state sections and versions travel through include()") {
  struct Holder : Stateful {
    Faulty f;
    Dev dev;
    void declare_state(StateDecl& s) override {
      s.include("ide.", f);
      s.include("pit.", dev);
    }
  };
  Holder a;
  a.f.stuck = true;
  a.f.stuck_count = 2;
  a.dev.version = 2;
  a.dev.c = 0x10;
  auto fields = inspect_state(a);
  REQUIRE(fields.size() == 8);
  CHECK(fields[1].name == "ide.fault.stuck");
  CHECK(fields[6].name == "pit.c");
  auto blob = save_state(a);

  Holder b;
  b.dev.version = 2;
  load_state(b, blob);
  CHECK(b.f.stuck_count == 2);
  CHECK(b.dev.c == 0x10);
  CHECK(hash_state(b) == hash_state(a));

  Holder old;  // pit at version 1
  CHECK(refusal(old, blob) == "state of pit is version 2; this kjump's pit is version 1 and loads only that version");
}

TEST_CASE("state: damaged blobs and declaration mistakes") {
  Dev d;
  auto blob = save_state(d);
  CHECK(refusal(d, {}) == "state blob is not in kjump's versioned state format");
  auto cut = blob;
  cut.resize(cut.size() - 1);
  CHECK(refusal(d, cut).rfind("state blob truncated: ", 0) == 0);
  auto tail = blob;
  tail.push_back(0);
  CHECK(refusal(d, tail) == "state blob has 1 byte after its end");

  struct Other : Stateful {
    uint8_t a = 0, z = 0;
    void declare_state(StateDecl& s) override {
      s.field("a", a);
      s.field("z", z);
    }
  } o;
  CHECK(refusal(o, blob) == "state field 'b' found where 'z' was expected");
  struct Short : Stateful {
    uint8_t a = 0;
    void declare_state(StateDecl& s) override { s.field("a", a); }
  } sh;
  CHECK(refusal(sh, blob) == "state of (top level) has an unexpected state field 'b'");
  CHECK(refusal(d, save_state(sh)) == "state of (top level) ends where 'b' was expected");

  struct Named : Stateful {
    Dev dev;
    std::string prefix;
    explicit Named(std::string p) : prefix(std::move(p)) {}
    void declare_state(StateDecl& s) override { s.include(prefix, dev); }
  } pit("pit."), pic("pic.");
  CHECK(refusal(pic, save_state(pit)) == "component 'pit' found where component 'pic' was expected");

  // Names come from the file: a refusal quotes them escaped, in one line (fuzz_snapshot found a
  // field name holding a newline; fuzz/corpus/snapshot/repro-field-name-with-newline.snap).
  struct Odd : Stateful {
    uint8_t a = 0;
    uint16_t b = 0;
    void declare_state(StateDecl& s) override {
      s.field("a", a);
      s.field("b\nx\x01", b);
    }
  } odd;
  CHECK(refusal(d, save_state(odd)) == "state field 'b\\nx\\x01' found where 'b' was expected");
  Named nl("p\nq.");
  CHECK(refusal(pic, save_state(nl)) == "component 'p\\nq' found where component 'pic' was expected");
  CHECK(refusal(sh, save_state(odd)) == "state of (top level) has an unexpected state field 'b\\nx\\x01'");

  struct Bad : Stateful {
    uint8_t x = 0;
    void declare_state(StateDecl& s) override { s.field("x", x, /*since=*/2); }
  } bad;
  CHECK_THROWS_AS(save_state(bad), std::logic_error);
}
