// base/bytes: the little-endian writer and the bounds-checked reader.
#include <doctest/doctest.h>

#include <stdexcept>
#include <string>
#include <vector>

#include "base/bytes.h"

using namespace kjump;

namespace {
struct MyError : std::runtime_error {
  using std::runtime_error::runtime_error;
};
}  // namespace

TEST_CASE("bytes: the writer lays integers out little-endian, the reader reads them back") {
  ByteWriter w;
  w.u8(0x01);
  w.u16(0x0302);
  w.u32(0x07060504);
  w.u64(0x0f0e0d0c0b0a0908ull);
  w.str16("pit");
  w.str32("");
  w.str("xy");
  CHECK(w.data() == std::vector<uint8_t>{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 3, 0, 'p', 'i', 't',
                                         0, 0, 0, 0, 'x', 'y'});
  ByteReader r(w.data());
  CHECK(r.u8() == 0x01);
  CHECK(r.u16() == 0x0302);
  CHECK(r.u32() == 0x07060504);
  CHECK(r.u64() == 0x0f0e0d0c0b0a0908ull);
  CHECK(r.str16() == "pit");
  CHECK(r.str32().empty());
  CHECK(r.offset() == 24);
  CHECK(r.left() == 2);
  CHECK(r.str(2) == "xy");
  CHECK(r.done());
  CHECK(r.rest().empty());

  uint8_t raw[3];
  store_le(raw, 0xabcdef, 3);
  CHECK(raw[0] == 0xef);
  CHECK(load_le(raw, 3) == 0xabcdef);
}

TEST_CASE("bytes: running past the end says what was wanted, or throws the caller's error") {
  const std::vector<uint8_t> three{1, 2, 3};
  SUBCASE("no handler: TruncatedError with the item, offset and what was left") {
    ByteReader r(three);
    r.u16();
    CHECK_THROWS_WITH_AS(r.u32(), "truncated: u32 needs 4 bytes at offset 2, 1 left", TruncatedError);
    CHECK(r.offset() == 2);  // a failed read consumes nothing
    CHECK(r.u8() == 3);
    CHECK_THROWS_WITH_AS(r.take(1, "page"), "truncated: page needs 1 byte at offset 3, 0 left", TruncatedError);
  }
  SUBCASE("a handler sees the Truncation and throws its own type") {
    Truncation seen{};
    ByteReader r(three, [&](const Truncation& t) {
      seen = t;
      throw MyError("file.bin: " + t.describe());
    });
    CHECK_THROWS_WITH_AS(r.str(5), "file.bin: string needs 5 bytes at offset 0, 3 left", MyError);
    CHECK(seen.wanted == 5);
    CHECK(seen.left == 3);
  }
  SUBCASE("fail_with: a fixed message in the caller's type") {
    ByteReader r(three.data(), three.size(), fail_with<MyError>("x.kjs: truncated in the header"));
    CHECK_THROWS_WITH_AS(r.u64(), "x.kjs: truncated in the header", MyError);
  }
  SUBCASE("a length prefix larger than what follows") {
    ByteWriter w;
    w.u16(10);
    w.str("abc");
    ByteReader r(w.data());
    CHECK_THROWS_WITH_AS(r.str16(), "truncated: string needs 10 bytes at offset 2, 3 left", TruncatedError);
  }
  SUBCASE("a handler that returns still stops the read") {
    ByteReader r(three, [](const Truncation&) {});
    CHECK_THROWS_AS(r.u64(), TruncatedError);
  }
}

TEST_CASE("bytes: a string too long for its length prefix is refused") {
  ByteWriter w;
  CHECK_THROWS_AS(w.str16(std::string(70000, 'x')), std::length_error);
  CHECK(w.size() == 0);
}
