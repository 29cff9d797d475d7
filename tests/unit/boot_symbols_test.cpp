#include <doctest/doctest.h>

#include "machine/boot/symbols.h"

using namespace kjump;

namespace {

SymbolTable sample() {
  return SymbolTable({
      {"kmain", 0x100100, 0x40, elf::kSttFunc, elf::kStbGlobal, 1},
      {"_start", 0x10000C, 0, elf::kSttNotype, elf::kStbGlobal, 1},  // asm label: names, no lookup
      {"idle", 0x100040, 0x10, elf::kSttFunc, elf::kStbLocal, 1},
      {"ticks", 0x104000, 4, elf::kSttObject, elf::kStbGlobal, 2},
      {"panic", 0x100200, 0x30, elf::kSttFunc, elf::kStbGlobal, 1},
      {"panic_alias", 0x100200, 0x30, elf::kSttFunc, elf::kStbLocal, 1},
      {"printf", 0, 0, elf::kSttFunc, elf::kStbGlobal, elf::kShnUndef},
      {"PAGE_SIZE", 0x1000, 0, elf::kSttObject, elf::kStbGlobal, elf::kShnAbs},
      {"_end", 0x105000, 0, elf::kSttNotype, elf::kStbGlobal, 2},
      {"main.c", 0, 0, elf::kSttFile, elf::kStbLocal, elf::kShnAbs},
      {"helper", 0x100300, 8, elf::kSttFunc, elf::kStbLocal, 1},   // a static in one file...
      {"helper", 0x100280, 8, elf::kSttFunc, elf::kStbLocal, 1},   // ...and one in another
  });
}

}  // namespace

TEST_CASE("boot symbols: lookup names the nearest preceding function or object") {
  SymbolTable t = sample();
  CHECK(t.lookup(0x100100) == "kmain+0x0");
  CHECK(t.lookup(0x10011C) == "kmain+0x1c");
  CHECK(t.lookup(0x100048) == "idle+0x8");
  CHECK(t.lookup(0x1000FF) == "idle+0xbf");  // past its size: still the nearest one
  CHECK(t.lookup(0x104002) == "ticks+0x2");
  CHECK(t.lookup(0x100204) == "panic+0x4");   // the global wins over the local alias
  CHECK(t.lookup(0x100290) == "helper+0x10");
  CHECK(t.lookup(0x10003F) == std::nullopt);  // below idle; _start is NOTYPE
  CHECK(t.lookup(0x1000) == std::nullopt);    // the absolute PAGE_SIZE is not a place
  CHECK(t.nearest(0x100104)->name == "kmain");
  CHECK(t.nearest(0x100104)->size == 0x40);
  CHECK(SymbolTable().lookup(0x100100) == std::nullopt);
}

TEST_CASE("boot symbols: find gives the address of defined symbols, linker ones included") {
  SymbolTable t = sample();
  CHECK(t.find("kmain") == 0x100100u);
  CHECK(t.find("_start") == 0x10000Cu);
  CHECK(t.find("_end") == 0x105000u);
  CHECK(t.find("PAGE_SIZE") == 0x1000u);
  CHECK(t.find("helper") == 0x100280u);  // two statics: the lower address, every time
  CHECK(t.find("printf") == std::nullopt);  // undefined
  CHECK(t.find("main.c") == std::nullopt);  // file names are not symbols to find
  CHECK(t.find("kmai") == std::nullopt);
  CHECK(t.find("kmainx") == std::nullopt);
}
