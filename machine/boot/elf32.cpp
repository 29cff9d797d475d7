#include "machine/boot/elf32.h"

#include <algorithm>
#include <cstddef>

#include "base/hex.h"
#include "machine/boot/boot_error.h"
#include "machine/boot/file_bytes.h"

namespace kjump {

namespace {

// Field offsets into the file, from the shared layout (the file is read byte by byte, so the
// host's own endianness and alignment never matter).
#define AT(Struct, field) uint64_t{offsetof(elf::Struct, field)}
constexpr size_t kEhdrSize = sizeof(elf::Ehdr);
constexpr size_t kPhdrSize = sizeof(elf::Phdr);
constexpr size_t kShdrSize = sizeof(elf::Shdr);
constexpr size_t kSymSize = sizeof(elf::Sym);

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
  if (file_size < 4 || !std::equal(std::begin(elf::kMagic), std::end(elf::kMagic), r.bytes(0, 4).begin())) {
    r.fail("not an ELF file");
  }
  if (file_size < elf::kEiClass + 1) r.fail("truncated ELF header");
  // QEMU's wording is "Cannot load x86-64 image, give a 32bit one."
  if (r.u8(elf::kEiClass) == elf::kClass64) r.fail("ELF64 images are not supported; give a 32-bit kernel");
  if (r.u8(elf::kEiClass) != elf::kClass32) r.fail("unknown ELF class " + std::to_string(r.u8(elf::kEiClass)));
  if (file_size < kEhdrSize) r.fail("truncated ELF header");
  if (r.u8(elf::kEiData) != elf::kData2Lsb) r.fail("not a little-endian ELF");
  uint16_t machine = r.u16(AT(Ehdr, e_machine));
  if (machine == elf::kEmX86_64) r.fail("x86-64 ELF (e_machine 62) is not supported; give a 32-bit kernel");
  if (machine != elf::kEm386) r.fail("not an i386 ELF (e_machine " + std::to_string(machine) + ")");
}

void read_segments(const Reader& r, Elf32Image& img) {
  const uint32_t phoff = r.u32(AT(Ehdr, e_phoff));
  const uint16_t phentsize = r.u16(AT(Ehdr, e_phentsize));
  const uint16_t phnum = r.u16(AT(Ehdr, e_phnum));
  if (phnum != 0 && phentsize != kPhdrSize) {
    r.fail("program header size " + std::to_string(phentsize) + ", expected 32");
  }
  if (!r.fits(phoff, uint64_t{phnum} * kPhdrSize)) r.fail("program header table runs past the end of the file");

  for (unsigned i = 0; i < phnum; ++i) {
    const uint64_t ph = phoff + uint64_t{i} * kPhdrSize;
    if (r.u32(ph + AT(Phdr, p_type)) != elf::kPtLoad) continue;
    Elf32Segment s;
    s.phdr_index = i;
    const uint32_t offset = r.u32(ph + AT(Phdr, p_offset));
    s.vaddr = r.u32(ph + AT(Phdr, p_vaddr));
    s.paddr = r.u32(ph + AT(Phdr, p_paddr));
    s.filesz = r.u32(ph + AT(Phdr, p_filesz));
    s.memsz = r.u32(ph + AT(Phdr, p_memsz));
    s.flags = r.u32(ph + AT(Phdr, p_flags));
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
  const uint32_t shoff = r.u32(AT(Ehdr, e_shoff));
  const uint16_t shentsize = r.u16(AT(Ehdr, e_shentsize));
  const uint16_t shnum = r.u16(AT(Ehdr, e_shnum));
  if (shoff == 0 || shnum == 0) return;
  if (shentsize != kShdrSize) r.fail("section header size " + std::to_string(shentsize) + ", expected 40");
  if (!r.fits(shoff, uint64_t{shnum} * kShdrSize)) r.fail("section header table runs past the end of the file");

  auto shdr = [&](unsigned i) { return shoff + uint64_t{i} * kShdrSize; };
  for (unsigned i = 0; i < shnum; ++i) {
    if (r.u32(shdr(i) + AT(Shdr, sh_type)) != elf::kShtSymtab) continue;
    const uint32_t sym_off = r.u32(shdr(i) + AT(Shdr, sh_offset));
    const uint32_t sym_size = r.u32(shdr(i) + AT(Shdr, sh_size));
    const uint32_t link = r.u32(shdr(i) + AT(Shdr, sh_link));
    if (!r.fits(sym_off, sym_size)) r.fail(".symtab runs past the end of the file");
    if (link >= shnum || r.u32(shdr(link) + AT(Shdr, sh_type)) != elf::kShtStrtab) {
      r.fail(".symtab does not link to a string table");
    }
    const uint32_t str_off = r.u32(shdr(link) + AT(Shdr, sh_offset));
    const uint32_t str_size = r.u32(shdr(link) + AT(Shdr, sh_size));
    if (!r.fits(str_off, str_size)) r.fail(".strtab runs past the end of the file");

    for (uint64_t k = 1; k < sym_size / kSymSize; ++k) {  // entry 0 is the null symbol
      const uint64_t e = sym_off + k * kSymSize;
      Elf32Symbol s;
      const uint32_t name = r.u32(e + AT(Sym, st_name));
      s.value = r.u32(e + AT(Sym, st_value));
      s.size = r.u32(e + AT(Sym, st_size));
      s.type = r.u8(e + AT(Sym, st_info)) & 0xF;
      s.bind = r.u8(e + AT(Sym, st_info)) >> 4;
      s.shndx = r.u16(e + AT(Sym, st_shndx));
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

std::optional<std::span<const uint8_t>> find_elf32_section(std::span<const uint8_t> file, const std::string& path,
                                                           std::string_view name) {
  constexpr uint32_t kShtNobits = 8;  // .bss-like: no bytes in the file (the guest never needs it)
  Reader r(file, path);
  check_identity(r, file.size());
  const uint32_t shoff = r.u32(AT(Ehdr, e_shoff));
  const uint16_t shentsize = r.u16(AT(Ehdr, e_shentsize));
  const uint16_t shnum = r.u16(AT(Ehdr, e_shnum));
  const uint16_t shstrndx = r.u16(AT(Ehdr, e_shstrndx));
  if (shoff == 0 || shnum == 0) return std::nullopt;  // stripped of its section headers
  if (shentsize != kShdrSize) r.fail("section header size " + std::to_string(shentsize) + ", expected 40");
  if (!r.fits(shoff, uint64_t{shnum} * kShdrSize)) r.fail("section header table runs past the end of the file");
  if (shstrndx >= shnum) r.fail("e_shstrndx " + std::to_string(shstrndx) + " is not a section");
  auto shdr = [&](unsigned i) { return shoff + uint64_t{i} * kShdrSize; };
  const uint32_t names_off = r.u32(shdr(shstrndx) + AT(Shdr, sh_offset));
  const uint32_t names_size = r.u32(shdr(shstrndx) + AT(Shdr, sh_size));
  if (!r.fits(names_off, names_size)) r.fail("section name table runs past the end of the file");
  auto names = r.bytes(names_off, names_size);

  for (unsigned i = 0; i < shnum; ++i) {
    const uint32_t at = r.u32(shdr(i) + AT(Shdr, sh_name));
    if (at >= names_size) continue;  // a name outside the table cannot be the one asked for
    auto rest = names.subspan(at);
    auto nul = std::find(rest.begin(), rest.end(), uint8_t{0});
    std::string_view found(reinterpret_cast<const char*>(rest.data()), size_t(nul - rest.begin()));
    if (nul == rest.end() || found != name) continue;
    const std::string which = "section " + std::string(name);
    if (r.u32(shdr(i) + AT(Shdr, sh_type)) == kShtNobits) r.fail(which + " has no contents in the file (SHT_NOBITS)");
    const uint32_t off = r.u32(shdr(i) + AT(Shdr, sh_offset));
    const uint32_t size = r.u32(shdr(i) + AT(Shdr, sh_size));
    if (!r.fits(off, size)) r.fail(which + " runs past the end of the file");
    return r.bytes(off, size);
  }
  return std::nullopt;
}

Elf32Image Elf32Image::parse(std::span<const uint8_t> file, const std::string& path, Symbols symbols) {
  Reader r(file, path);
  check_identity(r, file.size());
  Elf32Image img;
  img.path = path;
  img.entry = r.u32(AT(Ehdr, e_entry));
  read_segments(r, img);
  if (symbols == Symbols::Read) read_symbols(r, img);
  return img;
}

Elf32Image Elf32Image::load(const std::string& path) {
  std::vector<uint8_t> bytes = read_file_bytes(path, "kernel");
  return parse(bytes, path);
}

#undef AT

}  // namespace kjump
