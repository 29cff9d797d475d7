// cpu.unicorn_context is raw Unicorn memory from a file: a restore does not take the host
// pointers inside the CPU state (the breakpoint pointer union) from it, whatever the file holds
// there; and one whose x87 stack top lies outside the eight registers is refused.
#include <doctest/doctest.h>

#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

#include "emu/context_host_bytes.h"
#include "emu/context_layout.h"
#include "emu/engine.h"
#include "engine_flat_boot.h"
#include "emu/state.h"

using namespace kjump;
using kjump::test::boot_flat;

namespace {


// The payload of field `name` inside a saved state blob (emu/state.h's format).
size_t payload_of(const std::vector<uint8_t>& blob, const std::string& name, size_t& size) {
  auto it = std::search(blob.begin(), blob.end(), name.begin(), name.end());
  REQUIRE(it != blob.end());
  size_t at = size_t(it - blob.begin()) + name.size();
  uint32_t n;
  std::memcpy(&n, &blob[at], 4);
  size = n;
  return at + 4;
}

}  // namespace

uint32_t u32_at(const std::vector<uint8_t>& b, size_t at) {
  uint32_t v;
  std::memcpy(&v, &b[at], 4);
  return v;
}

TEST_CASE("engine: a restored Unicorn context never takes host pointers or a wild x87 stack top from the file") {
  const ContextLayout& L = context_layout();
  const ContextHostBytes& H = context_host_bytes();
  REQUIRE(H.env_size > 0);
  REQUIRE(H.host_pointers > L.env);
  REQUIRE(H.host_pointers_size == 4 * sizeof(void*));
  Engine e(16 << 20);
  // mov eax, 7; fld1; fldz; inc eax; hlt
  boot_flat(e, {0xb8, 0x07, 0x00, 0x00, 0x00, 0xd9, 0xe8, 0xd9, 0xee, 0x40, 0xf4});
  // The x87 stack top (env->fpstt) is 0, then 7 after fld1, then 6 after fldz: find it.
  std::vector<std::vector<uint8_t>> blobs;
  for (uint64_t n : {1, 2, 3}) {
    REQUIRE(e.run(n).reason == StopReason::Limit);
    blobs.push_back(save_state(e.cpu_state()));
  }
  size_t size = 0, at = payload_of(blobs[2], "cpu.unicorn_context", size);
  REQUIRE(size == L.blob_size - L.env);
  std::vector<size_t> fpstt;
  for (size_t off = at; off + 4 <= at + H.env_size; off += 4)
    if (u32_at(blobs[0], off) == 0 && u32_at(blobs[1], off) == 7 && u32_at(blobs[2], off) == 6) fpstt.push_back(off);
  REQUIRE(fpstt.size() == 1);
  const size_t ptr = at + (H.host_pointers - L.env);
  // Saved state never holds this process's pointers.
  CHECK(std::all_of(blobs[2].begin() + long(ptr), blobs[2].begin() + long(ptr + H.host_pointers_size),
                    [](uint8_t b) { return b == 0; }));

  // A crafted file with garbage in the breakpoint pointers: accepted (they are not CPU state),
  // not taken (the live engine keeps its own), and never saved back.
  std::vector<uint8_t> blob = blobs[2];
  std::fill(blob.begin() + long(ptr), blob.begin() + long(ptr + H.host_pointers_size), 0x41);
  load_state(e.cpu_state(), blob);
  std::vector<uint8_t> again = save_state(e.cpu_state());
  CHECK(std::all_of(again.begin() + long(ptr), again.begin() + long(ptr + H.host_pointers_size),
                    [](uint8_t b) { return b == 0; }));

  // A stack top far outside fpregs[8]: the context no longer gives the declared FPU state (its
  // write through FPSW keeps 3 bits), so the file is refused, naming the field.
  std::vector<uint8_t> wild_top = blobs[2];
  const uint32_t wild = 0x41414141;
  std::memcpy(&wild_top[fpstt[0]], &wild, 4);
  CHECK_THROWS_WITH_AS(load_state(e.cpu_state(), wild_top), doctest::Contains("cpu.unicorn_context"), StateError);

  // And the guest goes on where it was.
  RunResult r = e.run(1'000);
  CHECK(r.reason == StopReason::HaltedForever);
  CHECK(e.reg(Reg::EAX) == 8);
}
