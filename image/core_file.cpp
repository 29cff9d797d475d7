#include "image/core_file.h"

#include <algorithm>

#include "abi/crc32.h"
#include "abi/elf32.h"
#include "base/atomic_file.h"
#include "base/bytes.h"
#include "base/hex.h"
#include "image/image_error.h"

namespace kjump::image {
namespace {

using hibernate::ImageRange;
using hibernate::kPageSize;

constexpr uint16_t kPnXnum = 0xFFFF;
constexpr uint64_t kChunkBytes = 64 * 1024;

uint64_t align_up(uint64_t v, uint64_t a) { return (v + a - 1) / a * a; }

void put(std::vector<uint8_t>& b, size_t off, uint64_t v, size_t n) { store_le(b.data() + off, v, n); }

std::vector<uint8_t> headers(const ImageReport& r, const CorePlan& plan) {
  const size_t phnum = 1 + plan.loads.size();
  std::vector<uint8_t> b(plan.notes_offset + r.notes.size(), 0);
  std::copy(std::begin(elf::kMagic), std::end(elf::kMagic), b.begin());
  b[elf::kEiClass] = elf::kClass32;
  b[elf::kEiData] = elf::kData2Lsb;
  b[elf::kEiVersion] = elf::kEvCurrent;
#define AT(Struct, field) offsetof(elf::Struct, field)
  put(b, AT(Ehdr, e_type), elf::kEtCore, 2);
  put(b, AT(Ehdr, e_machine), elf::kEm386, 2);
  put(b, AT(Ehdr, e_version), elf::kEvCurrent, 4);
  put(b, AT(Ehdr, e_phoff), sizeof(elf::Ehdr), 4);
  put(b, AT(Ehdr, e_ehsize), sizeof(elf::Ehdr), 2);
  put(b, AT(Ehdr, e_phentsize), sizeof(elf::Phdr), 2);
  put(b, AT(Ehdr, e_phnum), plan.extended_numbering ? kPnXnum : phnum, 2);
  if (plan.extended_numbering) {
    // fs/binfmt_elf.c fill_extnum_info(): one SHT_NULL section header, after the program headers.
    const size_t sh = sizeof(elf::Ehdr) + phnum * sizeof(elf::Phdr);
    put(b, AT(Ehdr, e_shoff), sh, 4);
    put(b, AT(Ehdr, e_shentsize), sizeof(elf::Shdr), 2);
    put(b, AT(Ehdr, e_shnum), 1, 2);
    put(b, sh + AT(Shdr, sh_size), 1, 4);
    put(b, sh + AT(Shdr, sh_info), phnum, 4);
  }
  auto phdr = [&](size_t i, uint32_t type, uint64_t offset, uint32_t vaddr, uint32_t paddr, uint64_t filesz,
                  uint64_t memsz, uint32_t flags, uint32_t align) {
    const size_t ph = sizeof(elf::Ehdr) + i * sizeof(elf::Phdr);
    put(b, ph + AT(Phdr, p_type), type, 4);
    put(b, ph + AT(Phdr, p_offset), offset, 4);
    put(b, ph + AT(Phdr, p_vaddr), vaddr, 4);
    put(b, ph + AT(Phdr, p_paddr), paddr, 4);
    put(b, ph + AT(Phdr, p_filesz), filesz, 4);
    put(b, ph + AT(Phdr, p_memsz), memsz, 4);
    put(b, ph + AT(Phdr, p_flags), flags, 4);
    put(b, ph + AT(Phdr, p_align), align, 4);
  };
#undef AT
  phdr(0, elf::kPtNote, plan.notes_offset, 0, 0, r.notes.size(), r.notes.size(), 0, 4);
  for (size_t i = 0; i < plan.loads.size(); ++i) {
    const CoreLoad& l = plan.loads[i];
    phdr(i + 1, elf::kPtLoad, l.file_offset, l.vaddr, l.paddr, l.zero ? 0 : l.bytes, l.bytes,
         elf::kPfR | elf::kPfW | elf::kPfX, kPageSize);
  }
  std::copy(r.notes.begin(), r.notes.end(), b.begin() + ptrdiff_t(plan.notes_offset));
  return b;
}

class FileSink final : public ByteSink {
 public:
  explicit FileSink(AtomicFile& f) : f_(f) {}
  void write(const void* p, size_t n) override { f_.write(p, n); }

