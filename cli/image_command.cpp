#include "cli/image_command.h"

#include <cstdio>
#include <memory>
#include <optional>

#include "base/hex.h"
#include "cli/exit_codes.h"
#include "image/core_file.h"
#include "image/image_error.h"
#include "image/mbr.h"

namespace kjump {
namespace {

using namespace image;

struct ImageArgs {
  std::string disk;
  int partition = -1;  // -1: 1 if the disk has an MBR, else 0
  std::string kernel;
  std::string out;
  bool ranges = false;
};

std::string mib(uint64_t bytes) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f MiB", double(bytes) / (1 << 20));
  return buf;
}

std::string pages_text(uint64_t pages) {
  return std::to_string(pages) + " pages (" + std::to_string(pages * hibernate::kPageSize) + " bytes, " +
         mib(pages * hibernate::kPageSize) + ")";
}

// What every subcommand does first: the disk, the partition, the kernel's build id, the
// checks. Bad input (a file, a partition, a kernel) is printed here and gives kBadInput.
struct Opened {
  std::unique_ptr<FileSource> disk;
  PartitionExtent extent;
  std::unique_ptr<WindowSource> part;
  ImageReport report;
};

std::optional<Opened> open_image(const ImageArgs& a, int& status) {
  Opened o;
  try {
    o.disk = std::make_unique<FileSource>(a.disk);
    o.extent = find_partition(*o.disk, a.partition >= 0 ? a.partition : default_partition(*o.disk));
    std::optional<ExpectedBuild> expected;
    if (!a.kernel.empty()) expected = ExpectedBuild{kernel_build_id(a.kernel), a.kernel};
    o.part = std::make_unique<WindowSource>(*o.disk, o.extent.offset, o.extent.size, o.extent.label);
    o.report = check_image(*o.part, expected);
  } catch (const ImageError& e) {
    std::fprintf(stderr, "kjump: %s\n", e.what());
    status = e.damaged ? exit_code::kImageInvalid : exit_code::kBadInput;
    return std::nullopt;
  }
  return o;
}

// verify and extract need a valid image: its first failed check is their one line.
std::optional<Opened> open_valid_image(const ImageArgs& a, int& status) {
  auto o = open_image(a, status);
  if (o && !o->report.ok()) {
    std::fprintf(stderr, "kjump: %s\n", o->report.error.c_str());
    status = exit_code::kImageInvalid;
    return std::nullopt;
  }
  return o;
}

void print_header(const ImageReport& r) {
  const hibernate::ImageHeader& h = r.header;
  auto field = [](const char* name, const std::string& v) { std::printf("  %-20s %s\n", name, v.c_str()); };
  const bool trusted = r.state_of("header_crc") == CheckState::Ok;
  std::printf("header%s:\n", trusted ? "" : " (its CRC did not match: the fields are not to be trusted)");
  field("version", std::to_string(h.version));
  field("header_size", std::to_string(h.header_size));
  field("flags", hex(h.flags));
  field("page_size", std::to_string(h.page_size));
  field("build_id", r.build_id().hex());
  field("jump_back_entry", hex32(h.jump_back_entry));
  field("range_count", std::to_string(h.range_count));
  field("page_count", pages_text(h.page_count) + " with data");
  field("table_sector", std::to_string(h.table_sector) + ", table_crc " + hex32(h.table_crc));
  field("notes_sector", std::to_string(h.notes_sector) + ", notes_size " + std::to_string(h.notes_size) +
                            ", notes_crc " + hex32(h.notes_crc));
  field("data_sector", std::to_string(h.data_sector));
  field("total_sectors", std::to_string(h.total_sectors) + " (" + mib(uint64_t{h.total_sectors} * 512) + ")");
  field("header_crc", hex32(h.header_crc));
  std::printf("writer's stats:\n");
  field("dump_pages", pages_text(h.dump_pages));
  field("free_pages_excluded", std::to_string(h.free_pages_excluded) + " (left out, not restored)");
  field("zero_pages_excluded", std::to_string(h.zero_pages_excluded) + " (zero ranges: restored as zeroes)");
}

int run_info(const ImageArgs& a) {
  int status = exit_code::kOk;
  auto o = open_image(a, status);
  if (!o) return status;
  const ImageReport& r = o->report;
  std::printf("%s: offset %llu, %llu bytes%s\n", r.where.c_str(), (unsigned long long)o->extent.offset,
              (unsigned long long)o->extent.size,
              o->extent.number ? (", type " + partition_type_name(o->extent.type)).c_str() : "");
  if (r.state_of("magic") == CheckState::Ok) print_header(r);
  if (r.state_of("ranges") == CheckState::Ok) {
    std::printf("ranges: %zu: %s of data, %llu zero ranges of %llu pages\n", r.ranges.size(),
                pages_text(r.header.page_count).c_str(), (unsigned long long)r.zero_ranges,
                (unsigned long long)r.zero_pages);
    if (a.ranges) {
      for (size_t i = 0; i < r.ranges.size(); ++i) {
        const auto& g = r.ranges[i];
        if (g.flags & hibernate::kRangeZero) {
          std::printf("  %6zu  paddr %s  %3u pages  zero\n", i, hex32(g.paddr).c_str(), g.pages);
        } else {
          std::printf("  %6zu  paddr %s  %3u pages  data_crc %s\n", i, hex32(g.paddr).c_str(), g.pages,
                      hex32(g.data_crc).c_str());
        }
      }
    }
  }
  if (r.window) {
    std::printf("window (KJUMP note): %s..%s, page_offset %s\n", hex32(r.window->start).c_str(),
                hex32(r.window->end).c_str(), hex32(r.window->page_offset).c_str());
  }
  std::printf("checks:\n");
  for (const CheckResult& c : r.checks) std::printf("  %-4s  %-16s %s\n", to_string(c.state), c.name, c.detail.c_str());
  if (r.ok()) {
    std::printf("result: ok\n");
    return exit_code::kOk;
  }
  std::printf("result: FAIL\n");
  std::fflush(stdout);
  std::fprintf(stderr, "kjump: %s\n", r.error.c_str());
  return exit_code::kImageInvalid;
}

int run_verify(const ImageArgs& a) {
  int status = exit_code::kOk;
  auto o = open_valid_image(a, status);
  if (!o) return status;
  const ImageReport& r = o->report;
  std::printf("ok %s: hibernation image v%u, build id %s%s, entry %s, %zu ranges, %s of data, %llu zero pages\n",
              r.where.c_str(), r.header.version, r.build_id().hex().c_str(),
              r.expected ? " (matches the kernel)" : "", hex32(r.header.jump_back_entry).c_str(), r.ranges.size(),
              pages_text(r.header.page_count).c_str(), (unsigned long long)r.zero_pages);
  return exit_code::kOk;
}

int run_extract(const ImageArgs& a) {
  int status = exit_code::kOk;
  auto o = open_valid_image(a, status);
  if (!o) return status;
  const ImageReport& r = o->report;
  try {
    CorePlan plan = extract_core(*o->part, r, a.out);
    size_t zero_loads = 0;
    for (const CoreLoad& l : plan.loads) zero_loads += l.zero;
    std::printf("%s: wrote %s: ELF32 core, %zu PT_LOADs (%zu of zero pages, not in the file; %zu window "
                "pages read back from A's backup pages) and a PT_NOTE of %zu bytes, %llu bytes; PAGE_OFFSET %s (%s)\n",
                r.where.c_str(), a.out.c_str(), plan.loads.size(), zero_loads, plan.window.size(), r.notes.size(),
                (unsigned long long)plan.file_size, hex32(plan.page_offset).c_str(),
                plan.page_offset_from_note ? "from the KJUMP note" : "no KJUMP note: the default");
  } catch (const ImageError& e) {
    std::fprintf(stderr, "kjump: %s\n", e.what());
    return exit_code::kBadInput;
  }
  return exit_code::kOk;
}

void add_common(CLI::App* cmd, ImageArgs& a) {
  cmd->add_option("disk", a.disk, "raw disk image file")->required();
  cmd->add_option("--partition,-p", a.partition,
                  "MBR partition 1-4, or 0 for the whole disk (default: 1 if the disk has an MBR, else 0)")
      ->check(CLI::Range(0, 4));
  cmd->add_option("--kernel", a.kernel,
                  "guest kernel ELF: the image's build id must be this kernel's (CRC-32 of .text, .rodata)");
}

}  // namespace

