// image/mbr, image/partition_layout, image/disk_create: the partition table as fdisk writes
// and Linux reads it, every entry checked against the file's size, and disks created whole.
#include <doctest/doctest.h>

#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <stdexcept>

#include "boot_test_support.h"
#include "image/byte_source.h"
#include "image/disk_create.h"
#include "image/image_error.h"
#include "image/mbr.h"
#include "image/partition_layout.h"

using namespace kjump;
using namespace kjump::image;

namespace {

std::vector<uint8_t> disk_of(const std::vector<MbrPartition>& parts, uint64_t bytes) {
  std::vector<uint8_t> d(bytes, 0);
  auto s = encode_mbr(parts);
  std::copy(s.begin(), s.end(), d.begin());
  return d;
}

MbrPartition entry(int n, uint32_t lba, uint32_t sectors, uint8_t type = 0x83) {
  MbrPartition p;
  p.number = n;
  p.type = type;
  p.lba_first = lba;
  p.sectors = sectors;
  return p;
}

}  // namespace

TEST_CASE("mbr: partition specs are SIZE[:TYPE] or rest[:TYPE], TYPE in hex") {
  PartitionSpec a = parse_partition_spec("20M");
  CHECK(a.bytes == 20u << 20);
  CHECK(!a.rest);
  CHECK(a.type == 0x83);
  CHECK(parse_partition_spec("64M:82").type == 0x82);
  CHECK(parse_partition_spec("1MiB:0x0c").type == 0x0c);
  CHECK(parse_partition_spec("rest").rest);
  CHECK(parse_partition_spec("rest:82").type == 0x82);
  CHECK_THROWS_WITH_AS(parse_partition_spec("20M:zz"),
                       "partition '20M:zz': type 'zz' is not a hex byte (83 Linux, 82 Linux swap)", std::invalid_argument);
  CHECK_THROWS_WITH_AS(parse_partition_spec("20M:0"), "partition '20M:0': type 00 marks an unused entry",
                       std::invalid_argument);
  CHECK_THROWS_WITH_AS(parse_partition_spec("1000"), "partition '1000': size must be a positive multiple of 512 bytes",
                       std::invalid_argument);
  CHECK_THROWS_AS(parse_partition_spec("lots"), std::invalid_argument);
}

TEST_CASE("mbr: partitions follow one another from LBA 2048 on 1 MiB boundaries, rest to the end") {
  auto parts = layout_partitions(64u << 20, {parse_partition_spec("20M:82"), parse_partition_spec("1536K"),
                                             parse_partition_spec("rest")});
  REQUIRE(parts.size() == 3);
  CHECK(parts[0].number == 1);
  CHECK(parts[0].type == 0x82);
  CHECK(parts[0].lba_first == 2048);
  CHECK(parts[0].sectors == 40960);
  CHECK(parts[1].lba_first == 2048 + 40960);
  CHECK(parts[1].sectors == 3072);
  CHECK(parts[2].lba_first == 2048 + 40960 + 4096);  // 1.5 MiB rounded up to the next MiB
  CHECK(parts[2].lba_first + parts[2].sectors == (64u << 20) / 512);
}

TEST_CASE("mbr: a layout that does not fit, or has rest in the middle, or five entries, is refused") {
  CHECK_THROWS_WITH_AS(layout_partitions(40u << 20, {parse_partition_spec("20M"), parse_partition_spec("20M")}),
                       "partition 2 (20M) ends at 41 MiB, past the end of the 40M disk", std::invalid_argument);
  CHECK_THROWS_WITH_AS(layout_partitions(40u << 20, {parse_partition_spec("rest"), parse_partition_spec("1M")}),
                       "partition 1 (rest): only the last partition may be 'rest'", std::invalid_argument);
  CHECK_THROWS_WITH_AS(layout_partitions(1u << 20, {parse_partition_spec("rest")}),
                       "partition 1 (rest) would start at 1 MiB, at or past the end of the 1M disk", std::invalid_argument);
  std::vector<PartitionSpec> five(5, parse_partition_spec("1M"));
  CHECK_THROWS_WITH_AS(layout_partitions(64u << 20, five), "5 partitions: an MBR holds at most 4", std::invalid_argument);
}

TEST_CASE("mbr: encoded tables read back, with CHS as fdisk writes it and the 0x55 0xaa signature") {
  auto d = disk_of({entry(1, 2048, 40960, 0x82), entry(3, 43008, 2048)}, 22u << 20);
  CHECK(d[510] == 0x55);
  CHECK(d[511] == 0xAA);
  // fdisk's first partition: CHS 0/32/33, the bytes "00 20 21 00" at 0x1be.
  CHECK(d[0x1BE] == 0x00);
  CHECK(d[0x1BF] == 0x20);
  CHECK(d[0x1C0] == 0x21);
  CHECK(d[0x1C1] == 0x00);
  MemorySource src(d, "disk.img");
  CHECK(has_mbr(src));
  MbrTable t = read_mbr(src);
  CHECK(t[0].used());
  CHECK(t[0].type == 0x82);
  CHECK(t[0].lba_first == 2048);
  CHECK(t[0].sectors == 40960);
  CHECK(!t[1].used());
  CHECK(t[2].lba_first == 43008);
  CHECK(!t[3].used());
  CHECK(default_partition(src) == 1);
}

