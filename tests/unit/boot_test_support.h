// Helpers for the boot loader tests: hand-made ELF32 files (so the tests never depend on a
// cross toolchain), Multiboot headers, a temp directory, and RAM backed by a vector.
#pragma once

#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "emu/phys_memory.h"

namespace kjump::boottest {

inline void put16(std::vector<uint8_t>& b, size_t off, uint16_t v) {
  if (b.size() < off + 2) b.resize(off + 2);
  b[off] = v & 0xFF;
  b[off + 1] = v >> 8;
}
inline void put32(std::vector<uint8_t>& b, size_t off, uint32_t v) {
  if (b.size() < off + 4) b.resize(off + 4);
  for (int i = 0; i < 4; ++i) b[off + i] = (v >> (8 * i)) & 0xFF;
}
inline uint32_t get32(const std::vector<uint8_t>& b, size_t off) {
  return b[off] | b[off + 1] << 8 | b[off + 2] << 16 | static_cast<uint32_t>(b[off + 3]) << 24;
}

// A Multiboot header: magic, flags, checksum and, with bit 16, the five address fields.
inline std::vector<uint8_t> multiboot_header(uint32_t flags, uint32_t header_addr = 0, uint32_t load_addr = 0,
                                             uint32_t load_end = 0, uint32_t bss_end = 0, uint32_t entry = 0) {
  std::vector<uint8_t> h;
  put32(h, 0, 0x1BADB002);
  put32(h, 4, flags);
  put32(h, 8, 0u - 0x1BADB002u - flags);
  if (flags & 0x10000) {
    put32(h, 12, header_addr);
    put32(h, 16, load_addr);
    put32(h, 20, load_end);
    put32(h, 24, bss_end);
    put32(h, 28, entry);
  }
  return h;
}

struct TestSegment {
  uint32_t paddr, vaddr, flags;
  std::vector<uint8_t> data;
  uint32_t memsz;
};
struct TestSymbol {
  std::string name;
  uint32_t value, size;
  uint8_t type, bind;
  uint16_t shndx = 1;
};

// ELF32 layout: header, program headers at 52, segment data from `data_offset` (4-aligned,
// in order), then .symtab/.strtab/.shstrtab and the section headers if there are symbols.
struct TestElf {
  uint8_t elf_class = 1;
  uint16_t machine = 3;
  uint32_t entry = 0;
  uint32_t data_offset = 0x100;
  std::vector<TestSegment> segments;
  std::vector<TestSymbol> symbols;

