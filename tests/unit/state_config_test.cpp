// Programmed-configuration marks (emu/state.h): declared with the field, invisible to save,
// restore, hashing and inspection; read back from saved state, compared field by field
// (replay/state_compare.h), and refused when they cannot be meant.
#include <doctest/doctest.h>

#include <stdexcept>

#include "emu/event_queue.h"
#include "emu/state.h"
#include "replay/state_compare.h"

using namespace kjump;

namespace {

// A device with every kind of field; `marked` adds the configuration marks, nothing else.
struct Toy : Stateful {
  bool marked = true;
  uint32_t version = 1;
  EventQueue q;
  uint8_t mode = 2;
  uint8_t ctrl = 0x82;             // bit 1 configuration, bit 7 dynamic
  uint16_t regs[3] = {0x10, 0x11, 0x12};  // only regs[1] configuration, low byte
  bool enabled = true;
  std::vector<uint8_t> block{1, 2, 3, 4};  // byte 2 configuration
  uint32_t counter = 77;           // dynamic
  Timer t{q, "toy.timer", [] {}};
  std::string label = "x";
  void declare_state(StateDecl& d) override {
    if (version > 1) d.version(version, 1);
    auto mode_field = d.field("mode", mode);
    auto ctrl_field = d.field("ctrl", ctrl);
    auto regs_field = d.field("regs", regs);
    auto enabled_field = d.field("enabled", enabled);
    auto block_field = d.field("block", block);
    d.field("counter", counter);
    d.field("timer", t);
    d.field("label", label);
    if (!marked) return;
    // Marked after later fields were declared: a FieldMark names its field by position.
    mode_field.config();
    ctrl_field.config(0x02);
    regs_field.config_at(1, 0x00ff);
    enabled_field.config();
    block_field.config_at(2);
  }
};

struct Box : Stateful {
  Toy toy;
  uint8_t power = 1;
  void declare_state(StateDecl& d) override {
    d.include("toy.", toy);
    d.field("box.power", power);
  }
};

// One field of each kind, to try marks on.
struct One : Stateful {
  EventQueue q;
  uint8_t b = 0;
  uint8_t arr[4] = {};
  bool flag = false;
  Timer t{q, "one.timer", [] {}};
  std::string s;
  std::vector<uint8_t> v;
  std::function<void(StateDecl&)> how;
  void declare_state(StateDecl& d) override { how(d); }
};

std::string mark_error(std::function<void(StateDecl&, One&)> how) {
  One o;
  o.how = [&](StateDecl& d) { how(d, o); };
  try {
    save_state(o);
  } catch (const std::logic_error& e) {
    return e.what();
  }
  return "(no error)";
}

}  // namespace

TEST_CASE("config marks: save, restore, hash and inspection are exactly as without them") {
  Box marked, plain;
  plain.toy.marked = false;
  marked.toy.t.arm(500);
  plain.toy.t.arm(500);
  CHECK(save_state(marked) == save_state(plain));
  CHECK(hash_state(marked) == hash_state(plain));
  auto im = inspect_state(marked), ip = inspect_state(plain);
  REQUIRE(im.size() == ip.size());
  for (size_t i = 0; i < im.size(); ++i) {
    CHECK(im[i].name == ip[i].name);
    CHECK(im[i].value == ip[i].value);
  }
  // A blob saved with marks restores into a component without them and back.
  marked.toy.counter = 5;
  marked.toy.ctrl = 0x80;
  auto blob = save_state(marked);
  load_state(plain, blob);
  CHECK(plain.toy.counter == 5);
  CHECK(plain.toy.ctrl == 0x80);
  CHECK(hash_state(plain) == hash_state(marked));
  CHECK(diff_state(marked, blob, save_state(plain)).empty());
}

TEST_CASE("config marks: the declaration carries them; saved state reads back as inspect_state shows it") {
  Box box;
  StateDecl d;
  box.declare_state(d);
  std::vector<std::string> marked;
  for (const StateField& f : d.fields())
    if (!f.config.empty()) marked.push_back(f.name);
  CHECK(marked == std::vector<std::string>{"toy.mode", "toy.ctrl", "toy.regs", "toy.enabled", "toy.block"});

  box.toy.t.arm(1234);
  auto blob = save_state(box);
  SavedState s = read_saved_state(blob);
  REQUIRE(s.components.size() == 1);
  CHECK(s.components[0].name == "toy");
  CHECK(s.components[0].version == 1);
  auto shown = inspect_state(box);
  REQUIRE(s.fields.size() == shown.size());
  auto fields = d.fields();
  for (size_t i = 0; i < shown.size(); ++i) {
    CHECK(s.fields[i].name == shown[i].name);
    CHECK(format_payload(&fields[i], s.fields[i].payload) == shown[i].value);
  }
  // Without a declaration, or one of another layout: integers up to 8 bytes, else bytes.
  CHECK(format_payload(nullptr, s.fields[0].payload) == "0x2");
  CHECK(format_payload(&fields[0], s.fields[2].payload) == "0x1200110010");
  CHECK(format_payload(nullptr, std::vector<uint8_t>(9, 0xab)) == "[ab ab ab ab ab ab ab ab ab]");
  CHECK_THROWS_AS(read_saved_state(std::vector<uint8_t>{'K', 'J', 'S', 'T', 1}), StateError);
}