 private:
  AtomicFile& f_;
};

}  // namespace

CorePlan plan_core(const ImageReport& r, std::vector<WindowPage> window) {
  if (!r.ok()) throw ImageError(r.error);
  CorePlan plan;
  plan.window = std::move(window);
  plan.page_offset = r.window ? r.window->page_offset : kDefaultPageOffset;
  plan.page_offset_from_note = r.window.has_value();
  // Runs of contiguous ranges of one kind; a run stops short of 4 GiB, the most p_memsz can say.
  for (size_t i = 0; i < r.ranges.size(); ++i) {
    const ImageRange& g = r.ranges[i];
    const uint64_t bytes = uint64_t{g.pages} * kPageSize;
    const bool zero = g.flags & hibernate::kRangeZero;
    if (!plan.loads.empty()) {
      CoreLoad& last = plan.loads.back();
      if (last.zero == zero && uint64_t{last.paddr} + last.bytes == g.paddr &&
          uint64_t{last.bytes} + bytes <= 0xFFFFFFFFull) {
        last.bytes += uint32_t(bytes);
        ++last.ranges;
        continue;
      }
    }
    CoreLoad l;
    l.paddr = g.paddr;
    l.vaddr = g.paddr + plan.page_offset;  // wraps as the guest's own core header does
    l.bytes = uint32_t(bytes);
    l.zero = zero;
    l.first_range = i;
    l.ranges = 1;
    plan.loads.push_back(l);
  }
  for (size_t i = 0; i < plan.window.size(); ++i) {
    const uint32_t a = plan.window[i].paddr;
    if (i > 0) {
      CoreLoad& last = plan.loads.back();
      if (last.window && uint64_t{last.paddr} + last.bytes == a) {
        last.bytes += kPageSize;
        continue;
      }
    }
    CoreLoad l;
    l.paddr = a;
    l.vaddr = a + plan.page_offset;
    l.bytes = kPageSize;
    l.window = true;
    l.first_window = i;
    plan.loads.push_back(l);
  }
  std::stable_sort(plan.loads.begin(), plan.loads.end(),
                   [](const CoreLoad& a, const CoreLoad& b) { return a.paddr < b.paddr; });
  const uint64_t phnum = 1 + plan.loads.size();
  plan.extended_numbering = phnum >= kPnXnum;
  plan.notes_offset = sizeof(elf::Ehdr) + phnum * sizeof(elf::Phdr) + (plan.extended_numbering ? sizeof(elf::Shdr) : 0);
  uint64_t at = plan.notes_offset + r.notes.size();
  for (CoreLoad& l : plan.loads) {
    l.file_offset = align_up(at, kPageSize);  // a zero run takes no room in the file
    if (!l.zero) at = l.file_offset + l.bytes;
  }
  plan.file_size = at;
  if (plan.file_size > 0xFFFFFFFFull) {
    throw ImageError(r.where + ": a core of " + std::to_string(plan.file_size) +
                     " bytes does not fit ELF32's 32-bit file offsets");
  }
  return plan;
}

void write_core(const ByteSource& part, const ImageReport& r, const CorePlan& plan, ByteSink& out) {
  std::vector<uint8_t> head = headers(r, plan);
  out.write(head.data(), head.size());
  std::vector<uint8_t> buf(std::max<uint64_t>(kChunkBytes, kPageSize), 0);
  uint64_t written = head.size();
  ImagePages pages(part, r);
  std::vector<uint64_t> range_offset(r.ranges.size());
  for (uint64_t i = 0, at = r.data_offset(); i < r.ranges.size(); ++i) {
    range_offset[i] = at;
    if (!(r.ranges[i].flags & hibernate::kRangeZero)) at += uint64_t{r.ranges[i].pages} * kPageSize;
  }
  for (const CoreLoad& l : plan.loads) {
    if (l.zero) continue;
    if (l.file_offset > written) {
      std::fill(buf.begin(), buf.end(), 0);
      out.write(buf.data(), size_t(l.file_offset - written));  // < one page of padding
      written = l.file_offset;
    }
    if (l.window) {
      for (size_t i = l.first_window; i < l.first_window + l.bytes / kPageSize; ++i) {
        if (!pages.read(plan.window[i].from, buf.data()))
          throw ImageError(r.where + ": backup page " + hex32(plan.window[i].from) + " is not in the image");
        out.write(buf.data(), kPageSize);
        written += kPageSize;
      }
      continue;
    }
    uint64_t data_at = range_offset[l.first_range];
    for (size_t i = l.first_range; i < l.first_range + l.ranges; ++i) {
      const ImageRange& g = r.ranges[i];
      uint32_t c = kCrc32Init;
      for (uint64_t left = uint64_t{g.pages} * kPageSize; left;) {
        size_t n = size_t(std::min<uint64_t>(left, buf.size()));
        part.read(data_at, buf.data(), n);
        c = crc32_update(c, buf.data(), n);
        out.write(buf.data(), n);
        data_at += n;
        written += n;
        left -= n;
      }
      if (crc32_final(c) != g.data_crc) {
        throw ImageError(r.where + ": data_crc: range " + std::to_string(i) + " (paddr " + hex32(g.paddr) +
                         ") changed after it was checked");
      }
    }
  }
}

CorePlan extract_core(const ByteSource& part, const ImageReport& r, const std::string& path) {
  CorePlan plan = plan_core(r, window_pages(ImagePages(part, r), r));
  try {
    AtomicFile f(path, 0644);
    FileSink sink(f);
    write_core(part, r, plan, sink);
    f.commit();
  } catch (const AtomicFileError& e) {
    throw ImageError(path + ": cannot write the core file: " + e.what());
  }
  return plan;
}

}  // namespace kjump::image