  std::vector<uint8_t> bytes() const {
    std::vector<uint8_t> f(52, 0);
    const uint8_t ident[] = {0x7F, 'E', 'L', 'F', elf_class, 1, 1};
    std::memcpy(f.data(), ident, sizeof ident);
    put16(f, 16, 2);  // ET_EXEC
    put16(f, 18, machine);
    put32(f, 20, 1);
    put32(f, 24, entry);
    put32(f, 28, 52);
    put16(f, 40, 52);
    put16(f, 42, 32);
    put16(f, 44, static_cast<uint16_t>(segments.size()));
    put16(f, 46, 40);
    std::vector<uint32_t> offsets;
    size_t off = data_offset;
    for (const auto& s : segments) {
      offsets.push_back(static_cast<uint32_t>(off));
      off = (off + s.data.size() + 3) & ~size_t{3};
    }
    for (size_t i = 0; i < segments.size(); ++i) {
      const auto& s = segments[i];
      const size_t ph = 52 + 32 * i;
      put32(f, ph, 1);  // PT_LOAD
      put32(f, ph + 4, offsets[i]);
      put32(f, ph + 8, s.vaddr);
      put32(f, ph + 12, s.paddr);
      put32(f, ph + 16, static_cast<uint32_t>(s.data.size()));
      put32(f, ph + 20, s.memsz);
      put32(f, ph + 24, s.flags);
      put32(f, ph + 28, 4);
      if (f.size() < offsets[i] + s.data.size()) f.resize(offsets[i] + s.data.size());
      std::memcpy(f.data() + offsets[i], s.data.data(), s.data.size());
    }
    if (symbols.empty()) return f;

    std::vector<uint8_t> symtab(16, 0), strtab(1, 0);
    for (const auto& s : symbols) {
      const size_t at = symtab.size();
      put32(symtab, at, static_cast<uint32_t>(strtab.size()));
      put32(symtab, at + 4, s.value);
      put32(symtab, at + 8, s.size);
      symtab.push_back(static_cast<uint8_t>(s.bind << 4 | s.type));
      symtab.push_back(0);
      put16(symtab, at + 14, s.shndx);
      strtab.insert(strtab.end(), s.name.begin(), s.name.end());
      strtab.push_back(0);
    }
    const std::string shstr = std::string("\0.text\0.symtab\0.strtab\0.shstrtab\0", 33);
    auto append = [&](const std::vector<uint8_t>& blob) {
      f.resize((f.size() + 3) & ~size_t{3});
      const uint32_t at = static_cast<uint32_t>(f.size());
      f.insert(f.end(), blob.begin(), blob.end());
      return at;
    };
    const uint32_t sym_off = append(symtab);
    const uint32_t str_off = append(strtab);
    const uint32_t shstr_off = append(std::vector<uint8_t>(shstr.begin(), shstr.end()));
    f.resize((f.size() + 3) & ~size_t{3});
    const uint32_t shoff = static_cast<uint32_t>(f.size());
    put32(f, 32, shoff);
    put16(f, 48, 5);
    put16(f, 50, 4);
    auto shdr = [&](int i, uint32_t name, uint32_t type, uint32_t offset, uint32_t size, uint32_t link,
                    uint32_t entsize) {
      const size_t at = shoff + 40 * i;
      f.resize(std::max(f.size(), at + 40));
      put32(f, at, name);
      put32(f, at + 4, type);
      put32(f, at + 16, offset);
      put32(f, at + 20, size);
      put32(f, at + 24, link);
      put32(f, at + 36, entsize);
    };
    shdr(0, 0, 0, 0, 0, 0, 0);
    shdr(1, 1, 1, segments.empty() ? 0 : offsets[0],
         segments.empty() ? 0 : static_cast<uint32_t>(segments[0].data.size()), 0, 0);
    shdr(2, 7, 2, sym_off, static_cast<uint32_t>(symtab.size()), 3, 16);
    shdr(3, 15, 3, str_off, static_cast<uint32_t>(strtab.size()), 0, 0);
    shdr(4, 23, 3, shstr_off, static_cast<uint32_t>(shstr.size()), 0, 0);
    return f;
  }
};

// A fresh directory per test process (ctest runs test cases in parallel processes).
class TempDir {
 public:
  TempDir() {
    static int counter = 0;
    path_ = std::filesystem::temp_directory_path() /
            ("kjump-boot-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  std::string file(const std::string& name, const std::vector<uint8_t>& bytes) const {
    std::string p = (path_ / name).string();
    std::ofstream(p, std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()), bytes.size());
    return p;
  }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// Runs the test with the temp dir as working directory, so relative paths (which end up
// in the guest's command line) are short and fixed.
class ChangeDir {
 public:
  explicit ChangeDir(const std::filesystem::path& p) : old_(std::filesystem::current_path()) {
    std::filesystem::current_path(p);
  }
  ~ChangeDir() {
    std::error_code ec;
    std::filesystem::current_path(old_, ec);
  }

 private:
  std::filesystem::path old_;
};

class VectorMemory : public PhysMemory {
 public:
  explicit VectorMemory(size_t size, uint8_t fill = 0) : ram(size, fill) {}
  bool read_phys(uint64_t pa, void* dst, size_t n) const override {
    if (pa > ram.size() || n > ram.size() - pa) return false;
    std::memcpy(dst, ram.data() + pa, n);
    return true;
  }
  bool write_phys(uint64_t pa, const void* src, size_t n) override {
    if (pa > ram.size() || n > ram.size() - pa) return false;
    std::memcpy(ram.data() + pa, src, n);
    return true;
  }
  uint32_t u32(uint64_t pa) const { return get32(ram, pa); }
  std::string cstr(uint64_t pa) const { return std::string(reinterpret_cast<const char*>(ram.data() + pa)); }

  std::vector<uint8_t> ram;
};

}  // namespace kjump::boottest