TEST_CASE("config marks: the configuration of saved state, by part, and its differences") {
  Box box;
  auto before = save_state(box);
  auto config = configuration_of(box, before);
  std::vector<std::pair<std::string, std::string>> got;
  for (auto& f : config) got.emplace_back(f.name, f.value);
  CHECK(got == std::vector<std::pair<std::string, std::string>>{{"toy.mode", "0x2"},
                                                                {"toy.ctrl&0x2", "0x2"},
                                                                {"toy.regs[1]&0xff", "0x11"},
                                                                {"toy.enabled", "true"},
                                                                {"toy.block[2]", "0x3"}});

  // Dynamic state and unmarked bits change: no configuration difference.
  box.toy.counter = 1;
  box.toy.ctrl = 0x02;       // bit 7 is not configuration
  box.toy.regs[0] = 0x99;    // element 0 is not
  box.toy.regs[1] = 0x7711;  // nor regs[1]'s high byte
  box.toy.block[0] = 9;
  box.toy.t.arm(99);
  box.power = 0;
  CHECK(configuration_differences(box, before, save_state(box)).empty());
  CHECK(state_differences(box, before, save_state(box)).size() == 6);

  // Configuration changes: each part named, with both values.
  box.toy.mode = 3;
  box.toy.ctrl = 0x00;
  box.toy.enabled = false;
  box.toy.block.resize(2);  // byte 2 is gone
  auto diffs = configuration_differences(box, before, save_state(box));
  REQUIRE(diffs.size() == 4);
  CHECK(diffs[0].name == "toy.mode");
  CHECK(diffs[0].a == "0x2");
  CHECK(diffs[0].b == "0x3");
  CHECK(diffs[1].name == "toy.ctrl&0x2");
  CHECK(diffs[1].b == "0x0");
  CHECK(diffs[2].name == "toy.enabled");
  CHECK(diffs[2].b == "false");
  CHECK(diffs[3].name == "toy.block[2]");
  CHECK(diffs[3].a == "0x3");
  CHECK(diffs[3].b == "(absent)");

  auto all = state_differences(box, before, save_state(box));
  REQUIRE(!all.empty());
  CHECK(all[0].name == "toy.mode");
  CHECK(all.back().name == "box.power");
  CHECK(all.back().b == "0x0");
}

TEST_CASE("config marks: states of other components or versions are not compared") {
  Box a, b;
  auto sa = save_state(a);
  CHECK(!component_mismatch(sa, "a.snap", save_state(b), "b.snap"));
  CHECK(!layout_mismatch(sa, b));
  b.toy.version = 2;
  auto sb = save_state(b);
  CHECK(component_mismatch(sa, "a.snap", sb, "b.snap") == "toy is version 1 in a.snap, 2 in b.snap");
  CHECK(layout_mismatch(sa, b) == "toy is version 1, this kjump's is version 2");
  Toy bare;
  CHECK(component_mismatch(sa, "a.snap", save_state(bare), "b.snap") == "toy is in a.snap, not in b.snap");
  CHECK(layout_mismatch(save_state(bare), a) == "it has no toy state, which this kjump's machine has");
  // A component's name comes from the file: quoted escaped, so the message stays one line.
  struct Odd : Stateful {
    Toy toy;
    void declare_state(StateDecl& d) override { d.include("to\ny.", toy); }
  } odd;
  CHECK(layout_mismatch(save_state(odd), a) == "to\\ny is not part of this kjump's machine");
  CHECK(component_mismatch(save_state(odd), "a.snap", sa, "b.snap") == "to\\ny is in a.snap, not in b.snap");
}

TEST_CASE("config marks: a mark that cannot be meant is a bug in the declaration, named") {
  CHECK(mark_error([](StateDecl& d, One& o) { d.field("b", o.b).config(0x0f); }) == "(no error)");
  CHECK(mark_error([](StateDecl& d, One& o) { d.field("arr", o.arr).config_at(0).config_at(3, 0x80); }) ==
        "(no error)");
  CHECK(mark_error([](StateDecl& d, One& o) { d.field("t", o.t).config(); }) ==
        "state field 't': cannot mark as configuration: a timer is dynamic state");
  CHECK(mark_error([](StateDecl& d, One& o) { d.field("s", o.s).config(); }) ==
        "state field 's': cannot mark as configuration: a string has no bits to compare");
  CHECK(mark_error([](StateDecl& d, One& o) { d.field("flag", o.flag).config(1); }) ==
        "state field 'flag': cannot mark as configuration: a bool is marked whole");
  CHECK(mark_error([](StateDecl& d, One& o) { d.field("arr", o.arr).config_at(4); }) ==
        "state field 'arr': cannot mark as configuration: element 4 of 4");
  CHECK(mark_error([](StateDecl& d, One& o) { d.field("b", o.b).config(0x100); }) ==
        "state field 'b': cannot mark as configuration: mask wider than its 1-byte elements");
  CHECK(mark_error([](StateDecl& d, One& o) { d.field("v", o.v).config_at(0, 0x1ff); }) ==
        "state field 'v': cannot mark as configuration: mask wider than a byte");
  CHECK(mark_error([](StateDecl& d, One& o) { d.field("b", o.b).config(0); }) ==
        "state field 'b': cannot mark as configuration: an empty mask");
  CHECK(mark_error([](StateDecl& d, One& o) { d.field("arr", o.arr).config_at(1).config(); }) ==
        "state field 'arr': cannot mark as configuration: marked twice");
}
