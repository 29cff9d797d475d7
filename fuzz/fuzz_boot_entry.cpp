// The kernel loaders' fuzz entries (fuzz/fuzz_elf.cpp, fuzz/fuzz_multiboot.cpp; ctest
// fuzz_seed_corpus_elf and _multiboot): a kernel file as `kjump boot` and a scenario's
// `kernel` hand it over, through the ELF32 reader, the symbol table, the section lookup the
// hibernation tools use for build ids, and the whole Multiboot loader into a small RAM. Every
// refusal must be one BootError (or ImageError) line naming the file; what is accepted must
// keep the loader's promises (segments inside the file, the image inside RAM).
#include <cstring>
#include <vector>

#include "fuzz/fuzz_entry.h"
#include "fuzz/fuzz_file.h"
#include "image/build_id.h"
#include "image/image_error.h"
#include "machine/boot/boot_error.h"
#include "machine/boot/elf32.h"
#include "machine/boot/multiboot.h"
#include "machine/boot/multiboot_header.h"
#include "machine/boot/multiboot_kernel.h"
#include "machine/boot/symbols.h"

namespace kjump::fuzz {
namespace {

// Guest RAM for the loader: small enough that a whole-RAM image costs little per input,
// large enough for the guest kernel's seeds (it loads at 1 MiB).
constexpr uint64_t kFuzzRamBytes = 8ull << 20;

class FlatRam final : public PhysMemory {
 public:
  explicit FlatRam(size_t n) : bytes_(n) {}
  bool read_phys(uint64_t pa, void* dst, size_t n) const override {
    if (pa > bytes_.size() || n > bytes_.size() - pa) return false;
    std::memcpy(dst, bytes_.data() + pa, n);
    return true;
  }
  bool write_phys(uint64_t pa, const void* src, size_t n) override {
    if (pa > bytes_.size() || n > bytes_.size() - pa) return false;
    std::memcpy(bytes_.data() + pa, src, n);
    return true;
  }

 private:
  std::vector<uint8_t> bytes_;
};

}  // namespace

int elf_input(const uint8_t* data, size_t size) {
  const std::span<const uint8_t> file(data, size);
  const std::string path = "fuzz.elf";
  try {
    Elf32Image img = Elf32Image::parse(file, path);
    KJ_FUZZ_CHECK(!img.segments.empty());
    for (const Elf32Segment& s : img.segments) {
      KJ_FUZZ_CHECK(s.data.size() == s.filesz && s.filesz <= s.memsz);
    }
    SymbolTable symbols = SymbolTable::from_elf(img);
    for (const auto& s : symbols.code_and_data()) {
      auto name = symbols.lookup(s.addr);
      KJ_FUZZ_CHECK(name.has_value());
      symbols.find(s.name);
    }
    symbols.lookup(img.entry);
    note("elf: " + std::to_string(img.segments.size()) + " segments, " + std::to_string(img.symbols.size()) + " symbols");
  } catch (const BootError& e) {
    KJ_FUZZ_CHECK(names_file_in_one_line(e.what(), path));
    note(std::string("elf: refused: ") + e.what());
  }
  for (const char* name : {".text", ".rodata", ".symtab", ".note.gnu.build-id", ""}) {
    try {
      auto sec = find_elf32_section(file, path, name);
      if (sec) KJ_FUZZ_CHECK(sec->data() >= data && sec->data() + sec->size() <= data + size);
    } catch (const BootError& e) {
      KJ_FUZZ_CHECK(names_file_in_one_line(e.what(), path));
    }
  }
  try {
    image::build_id_of_elf(file, path);
  } catch (const image::ImageError& e) {
    KJ_FUZZ_CHECK(names_file_in_one_line(e.what(), path));
  } catch (const BootError& e) {
    KJ_FUZZ_CHECK(names_file_in_one_line(e.what(), path));
  }
  return 0;
}

int multiboot_input(const uint8_t* data, size_t size) {
  static FuzzFile kernel("fuzz-kernel");
  static FlatRam ram(kFuzzRamBytes);
  const std::span<const uint8_t> file(data, size);
  if (auto h = find_multiboot_header(file)) KJ_FUZZ_CHECK(h->file_offset < kMultibootScanLimit);
  try {
    MultibootKernel k = load_multiboot_kernel(file, "fuzz.elf", kFuzzRamBytes);
    KJ_FUZZ_CHECK(k.load_addr + uint64_t{k.image.size()} <= kFuzzRamBytes);
  } catch (const BootError& e) {
    KJ_FUZZ_CHECK(names_file_in_one_line(e.what(), "fuzz.elf"));
  }
  // The whole loader, as Machine::power_on runs it: the file by name, and itself as a module.
  kernel.set(data, size);
  MultibootConfig config;
  config.kernel_path = kernel.path();
  config.append = "console=ttyS0";
  config.modules = {kernel.path() + " module args"};
  try {
    MultibootBoot boot = MultibootLoader::load(ram, kFuzzRamBytes, config);
    KJ_FUZZ_CHECK(boot.load_addr + uint64_t{boot.blob_size} <= kFuzzRamBytes);
    KJ_FUZZ_CHECK(boot.modules.size() == 1 && boot.modules[0].end - boot.modules[0].start == size);
    note("multiboot: loaded, entry " + std::to_string(boot.entry));
  } catch (const BootError& e) {
    note(std::string("multiboot: refused: ") + e.what());
    // The loader names the file, the module or the value at fault ("kernel (N bytes at ...)").
    KJ_FUZZ_CHECK(std::string(e.what()).find('\n') == std::string::npos);
  }
  return 0;
}

}  // namespace kjump::fuzz
