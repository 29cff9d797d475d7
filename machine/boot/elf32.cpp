#include "machine/boot/elf32.h"

#include <algorithm>
#include <cstdio>

#include "machine/boot/boot_error.h"
#include "machine/boot/file_bytes.h"

namespace kjump {

namespace {

constexpr uint16_t kEmI386 = 3;
constexpr uint16_t kEmX86_64 = 62;
constexpr uint32_t kPtLoad = 1;
constexpr uint32_t kShtSymtab = 2;
constexpr uint32_t kShtStrtab = 3;
constexpr size_t kEhdrSize = 52;
constexpr size_t kPhdrSize = 32;
constexpr size_t kShdrSize = 40;
constexpr size_t kSymSize = 16;

std::string hex(uint64_t v) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(v));
  return buf;
}

// Bounds-checked little-endian reads from the file image.
class Reader {
 public:
  Reader(std::span<const uint8_t> file, const std::string& path) : file_(file), path_(path) {}

  bool fits(uint64_t off, uint64_t len) const { return off <= file_.size() && len <= file_.size() - off; }

  uint8_t u8(uint64_t off) const { return file_[off]; }
  uint16_t u16(uint64_t off) const { return static_cast<uint16_t>(file_[off] | file_[off + 1] << 8); }
  uint32_t u32(uint64_t off) const {
    return static_cast<uint32_t>(file_[off]) | static_cast<uint32_t>(file_[off + 1]) << 8 |
           static_cast<uint32_t>(file_[off + 2]) << 16 | static_cast<uint32_t>(file_[off + 3]) << 24;
  }
  std::span<const uint8_t> bytes(uint64_t off, uint64_t len) const { return file_.subspan(off, len); }

  [[noreturn]] void fail(const std::string& what) const { throw BootError(path_ + ": " + what); }

 private:
  std::span<const uint8_t> file_;
  const std::string& path_;
};

void check_identity(const Reader& r, size_t file_size) {
  if (file_size < 4 || r.u8(0) != 0x7F || r.u8(1) != 'E' || r.u8(2) != 'L' || r.u8(3) != 'F') {
    r.fail("not an ELF file");
  }
  if (file_size < 5) r.fail("truncated ELF header");
  // QEMU's wording is "Cannot load x86-64 image, give a 32bit one."
  if (r.u8(4) == 2) r.fail("ELF64 images are not supported; give a 32-bit kernel");
  if (r.u8(4) != 1) r.fail("unknown ELF class " + std::to_string(r.u8(4)));
  if (file_size < kEhdrSize) r.fail("truncated ELF header");
  if (r.u8(5) != 1) r.fail("not a little-endian ELF");
  uint16_t machine = r.u16(18);
  if (machine == kEmX86_64) r.fail("x86-64 ELF (e_machine 62) is not supported; give a 32-bit kernel");
  if (machine != kEmI386) r.fail("not an i386 ELF (e_machine " + std::to_string(machine) + ")");
}

void read_segments(const Reader& r, Elf32Image& img) {
  const uint32_t phoff = r.u32(28);
  const uint16_t phentsize = r.u16(42);
  const uint16_t phnum = r.u16(44);
  if (phnum != 0 && phentsize != kPhdrSize) {
    r.fail("program header size " + std::to_string(phentsize) + ", expected 32");
  }
  if (!r.fits(phoff, uint64_t{phnum} * kPhdrSize)) r.fail("program header table runs past the end of the file");

  for (unsigned i = 0; i < phnum; ++i) {
    const uint64_t ph = phoff + uint64_t{i} * kPhdrSize;
    if (r.u32(ph) != kPtLoad) continue;
    Elf32Segment s;
    s.phdr_index = i;
    const uint32_t offset = r.u32(ph + 4);
    s.vaddr = r.u32(ph + 8);
    s.paddr = r.u32(ph + 12);
    s.filesz = r.u32(ph + 16);
    s.memsz = r.u32(ph + 20);
    s.flags = r.u32(ph + 24);
    const std::string which = "PT_LOAD segment " + std::to_string(i);
    if (s.filesz > s.memsz) r.fail(which + ": p_filesz is larger than p_memsz");
    if (uint64_t{s.paddr} + s.memsz > (uint64_t{1} << 32)) r.fail(which + ": ends above 4 GiB");
    if (s.filesz != 0 && !r.fits(offset, s.filesz)) r.fail(which + ": data runs past the end of the file");
    auto data = r.bytes(s.filesz ? offset : 0, s.filesz);
    s.data.assign(data.begin(), data.end());
    img.segments.push_back(std::move(s));
  }
  if (img.segments.empty()) r.fail("no PT_LOAD segment");

  // QEMU refuses overlapping ROM blobs ("rom: requested regions overlap"); so do we.
  std::vector<const Elf32Segment*> by_addr;
  for (const auto& s : img.segments) {
    if (s.memsz != 0) by_addr.push_back(&s);
  }
  std::sort(by_addr.begin(), by_addr.end(), [](const Elf32Segment* a, const Elf32Segment* b) {
    return a->paddr != b->paddr ? a->paddr < b->paddr : a->phdr_index < b->phdr_index;
  });
  for (size_t k = 1; k < by_addr.size(); ++k) {
    const Elf32Segment& prev = *by_addr[k - 1];
    const Elf32Segment& cur = *by_addr[k];
    if (uint64_t{prev.paddr} + prev.memsz > cur.paddr) {
      r.fail("PT_LOAD segments " + std::to_string(prev.phdr_index) + " and " + std::to_string(cur.phdr_index) +
             " overlap at physical address " + hex(cur.paddr));
    }
  }
}

