#include "image/elf_notes.h"

#include <algorithm>

#include "abi/elf32.h"
#include "base/bytes.h"
#include "base/hex.h"
#include "image/image_error.h"

namespace kjump::image {
namespace {

constexpr uint64_t pad4(uint64_t n) { return (n + 3) & ~uint64_t{3}; }

}  // namespace

std::vector<ElfNote> parse_notes(std::span<const uint8_t> notes) {
  std::vector<ElfNote> out;
  uint64_t at = 0;
  while (at < notes.size()) {
    const std::string which = "note " + std::to_string(out.size() + 1) + " at offset " + hex(at);
    const uint64_t left = notes.size() - at;
    auto rest = notes.subspan(at);
    if (std::all_of(rest.begin(), rest.end(), [](uint8_t b) { return b == 0; })) break;  // zero padding
    if (left < sizeof(elf::Nhdr)) throw ImageError(which + ": " + std::to_string(left) + " stray bytes after the last note");
    const uint32_t namesz = uint32_t(load_le(rest.data(), 4));
    const uint32_t descsz = uint32_t(load_le(rest.data() + 4, 4));
    const uint32_t type = uint32_t(load_le(rest.data() + 8, 4));
    if (namesz == 0 && descsz == 0 && type == 0) {
      throw ImageError(which + ": an empty note is followed by bytes that are not zero");
    }
    const uint64_t size = sizeof(elf::Nhdr) + pad4(namesz) + pad4(descsz);
    if (size > left) {
      throw ImageError(which + ": n_namesz " + std::to_string(namesz) + " and n_descsz " + std::to_string(descsz) +
                       " run past the end of the notes (" + std::to_string(notes.size()) + " bytes)");
    }
    ElfNote n;
    n.offset = uint32_t(at);
    auto name = rest.subspan(sizeof(elf::Nhdr), namesz);
    n.name.assign(name.begin(), std::find(name.begin(), name.end(), uint8_t{0}));
    n.type = type;
    n.desc = rest.subspan(sizeof(elf::Nhdr) + pad4(namesz), descsz);
    out.push_back(std::move(n));
    at += size;
  }
  return out;
}

std::optional<KjumpWindow> find_kjump_window(const std::vector<ElfNote>& notes) {
  for (const ElfNote& n : notes) {
    if (n.name != "KJUMP" || n.type != kKjumpNoteWindow) continue;
    if (n.desc.size() != 12) {
      throw ImageError("the KJUMP window note at offset " + hex(n.offset) + " has " +
                       std::to_string(n.desc.size()) + " descriptor bytes, expected 12");
    }
    KjumpWindow w;
    w.start = uint32_t(load_le(n.desc.data(), 4));
    w.end = uint32_t(load_le(n.desc.data() + 4, 4));
    w.page_offset = uint32_t(load_le(n.desc.data() + 8, 4));
    return w;
  }
  return std::nullopt;
}

}  // namespace kjump::image