void register_image_command(CLI::App& app, int& exit_status) {
  auto* image = app.add_subcommand("image", "Read and check a hibernation image on a disk image (host side)");
  image->require_subcommand(1);
  image->footer("Exit status: 0 valid, 1 the image failed a check, or its partition entry runs past the end of\n"
                "the file (one line on stderr names the file, the partition and the field), 2 bad input (command\n"
                "line, missing file, no such or unused partition, unreadable kernel, cannot write -o).");
  auto a = std::make_shared<ImageArgs>();

  auto* info = image->add_subcommand("info", "Print the image's header, ranges, writer's stats and every check");
  add_common(info, *a);
  info->add_flag("--ranges", a->ranges, "also list every range (paddr, pages, data_crc)");
  info->callback([a, &exit_status] { exit_status = run_info(*a); });

  auto* verify = image->add_subcommand("verify", "Check the image: one line, 'ok ...' and status 0 when it is valid");
  add_common(verify, *a);
  verify->callback([a, &exit_status] { exit_status = run_verify(*a); });

  auto* extract = image->add_subcommand(
      "extract", "Write a valid image as an ELF32 core (readelf -n, gdb KERNEL.elf dump.elf read it)");
  add_common(extract, *a);
  extract->add_option("-o,--output", a->out, "the ELF core file to write (replaced atomically)")->required();
  extract->callback([a, &exit_status] { exit_status = run_extract(*a); });
}

}  // namespace kjump
