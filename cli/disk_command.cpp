#include "cli/disk_command.h"

#include <sys/stat.h>

#include <cstdio>
#include <cstring>
#include <memory>

#include "abi/hibernate_image.h"
#include "base/quantity.h"
#include "cli/exit_codes.h"
#include "cli/option_rules.h"
#include "image/byte_source.h"
#include "image/disk_create.h"
#include "image/image_error.h"
#include "image/mbr.h"
#include "image/partition_layout.h"

namespace kjump {
namespace {

using namespace image;

struct DiskArgs {
  std::string file;
  std::string size;
  std::vector<std::string> partitions;
  bool force = false;
};

// What sector 0 of a partition holds, at a glance (`kjump image info` checks it properly).
std::string contents(const ByteSource& disk, const MbrPartition& p) {
  uint8_t s[8];
  disk.read(p.offset(), s, sizeof s);
  if (std::memcmp(s, hibernate::kMagic, sizeof s) == 0) return "hibernation image header";
  for (uint8_t b : s) {
    if (b) return "data";
  }
  return "zeroes";
}

int print_table(const std::string& path) {
  FileSource disk(path);
  if (!has_mbr(disk)) {
    std::printf("%s: %llu bytes (%s), no MBR partition table: partition 0 is the whole disk\n", path.c_str(),
                (unsigned long long)disk.size(), format_size(disk.size()).c_str());
    return exit_code::kOk;
  }
  MbrTable t = read_mbr(disk);
  std::printf("%s: %llu bytes (%s), MBR partition table\n", path.c_str(), (unsigned long long)disk.size(),
              format_size(disk.size()).c_str());
  std::printf("  %-2s %-4s %-18s %10s %10s %10s  %s\n", "#", "boot", "type", "start LBA", "sectors", "size", "");
  int status = exit_code::kOk;
  for (const MbrPartition& p : t) {
    if (!p.used()) {
      std::printf("  %-2d unused\n", p.number);
      continue;
    }
    std::string problem = partition_problem(t, p.number, disk.size());
    std::printf("  %-2d %-4s %-18s %10u %10u %10s  %s\n", p.number, p.status == 0x80 ? "*" : "",
                partition_type_name(p.type).c_str(), p.lba_first, p.sectors, format_size(p.bytes()).c_str(),
                problem.empty() ? contents(disk, p).c_str() : ("bad: " + problem).c_str());
    if (!problem.empty()) status = exit_code::kImageInvalid;
  }
  return status;
}

int run_create(const DiskArgs& a) {
  uint64_t bytes = 0;
  std::vector<MbrPartition> parts;
  try {
    bytes = parse_size(a.size);
    if (bytes == 0 || bytes % 512) throw std::invalid_argument("size must be a positive multiple of 512 bytes");
    std::vector<PartitionSpec> specs;
    for (const std::string& s : a.partitions) specs.push_back(parse_partition_spec(s));
    parts = layout_partitions(bytes, specs);
    // The first partition starts at 1 MiB: a disk with partitions is bigger than that.
  } catch (const std::invalid_argument& e) {
    std::fprintf(stderr, "kjump: disk create: %s\n", e.what());
    return exit_code::kBadInput;
  }
  struct stat st {};
  if (!a.force && ::stat(a.file.c_str(), &st) == 0) {
    std::fprintf(stderr, "kjump: %s: already exists (--force replaces it)\n", a.file.c_str());
    return exit_code::kBadInput;
  }
  try {
    create_disk_image(a.file, bytes, parts, a.force ? Overwrite::Yes : Overwrite::No);
    return print_table(a.file);
  } catch (const ImageError& e) {
    std::fprintf(stderr, "kjump: %s\n", e.what());
    return exit_code::kBadInput;
  }
}

int run_info(const DiskArgs& a) {
  try {
    return print_table(a.file);
  } catch (const ImageError& e) {
    std::fprintf(stderr, "kjump: %s\n", e.what());
    return exit_code::kBadInput;
  }
}

}  // namespace

void register_disk_command(CLI::App& app, int& exit_status) {
  auto* disk = app.add_subcommand("disk", "Create raw disk images with an MBR partition table, and list them");
  disk->require_subcommand(1);
  auto a = std::make_shared<DiskArgs>();

  auto* create = disk->add_subcommand(
      "create", "Write a zeroed (sparse) raw disk image; with --partition, an MBR whose partitions follow one\n"
                "another from LBA 2048 on 1 MiB boundaries, as fdisk lays them out");
  create->add_option("file", a->file, "the disk image to write")->required();
  create->add_option("--size", a->size, "the disk's size: 64M, 1GiB, 0x100000 (a multiple of 512)")->required();
  add_repeatable(*create, "--partition", a->partitions,
                     "SIZE[:TYPE] or rest[:TYPE] (repeatable, at most 4; only the last may be rest); TYPE is\n"
                     "hex, default 83 (Linux), 82 for swap, e.g. --partition 64M:82 --partition rest")
      ->allow_extra_args(false);  // one value per --partition: `--partition 20M d.img` leaves d.img alone
  create->add_flag("--force", a->force, "replace FILE if it exists");
  create->footer("Without --partition the image has no MBR (partition 0, the whole disk, is all there is).\n"
                 "Exit status: 0 written, 2 bad input (size, partitions, FILE exists, cannot write).");
  create->callback([a, &exit_status] { exit_status = run_create(*a); });

  auto* info = disk->add_subcommand("info", "List a disk image's MBR partitions (and what each starts with)");
  info->add_option("file", a->file, "the disk image")->required();
  info->footer("Exit status: 0, 1 a used entry is unusable (status byte, zero sectors, past the end of the file,\n"
               "overlapping another), 2 bad input (missing file).");
  info->callback([a, &exit_status] { exit_status = run_info(*a); });
}

}  // namespace kjump
