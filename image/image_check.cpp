#include "image/image_check.h"

#include <algorithm>
#include <cstring>
#include <functional>

#include "abi/crc32.h"
#include "base/hex.h"
#include "image/image_error.h"
#include "image/image_format.h"

namespace kjump::image {
namespace {

using namespace hibernate;

constexpr uint64_t kChunkBytes = 64 * 1024;  // data is read and checksummed in pieces this big

std::string crc_mismatch(uint32_t stored, uint32_t computed, const std::string& over) {
  return hex32(stored) + " stored, " + hex32(computed) + " computed over " + over;
}

// The 8 magic bytes as text: printable ASCII as is, the rest as \xNN.
std::string quote_bytes(const uint8_t* p, size_t n) {
  std::string s = "'";
  for (size_t i = 0; i < n; ++i) {
    if (p[i] >= 0x20 && p[i] < 0x7F && p[i] != '\'' && p[i] != '\\') {
      s += char(p[i]);
    } else {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", p[i]);
      s += buf;
    }
  }
  return s + "'";
}

struct Region {
  const char* name;
  uint64_t start, sectors;
  uint64_t end() const { return start + sectors; }
  std::string text() const {
    return std::string(name) + " (sectors " + std::to_string(start) + ".." + std::to_string(end() - 1) + ")";
  }
};

class Checker {
 public:
  Checker(const ByteSource& part, ImageReport& r) : part_(part), r_(r), h_(r.header) {}

  void run() {
    const std::vector<std::pair<const char*, std::function<std::string()>>> steps = {
        {"magic", [&] { return magic(); }},
        {"version", [&] { return version(); }},
        {"header_size", [&] { return header_size(); }},
        {"flags", [&] { return flags(); }},
        {"page_size", [&] { return page_size(); }},
        {"header_crc", [&] { return header_crc_check(); }},
        {"layout", [&] { return layout(); }},
        {"notes_size", [&] { return notes_size(); }},
        {"table_crc", [&] { return table_crc(); }},
        {"ranges", [&] { return ranges(); }},
        {"jump_back_entry", [&] { return entry(); }},
        {"notes_crc", [&] { return notes_crc(); }},
        {"notes", [&] { return notes(); }},
        {"data_crc", [&] { return data_crc(); }},
        {"build_id", [&] { return build_id(); }},
    };
    for (auto& [name, _] : steps) r_.checks.push_back({name, CheckState::NotChecked, ""});
    for (size_t i = 0; i < steps.size(); ++i) {
      CheckResult& c = r_.checks[i];
      ok_detail_.clear();
      std::string why = steps[i].second();
      if (why.empty()) {
        c.state = CheckState::Ok;
        c.detail = ok_detail_;
        continue;
      }
      c.state = CheckState::Fail;
      c.detail = why;
      // magic's messages name the partition's state rather than a field.
      if (i == 0) r_.error = why.rfind("is empty", 0) == 0 ? r_.where + " " + why : r_.where + ": " + why;
      else r_.error = r_.where + ": " + c.name + ": " + why;
      for (size_t k = i + 1; k < steps.size(); ++k) r_.checks[k].detail = "not checked (after " + std::string(c.name) + ")";
      return;
    }
  }

 private:
  std::string magic() {
    if (part_.size() < kSectorSize) {
      return "too small for a hibernation image (" + std::to_string(part_.size()) +
             " bytes; the header alone is one 512-byte sector)";
    }
    part_.read(0, sector_.data(), sector_.size());
    h_ = decode_header(sector_);
    r_.header_read = true;
    if (std::all_of(sector_.begin(), sector_.end(), [](uint8_t b) { return b == 0; })) {
      return "is empty (all zero header)";
    }
    if (std::memcmp(h_.magic, kMagic, sizeof kMagic) != 0) {
      return "not a hibernation image (magic " + quote_bytes(h_.magic, sizeof h_.magic) + ", expected " +
             quote_bytes(kMagic, sizeof kMagic) + ")";
    }
    ok_detail_ = quote_bytes(kMagic, sizeof kMagic);
    return "";
  }
  std::string version() {
    if (h_.version != kVersion) {
      return std::to_string(h_.version) + ", this reader knows version " + std::to_string(kVersion);
    }
    ok_detail_ = std::to_string(h_.version);
    return "";
  }
  std::string header_size() {
    if (h_.header_size != sizeof(ImageHeader)) {
      return std::to_string(h_.header_size) + ", expected " + std::to_string(sizeof(ImageHeader)) + " for version " +
             std::to_string(kVersion);
    }
    ok_detail_ = std::to_string(h_.header_size);
    return "";
  }
  std::string flags() {
    if (h_.flags & ~kKnownFlags) {
      return hex(h_.flags) + " has unknown bits " + hex(h_.flags & ~kKnownFlags) + " (version 1 defines none)";
    }
    ok_detail_ = hex(h_.flags);
    return "";
  }
  std::string page_size() {
    if (h_.page_size != kPageSize) return std::to_string(h_.page_size) + ", expected " + std::to_string(kPageSize);
    ok_detail_ = std::to_string(h_.page_size);
    return "";
  }
  std::string header_crc_check() {
    uint32_t c = header_crc(sector_, h_.header_size);
    if (c != h_.header_crc) return crc_mismatch(h_.header_crc, c, "the header");
    ok_detail_ = hex32(c);
    return "";
  }

