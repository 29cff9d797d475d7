// Walking the ELF notes an image carries (A's notes as /proc/vmcore merged them: NT_PRSTATUS,
// VMCOREINFO, KJUMP) and finding the KJUMP window note, whose third word is A's PAGE_OFFSET
// (the extracted core's p_vaddr = paddr + PAGE_OFFSET, as A's own core header has it).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace kjump::image {

// guest/kernel/kexec/core_header.h: name "KJUMP", desc {window start, window end, PAGE_OFFSET}.
constexpr uint32_t kKjumpNoteWindow = 0x4B4A0001;
constexpr uint32_t kDefaultPageOffset = 0xC0000000;  // Linux i386's 3G/1G split, and our guest's

struct ElfNote {
  uint32_t offset = 0;  // of its header, from the start of the notes
  std::string name;     // without the NUL
  uint32_t type = 0;
  std::span<const uint8_t> desc;  // a view into the notes
};

// Every note, in order. Like fs/proc/vmcore.c, an all-zero note header ends the list (and the
// bytes after it must be zero too). Throws ImageError "note N at offset X: ..." for a note that
// runs past the end, and for stray bytes after the last one; callers put the place in front.
std::vector<ElfNote> parse_notes(std::span<const uint8_t> notes);

struct KjumpWindow {
  uint32_t start = 0, end = 0, page_offset = 0;
};
// The window note, if there is one. Throws ImageError (as parse_notes) if its descriptor is
// not 12 bytes.
std::optional<KjumpWindow> find_kjump_window(const std::vector<ElfNote>& notes);

}  // namespace kjump::image
