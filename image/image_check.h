// Reading and checking a hibernation image on one partition (abi/hibernate_image.h), the way
// kernel C must before it overwrites anything: every field is checked before it is used, in
// a fixed order, and the first failure is one line naming the file, the partition and the
// field. Nothing is allocated from a size that was not checked: the range table (at most
// kMaxRanges entries, 1 MiB) only after the layout check, the notes (at most kMaxNotesSize)
// only after theirs, and the data is read range by range in fixed-size pieces, never whole.
//
// The checks, in order (each needs the ones before it; after a failure the rest are not run):
//   magic            "KJHIBERN"; an all-zero sector 0 is an empty partition (no image, or a
//                    write cut before the header)
//   version          kVersion
//   header_size      sizeof(ImageHeader)
//   flags            no bits outside kKnownFlags
//   page_size        kPageSize
//   header_crc       over header_size bytes with the field as zero
//   layout           total_sectors within the partition; range_count in 1..kMaxRanges and
//                    page_count within what that many ranges can hold; in order, as kernel C's
//                    loader wants them (guest/kernel/hibernate/image_loader.cpp): the table
//                    from sector 1 or later, the notes after it, the data after them, and
//                    total_sectors exactly where the data ends
//   notes_size       at most kMaxNotesSize
//   table_crc        over the range table
//   ranges           each page aligned, 1..kMaxRangePages pages, below 4 GiB, no unknown
//                    flags, a kRangeZero range with data_crc 0; sorted and not overlapping;
//                    the data ranges' pages add up to page_count
//   jump_back_entry  inside a saved range (C enters A there once the ranges are copied)
//   notes_crc        over the notes
//   notes            well-formed ELF notes; a KJUMP window note, if any, of the right size
//   data_crc         each data range's pages (a kRangeZero range has none: C zeroes it)
//   build_id         equal to the expected kernel's, when one is given
//
// What the host cannot check, C does: that every range lies in C's RAM.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "abi/hibernate_image.h"
#include "image/build_id.h"
#include "image/byte_source.h"
#include "image/elf_notes.h"

namespace kjump::image {

enum class CheckState { NotChecked, Ok, Fail };

struct CheckResult {
  const char* name;
  CheckState state = CheckState::NotChecked;
  std::string detail;  // what was found (ok), what is wrong (fail), or why it was not run
};

struct ExpectedBuild {
  BuildId id;
  std::string source;  // the kernel ELF it was computed from, for messages
};

struct ImageReport {
  std::string where;         // the partition's name: "disk.img: partition 1"
  uint64_t partition_bytes = 0;
  bool header_read = false;  // the partition held a whole sector 0
  hibernate::ImageHeader header{};
  std::vector<hibernate::ImageRange> ranges;  // once table_crc matched
  uint64_t zero_ranges = 0, zero_pages = 0;    // the kRangeZero ones among them, once checked
  std::vector<uint8_t> notes;                 // once notes_crc matched
  std::optional<KjumpWindow> window;          // the KJUMP note, once the notes were parsed
  std::optional<ExpectedBuild> expected;
  std::vector<CheckResult> checks;  // all of them, in order
  std::string error;                // the first failure as one line; empty when the image is valid

  bool ok() const { return error.empty(); }
  CheckState state_of(std::string_view check) const;  // NotChecked for an unknown name
  BuildId build_id() const;
  // Where the data starts in the partition: range i's pages follow range i-1's.
  uint64_t data_offset() const { return uint64_t{header.data_sector} * hibernate::kSectorSize; }
};

// `partition` is the partition's bytes (image/mbr.h's find_partition, as a WindowSource);
// its name() starts every message. Read errors of the file itself throw ImageError.
ImageReport check_image(const ByteSource& partition, const std::optional<ExpectedBuild>& expected = std::nullopt);

const char* to_string(CheckState s);

}  // namespace kjump::image