  std::string layout() {
    const uint64_t part_sectors = part_.size() / kSectorSize;
    if (h_.total_sectors == 0 || h_.total_sectors > part_sectors) {
      return "total_sectors " + std::to_string(h_.total_sectors) + " does not fit the partition's " +
             std::to_string(part_sectors) + " sectors";
    }
    if (h_.range_count == 0) return "range_count 0: an image saves at least one range";
    if (h_.range_count > kMaxRanges) {
      return "range_count " + std::to_string(h_.range_count) + " is over the limit " + std::to_string(kMaxRanges);
    }
    if (uint64_t{h_.page_count} > uint64_t{h_.range_count} * kMaxRangePages) {
      return "page_count " + std::to_string(h_.page_count) + " is more than " + std::to_string(h_.range_count) +
             " ranges of at most " + std::to_string(kMaxRangePages) + " pages can hold";
    }
    // In the order kernel C's loader requires; all in 64 bits, so no field can wrap another.
    const Region table{"range table", h_.table_sector, sectors_for(uint64_t{h_.range_count} * sizeof(ImageRange))};
    const Region notes{"notes", h_.notes_sector, sectors_for(h_.notes_size)};
    const Region data{"data", h_.data_sector, uint64_t{h_.page_count} * kSectorsPerPage};
    if (table.start == 0) return "table_sector 0: the range table would overlap the header (sector 0)";
    if (notes.start < table.end()) {
      return "notes_sector " + std::to_string(notes.start) + " is inside the " + table.text() +
             " (the notes come after it)";
    }
    if (data.start < notes.end()) {
      return "data_sector " + std::to_string(data.start) + " is before the end of the notes (sector " +
             std::to_string(notes.end()) + "; the data comes after them)";
    }
    if (data.end() != h_.total_sectors) {
      return "total_sectors " + std::to_string(h_.total_sectors) + ", but the data (" + std::to_string(h_.page_count) +
             " pages from sector " + std::to_string(data.start) + ") ends at sector " + std::to_string(data.end());
    }
    ok_detail_ = "table " + std::to_string(h_.table_sector) + ", notes " + std::to_string(h_.notes_sector) +
                 ", data " + std::to_string(h_.data_sector) + ", " + std::to_string(h_.total_sectors) + " of " +
                 std::to_string(part_sectors) + " sectors";
    return "";
  }

  std::string notes_size() {
    if (h_.notes_size > kMaxNotesSize) {
      return std::to_string(h_.notes_size) + " is over the limit " + std::to_string(kMaxNotesSize);
    }
    ok_detail_ = std::to_string(h_.notes_size) + " bytes";
    return "";
  }

  std::string table_crc() {
    // range_count <= kMaxRanges (layout): at most 1 MiB, inside the image.
    std::vector<uint8_t> table(size_t(h_.range_count) * sizeof(ImageRange));
    part_.read(uint64_t{h_.table_sector} * kSectorSize, table.data(), table.size());
    uint32_t c = crc32(table.data(), table.size());
    if (c != h_.table_crc) {
      return crc_mismatch(h_.table_crc, c, "the " + std::to_string(h_.range_count) + "-entry range table");
    }
    r_.ranges.resize(h_.range_count);
    for (size_t i = 0; i < r_.ranges.size(); ++i) r_.ranges[i] = decode_range(table.data() + i * sizeof(ImageRange));
    ok_detail_ = hex32(c);
    return "";
  }

  std::string ranges() {
    uint64_t pages = 0, prev_end = 0;
    for (size_t i = 0; i < r_.ranges.size(); ++i) {
      const ImageRange& g = r_.ranges[i];
      const std::string which = "range " + std::to_string(i) + " (paddr " + hex32(g.paddr) + ")";
      if (g.paddr % kPageSize) return which + ": not page aligned";
      if (g.pages == 0 || g.pages > kMaxRangePages) {
        return which + ": " + std::to_string(g.pages) + " pages, expected 1.." + std::to_string(kMaxRangePages);
      }
      if (g.flags & ~kKnownRangeFlags) {
        return which + ": flags " + hex32(g.flags) + " has unknown bits " + hex32(g.flags & ~kKnownRangeFlags);
      }
      const bool zero = g.flags & kRangeZero;
      if (zero && g.data_crc != 0) {
        return which + ": a zero range (no data) with data_crc " + hex32(g.data_crc) + ", expected 0";
      }
      const uint64_t end = uint64_t{g.paddr} + uint64_t{g.pages} * kPageSize;
      if (end > (uint64_t{1} << 32)) return which + ": " + std::to_string(g.pages) + " pages run past 4 GiB";
      if (i > 0 && g.paddr < prev_end) {
        return which + ": starts before range " + std::to_string(i - 1) + " ends (" + hex32(prev_end) +
               "): ranges must be sorted and must not overlap";
      }
      prev_end = end;
      if (zero) {
        ++r_.zero_ranges;
        r_.zero_pages += g.pages;
      } else {
        pages += g.pages;
      }
    }
    if (pages != h_.page_count) {
      return "the data ranges hold " + std::to_string(pages) + " pages, page_count says " +
             std::to_string(h_.page_count);
    }
    ok_detail_ = std::to_string(r_.ranges.size()) + " ranges, " + std::to_string(pages) + " pages of data";
    if (r_.zero_ranges) {
      ok_detail_ += ", " + std::to_string(r_.zero_ranges) + " zero ranges of " + std::to_string(r_.zero_pages) + " pages";
    }
    return "";
  }

