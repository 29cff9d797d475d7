#include <doctest/doctest.h>

#include "emu/event_queue.h"
#include "emu/state.h"

using namespace kjump;

namespace {
struct Toy : Stateful {
  EventQueue q;
  uint8_t a = 1;
  uint32_t arr[3] = {1, 2, 3};
  bool flag = false;
  std::vector<uint8_t> fifo{9, 8};
  Timer t{q, "toy.timer", [] {}};
  void declare_state(StateDecl& d) override {
    d.field("a", a);
    d.field("arr", arr);
    d.field("flag", flag);
    d.field("fifo", fifo);
    d.field("timer", t);
  }
};
}  // namespace

TEST_CASE("state: save, restore, hash and diff derive from one declaration") {
  Toy x;
  x.t.arm(1234);
  auto blob = save_state(x);
  uint64_t h = hash_state(x);
  x.a = 7;
  x.arr[1] = 99;
  x.fifo.push_back(1);
  x.t.cancel();
  CHECK(hash_state(x) != h);
  auto changed = diff_state(x, blob, save_state(x));
  CHECK(changed == std::vector<std::string>{"a", "arr", "fifo", "timer"});
  load_state(x, blob);
  CHECK(x.a == 1);
  CHECK(x.arr[1] == 2);
  CHECK(x.fifo.size() == 2);
  CHECK(x.t.armed());
  CHECK(x.t.deadline() == 1234);
  CHECK(hash_state(x) == h);
  auto fields = inspect_state(x);
  REQUIRE(fields.size() == 5);
  CHECK(fields[1].value == "[0x1 0x2 0x3]");
  CHECK(fields[4].value == "armed @1234");
}

TEST_CASE("state: a truncated or foreign blob is refused") {
  Toy x;
  auto blob = save_state(x);
  blob.resize(blob.size() - 3);
  CHECK_THROWS_AS(load_state(x, blob), StateError);
  std::vector<uint8_t> empty;
  CHECK_THROWS_AS(load_state(x, empty), StateError);
}

TEST_CASE("event queue: deadline order, ties by registration order, re-arm in callback") {
  EventQueue q;
  std::vector<int> order;
  Timer* pa = nullptr;
  Timer a(q, "a", [&] { order.push_back(1); pa->arm(200); });
  pa = &a;
  Timer b(q, "b", [&] { order.push_back(2); });
  Timer c(q, "c", [&] { order.push_back(3); });
  c.arm(100);
  b.arm(100);
  a.arm(100);
  CHECK(q.next_deadline() == 100);
  CHECK(q.run_due(99) == 0);
  CHECK(q.run_due(150) == 3);
  CHECK(order == std::vector<int>{1, 2, 3});
  CHECK(q.next_deadline() == 200);
}