TEST_CASE("mbr: partition N is its byte range; partition 0 is the whole disk") {
  auto d = disk_of({entry(1, 2048, 4096)}, 4u << 20);
  MemorySource src(d, "disk.img");
  PartitionExtent p1 = find_partition(src, 1);
  CHECK(p1.offset == 1u << 20);
  CHECK(p1.size == 2u << 20);
  CHECK(p1.label == "disk.img: partition 1");
  PartitionExtent p0 = find_partition(src, 0);
  CHECK(p0.offset == 0);
  CHECK(p0.size == 4u << 20);
  CHECK(p0.label == "disk.img: partition 0 (whole disk)");
  CHECK_THROWS_WITH_AS(find_partition(src, 2), "disk.img: partition 2: unused (type 0x00)", ImageError);
  CHECK_THROWS_WITH_AS(find_partition(src, 5),
                       "disk.img: partition 5: no such partition (0 is the whole disk, 1 to 4 the MBR's entries)",
                       ImageError);
}

TEST_CASE("mbr: a disk without the signature has no partitions but 0, and 0 is its default") {
  std::vector<uint8_t> d(1u << 20, 0);
  MemorySource src(d, "plain.img");
  CHECK(!has_mbr(src));
  CHECK(default_partition(src) == 0);
  CHECK_THROWS_WITH_AS(find_partition(src, 1),
                       "plain.img: partition 1: the disk has no MBR partition table (no 0x55 0xaa signature at byte "
                       "510); partition 0 is the whole disk",
                       ImageError);
  CHECK_THROWS_WITH_AS(read_mbr(src), "plain.img: no MBR partition table (no 0x55 0xaa signature at byte 510)",
                       ImageError);
  std::vector<uint8_t> tiny(100, 0);
  MemorySource t(tiny, "tiny.img");
  CHECK(!has_mbr(t));
  CHECK(find_partition(t, 0).size == 100);
}

TEST_CASE("mbr: every used entry is checked against the file: past the end, at LBA 0, empty, overlapping, status") {
  const uint64_t size = 4u << 20;  // 8192 sectors
  auto problem = [&](std::vector<MbrPartition> parts, int n) {
    auto d = disk_of(parts, size);
    MemorySource src(d, "disk.img");
    return partition_problem(read_mbr(src), n, size);
  };
  CHECK(problem({entry(1, 2048, 6144)}, 1) == "");
  CHECK(problem({entry(1, 2048, 6145)}, 1) ==
        "LBA 2048 + 6145 sectors ends at byte 4194816, past the end of the file (4194304 bytes)");
  CHECK(problem({entry(1, 0, 100)}, 1) == "starts at LBA 0, the MBR itself");
  CHECK(problem({entry(1, 2048, 0)}, 1) == "has zero sectors");
  CHECK(problem({entry(1, 2048, 2048), entry(2, 3000, 100)}, 2) ==
        "LBA 3000 + 100 sectors overlaps partition 1 (LBA 2048 + 2048 sectors)");
  MbrPartition bad_status = entry(1, 2048, 100);
  bad_status.status = 0x12;
  CHECK(problem({bad_status}, 1) == "status byte 0x12 is neither 0x00 nor 0x80");
  // An entry past the end of a truncated file is refused when it is asked for.
  auto d = disk_of({entry(1, 2048, 6144)}, size);
  d.resize(size - 512);
  MemorySource src(d, "cut.img");
  CHECK_THROWS_WITH_AS(find_partition(src, 1),
                       "cut.img: partition 1: LBA 2048 + 6144 sectors ends at byte 4194304, past the end of the file "
                       "(4193792 bytes)",
                       ImageError);
}

TEST_CASE("disk create: a sparse zeroed file of the size asked, with the MBR, refusing to overwrite") {
  boottest::TempDir dir;
  const std::string path = (dir.path() / "d.img").string();
  auto parts = layout_partitions(64u << 20, {parse_partition_spec("20M:82"), parse_partition_spec("rest")});
  create_disk_image(path, 64u << 20, parts, Overwrite::No);
  CHECK(std::filesystem::file_size(path) == 64u << 20);
  struct stat st {};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  CHECK(uint64_t(st.st_blocks) * 512 < (1u << 20));  // a hole, not 64 MiB of zeroes on disk
  FileSource src(path);
  MbrTable t = read_mbr(src);
  CHECK(t[0].type == 0x82);
  CHECK(t[1].lba_first == 2048 + 40960);
  CHECK(partition_problem(t, 2, src.size()) == "");
  CHECK_THROWS_WITH_AS(create_disk_image(path, 1u << 20, {}, Overwrite::No), (path + ": already exists").c_str(),
                       ImageError);
  CHECK(std::filesystem::file_size(path) == 64u << 20);
  create_disk_image(path, 1u << 20, {}, Overwrite::Yes);
  CHECK(std::filesystem::file_size(path) == 1u << 20);
  FileSource plain(path);
  CHECK(!has_mbr(plain));
  // Nothing but the image is left in the folder (no temporary file).
  CHECK(std::distance(std::filesystem::directory_iterator(dir.path()), std::filesystem::directory_iterator()) == 1);
}

TEST_CASE("disk files: a missing file, a directory, and reads past the end are one-line errors") {
  boottest::TempDir dir;
  CHECK_THROWS_WITH_AS(FileSource((dir.path() / "none.img").string()),
                       ((dir.path() / "none.img").string() + ": cannot open: No such file or directory").c_str(),
                       ImageError);
  CHECK_THROWS_WITH_AS(FileSource(dir.path().string()), (dir.path().string() + ": not a regular file").c_str(),
                       ImageError);
  std::string p = dir.file("small.img", std::vector<uint8_t>(1000, 1));
  FileSource f(p);
  uint8_t buf[64];
  f.read(936, buf, 64);
  CHECK(buf[63] == 1);
  CHECK_THROWS_WITH_AS(f.read(990, buf, 64), (p + ": 64 bytes at offset 0x3de lie outside its 1000 bytes").c_str(),
                       ImageError);
}