  std::string entry() {
    const uint32_t e = h_.jump_back_entry;
    auto it = std::upper_bound(r_.ranges.begin(), r_.ranges.end(), e,
                               [](uint32_t v, const ImageRange& g) { return v < g.paddr; });
    if (it == r_.ranges.begin() || uint64_t{e} >= uint64_t{std::prev(it)->paddr} + uint64_t{std::prev(it)->pages} * kPageSize) {
      return hex32(e) + " is in no saved range (C would enter memory the image does not restore)";
    }
    ok_detail_ = hex32(e) + " in range " + std::to_string(std::prev(it) - r_.ranges.begin());
    return "";
  }

  std::string notes_crc() {
    std::vector<uint8_t> notes(h_.notes_size);  // <= kMaxNotesSize (notes_size)
    if (!notes.empty()) part_.read(uint64_t{h_.notes_sector} * kSectorSize, notes.data(), notes.size());
    uint32_t c = crc32(notes.data(), notes.size());
    if (c != h_.notes_crc) return crc_mismatch(h_.notes_crc, c, std::to_string(notes.size()) + " bytes of notes");
    r_.notes = std::move(notes);
    ok_detail_ = hex32(c);
    return "";
  }

  std::string notes() {
    try {
      auto list = parse_notes(r_.notes);
      r_.window = find_kjump_window(list);
      ok_detail_ = std::to_string(list.size()) + " notes";
      for (const ElfNote& n : list) ok_detail_ += (&n == &list.front() ? ": " : ", ") + n.name;
    } catch (const ImageError& e) {
      return e.what();
    }
    return "";
  }

  std::string data_crc() {
    std::vector<uint8_t> buf(kChunkBytes);
    uint64_t at = r_.data_offset();
    for (size_t i = 0; i < r_.ranges.size(); ++i) {
      const ImageRange& g = r_.ranges[i];
      if (g.flags & kRangeZero) continue;  // no data on the disk
      uint32_t c = kCrc32Init;
      for (uint64_t left = uint64_t{g.pages} * kPageSize; left;) {
        size_t n = size_t(std::min(left, kChunkBytes));
        part_.read(at, buf.data(), n);
        c = crc32_update(c, buf.data(), n);
        at += n;
        left -= n;
      }
      c = crc32_final(c);
      if (c != g.data_crc) {
        return "range " + std::to_string(i) + " (paddr " + hex32(g.paddr) + ", " + std::to_string(g.pages) +
               " pages): " + crc_mismatch(g.data_crc, c, "its data");
      }
    }
    ok_detail_ = std::to_string(r_.ranges.size() - r_.zero_ranges) + " data ranges";
    return "";
  }

  std::string build_id() {
    BuildId mine = r_.build_id();
    if (!r_.expected) {
      ok_detail_ = mine.hex() + " (not compared: no kernel given)";
      return "";
    }
    if (!(mine == r_.expected->id)) {
      return "the image was written by kernel " + mine.hex() + ", " + r_.expected->source + " has build id " +
             r_.expected->id.hex();
    }
    ok_detail_ = mine.hex() + ", as " + r_.expected->source;
    return "";
  }

  const ByteSource& part_;
  ImageReport& r_;
  ImageHeader& h_;
  SectorBytes sector_{};
  std::string ok_detail_;
};

}  // namespace

CheckState ImageReport::state_of(std::string_view check) const {
  for (const CheckResult& c : checks) {
    if (c.name == check) return c.state;
  }
  return CheckState::NotChecked;
}

BuildId ImageReport::build_id() const {
  BuildId id;
  std::copy(std::begin(header.build_id), std::end(header.build_id), id.bytes.begin());
  return id;
}

ImageReport check_image(const ByteSource& partition, const std::optional<ExpectedBuild>& expected) {
  ImageReport r;
  r.where = partition.name();
  r.partition_bytes = partition.size();
  r.expected = expected;
  Checker(partition, r).run();
  return r;
}

const char* to_string(CheckState s) {
  switch (s) {
    case CheckState::Ok: return "ok";
    case CheckState::Fail: return "FAIL";
    case CheckState::NotChecked: return "--";
  }
  return "?";
}

}  // namespace kjump::image