void read_symbols(const Reader& r, Elf32Image& img) {
  const uint32_t shoff = r.u32(32);
  const uint16_t shentsize = r.u16(46);
  const uint16_t shnum = r.u16(48);
  if (shoff == 0 || shnum == 0) return;
  if (shentsize != kShdrSize) r.fail("section header size " + std::to_string(shentsize) + ", expected 40");
  if (!r.fits(shoff, uint64_t{shnum} * kShdrSize)) r.fail("section header table runs past the end of the file");

  auto shdr = [&](unsigned i) { return shoff + uint64_t{i} * kShdrSize; };
  for (unsigned i = 0; i < shnum; ++i) {
    if (r.u32(shdr(i) + 4) != kShtSymtab) continue;
    const uint32_t sym_off = r.u32(shdr(i) + 16);
    const uint32_t sym_size = r.u32(shdr(i) + 20);
    const uint32_t link = r.u32(shdr(i) + 24);
    if (!r.fits(sym_off, sym_size)) r.fail(".symtab runs past the end of the file");
    if (link >= shnum || r.u32(shdr(link) + 4) != kShtStrtab) r.fail(".symtab does not link to a string table");
    const uint32_t str_off = r.u32(shdr(link) + 16);
    const uint32_t str_size = r.u32(shdr(link) + 20);
    if (!r.fits(str_off, str_size)) r.fail(".strtab runs past the end of the file");

    for (uint64_t k = 1; k < sym_size / kSymSize; ++k) {  // entry 0 is the null symbol
      const uint64_t e = sym_off + k * kSymSize;
      Elf32Symbol s;
      const uint32_t name = r.u32(e);
      s.value = r.u32(e + 4);
      s.size = r.u32(e + 8);
      s.type = r.u8(e + 12) & 0xF;
      s.bind = r.u8(e + 12) >> 4;
      s.shndx = r.u16(e + 14);
      if (name >= str_size) r.fail(".symtab entry " + std::to_string(k) + " has a name outside .strtab");
      auto strings = r.bytes(str_off + name, str_size - name);
      auto nul = std::find(strings.begin(), strings.end(), uint8_t{0});
      if (nul == strings.end()) r.fail(".strtab is not NUL-terminated");
      s.name.assign(strings.begin(), nul);
      img.symbols.push_back(std::move(s));
    }
    return;  // an executable has at most one .symtab
  }
}

}  // namespace

Elf32Image Elf32Image::parse(std::span<const uint8_t> file, const std::string& path, Symbols symbols) {
  Reader r(file, path);
  check_identity(r, file.size());
  Elf32Image img;
  img.path = path;
  img.entry = r.u32(24);
  read_segments(r, img);
  if (symbols == Symbols::Read) read_symbols(r, img);
  return img;
}

Elf32Image Elf32Image::load(const std::string& path) {
  std::vector<uint8_t> bytes = read_file_bytes(path, "kernel");
  return parse(bytes, path);
}

}  // namespace kjump
